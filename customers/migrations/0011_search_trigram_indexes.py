"""Trigram indexes for the customer search on PostgreSQL (nothing on SQLite).

The search matches `icontains`, which Django writes on PostgreSQL as
`UPPER(column::text) LIKE UPPER(%s)`: each index is on that very expression, so that the
planner can use it. Built concurrently (the tables are large and in use), hence a migration
that is not atomic. SQLite has no such index and reads the table, as before."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# (index, table, column) for each column the customer search reads.
SEARCHED = (
    ("customer_name_trgm_idx", "customers_customer", "name"),
    ("customer_short_name_trgm_idx", "customers_customer", "short_name"),
    ("customer_code_trgm_idx", "customers_customer", "code"),
    ("customer_phone_trgm_idx", "customers_customer", "phone"),
    ("contact_name_trgm_idx", "customers_contact", "name"),
)


class TrigramExtensionOnPostgres(TrigramExtension):
    """Django's operation checks the database on the way forward only."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index, table, column in SEARCHED:
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {index} ON {table} "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index, _table, _column in SEARCHED:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {index}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("customers", "0010_notes_have_a_maximum_length"),
    ]

    operations = [
        TrigramExtensionOnPostgres(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
