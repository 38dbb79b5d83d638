"""The access log is append-only in the database too (on PostgreSQL): only the one explicit
path, `erasing_audit_rows`, may delete or change its rows, and it records what it did."""

import logging

import pytest
from django.db import DatabaseError, connection, transaction

from community.consent.models import ConsentRecord, Kind
from community.moderation.models import ModerationAction
from community.privacy.database import erasing_audit_rows
from community.privacy.models import AccessRecord, AppendOnlyError, AuditErasure
from community.privacy.services import record_access

TABLE = "privacy_accessrecord"


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only (SQLite: the ORM guard)")


@pytest.fixture
def record(moderator, member, group) -> AccessRecord:
    return record_access(
        viewer=moderator,
        subject=member,
        reason=AccessRecord.Reason.VIEW_ACCOUNT,
        target=member,
        group_id=group.pk,
    )


def stored() -> list:
    return list(AccessRecord.objects.order_by("pk").values())


def raw(sql: str, params=()) -> None:
    # In a savepoint, so that the refusal leaves the test's transaction usable.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- The database refuses everything else ----------------------------------------------------


def test_a_raw_sql_update_of_an_access_record_is_refused_by_postgresql(postgresql_only, record):
    before = stored()

    with pytest.raises(DatabaseError, match="append-only"):
        raw(f"UPDATE {TABLE} SET target = 'x:1' WHERE id = %s", [record.pk])

    assert stored() == before


def test_a_raw_sql_delete_of_an_access_record_is_refused_by_postgresql(postgresql_only, record):
    before = stored()

    with pytest.raises(DatabaseError, match="append-only"):
        raw(f"DELETE FROM {TABLE} WHERE id = %s", [record.pk])

    assert stored() == before


def test_raw_sql_can_still_append_to_the_access_log_on_postgresql(postgresql_only, record):
    raw(
        f"INSERT INTO {TABLE} (viewer_id, subject_id, reason, target, group_id, created_at) "
        f"SELECT viewer_id, subject_id, reason, target, group_id, NOW() FROM {TABLE} "
        "WHERE id = %s",
        [record.pk],
    )

    assert AccessRecord.objects.count() == 2


def test_after_the_path_ends_the_database_refuses_again_in_the_same_transaction(
    postgresql_only, record
):
    with erasing_audit_rows(AccessRecord, reason="test") as erasure:
        erasure.update(AccessRecord.objects.filter(pk=record.pk), target="x:1")

    with pytest.raises(DatabaseError, match="append-only"):
        raw(f"DELETE FROM {TABLE} WHERE id = %s", [record.pk])

    assert AccessRecord.objects.filter(pk=record.pk).exists()


def test_opening_the_moderation_log_does_not_open_the_access_log(postgresql_only, record):
    with (
        erasing_audit_rows(ModerationAction, reason="test"),
        pytest.raises(DatabaseError, match="append-only"),
    ):
        raw(f"DELETE FROM {TABLE} WHERE id = %s", [record.pk])

    assert AccessRecord.objects.filter(pk=record.pk).exists()


def test_a_nested_path_leaves_the_enclosing_one_open(postgresql_only, record):
    with erasing_audit_rows(AccessRecord, reason="outer"):
        with erasing_audit_rows(ModerationAction, reason="inner"):
            raw(f"UPDATE {TABLE} SET target = 'x:1' WHERE id = %s", [record.pk])
        raw(f"UPDATE {TABLE} SET target = 'x:2' WHERE id = %s", [record.pk])

    assert AccessRecord.objects.get(pk=record.pk).target == "x:2"


def test_a_nested_path_closes_its_own_table_when_it_ends(postgresql_only, record):
    with erasing_audit_rows(ModerationAction, reason="outer"):
        with erasing_audit_rows(AccessRecord, reason="inner"):
            raw(f"UPDATE {TABLE} SET target = 'x:1' WHERE id = %s", [record.pk])
        with pytest.raises(DatabaseError, match="append-only"):
            raw(f"UPDATE {TABLE} SET target = 'x:2' WHERE id = %s", [record.pk])

    assert AccessRecord.objects.get(pk=record.pk).target == "x:1"


def test_the_path_cannot_open_the_consent_ledger(postgresql_only, publish_document, accept, member):
    publish_document(Kind.GUIDELINES)
    accept(member)
    entry = ConsentRecord.objects.get(user=member)

    with (
        pytest.raises(DatabaseError, match="append-only"),
        erasing_audit_rows(ConsentRecord, reason="test") as erasure,
    ):
        erasure.delete(ConsentRecord.objects.filter(pk=entry.pk))

    assert ConsentRecord.objects.filter(pk=entry.pk).exists()
    assert not AuditErasure.objects.exists()


def test_the_record_of_erasures_cannot_be_changed_even_by_raw_sql(postgresql_only, record):
    with erasing_audit_rows(AccessRecord, reason="test") as erasure:
        erasure.delete(AccessRecord.objects.filter(pk=record.pk))

    with pytest.raises(DatabaseError, match="append-only"):
        raw("UPDATE privacy_auditerasure SET rows_deleted = 0")
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM privacy_auditerasure")

    assert AuditErasure.objects.get().rows_deleted == 1


# --- The one explicit path (both databases) ---------------------------------------------------


def test_the_path_deletes_access_records_and_records_how_many_of_which_table_and_why(
    record, moderator, member
):
    record_access(
        viewer=moderator, subject=member, reason=AccessRecord.Reason.VIEW_REVISIONS, target=member
    )

    with erasing_audit_rows(AccessRecord, reason="retention:access_log") as erasure:
        deleted = erasure.delete(AccessRecord.objects.filter(subject=member))

    assert deleted == 2
    assert not AccessRecord.objects.exists()
    erased = AuditErasure.objects.get()
    assert (erased.table, erased.rows_deleted, erased.rows_changed, erased.reason) == (
        TABLE,
        2,
        0,
        "retention:access_log",
    )


def test_the_path_changes_rows_and_counts_them(record):
    with erasing_audit_rows(AccessRecord, reason="test") as erasure:
        changed = erasure.update(AccessRecord.objects.filter(pk=record.pk), target="x:1")

    assert changed == 1
    assert AccessRecord.objects.get(pk=record.pk).target == "x:1"
    assert AuditErasure.objects.values_list("rows_deleted", "rows_changed").get() == (0, 1)


def test_a_path_that_changes_nothing_records_nothing(record):
    with erasing_audit_rows(AccessRecord, reason="test") as erasure:
        erasure.delete(AccessRecord.objects.none())

    assert not AuditErasure.objects.exists()


def test_a_failing_block_changes_nothing_and_records_nothing(record):
    before = stored()

    with (
        pytest.raises(ZeroDivisionError),
        erasing_audit_rows(AccessRecord, reason="test") as erasure,
    ):
        erasure.delete(AccessRecord.objects.all())
        1 / 0  # noqa: B018

    assert stored() == before
    assert not AuditErasure.objects.exists()


def test_the_log_line_names_the_table_counts_and_reason_and_nothing_of_the_rows(record, caplog):
    with (
        caplog.at_level(logging.INFO, logger="community.privacy.database"),
        erasing_audit_rows(AccessRecord, reason="test") as erasure,
    ):
        erasure.delete(AccessRecord.objects.all())

    assert "1 deleted, 0 changed in privacy_accessrecord (test)" in caplog.text
    assert record.target not in caplog.text


@pytest.mark.parametrize("reason", ["", "Anna Berg asked", "x" * 65, "forum post 12"])
def test_the_reason_must_be_a_short_key_never_free_text(record, reason):
    with pytest.raises(ValueError), erasing_audit_rows(AccessRecord, reason=reason):
        pass

    assert AccessRecord.objects.filter(pk=record.pk).exists()


def test_the_path_refuses_rows_of_a_model_it_was_not_given(record):
    with (
        pytest.raises(ValueError),
        erasing_audit_rows(ModerationAction, reason="test") as erasure,
    ):
        erasure.delete(AccessRecord.objects.all())

    assert AccessRecord.objects.filter(pk=record.pk).exists()


def test_inside_the_path_the_orm_guard_still_refuses_everything_but_the_eraser(record):
    before = stored()

    with erasing_audit_rows(AccessRecord, reason="test"):
        with pytest.raises(AppendOnlyError):
            AccessRecord.objects.all().delete()
        with pytest.raises(AppendOnlyError):
            AccessRecord.objects.all().update(target="x:1")
        with pytest.raises(AppendOnlyError):
            record.delete()

    assert stored() == before


def test_an_eraser_cannot_be_used_after_its_block(record):
    with erasing_audit_rows(AccessRecord, reason="test") as erasure:
        pass

    with pytest.raises(RuntimeError):
        erasure.delete(AccessRecord.objects.all())

    assert AccessRecord.objects.filter(pk=record.pk).exists()


def test_the_record_of_erasures_is_append_only_in_the_orm(record):
    with erasing_audit_rows(AccessRecord, reason="test") as erasure:
        erasure.delete(AccessRecord.objects.all())
    erased = AuditErasure.objects.get()

    with pytest.raises(AppendOnlyError):
        AuditErasure.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        erased.delete()

    assert AuditErasure.objects.count() == 1
