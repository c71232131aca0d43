from django.db import migrations

from accounts.roles import MANAGER, SALES, permissions_operation

PERMISSIONS = {
    SALES: ["classification.view_classificationpolicy"],
    MANAGER: [
        "classification.view_classificationpolicy",
        "classification.change_classificationpolicy",
    ],
}


class Migration(migrations.Migration):
    dependencies = [
        ("classification", "0004_default_grade_standards"),
        ("accounts", "0001_create_role_groups"),
    ]

    operations = [permissions_operation(PERMISSIONS)]
