from django.db import migrations

from accounts.roles import MANAGER, SALES, permissions_operation

REPORTS = [
    f"visits.{action}_{model}"
    for model in ("visitreport", "visit", "visitphoto")
    for action in ("view", "add", "change", "delete")
]
PERMISSIONS = {
    # Sales staff keep their own reports; managers read everybody's (the services and the
    # selectors decide whose).
    SALES: REPORTS,
    MANAGER: [f"visits.view_{model}" for model in ("visitreport", "visit", "visitphoto")],
}


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0001_initial"),
        ("accounts", "0001_create_role_groups"),
    ]

    operations = [permissions_operation(PERMISSIONS)]
