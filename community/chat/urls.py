from django.urls import path

from . import views

app_name = "chat"

urlpatterns = [
    path("groups/<slug:slug>/chat/", views.room, name="room"),
    path("chat/messages/<int:message_id>/", views.message_link, name="message_link"),
    path("chat/messages/<int:message_id>/edit/", views.message_edit, name="message_edit"),
    path("chat/messages/<int:message_id>/delete/", views.message_delete, name="message_delete"),
]
