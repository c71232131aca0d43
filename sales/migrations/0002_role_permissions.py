from django.db import migrations

from accounts.roles import MANAGER, SALES, permissions_operation

VIEW = ["sales.view_productcategory", "sales.view_product", "sales.view_salesrecord"]
PERMISSIONS = {
    SALES: VIEW,
    MANAGER: VIEW
    + ["sales.add_productcategory", "sales.change_productcategory"]
    + ["sales.add_product", "sales.change_product"],
}


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0001_initial"),
        ("accounts", "0001_create_role_groups"),
    ]

    operations = [permissions_operation(PERMISSIONS)]
