"""Which decisions fit an item as it stands, worded as what the reviewer is about to do.

The log keeps its own, past-tense labels (ModerationAction.Action): "Hidden" is what was
done, "Hide it from the group" is what a button does.
"""

from django.utils.translation import gettext_lazy as _

from community.groups.models import Membership, Role
from community.groups.policy import is_group_clinician

from .models import ModerationAction, ModerationItem

Action = ModerationAction.Action

AS_ACTIONS = {
    Action.SUPPORT_OFFERED: _("Record that you offered the member support"),
    Action.APPROVE: _("Approve it for the group"),
    Action.KEEP: _("Keep it and dismiss the concerns"),
    Action.HIDE: _("Hide it from the group"),
    Action.UNHIDE: _("Show it again"),
    Action.REMOVE: _("Remove it (the author is told why)"),
    Action.REDACT: _("Redact part of it"),
    Action.ESCALATE: _("Ask a clinician to look"),
    Action.WARN: _("Warn the member"),
    Action.MUTE: _("Mute the member for a while"),
    Action.REMOVE_MEMBER: _("Remove the member from the group"),
    Action.NO_NOTE_NEEDED: _("Decide that no clinician's note is needed"),
    Action.APPEAL_UPHELD: _("Uphold the decision"),
    Action.APPEAL_GRANTED: _("Reverse the decision"),
}


def as_choices(actions: list[str]) -> list[tuple[str, str]]:
    """Form choices for these decisions, worded as actions."""
    return [(action, AS_ACTIONS[action]) for action in actions]


def clinician_in_lane(user, item: ModerationItem) -> bool:
    """A clinician of the group, asked for their word: theirs is the lane's decision."""
    return item.waits_for_clinician and is_group_clinician(user, item.group)


def offered_decisions(user, item: ModerationItem, moderated, content) -> list[str]:
    """The decisions that fit the item's state and the reviewer's role, in the order a
    reviewer weighs them (support first for a member who may be in crisis)."""
    if content is None:
        return []
    if item.appeal_pending:  # the appeal is answered first, and alone
        return list(ModerationAction.APPEAL_VERDICTS)
    if clinician_in_lane(user, item):
        return [Action.NO_NOTE_NEEDED]
    if item.state == ModerationItem.State.RESOLVED:
        return []
    author = moderated.author_of(content)
    support = [Action.SUPPORT_OFFERED] if author is not None and author.pk != user.pk else []
    if item.held:
        offered = [Action.APPROVE, Action.REMOVE]
    else:
        hidden = moderated.is_hidden(content)
        offered = [Action.UNHIDE] if hidden else [Action.KEEP, Action.HIDE]
        offered += [Action.REMOVE, Action.REDACT]
        if not item.waits_for_clinician:
            offered.append(Action.ESCALATE)
        # Clinicians review content and leave sanctions to the moderators; moderators,
        # clinicians and group admins as authors are dealt with by staff.
        if author is not None and not is_group_clinician(user, item.group):
            offered.append(Action.WARN)
            if plain_member(author, item):
                offered += [Action.MUTE, Action.REMOVE_MEMBER]
    return [*support, *offered] if item.crisis else [*offered, *support]


def plain_member(author, item: ModerationItem) -> bool:
    """The author is still in the group, as a member without a reviewer's role."""
    return Membership.objects.filter(
        group=item.group,
        user=author,
        role=Role.MEMBER,
        state__in=Membership.State.present(),
    ).exists()
