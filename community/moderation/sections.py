"""What moderation shows on the groups app's pages (registered in AppConfig.ready())."""

from community.accounts.mfa import require_mfa
from community.groups.sections import Section, register_home_section

from .models import ModerationItem


def staff_overview(user) -> dict | None:
    """Staff land on the groups with open items and waiting crisis items: counts only, the
    same query as the overview page."""
    if not user.has_perm("moderation.oversee"):
        return None
    require_mfa(user)  # as on the overview page, even if the middleware is bypassed
    return {"rows": list(ModerationItem.objects.open_counts_per_group())}


def register_sections() -> None:
    register_home_section(
        Section(
            key="moderation.overview",
            template="moderation/_overview_section.html",
            context=staff_overview,
        )
    )
