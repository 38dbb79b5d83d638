from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("privacy/exports/", views.exports, name="exports"),
    path("privacy/exports/<int:pk>/status/", views.export_status, name="export_status"),
    path("privacy/exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("privacy/access-log/", views.access_log, name="access_log"),
    path("privacy/close/", views.close_account, name="close_account"),
    path("privacy/closed/", views.account_closed, name="account_closed"),
]
