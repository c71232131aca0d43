from django.db import migrations

from accounts.roles import MANAGER, SALES, grant_permissions, revoke_permissions

PERMISSIONS = {
    SALES: ["customers.view_gradehistory"],
    MANAGER: ["customers.view_gradehistory", "customers.add_gradehistory"],
}


def grant(apps, schema_editor):
    for role, permissions in PERMISSIONS.items():
        grant_permissions(apps, role, permissions)


def revoke(apps, schema_editor):
    for role, permissions in PERMISSIONS.items():
        revoke_permissions(apps, role, permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_lifecycle_routes_grade_history"),
        ("accounts", "0001_create_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
