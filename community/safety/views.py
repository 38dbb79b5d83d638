from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .context_processors import crisis_lines
from .crisis import COUNTRY_NAMES, country_for, resources


@login_required
@require_safe
def help_now(request: HttpRequest) -> HttpResponse:
    """ "Need help now?": the crisis lines for this member, each with where it was checked.
    Any signed-in member may read it; it shows no group's data."""
    country = country_for(getattr(request.user, "language", ""))
    context = {
        "lines": crisis_lines(request.user),
        # Named only when the table has the country's own lines (not the fallback).
        "country_name": COUNTRY_NAMES.get(country, "") if country in resources() else "",
    }
    return render(request, "safety/help.html", context)
