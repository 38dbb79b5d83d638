from django.urls import path

from . import note_views, views

app_name = "forum"

group = "groups/<slug:slug>/"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("posts/<int:post_id>/", views.post_link, name="post_link"),
    path(f"{group}threads/", views.thread_list, name="thread_list"),
    path(f"{group}members/suggest/", views.mention_suggestions, name="mention_suggestions"),
    path(f"{group}threads/new/", views.thread_create, name="thread_create"),
    path(f"{group}threads/read/", views.mark_all_read, name="mark_all_read"),
    path(f"{group}threads/<int:thread_id>/", views.thread_detail, name="thread_detail"),
    path(f"{group}threads/<int:thread_id>/unread/", views.thread_unread, name="thread_unread"),
    path(f"{group}threads/<int:thread_id>/reply/", views.post_reply, name="post_reply"),
    path(f"{group}threads/<int:thread_id>/follow/", views.thread_follow, name="thread_follow"),
    path(
        f"{group}threads/<int:thread_id>/moderate/", views.thread_moderate, name="thread_moderate"
    ),
    path(f"{group}threads/<int:thread_id>/move/", views.thread_move, name="thread_move"),
    path(f"{group}posts/<int:post_id>/", views.post_permalink, name="post_permalink"),
    path(f"{group}posts/<int:post_id>/edit/", views.post_edit, name="post_edit"),
    path(f"{group}posts/<int:post_id>/delete/", views.post_delete, name="post_delete"),
    path(f"{group}posts/<int:post_id>/react/", views.post_react, name="post_react"),
    path(f"{group}posts/<int:post_id>/history/", views.post_history, name="post_history"),
    path(f"{group}posts/<int:post_id>/author/", views.post_author, name="post_author"),
    path(f"{group}posts/<int:post_id>/note/", note_views.clinician_note, name="clinician_note"),
    path(
        f"{group}posts/<int:post_id>/notes/<int:note_id>/history/",
        views.post_history,
        name="note_history",
    ),
    path(f"{group}images/<int:image_id>/", views.image, name="image"),
]
