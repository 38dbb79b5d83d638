"""Forum fixtures: the people around a group's forum, threads, and a snapshot of its rows."""

import pytest

from community.forum import services
from community.forum.models import (
    Post,
    PostImage,
    PostRevision,
    Reaction,
    ReadState,
    Thread,
    ThreadFollow,
)
from community.privacy.models import AccessRecord

FORUM_MODELS = [Thread, Post, PostRevision, PostImage, Reaction, ThreadFollow, ReadState]


@pytest.fixture
def start_thread(member, group):
    """Start a thread through the service; by default by `member` in `group`."""

    def start(*, author=None, in_group=None, title="How do you sleep?", body="Badly.", **extra):
        return services.create_thread(
            author=author or member, group=in_group or group, title=title, body=body, **extra
        )

    return start


@pytest.fixture
def thread(start_thread):
    return start_thread()


@pytest.fixture
def snapshot(private_media):
    """Return a function listing every forum and audit row, field by field, and every file.

    Two snapshots compare equal only if nothing was written, changed or stored in between.
    """

    def take() -> dict:
        return {**rows_now(), "files": files_in(private_media)}

    return take


def rows_now() -> dict:
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in FORUM_MODELS}
    rows["AccessRecord"] = list(AccessRecord.objects.order_by("pk").values())
    return rows


def files_in(folder) -> list[str]:
    if not folder.exists():
        return []
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())
