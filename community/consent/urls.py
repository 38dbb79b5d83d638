from django.urls import path

from . import views

app_name = "consent"

urlpatterns = [
    path("consent/", views.my_consents, name="mine"),
    path("consent/accept/", views.accept, name="accept"),
    path("consent/<slug:kind>/grant/", views.grant, name="grant"),
    path("consent/<slug:kind>/withdraw/", views.withdraw, name="withdraw"),
    path("consent/documents/<slug:kind>/", views.document, name="document"),
    path(
        "consent/documents/<slug:kind>/v<int:version>/",
        views.document_version,
        name="document_version",
    ),
    path("consent/manage/", views.manage, name="manage"),
    path("consent/manage/new/", views.draft_new, name="draft_new"),
    path("consent/manage/<int:pk>/", views.draft_detail, name="draft_detail"),
    path("consent/manage/<int:pk>/edit/", views.draft_edit, name="draft_edit"),
    path("consent/manage/<int:pk>/publish/", views.publish, name="publish"),
]
