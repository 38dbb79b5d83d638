"""The page where a verified clinician writes (or revises) their note under a post."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from community.accounts.mfa import require_mfa
from community.submissions.web import once

from .clinician_notes import write_clinician_note
from .forms import ClinicianNoteForm
from .models import ClinicianNote
from .policy import access_post
from .views import call_service, form_page, post_location


@login_required
def clinician_note(request: HttpRequest, slug: str, post_id: int) -> HttpResponse:
    post = access_post(request.user, slug, post_id)
    if not request.user.has_perm("forum.write_note", post):
        raise PermissionDenied
    require_mfa(request.user)
    note = ClinicianNote.objects.filter(post=post, author=request.user).first()
    initial = {"stance": note.stance, "body": note.body_source} if note else {}
    form = ClinicianNoteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            lambda: once(
                request,
                lambda: write_clinician_note(
                    clinician=request.user, post=post, **form.cleaned_data
                ),
            ),
        )
        if saved:
            messages.success(request, _("Your note is shown under the post."))
            return redirect(post_location(post.thread, post.number))
    context = {"group": post.thread.group, "thread": post.thread, "post": post, "note": note}
    return form_page(request, "forum/clinician_note_form.html", context, form)
