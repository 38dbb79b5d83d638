"""Flagging content and acting on it. Every action writes a ModerationAction.

Content-specific work (hiding a post, redacting it) is done by the owning app's callbacks
in the registry, inside the same transaction.
"""

import difflib
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.groups.models import Membership, Role
from community.groups.policy import is_group_clinician, may_hold_role
from community.groups.services import mute_member, remove_member, restore_membership
from community.notifications.services import notify, notify_each, withdraw_unsent_emails
from community.privacy.database import erasing_audit_rows
from community.privacy.models import AccessRecord
from community.privacy.services import expire_exports_of, record_access

from .models import CLAIM_EXPIRES, Flag, GroupRules, ModerationAction, ModerationItem, Reason
from .registry import ModeratedKind, get_kind

AUTO_HIDE_AFTER_FLAGS = 3
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
    if reason == Reason.HEALTH_CLAIM and not moderated.takes_clinician_notes(content):
        raise ValidationError(_("Please choose a reason."), code="reason")
    # A health claim alone is the clinicians' business: it opens nothing for moderators.
    state = ModerationItem.State.OPEN
    if reason == Reason.HEALTH_CLAIM:
        state = ModerationItem.State.CLEAR
    item, _created = ModerationItem.objects.get_or_create(
        kind=kind, object_id=object_id, defaults={"group": group, "author": author, "state": state}
    )
    item = ModerationItem.objects.select_for_update().get(pk=item.pk)
    # A resolved item that is flagged again is new work: reviewers must hear of it.
    reopened = item.state != ModerationItem.State.OPEN
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                item=item, reporter=reporter, reason=reason, note=note.strip()[:500]
            )
    except IntegrityError:
        if reason == Reason.HEALTH_CLAIM:
            message = _("You have already asked a clinician to look at this. Thank you.")
        else:
            message = _("You have already flagged this. Thank you: moderators will look at it.")
        raise ValidationError(message, code="duplicate") from None
    if reason == Reason.HEALTH_CLAIM:
        ask_clinicians(item, asked_at=flag.created_at)  # from this mark on, askers hear back
        return flag
    item.flag_count = F("flag_count") + 1
    item.crisis = item.crisis or reason == Reason.CRISIS
    item.state = ModerationItem.State.OPEN
    item.resolved_at = None
    item.save(update_fields=["flag_count", "crisis", "state", "resolved_at"])
    item.refresh_from_db()
    threshold = GroupRules.for_group(group).auto_hide_after_flags
    if threshold and item.flag_count == threshold:
        moderated.set_hidden(content, True)
        log(item, moderator=None, action=Action.AUTO_HIDE, reason=_("Flagged by several members."))
    if item.flag_count == 1 or reopened or reason == Reason.CRISIS:
        tell_reviewers(item, reporter=reporter)
    return flag


def tell_reviewers(
    item: ModerationItem, *, reporter=None, kind: str = "moderation.flagged"
) -> None:
    """Notify the group's moderators, clinicians and admins that something needs a look
    (not a reviewer who raised the concern themselves)."""
    url = reverse("moderation:item", kwargs={"slug": item.group.slug, "item_id": item.pk})
    reviewers = (
        Membership.objects.filter(
            group=item.group, role__in=Role.privileged(), state=Membership.State.ACTIVE
        )
        .exclude(user_id=getattr(reporter, "pk", None))
        .exclude(user_id=item.author_id)  # nobody reviews their own words
        .select_related("user")
    )
    notify_each(
        recipients=[membership.user for membership in reviewers],
        kind=kind,
        group=item.group,
        target=item.target,
        url=url,
    )


def ask_clinicians(item: ModerationItem, *, asked_at=None) -> None:
    """Put the item in the clinicians' lane and tell them, once while it waits there. The
    moderators' state stays as it is: a request for a clinician's word is no concern."""
    if item.waits_for_clinician:
        return
    item.clinician_asked_at, item.clinician_answered_at = asked_at or timezone.now(), None
    item.save(update_fields=["clinician_asked_at", "clinician_answered_at"])
    url = reverse("moderation:item", kwargs={"slug": item.group.slug, "item_id": item.pk})
    clinicians = (
        Membership.objects.filter(
            group=item.group,
            role=Role.CLINICIAN,
            state=Membership.State.ACTIVE,
            user__is_verified_clinician=True,
        )
        .exclude(user_id=item.author_id)
        .select_related("user")
    )
    notify_each(
        recipients=[membership.user for membership in clinicians],
        kind="moderation.ask_clinician",
        group=item.group,
        target=item.target,
        url=url,
    )


@transaction.atomic
def answer_clinician_request(*, clinician, kind: str, object_id: int) -> None:
    """A clinician added a note to the content: the lane's request (if any) is answered.
    Whatever moderators have to decide about it stays theirs (claim and state untouched)."""
    item = ModerationItem.objects.select_for_update().filter(kind=kind, object_id=object_id)
    item = item.first()
    if item is None or not item.waits_for_clinician:
        return
    close_clinician_request(item)
    # Answered before the clinicians were e-mailed about it (the demo seeding asks and
    # answers at once): no e-mail asks them for what is already done.
    withdraw_unsent_emails(kind="moderation.ask_clinician", target=item.target)
    log(item, moderator=clinician, action=Action.CLINICIAN_NOTE)
    moderated, content = content_for(kind, object_id)
    # The members who asked this time hear that the answer is there (never who else asked).
    asked = item.flags.filter(reason=Reason.HEALTH_CLAIM, created_at__gte=item.clinician_asked_at)
    askers = asked.exclude(reporter=None).select_related("reporter")
    notify_each(
        recipients=[flag.reporter for flag in askers],
        kind="moderation.clinician_answered",
        group=item.group,
        target=item.target,
        url=moderated.url_of(content),
    )


def log(
    item: ModerationItem,
    *,
    moderator,
    action: str,
    reason="",
    before="",
    after="",
    subject=None,
    redacted_characters: int | None = None,
):
    return ModerationAction.objects.create(
        item=item,
        group=item.group,
        moderator=moderator,
        subject=subject if subject is not None else item.author,
        action=action,
        target=item.target,
        reason=str(reason),
        before=before,
        after=after,
        redacted_characters=redacted_characters,
    )


def require_reviewer(moderator, item: ModerationItem) -> None:
    if not moderator.has_perm("moderation.review_item", item):
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
    if item.appealed_at is not None and item.decided_by_id == moderator.pk:
        raise ValidationError(
            _("This is an appeal against your decision: another moderator must review it."),
            code="own_decision",
        )
    item.claimed_by, item.claimed_at = moderator, now
    item.save(update_fields=["claimed_by", "claimed_at"])
    return item


# How many earlier decisions about the author the item page shows.
HISTORY_LENGTH = 10


@transaction.atomic
def look_at_history(*, viewer, item: ModerationItem, author) -> list[ModerationAction]:
    """Show a reviewer what moderators decided about the author's words in this group
    before, and record that they looked (the member can see it in their access log)."""
    if not viewer.has_perm("moderation.review", item.group) or author is None:
        raise PermissionDenied
    record_access(
        viewer=viewer,
        subject=author,
        reason=AccessRecord.Reason.VIEW_MODERATION_HISTORY,
        target=item,
        group_id=item.group_id,
    )
    earlier = (
        ModerationAction.objects.filter(group=item.group, subject=author)
        .exclude(item=item)
        .exclude(action__in=[Action.APPEAL])
        .select_related("moderator")
    )
    return list(earlier[:HISTORY_LENGTH])


@dataclass
class Decision:
    """What one action needs and does, so `act` stays a small dispatcher."""

    moderator: object
    item: ModerationItem
    moderated: ModeratedKind
    content: object
    reason: str
    new_text: str
    mute_days: int | None
    after: str = ""


def needs_reason(decision: Decision) -> None:
    if not decision.reason:
        raise ValidationError(_("Please give a reason: the member will be told."), code="reason")


def do_keep(d: Decision) -> None:
    """Dismiss the flags: the content stays, and counting starts again from zero."""
    d.moderated.set_hidden(d.content, False)
    d.item.flag_count = 0
    d.item.save(update_fields=["flag_count"])


def do_hide(d: Decision) -> None:
    if d.moderated.is_hidden(d.content):
        raise ValidationError(_("It is already hidden."), code="hidden")
    d.moderated.set_hidden(d.content, True)


def do_unhide(d: Decision) -> None:
    if not d.moderated.is_hidden(d.content):
        raise ValidationError(_("It is not hidden."), code="not_hidden")
    do_keep(d)


def do_support_offered(d: Decision) -> None:
    """A moderator reached out to the member: recorded, the content left as it is."""
    author = author_membership(d)
    if author.pk == d.moderator.pk:
        raise ValidationError(_("You cannot offer support to yourself here."), code="self")


def do_remove(d: Decision) -> None:
    needs_reason(d)
    d.moderated.remove(d.content, d.reason)


def do_redact(d: Decision) -> None:
    # Browsers send a textarea's line breaks as CRLF; stored text has plain newlines.
    d.after = d.new_text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not d.after or d.after == d.moderated.text_of(d.content):
        raise ValidationError(
            _("Please change the text: remove only what must go."), code="redaction"
        )
    needs_reason(d)
    d.moderated.redact(d.content, d.after, d.reason)
    # What is left may be read: it must not stay hidden once the item is resolved.
    d.moderated.set_hidden(d.content, False)


def author_membership(d: Decision):
    author = d.moderated.author_of(d.content)
    if author is None:
        raise ValidationError(_("The author's account no longer exists."), code="no_author")
    return author


def sanctionable_author(d: Decision):
    """The author, if a moderator may mute or remove them: plain members only (staff deal
    with moderators, clinicians and admins), and never someone already removed."""
    author = author_membership(d)
    membership = Membership.objects.filter(group=d.item.group, user=author).first()
    if membership is None or membership.state == Membership.State.REMOVED:
        raise ValidationError(_("The author is no longer in this group."), code="gone")
    if membership.role != Role.MEMBER:
        raise ValidationError(
            _("Moderators, clinicians and group admins are dealt with by staff."), code="role"
        )
    return author


def do_warn(d: Decision) -> None:
    needs_reason(d)
    author_membership(d)


def do_mute(d: Decision) -> None:
    needs_reason(d)
    if not d.mute_days or d.mute_days < 1:
        raise ValidationError(_("Please choose for how long."), code="mute_days")
    until = timezone.now() + timedelta(days=d.mute_days)
    mute_member(group=d.item.group, user=sanctionable_author(d), until=until)


def do_remove_member(d: Decision) -> None:
    needs_reason(d)
    remove_member(group=d.item.group, user=sanctionable_author(d))


def do_escalate(d: Decision) -> None:
    d.item.escalated = True
    d.item.save(update_fields=["escalated"])
    ask_clinicians(d.item)


def do_no_note_needed(d: Decision) -> None:
    """A clinician looked and finds no note needed; the content stays as it is."""
    if not d.item.waits_for_clinician:
        raise ValidationError(_("No clinician's word is asked for here."), code="not_asked")
    if not is_group_clinician(d.moderator, d.item.group):
        raise ValidationError(_("Only the group's clinicians can decide this."), code="role")
    close_clinician_request(d.item)


def close_clinician_request(item: ModerationItem) -> None:
    item.clinician_answered_at = timezone.now()
    item.save(update_fields=["clinician_answered_at"])


def do_approve(d: Decision) -> None:
    if not d.item.held:
        raise ValidationError(_("This is not waiting for approval."), code="not_held")
    d.moderated.approve(d.content)
    d.item.held = False
    d.item.save(update_fields=["held"])


def decisions_against_author(item: ModerationItem):
    """The decisions against the item's author that they may appeal, newest first."""
    return item.actions.filter(action__in=ModerationAction.APPEALABLE).order_by(
        "-created_at", "-pk"
    )


def appealed_decisions(d: Decision) -> list[str]:
    if not d.item.appeal_pending:
        raise ValidationError(_("No appeal waits for a decision here."), code="no_appeal")
    needs_reason(d)
    return list(dict.fromkeys(decisions_against_author(d.item).values_list("action", flat=True)))


def do_uphold_appeal(d: Decision) -> None:
    appealed_decisions(d)


def reinstate_membership(d: Decision) -> None:
    author = author_membership(d)
    if Membership.objects.filter(group=d.item.group, user=author).exists():
        restore_membership(group=d.item.group, user=author)


# How each decision is undone when an appeal reverses it (a warning only needs the record;
# redacted words were erased and cannot come back, but the author may edit again).
UNDO = {
    Action.HIDE: lambda d: d.moderated.set_hidden(d.content, False),
    Action.REMOVE: lambda d: d.moderated.reinstate(d.content),
    Action.REDACT: lambda d: d.moderated.reinstate(d.content),
    Action.MUTE: reinstate_membership,
    Action.REMOVE_MEMBER: reinstate_membership,
}


def do_grant_appeal(d: Decision) -> None:
    for action in appealed_decisions(d):
        if action in UNDO:
            UNDO[action](d)


# action: (what it does, whether the item is then resolved, whether the member is told);
# None: the moderators' state is not the action's business (it belongs to the clinicians' lane).
DECISIONS = {
    Action.KEEP: (do_keep, True, False),
    Action.HIDE: (do_hide, False, False),
    Action.UNHIDE: (do_unhide, True, False),
    Action.REMOVE: (do_remove, True, True),
    Action.REDACT: (do_redact, True, True),
    Action.WARN: (do_warn, True, True),
    Action.MUTE: (do_mute, True, True),
    Action.REMOVE_MEMBER: (do_remove_member, True, True),
    Action.ESCALATE: (do_escalate, False, False),
    Action.APPROVE: (do_approve, True, False),
    Action.NO_NOTE_NEEDED: (do_no_note_needed, None, False),
    Action.APPEAL_UPHELD: (do_uphold_appeal, True, True),
    Action.APPEAL_GRANTED: (do_grant_appeal, True, True),
    # Counts as the first action, and leaves the state alone: a crisis item stays open (and
    # on top) until a moderator decides about the content too, for reaching out is no
    # decision about the words. Nor is it one an appeal could go against (decided_by stays).
    Action.SUPPORT_OFFERED: (do_support_offered, None, False),
}


@transaction.atomic
def act(
    *,
    moderator,
    item: ModerationItem,
    action: str,
    reason: str = "",
    new_text: str = "",
    mute_days: int | None = None,
) -> ModerationAction:
    """Apply a moderator's decision and record it; the member is told when it concerns them."""
    require_reviewer(moderator, item)
    if action not in DECISIONS:
        raise ValidationError(_("Unknown action."), code="action")
    # The clinicians' lane may still wait on an item the moderators have resolved.
    if item.state == ModerationItem.State.RESOLVED and action != Action.NO_NOTE_NEEDED:
        raise ValidationError(_("This item is already resolved."), code="resolved")
    if item.held and action not in (Action.APPROVE, Action.REMOVE, Action.SUPPORT_OFFERED):
        raise ValidationError(
            _("This post waits for review: approve it or remove it first."), code="held"
        )
    if item.appeal_pending and action not in ModerationAction.APPEAL_VERDICTS:
        # Otherwise a decision could resolve the item and leave the appeal unanswered (and
        # staff, who are here only for the appeal, could decide anything else).
        raise ValidationError(
            _("The member's appeal waits here: uphold or reverse the decision first."),
            code="appeal_first",
        )
    item = claim_item(moderator=moderator, item=item)
    moderated, content = content_for(item.kind, item.object_id)
    before = moderated.text_of(content)
    decision = Decision(moderator, item, moderated, content, reason.strip(), new_text, mute_days)
    decision.after = before
    run, resolves, tells_member = DECISIONS[action]
    run(decision)
    redacted = None
    if action == Action.REDACT:
        redacted = removed_characters(before, decision.after)
        forget_redacted_words(item, author=moderated.author_of(content))
        before = ""  # the log keeps how much was redacted, and why: never the words
    entry = log(
        item,
        moderator=moderator,
        action=action,
        reason=decision.reason,
        before=before,
        after=decision.after,
        subject=moderated.author_of(content),
        redacted_characters=redacted,
    )
    if resolves is None:
        release_claim(item, first_action=action == Action.SUPPORT_OFFERED)
    else:
        resolve(item, resolved=resolves, decided_by=moderator)
    if tells_member:
        notify(
            recipient=moderated.author_of(content),
            kind="moderation.outcome",
            group=item.group,
            target=item.target,
            url=reverse("moderation:notices"),
        )
    return entry


def removed_characters(before: str, after: str) -> int:
    """How many characters of `before` a redaction took out (replaced or deleted)."""
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return sum(i2 - i1 for tag, i1, i2, _j1, _j2 in matcher.get_opcodes() if tag != "equal")


def forget_redacted_words(item: ModerationItem, *, author) -> None:
    """Redacted words must not live on anywhere: the log's earlier copies of the content
    are blanked (the owning app's redact() has cleared its own history), and the author's
    ready data exports, made with the words in them, expire."""
    erase_texts_about(kind=item.kind, object_ids=[item.object_id], why="content_redacted")
    if author is not None:
        expire_exports_of(user_id=author.pk)


def release_claim(item: ModerationItem, *, first_action: bool = False) -> None:
    """Let go of the item (and, for an action that counts as one, note the first action)."""
    item.claimed_by, item.claimed_at = None, None
    if first_action:
        item.first_action_at = item.first_action_at or timezone.now()
    item.save(update_fields=["claimed_by", "claimed_at", "first_action_at"])


def resolve(item: ModerationItem, *, resolved: bool, decided_by=None) -> None:
    now = timezone.now()
    item.first_action_at = item.first_action_at or now
    item.claimed_by, item.claimed_at = None, None
    item.decided_by = decided_by or item.decided_by
    if resolved:
        item.state, item.resolved_at = ModerationItem.State.RESOLVED, now
    else:
        # Hidden or escalated content is still under review: back in (or kept in) the queue.
        item.state, item.resolved_at = ModerationItem.State.OPEN, None
    item.save(
        update_fields=[
            "first_action_at",
            "claimed_by",
            "claimed_at",
            "state",
            "resolved_at",
            "decided_by",
        ]
    )


@transaction.atomic
def appeal(*, author, item: ModerationItem, message: str) -> ModerationItem:
    """Let the author ask, once, for a decision against them (hide, remove, redact, warn,
    mute, removal from the group) to be looked at again by someone other than the
    moderator who made it."""
    item = ModerationItem.objects.select_for_update().get(pk=item.pk)
    if item.author_id != author.pk or not decisions_against_author(item).exists():
        raise PermissionDenied
    if item.appealed_at is not None:
        raise ValidationError(_("You have already appealed this decision."), code="again")
    message = message.strip()
    if not message:
        raise ValidationError(_("Please say why you disagree."), code="empty")
    item.appealed_at, item.appeal_message = timezone.now(), message[:2000]
    item.state, item.resolved_at = ModerationItem.State.OPEN, None
    item.claimed_by, item.claimed_at = None, None
    item.save(
        update_fields=[
            "appealed_at",
            "appeal_message",
            "state",
            "resolved_at",
            "claimed_by",
            "claimed_at",
        ]
    )
    log(item, moderator=None, action=Action.APPEAL, reason=message[:2000], subject=author)
    tell_appeal_reviewers(item)
    return item


def tell_appeal_reviewers(item: ModerationItem) -> None:
    """The group's other reviewers hear of the appeal; where the moderator who decided is
    the only one, staff do (they may review appeals in any group)."""
    others = (
        Membership.objects.filter(
            group=item.group, role__in=Role.privileged(), state=Membership.State.ACTIVE
        )
        .exclude(user_id__in=[item.decided_by_id, item.author_id])
        .select_related("user")
    )
    reviewers = [m.user for m in others if may_hold_role(m.user, item.group, m.role)]
    if not reviewers:
        reviewers = list(
            get_user_model()
            .objects.filter(is_staff=True, is_active=True)
            .exclude(pk__in=[item.decided_by_id, item.author_id])
        )
    notify_each(
        recipients=reviewers,
        kind="moderation.appeal",
        group=item.group,
        target=item.target,
        url=reverse("moderation:item", kwargs={"slug": item.group.slug, "item_id": item.pk}),
    )


@transaction.atomic
def hold_for_review(*, kind: str, object_id: int, group, author, note: str) -> ModerationItem:
    """Put new content in the queue to wait for approval (pre-moderation, watched words)."""
    item, _created = ModerationItem.objects.get_or_create(
        kind=kind, object_id=object_id, defaults={"group": group, "author": author}
    )
    item.held, item.state, item.held_reason = True, ModerationItem.State.OPEN, note[:200]
    item.save(update_fields=["held", "state", "held_reason"])
    tell_reviewers(item)
    return item


@transaction.atomic
def flag_automatically(*, kind: str, object_id: int, group, author, note: str) -> ModerationItem:
    """A watched word asks moderators to look at published content (again, if they had
    resolved it: an edit can bring new words into content they have already seen)."""
    item, created = ModerationItem.objects.get_or_create(
        kind=kind, object_id=object_id, defaults={"group": group, "author": author}
    )
    item = ModerationItem.objects.select_for_update().get(pk=item.pk)
    # Not counted as a member's flag: only people count towards the auto-hide threshold.
    Flag.objects.create(item=item, reporter=None, reason=Reason.OTHER, note=note[:500])
    reopened = item.state != ModerationItem.State.OPEN
    if reopened:
        item.state, item.resolved_at = ModerationItem.State.OPEN, None
        item.save(update_fields=["state", "resolved_at"])
    if created or reopened:
        tell_reviewers(item)
    return item


@transaction.atomic
def withhold_for_review(*, kind: str, object_id: int, group, author, note: str) -> ModerationItem:
    """An edit brought in a word the group holds for review: the published content is
    hidden from peers until a moderator looks (keeping it shows it again)."""
    moderated, content = content_for(kind, object_id)
    moderated.set_hidden(content, True)
    item = flag_automatically(kind=kind, object_id=object_id, group=group, author=author, note=note)
    log(item, moderator=None, action=Action.HELD_AFTER_EDIT, reason=note[:200])
    return item


@transaction.atomic
def follow_content_to_group(*, kind: str, object_ids, group) -> int:
    """Content moved to another group: its items go with it, to that group's reviewers."""
    return ModerationItem.objects.filter(kind=kind, object_id__in=object_ids).update(group=group)


def objects_with_texts(*, kind: str) -> set[int]:
    """Ids of `kind` content whose before/after copies the action log still holds."""
    targets = (
        ModerationAction._base_manager.filter(target__startswith=f"{kind}:")
        .exclude(before="", after="")
        .values_list("target", flat=True)
    )
    return {int(target.rpartition(":")[2]) for target in targets}


def erase_texts_about(*, kind: str, object_ids: list[int], why: str = "content_erased") -> int:
    """Blank the before/after copies of content that retention has erased.

    The action log is append-only, but a removed post's words must not outlive the post's
    retention period in it; what was done, by whom and why stays. The one audited path
    through the log's append-only guards does it (and records how many rows, not what).
    """
    targets = [f"{kind}:{object_id}" for object_id in object_ids]
    copies = ModerationAction.objects.filter(target__in=targets).exclude(before="", after="")
    with erasing_audit_rows(ModerationAction, reason=f"{why}:{kind}") as erasure:
        return erasure.update(copies, before="", after="")


@transaction.atomic
def open_for_review(*, moderator, kind: str, object_id: int) -> ModerationItem:
    """A moderator who sees a problem acts at once: the content gets an item (no flag
    needed), reopened if it was resolved, ready for hide, remove, redact or mute."""
    moderated, content = content_for(kind, object_id)
    group = moderated.group_of(content)
    if not moderator.has_perm("moderation.review", group):
        raise PermissionDenied
    item, created = ModerationItem.objects.get_or_create(
        kind=kind,
        object_id=object_id,
        defaults={"group": group, "author": moderated.author_of(content)},
    )
    if not created and item.state != ModerationItem.State.OPEN:
        item.state, item.resolved_at = ModerationItem.State.OPEN, None
        item.save(update_fields=["state", "resolved_at"])
    return item


@transaction.atomic
def raise_crisis(*, kind: str, object_id: int, group, author) -> ModerationItem:
    """Someone may need support now: the content stays published, its item goes to the top
    of the queue as a crisis, and the reviewers hear at once, exactly once per open item."""
    item, _created = ModerationItem.objects.get_or_create(
        kind=kind, object_id=object_id, defaults={"group": group, "author": author}
    )
    item = ModerationItem.objects.select_for_update().get(pk=item.pk)
    if item.crisis and item.state == ModerationItem.State.OPEN:
        return item
    item.crisis, item.state = True, ModerationItem.State.OPEN
    item.save(update_fields=["crisis", "state"])
    tell_reviewers(item, kind="moderation.crisis")
    return item
