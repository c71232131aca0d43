from django.db import migrations

from accounts.roles import MANAGER, SALES, permissions_operation

LINKS = [
    "customerforms.view_formlink",
    "customerforms.add_formlink",
    # Revoking (and, for managers, reopening) changes a link; the services decide which.
    "customerforms.change_formlink",
    "customerforms.view_formsubmission",
]
PERMISSIONS = {
    # A salesperson sends their own customers the form; managers any customer (the
    # services and the selectors decide whose).
    SALES: LINKS,
    MANAGER: LINKS,
}


class Migration(migrations.Migration):
    dependencies = [
        ("customerforms", "0001_links_and_submissions"),
        ("accounts", "0001_create_role_groups"),
    ]

    operations = [permissions_operation(PERMISSIONS)]
