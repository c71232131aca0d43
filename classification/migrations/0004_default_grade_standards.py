from decimal import Decimal

from django.db import migrations

# Sales over the trailing window (12 months by default) needed for each grade; the lowest
# starts at 0 so that every customer with sales in the window gets a grade.
DEFAULT_MINIMUMS = {"key": Decimal("500000"), "general": Decimal("50000"), "scattered": Decimal("0")}


def seed(apps, schema_editor):
    GradeLevel = apps.get_model("classification", "GradeLevel")
    for code, minimum in DEFAULT_MINIMUMS.items():
        GradeLevel.objects.filter(code=code, min_amount=0).update(min_amount=minimum)
    apps.get_model("classification", "ClassificationPolicy").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("classification", "0003_grade_standards_routes_policy")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
