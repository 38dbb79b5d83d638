"""The member's notifications in their export (notifications sits beside privacy and does
not import it, so privacy collects them). No other member's name is included."""

from django.utils.translation import gettext_lazy as _

from community.notifications.kinds import find_kind
from community.notifications.models import EmailPreference, Notification

from .exports import ExportSection, register_export_section, when


def kind_label(key: str) -> str:
    kind = find_kind(key)
    return str(kind.label) if kind else key


def notifications(user) -> list[dict]:
    rows = []
    for notification in Notification.objects.filter(recipient=user).select_related("group"):
        rows.append(
            {
                "kind": kind_label(notification.kind),
                "group": notification.group.name if notification.group else None,
                "link": notification.url,
                "created": when(notification.created_at),
                "read": when(notification.read_at),
            }
        )
    return rows


def email_preferences(user) -> list[dict]:
    return [
        {"kind": kind_label(preference.kind), "email": preference.email}
        for preference in EmailPreference.objects.filter(user=user)
    ]


register_export_section(ExportSection("notifications", _("Your notifications"), notifications))
register_export_section(
    ExportSection("notifications.preferences", _("Your e-mail choices"), email_preferences)
)
