"""Clinicians' notes under posts: a verified clinician's word beside a health claim.

One note per clinician and post; writing again revises it and keeps every version. A note
answers the clinicians' lane of the review queue for that post, and its author is told.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.markup.render import clean_source, render_markdown
from community.moderation.services import answer_clinician_request
from community.notifications.services import notify
from community.safety.personal_data import Confirmation
from community.safety.screening import act_on_screening, screen_text

from .models import ClinicianNote, ClinicianNoteRevision, NoteStance, Post
from .services import require

NOTE_MAX = 1000  # characters: a note is a short word beside the post, not a second post
NOTE_KIND = "forum.clinician_note"  # moderation kind and notification kind


def clean_note(body: str) -> str:
    return clean_source(
        body,
        limit=NOTE_MAX,
        empty=_("Please write the note."),
        too_long=_(
            "This note is %(length)d characters long; please keep it under %(max)d. "
            "A longer text fits the group's knowledge bank."
        ),
        code_prefix="body_",
    )


def clean_stance(stance: str) -> str:
    if stance not in NoteStance.values:
        raise ValidationError(_("Please choose what the note does."), code="stance")
    return stance


@transaction.atomic
def write_clinician_note(
    *,
    clinician,
    post: Post,
    stance: str,
    body: str,
    personal_data: Confirmation | None = None,
) -> ClinicianNote:
    """Add the clinician's note under a post, or revise theirs (each version is kept)."""
    post = (
        Post.objects.select_for_update(of=("self",)).select_related("thread__group").get(pk=post.pk)
    )
    require(clinician, "forum.write_note", post)
    stance, body = clean_stance(stance), clean_note(body)
    group = post.thread.group
    note = ClinicianNote.objects.filter(post=post, author=clinician).first()
    if note is not None and (note.is_withheld or note.moderator_note):
        # Otherwise a clinician could put back what moderators redacted or removed.
        raise ValidationError(
            _("Moderators have acted on this note, so it can no longer be changed."),
            code="moderated",
        )
    if note is not None and (note.stance, note.body_source) == (stance, body):
        return note
    screened = screen_text(
        group=group,
        author=clinician,
        text=body,
        earlier=note.body_source if note else "",
        personal_data=personal_data,
    )
    created = note is None
    note = store_note(note or ClinicianNote(post=post, author=clinician), stance, body)
    # A note cannot wait for approval (it answers a question now): words the group holds
    # ask the moderators to look at it, as watched words do.
    act_on_screening(screened, kind=NOTE_KIND, object_id=note.pk, group=group, author=clinician)
    answer_clinician_request(clinician=clinician, kind="forum.post", object_id=post.pk)
    if created and post.author_id is not None:
        notify(
            recipient=post.author,
            kind=NOTE_KIND,
            group=group,
            actor=clinician,
            target=f"forum.post:{post.pk}",
            url=reverse("forum:post_link", kwargs={"post_id": post.pk}),
        )
    return note


def store_note(note: ClinicianNote, stance: str, body: str) -> ClinicianNote:
    """Save a note's new text and add it to its history (clinicians' changes and
    moderators' redactions alike; callers check who may do it)."""
    rendered = render_markdown(body)
    note.stance = stance
    note.body_source, note.body_html, note.body_text = body, rendered.html, rendered.text
    if note.pk is not None:
        note.edited_at = timezone.now()
    note.save()
    ClinicianNoteRevision.objects.create(
        note=note, stance=stance, body_source=body, body_html=rendered.html
    )
    return note
