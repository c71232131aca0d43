"""Grade history periods that end before they start (written by backdated grade changes
before the rule existed) become empty periods that end on their first day, so that the
constraint of the next migration can be added."""

from django.db import migrations
from django.db.models import F


def repair(apps, schema_editor):
    GradeHistory = apps.get_model("customers", "GradeHistory")
    GradeHistory.objects.filter(valid_to__lt=F("valid_from")).update(valid_to=F("valid_from"))


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_grade_history_permissions")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
