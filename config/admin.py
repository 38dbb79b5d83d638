"""The Django admin as this site runs it: for staff only, and silent to everyone else.

Django's admin sends anyone it does not admit to its login page. Here that page is the
site's own login (config/urls.py), which sends a signed-in member straight back to the
admin: a redirect loop. A signed-in member who is not staff gets 404 instead (nothing to
log in to, and no hint that an admin exists); logged-out visitors still go to the login.
"""

from functools import wraps

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import Http404


class StaffOnlyAdminSite(AdminSite):
    def admin_view(self, view, cacheable=False):
        """Wrap an admin view so that signed-in users without admin access get 404."""
        checked = super().admin_view(view, cacheable)

        @wraps(checked)
        def staff_only(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                raise Http404
            return checked(request, *args, **kwargs)

        return staff_only


class StaffOnlyAdminConfig(AdminConfig):
    default_site = "config.admin.StaffOnlyAdminSite"
