"""What the forum shows on a group's page (registered in AppConfig.ready())."""

from community.groups.sections import Section, register_group_section

from .models import Thread
from .policy import may_review

RECENT_THREADS = 5


def recent_threads(user, group) -> dict | None:
    """The few threads with the newest posts, as the thread list shows them (one query)."""
    if not user.has_perm("forum.read", group):
        return None
    threads = Thread.objects.filter(group=group).for_list(user)
    if not may_review(user, group):
        threads = threads.hiding_held_from(user)
    threads = threads.order_by("-last_activity_at", "-pk")[:RECENT_THREADS]
    return {"group": group, "threads": list(threads)}


def register_sections() -> None:
    register_group_section(
        Section(
            key="forum.recent_threads",
            template="forum/_recent_threads.html",
            context=recent_threads,
            order=10,
        )
    )
