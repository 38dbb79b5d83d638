"""Append-only at the database level: a PostgreSQL trigger that refuses UPDATE and DELETE.

The ORM guard (AppendOnlyModel) stops the application; this stops everything else that
speaks SQL to the database, raw queries and admin tools included. SQLite, used only for
development, gets the ORM guard alone.

Two kinds of trigger:
- strictly append-only (the consent ledger, the erasure log itself): nothing changes a row;
- append-only except erasure (the access log, the moderation log): retention and redaction
  must blank or delete some rows, and they do it through `erasing_audit_rows` below, the
  one path the trigger lets through. It writes an AuditErasure row for what it did.

The escape hatch is a transaction-local setting naming the tables that may change: it is
not a defence against someone who can run arbitrary SQL (they could set it too), but it
turns every legitimate change into one explicit, audited, greppable step, and every other
UPDATE or DELETE (a stray query, a cascade, an admin tool) into an error.
"""

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections, migrations, models, router, transaction

from .models import AuditErasure

logger = logging.getLogger(__name__)

FUNCTION = "community_refuse_append_only_change"
ERASABLE_FUNCTION = "community_refuse_audit_change_unless_erasing"
# Transaction-local: which tables `erasing_audit_rows` has opened, comma-separated.
SETTING = "community.audit_erasure"

CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

CREATE_ERASABLE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {ERASABLE_FUNCTION}() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = ANY(
        string_to_array(COALESCE(current_setting('{SETTING}', true), ''), ',')
    ) THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% rows are append-only: % refused (outside erasing_audit_rows)',
        TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def append_only_trigger(table: str, *, erasable: bool = False) -> migrations.RunPython:
    """A migration operation that makes `table` append-only on PostgreSQL; with
    `erasable`, `erasing_audit_rows` may still delete or change its rows."""
    trigger = f"{table}_append_only"
    function, create_function = (
        (ERASABLE_FUNCTION, CREATE_ERASABLE_FUNCTION) if erasable else (FUNCTION, CREATE_FUNCTION)
    )

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(create_function, params=None)  # its % are not placeholders
            schema_editor.execute(
                f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {function}()"
            )

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")

    return migrations.RunPython(create, drop, elidable=False)


REASON = re.compile(r"[a-z0-9_.:-]{1,64}")


class AuditRowEraser:
    """What an `erasing_audit_rows` block may do: delete or change rows of its models."""

    def __init__(self, audit_models: tuple[type[models.Model], ...]):
        self.models = audit_models
        self.deleted = dict.fromkeys(audit_models, 0)
        self.changed = dict.fromkeys(audit_models, 0)
        self.open = True

    def delete(self, queryset: models.QuerySet) -> int:
        """Delete the rows of `queryset`; returns how many of its model's rows went."""
        model = self.check(queryset)
        _total, per_model = models.QuerySet.delete(queryset)  # past the ORM guard
        for each in self.models:
            self.deleted[each] += per_model.get(each._meta.label, 0)
        return per_model.get(model._meta.label, 0)

    def update(self, queryset: models.QuerySet, **values) -> int:
        """Set `values` on the rows of `queryset` (e.g. before=""); returns how many."""
        model = self.check(queryset)
        changed = models.QuerySet.update(queryset, **values)  # past the ORM guard
        self.changed[model] += changed
        return changed

    def check(self, queryset: models.QuerySet) -> type[models.Model]:
        if not self.open:
            raise RuntimeError("The erasing_audit_rows block has ended.")
        if queryset.model not in self.models:
            raise ValueError(f"{queryset.model._meta.label} was not named to erasing_audit_rows.")
        return queryset.model


@contextmanager
def erasing_audit_rows(*audit_models: type[models.Model], reason: str) -> Iterator[AuditRowEraser]:
    """Open the append-only tables of `audit_models` for deleting or blanking rows, in one
    atomic block, and record what was done (table, counts, `reason`) as AuditErasure rows.

        with erasing_audit_rows(ModerationAction, reason="redaction") as erasure:
            erasure.update(ModerationAction.objects.filter(pk=action.pk), before="")

    `reason` is a fixed key naming the code path (lowercase letters, digits, `_.:-`), never
    member text. Everything inside the block may change those tables (cascades included),
    but only `erasure.delete` and `erasure.update` are counted.
    """
    if not audit_models:
        raise ValueError("Name the models whose rows are to be erased.")
    if not REASON.fullmatch(reason):
        raise ValueError("The reason must be a short key such as 'content_erased:forum.post'.")
    using = router.db_for_write(audit_models[0])
    connection = connections[using]
    tables = {model._meta.db_table for model in audit_models}
    with transaction.atomic(using=using):
        # Inside the atomic block: if the block fails, rolling back its savepoint (or the
        # transaction) takes the setting back with it.
        previous = open_tables(connection, tables)
        erasure = AuditRowEraser(audit_models)
        try:
            yield erasure
        finally:
            erasure.open = False
        close_tables(connection, previous)
        record(erasure, reason, using)


def open_tables(connection, tables: set[str]) -> str | None:
    """Let the erasable trigger through for `tables`, until `close_tables` or the end of
    the transaction; returns the setting to restore (an enclosing block's)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [SETTING])
        previous = cursor.fetchone()[0] or ""
        opened = sorted(tables | {table for table in previous.split(",") if table})
        cursor.execute("SELECT set_config(%s, %s, true)", [SETTING, ",".join(opened)])
    return previous


def close_tables(connection, previous: str | None) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [SETTING, previous or ""])


def record(erasure: AuditRowEraser, reason: str, using: str) -> None:
    """One AuditErasure row (and a log line) per table that lost or changed rows."""
    for model in erasure.models:
        deleted, changed = erasure.deleted[model], erasure.changed[model]
        if not (deleted or changed):
            continue
        table = model._meta.db_table
        AuditErasure.objects.using(using).create(
            table=table, rows_deleted=deleted, rows_changed=changed, reason=reason
        )
        logger.info(
            "Audit rows erased: %s deleted, %s changed in %s (%s)", deleted, changed, table, reason
        )
