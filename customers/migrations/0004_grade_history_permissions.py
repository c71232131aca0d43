from django.db import migrations

from accounts.roles import MANAGER, SALES, permissions_operation

PERMISSIONS = {
    SALES: ["customers.view_gradehistory"],
    MANAGER: ["customers.view_gradehistory", "customers.add_gradehistory"],
}


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_lifecycle_routes_grade_history"),
        ("accounts", "0001_create_role_groups"),
    ]

    operations = [permissions_operation(PERMISSIONS)]
