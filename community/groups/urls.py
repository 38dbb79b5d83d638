from django.urls import path

from . import views

app_name = "groups"

urlpatterns = [
    path("invitations/open/", views.invitation_open, name="invitation_open"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("groups/<slug:slug>/", views.group_detail, name="detail"),
    path("groups/<slug:slug>/invitations/", views.invitation_list, name="invitations"),
    path(
        "groups/<slug:slug>/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "groups/<slug:slug>/invitations/<int:pk>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
]
