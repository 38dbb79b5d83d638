"""@mentions: only members of the post's group can be mentioned.

Display names may contain spaces ("Morning walker"), so instead of parsing a name out of the
text, each member's "@name" is looked for (case-insensitive, ending at a word boundary).
Someone who is not in the group is never found, so mentioning them does nothing and
reveals nothing.
"""

import re

from django.contrib.auth import get_user_model

from community.groups.models import Membership, SupportGroup

SUGGESTIONS = 8


def group_members(group: SupportGroup):
    """Users who currently belong to the group (active or muted)."""
    return get_user_model().objects.filter(
        memberships__group=group,
        memberships__state__in=Membership.State.present(),
        is_active=True,
    )


def mentioned_members(text: str, group: SupportGroup) -> list:
    """The group's members whose "@display name" appears in the text."""
    if "@" not in text:
        return []
    lowered = text.lower()
    found = []
    for member in group_members(group):
        pattern = r"@" + re.escape(member.display_name.lower()) + r"(?!\w)"
        if re.search(pattern, lowered):
            found.append(member)
    return found


def suggest_members(group: SupportGroup, prefix: str) -> list[str]:
    """Display names of the group's members starting with `prefix`, for autocomplete."""
    prefix = prefix.strip().lstrip("@")
    members = group_members(group).filter(display_name__istartswith=prefix)
    return list(
        members.order_by("display_name").values_list("display_name", flat=True)[:SUGGESTIONS]
    )
