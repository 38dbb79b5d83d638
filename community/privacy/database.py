"""Append-only at the database level: a PostgreSQL trigger that refuses UPDATE and DELETE.

The ORM guard (AppendOnlyModel) stops the application; this stops everything else that
speaks SQL to the database, raw queries and admin tools included. SQLite, used only for
development, gets the ORM guard alone.
"""

from django.db import migrations

FUNCTION = "community_refuse_append_only_change"

CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def append_only_trigger(table: str) -> migrations.RunPython:
    """A migration operation that makes `table` append-only on PostgreSQL."""
    trigger = f"{table}_append_only"

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(CREATE_FUNCTION, params=None)  # its % are not placeholders
            schema_editor.execute(
                f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
            )

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")

    return migrations.RunPython(create, drop, elidable=False)
