"""The customer list's sorts with their tie-breaker, overall and within one salesperson's
customers, so that a page's keys are read from an index alone however deep the page. Built
concurrently on PostgreSQL (the table is large and in use); SQLite builds them plainly."""

from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    """`AddIndexConcurrently` on PostgreSQL, a plain `AddIndex` on other databases."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_forwards(
                self, app_label, schema_editor, from_state, to_state
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_backwards(
                self, app_label, schema_editor, from_state, to_state
            )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("classification", "0006_grade_colour_checked"),
        ("customers", "0011_search_trigram_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="customer",
            index=models.Index(fields=["code", "id"], name="customer_code_id_idx"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="customer",
            index=models.Index(fields=["name", "id"], name="customer_name_id_idx"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="customer",
            index=models.Index(
                fields=["salesperson", "code", "id"], name="customer_sales_code_idx"
            ),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="customer",
            index=models.Index(
                fields=["salesperson", "name", "id"], name="customer_sales_name_idx"
            ),
        ),
    ]
