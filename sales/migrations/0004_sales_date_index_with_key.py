"""The sales lines' date index takes the key as its second column: the lists sort newest
first with the key as tie-breaker and read a deep page's keys from the index alone; the
analyses' period filters use it as before. The new index is built (concurrently on
PostgreSQL: the table holds millions of lines) before the old one goes."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class OnPostgresConcurrently:
    """The concurrent operation on PostgreSQL, the plain one on other databases."""

    plain = None

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        operation = super() if schema_editor.connection.vendor == "postgresql" else self.plain
        operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        operation = super() if schema_editor.connection.vendor == "postgresql" else self.plain
        operation.database_backwards(app_label, schema_editor, from_state, to_state)


class AddIndexConcurrentlyOnPostgres(OnPostgresConcurrently, AddIndexConcurrently):
    @property
    def plain(self):
        return migrations.AddIndex(self.model_name, self.index)


class RemoveIndexConcurrentlyOnPostgres(OnPostgresConcurrently, RemoveIndexConcurrently):
    @property
    def plain(self):
        return migrations.RemoveIndex(self.model_name, self.name)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("sales", "0003_sales_references_without_db_constraints"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="salesrecord",
            index=models.Index(fields=["date", "id"], name="sales_date_id_idx"),
        ),
        RemoveIndexConcurrentlyOnPostgres(model_name="salesrecord", name="sales_date_idx"),
    ]
