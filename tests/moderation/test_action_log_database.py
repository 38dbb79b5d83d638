"""The moderation log is append-only in the database too (on PostgreSQL): retention's
blanking of copied texts goes through the one audited path the trigger lets through."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from community.moderation import services as moderation
from community.moderation.models import ModerationAction
from community.privacy.database import erasing_audit_rows
from community.privacy.models import AuditErasure

from .conftest import BODY, KIND

TABLE = "moderation_moderationaction"


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only (SQLite: the ORM guard)")


@pytest.fixture
def entry(item, moderator, member, post) -> ModerationAction:
    """A decision whose record keeps a copy of the post's words."""
    return ModerationAction.objects.create(
        item=item,
        group=item.group,
        moderator=moderator,
        subject=member,
        action=ModerationAction.Action.REMOVE,
        target=f"{KIND}:{post.pk}",
        reason="Names a neighbour.",
        before=BODY,
    )


def saved_log() -> list:
    return list(ModerationAction.objects.order_by("pk").values())


def raw(sql: str, params=()) -> None:
    # In a savepoint, so that the refusal leaves the test's transaction usable.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_raw_sql_update_of_the_log_is_refused_by_postgresql(postgresql_only, entry):
    before = saved_log()

    with pytest.raises(DatabaseError, match="append-only"):
        raw(f"UPDATE {TABLE} SET reason = 'Nothing to see' WHERE id = %s", [entry.pk])

    assert saved_log() == before


def test_a_raw_sql_delete_from_the_log_is_refused_by_postgresql(postgresql_only, entry):
    before = saved_log()

    with pytest.raises(DatabaseError, match="append-only"):
        raw(f"DELETE FROM {TABLE} WHERE id = %s", [entry.pk])

    assert saved_log() == before


def test_erasing_the_copies_of_erased_content_blanks_them_and_records_how_many(entry, post):
    changed = moderation.erase_texts_about(kind=KIND, object_ids=[post.pk])

    assert changed == 1
    kept = ModerationAction.objects.get(pk=entry.pk)
    assert (kept.before, kept.after, kept.reason) == ("", "", "Names a neighbour.")
    erased = AuditErasure.objects.get()
    assert (erased.table, erased.rows_changed, erased.reason) == (
        TABLE,
        1,
        f"content_erased:{KIND}",
    )


def test_copies_already_blank_are_not_counted_again(entry, post):
    moderation.erase_texts_about(kind=KIND, object_ids=[post.pk])

    assert moderation.erase_texts_about(kind=KIND, object_ids=[post.pk]) == 0
    assert AuditErasure.objects.count() == 1


def test_one_action_can_be_blanked_through_the_path_as_a_redaction_does(entry):
    with erasing_audit_rows(ModerationAction, reason="redaction") as erasure:
        erasure.update(ModerationAction.objects.filter(pk=entry.pk), before="")

    assert ModerationAction.objects.get(pk=entry.pk).before == ""
    assert AuditErasure.objects.values_list("reason", "rows_changed").get() == ("redaction", 1)


def test_a_member_or_moderator_named_in_the_log_cannot_be_deleted(entry, member, moderator):
    # Accounts are closed and scrubbed, never deleted: a deletion would rewrite the log.
    before = saved_log()

    for user in (member, moderator):
        with pytest.raises(ProtectedError) as refused, transaction.atomic():
            user.delete()
        assert entry in refused.value.protected_objects

    assert saved_log() == before
