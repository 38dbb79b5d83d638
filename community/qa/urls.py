from django.urls import path

from . import views

app_name = "qa"

group = "groups/<slug:slug>/"
session = f"{group}qa/<int:session_id>/"
urlpatterns = [
    path(f"{group}qa/", views.session_list, name="sessions"),
    path(f"{group}qa/new/", views.session_new, name="session_new"),
    path(session, views.session_detail, name="session"),
    path(f"{session}rsvp/", views.rsvp, name="rsvp"),
    path(f"{session}move/", views.move, name="move"),
    path(f"{session}questions/<int:question_id>/vote/", views.vote, name="vote"),
    path(f"{session}questions/<int:question_id>/host/", views.host_action, name="host_action"),
    path(f"{group}knowledge/", views.knowledge_list, name="knowledge"),
    path(f"{group}knowledge/new/", views.knowledge_new, name="knowledge_new"),
    path(f"{group}knowledge/<int:entry_id>/", views.knowledge_entry, name="knowledge_entry"),
    path(
        f"{group}knowledge/<int:entry_id>/reviewed/",
        views.knowledge_reviewed,
        name="knowledge_reviewed",
    ),
]
