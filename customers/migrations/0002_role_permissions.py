from django.db import migrations

from accounts.roles import MANAGER, SALES, permissions_operation

CARD = [
    "customers.view_customer",
    "customers.add_customer",
    "customers.change_customer",
    "customers.view_contact",
    "customers.add_contact",
    "customers.change_contact",
    "customers.delete_contact",
    "customers.view_creditincident",
    "customers.add_creditincident",
    "customers.change_creditincident",
    "customers.delete_creditincident",
    "customers.view_fieldprovenance",
]
REFERENCE_VIEW = [
    f"classification.view_{model}"
    for model in ("customertype", "ownershipform", "region", "gradelevel", "route")
]
REFERENCE_EDIT = [
    f"classification.{action}_{model}"
    for model in ("customertype", "ownershipform", "region", "gradelevel", "route")
    for action in ("add", "change")
]
PERMISSIONS = {
    SALES: CARD + REFERENCE_VIEW,
    MANAGER: CARD + REFERENCE_VIEW + REFERENCE_EDIT,
}


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("classification", "0002_seed_reference_data"),
        ("accounts", "0001_create_role_groups"),
    ]

    operations = [permissions_operation(PERMISSIONS)]
