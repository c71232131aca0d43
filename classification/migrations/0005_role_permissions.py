from django.db import migrations

from accounts.roles import MANAGER, SALES, grant_permissions, revoke_permissions

PERMISSIONS = {
    SALES: ["classification.view_classificationpolicy"],
    MANAGER: [
        "classification.view_classificationpolicy",
        "classification.change_classificationpolicy",
    ],
}


def grant(apps, schema_editor):
    for role, permissions in PERMISSIONS.items():
        grant_permissions(apps, role, permissions)


def revoke(apps, schema_editor):
    for role, permissions in PERMISSIONS.items():
        revoke_permissions(apps, role, permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("classification", "0004_default_grade_standards"),
        ("accounts", "0001_create_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
