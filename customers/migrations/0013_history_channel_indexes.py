"""The audit's change list by channel: an index on each kept history (the card's, its
contacts' and its credit incidents') by channel, newest first, so that one channel's changes
are read from the index instead of every recorded change.

The historical models are made by django-simple-history, whose generated `Meta` takes no
indexes of ours: the indexes are made here, outside the models' state (concurrently on
PostgreSQL, the tables hold a record of every change)."""

from django.db import migrations

HISTORIES = (
    ("customers_historicalcustomer", "history_customer_channel_idx"),
    ("customers_historicalcontact", "history_contact_channel_idx"),
    ("customers_historicalcreditincident", "history_incident_channel_idx"),
)


def create_indexes(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for table, index in HISTORIES:
        schema_editor.execute(
            f"CREATE INDEX {concurrently}IF NOT EXISTS {index} "
            f"ON {table} (history_channel, history_date, history_id)"
        )


def drop_indexes(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for _table, index in HISTORIES:
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {index}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("customers", "0012_list_sort_indexes"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
    ]
