from django.db import migrations

CUSTOMER_TYPES = [
    ("government", "政府机构", "Government agency"),
    ("special", "特殊公司", "Special company"),
    ("ordinary", "普通公司", "Ordinary company"),
    ("consumer", "顾客", "Consumer"),
    ("partner", "交易伙伴", "Trading partner"),
]
OWNERSHIP_FORMS = [
    ("state", "国有", "State-owned"),
    ("collective", "集体", "Collective"),
    ("private", "私营", "Private"),
    ("foreign", "外资", "Foreign-invested"),
    ("joint", "合资", "Joint venture"),
    ("individual", "个体", "Individual business"),
]
GRADE_LEVELS = [
    ("key", "主力客户", "Key customer", "#c62828"),
    ("general", "一般客户", "General customer", "#1f6feb"),
    ("scattered", "零散客户", "Scattered customer", "#616e7c"),
]


def seed(apps, schema_editor):
    for model_name, rows in (("CustomerType", CUSTOMER_TYPES), ("OwnershipForm", OWNERSHIP_FORMS)):
        model = apps.get_model("classification", model_name)
        for order, (code, name, name_en) in enumerate(rows, start=1):
            model.objects.get_or_create(
                code=code, defaults={"name": name, "name_en": name_en, "order": order}
            )
    GradeLevel = apps.get_model("classification", "GradeLevel")
    for order, (code, name, name_en, color) in enumerate(GRADE_LEVELS, start=1):
        GradeLevel.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order, "color": color}
        )


class Migration(migrations.Migration):
    dependencies = [("classification", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
