"""Flagging content and acting on it. Every action writes a ModerationAction.

Content-specific work (hiding a post, redacting it) is done by the owning app's callbacks
in the registry, inside the same transaction.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.groups.models import Membership, Role
from community.notifications.services import notify

from .models import Flag, ModerationAction, ModerationItem, Reason
from .registry import ModeratedKind, get_kind

AUTO_HIDE_AFTER_FLAGS = 3
CLAIM_EXPIRES = timedelta(minutes=30)
Action = ModerationAction.Action


def content_for(kind_key: str, object_id: int) -> tuple[ModeratedKind, object]:
    """The registered kind and the content itself, or a ValidationError."""
    kind = get_kind(kind_key)
    content = kind.get(object_id) if kind else None
    if content is None:
        raise ValidationError(_("This content no longer exists."), code="missing")
    return kind, content


@transaction.atomic
def flag_content(*, reporter, kind: str, object_id: int, reason: str, note: str = "") -> Flag:
    """Raise a concern about content; the reporter stays anonymous to its author."""
    moderated, content = content_for(kind, object_id)
    group = moderated.group_of(content)
    if not reporter.has_perm("moderation.flag", group):
        raise PermissionDenied
    author = moderated.author_of(content)
    if author is not None and author.pk == reporter.pk:
        raise ValidationError(_("You cannot flag your own words."), code="own_content")
    if reason not in Reason.values:
        raise ValidationError(_("Please choose a reason."), code="reason")
    item, _created = ModerationItem.objects.get_or_create(
        kind=kind, object_id=object_id, defaults={"group": group, "author": author}
    )
    item = ModerationItem.objects.select_for_update().get(pk=item.pk)
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                item=item, reporter=reporter, reason=reason, note=note.strip()[:500]
            )
    except IntegrityError:
        raise ValidationError(
            _("You have already flagged this. Thank you: moderators will look at it."),
            code="duplicate",
        ) from None
    item.flag_count = F("flag_count") + 1
    item.crisis = item.crisis or reason == Reason.CRISIS
    item.state = ModerationItem.State.OPEN
    item.resolved_at = None
    item.save(update_fields=["flag_count", "crisis", "state", "resolved_at"])
    item.refresh_from_db()
    if item.flag_count >= AUTO_HIDE_AFTER_FLAGS and item.flag_count - 1 < AUTO_HIDE_AFTER_FLAGS:
        moderated.set_hidden(content, True)
        log(item, moderator=None, action=Action.AUTO_HIDE, reason=_("Flagged by several members."))
    if item.flag_count == 1 or reason == Reason.CRISIS:
        tell_reviewers(item)
    return flag


def tell_reviewers(item: ModerationItem) -> None:
    """Notify the group's moderators, clinicians and admins that something needs a look."""
    url = reverse("moderation:item", kwargs={"slug": item.group.slug, "item_id": item.pk})
    reviewers = Membership.objects.filter(
        group=item.group, role__in=Role.privileged(), state=Membership.State.ACTIVE
    ).select_related("user")
    for membership in reviewers:
        notify(
            recipient=membership.user,
            kind="moderation.flagged",
            group=item.group,
            target=item.target,
            url=url,
        )


def log(item: ModerationItem, *, moderator, action: str, reason="", before="", after=""):
    return ModerationAction.objects.create(
        item=item,
        group=item.group,
        moderator=moderator,
        action=action,
        target=item.target,
        reason=str(reason),
        before=before,
        after=after,
    )


def require_reviewer(moderator, item: ModerationItem) -> None:
    if not moderator.has_perm("moderation.review", item.group):
        raise PermissionDenied


@transaction.atomic
def claim_item(*, moderator, item: ModerationItem) -> ModerationItem:
    """Take an item so two moderators do not work on it at once."""
    require_reviewer(moderator, item)
    item = ModerationItem.objects.select_for_update().get(pk=item.pk)
    now = timezone.now()
    held_by_other = (
        item.claimed_by_id not in (None, moderator.pk)
        and item.claimed_at is not None
        and item.claimed_at > now - CLAIM_EXPIRES
    )
    if held_by_other:
        raise ValidationError(
            _("%(name)s is already working on this item.") % {"name": item.claimed_by},
            code="claimed",
        )
    item.claimed_by, item.claimed_at = moderator, now
    item.save(update_fields=["claimed_by", "claimed_at"])
    return item


@transaction.atomic
def act(
    *, moderator, item: ModerationItem, action: str, reason: str = "", new_text: str = ""
) -> ModerationAction:
    """Apply a moderator's decision to the content and record it."""
    require_reviewer(moderator, item)
    item = claim_item(moderator=moderator, item=item)
    moderated, content = content_for(item.kind, item.object_id)
    reason = reason.strip()
    before = moderated.text_of(content)
    after = before
    if action == Action.KEEP:
        moderated.set_hidden(content, False)
    elif action == Action.HIDE:
        moderated.set_hidden(content, True)
    elif action == Action.UNHIDE:
        moderated.set_hidden(content, False)
    elif action == Action.REMOVE:
        if not reason:
            raise ValidationError(
                _("Please give a reason: the author will be told."), code="reason"
            )
        moderated.remove(content, reason)
    elif action == Action.REDACT:
        after = new_text.strip()
        if not after or after == before:
            raise ValidationError(
                _("Please change the text: remove only what must go."), code="redaction"
            )
        if not reason:
            raise ValidationError(
                _("Please give a reason: the author will be told."), code="reason"
            )
        moderated.redact(content, after, reason)
    else:
        raise ValidationError(_("Unknown action."), code="action")
    entry = log(item, moderator=moderator, action=action, reason=reason, before=before, after=after)
    resolve(item, resolved=action != Action.HIDE)
    if action in (Action.REMOVE, Action.REDACT):
        notify(
            recipient=moderated.author_of(content),
            kind="moderation.outcome",
            group=item.group,
            target=item.target,
            url=moderated.url_of(content),
        )
    return entry


def resolve(item: ModerationItem, *, resolved: bool) -> None:
    now = timezone.now()
    item.first_action_at = item.first_action_at or now
    item.claimed_by, item.claimed_at = None, None
    if resolved:
        item.state, item.resolved_at = ModerationItem.State.RESOLVED, now
    item.save(update_fields=["first_action_at", "claimed_by", "claimed_at", "state", "resolved_at"])
