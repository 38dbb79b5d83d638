"""Keep members' pages out of browser caches."""

from django.utils.cache import patch_cache_control


class PrivatePagesNotStoredMiddleware:
    """Ask the browser not to store any page shown to a signed-in member.

    Members use shared family and library computers: after logging out, Back must not show
    what someone wrote about their health.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
