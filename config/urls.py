from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from community.groups import views as group_views

# A service that is down gets a translated "try again in a moment" (503), not a bare 500.
handler500 = "config.outages.server_error"

urlpatterns = [
    path("", group_views.home, name="home"),
    path("accounts/", include("community.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("notifications/", include("community.notifications.urls")),
    path("", include("community.safety.urls")),
    path("", include("community.consent.urls")),
    path("", include("community.privacy.urls")),
    # One login for the whole site: the admin uses allauth's (with its MFA step).
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
        name="admin_login_redirect",
    ),
    path("admin/", admin.site.urls),
    path("", include("community.groups.urls")),
    path("", include("community.moderation.urls")),
    path("", include("community.forum.urls")),
    path("", include("community.chat.urls")),
    path("", include("community.clinicians.urls")),
    path("", include("community.qa.urls")),
]
