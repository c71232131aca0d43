from django.db import migrations

from accounts.roles import MANAGER, SALES, grant_permissions, revoke_permissions

VIEW = ["sales.view_productcategory", "sales.view_product", "sales.view_salesrecord"]
PERMISSIONS = {
    SALES: VIEW,
    MANAGER: VIEW
    + ["sales.add_productcategory", "sales.change_productcategory"]
    + ["sales.add_product", "sales.change_product"],
}


def grant(apps, schema_editor):
    for role, permissions in PERMISSIONS.items():
        grant_permissions(apps, role, permissions)


def revoke(apps, schema_editor):
    for role, permissions in PERMISSIONS.items():
        revoke_permissions(apps, role, permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0001_initial"),
        ("accounts", "0001_create_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
