from django.db import migrations

from accounts.roles import MANAGER, SALES, permissions_operation

PERMISSIONS = {
    # Everyone sees the proposals in their scope; managers decide them (the review services
    # check the role again).
    SALES: ["review.view_proposal"],
    MANAGER: ["review.view_proposal", "review.change_proposal"],
}


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0001_initial"),
        ("accounts", "0001_create_role_groups"),
    ]

    operations = [permissions_operation(PERMISSIONS)]
