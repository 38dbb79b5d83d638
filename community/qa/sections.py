"""What Q&A shows on a group's page (registered in AppConfig.ready())."""

from community.groups.sections import Section, register_group_section

from .models import QASession

State = QASession.State


def next_session(user, group) -> dict | None:
    """The next session not yet over (live, open or scheduled), with its hosts."""
    if not user.has_perm("qa.read", group):
        return None
    session = (
        QASession.objects.filter(group=group)
        .exclude(state__in=[State.ENDED, State.ARCHIVED])
        .select_related("group")
        .prefetch_related("hosts")
        .order_by("starts_at", "pk")
        .first()
    )
    return {"group": group, "session": session}


def register_sections() -> None:
    register_group_section(
        Section(
            key="qa.next_session",
            template="qa/_next_session.html",
            context=next_session,
            order=20,
        )
    )
