"""The bench's URLconf (BENCH_ROOT_URLCONF=bench.urls): the site's URLs plus the reference.

/bench/bare/ renders a one-line template with the request, as `django.shortcuts.render`
does, so it pays what every page pays (the whole middleware stack and the context
processors) and nothing of its own: the floor that a page is measured against.
/bench/worker/ answers the process id (the HTTP bench's connections are spread by it).
"""

import os
from functools import cache

from django.http import HttpResponse
from django.template import engines
from django.urls import include, path

BARE_TEMPLATE = "<!doctype html><title>bare</title><p>{{ word }} {{ user.pk }}</p>"


@cache
def bare_template():
    """Compiled once, as the cached template loader keeps a page's template."""
    return engines["django"].from_string(BARE_TEMPLATE)


def bare_view(request):
    template = bare_template()
    return HttpResponse(template.render({"word": "bare"}, request))


def worker_view(request):
    """Which server process answered (the HTTP bench spreads its connections by it)."""
    return HttpResponse(str(os.getpid()), content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare_view),
    path("bench/worker/", worker_view),
    path("", include("config.urls")),
]
