from django.db import migrations

from accounts.roles import MANAGER, SALES, permissions_operation

PERMISSIONS = {
    # Managers keep the agencies and commission investigations; sales staff read the
    # investigations of their own customers (the selectors decide whose) and the agencies.
    MANAGER: [
        f"investigations.{action}_{model}"
        for model in ("agency", "investigation")
        for action in ("view", "add", "change")
    ]
    + ["investigations.delete_agency"],
    SALES: ["investigations.view_agency", "investigations.view_investigation"],
}


class Migration(migrations.Migration):
    dependencies = [
        ("investigations", "0001_initial"),
        ("accounts", "0001_create_role_groups"),
    ]

    operations = [permissions_operation(PERMISSIONS)]
