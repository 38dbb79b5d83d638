from django.urls import path

from . import views

app_name = "moderation"

group = "groups/<slug:slug>/moderation/"
urlpatterns = [
    path("moderation/flag/<str:kind>/<int:object_id>/", views.flag, name="flag"),
    path(
        "moderation/review/<str:kind>/<int:object_id>/",
        views.review_content,
        name="review_content",
    ),
    path("moderation/", views.overview, name="overview"),
    path("moderation/notices/", views.notices, name="notices"),
    path("moderation/messages/", views.support_messages, name="messages"),
    path("moderation/appeal/<int:item_id>/", views.appeal, name="appeal"),
    path(f"{group}dashboard/", views.dashboard, name="dashboard"),
    path(group, views.queue, name="queue"),
    path(f"{group}log/", views.action_log, name="log"),
    path(f"{group}<int:item_id>/", views.item_detail, name="item"),
    path(f"{group}<int:item_id>/claim/", views.claim, name="claim"),
    path(f"{group}<int:item_id>/act/", views.act, name="act"),
    path(f"{group}<int:item_id>/message/", views.message_author, name="message_author"),
]
