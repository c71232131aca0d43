"""`manage.py seed_demo`: realistic, valid, idempotent demo data, and the demo logins."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Q

from classification.models import Region, Route
from classification.services.grading import regrade_preview
from customers.models import Channel, Contact, CreditIncident, Customer, FieldProvenance
from demo.seeding import DEMO_USERS, demo_leaves

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", "--password", "demo-pass-123", *args, stdout=out)
    return out.getvalue()


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            get_user_model(),
            Region,
            Route,
            Customer,
            Contact,
            CreditIncident,
            FieldProvenance,
            Customer.history.model,
            Contact.history.model,
        )
    }


def test_seeding_twice_gives_the_same_counts_and_prints_the_logins():
    first = seed("--customers", "40")
    after_first = counts()
    second = seed("--customers", "40")

    assert counts() == after_first
    assert after_first["Customer"] == 40
    assert after_first["Region"] == 1 + 6 + len(demo_leaves())
    assert after_first["Route"] == 2 * len(demo_leaves())
    assert "(40 new)" in first and "(0 new)" in second
    for output in (first, second):
        for demo in DEMO_USERS:
            assert f"  {demo.username:<10} demo-pass-123" in output


def test_the_default_is_300_customers():
    seed()

    assert Customer.objects.count() == 300


def test_more_customers_are_added_to_the_existing_ones():
    seed("--customers", "10")
    names = dict(Customer.objects.values_list("code", "name"))

    seed("--customers", "15")

    assert Customer.objects.count() == 15
    assert {
        code: name for code, name in Customer.objects.values_list("code", "name") if code in names
    } == names


def test_the_same_seed_gives_the_same_customers_and_another_seed_others():
    seed("--customers", "5", "--seed", "7", "--sales", "0")
    names = list(Customer.objects.values_list("name", flat=True))
    Customer.objects.all().delete()

    seed("--customers", "5", "--seed", "7", "--sales", "0")
    assert list(Customer.objects.values_list("name", flat=True)) == names
    Customer.objects.all().delete()

    seed("--customers", "5", "--seed", "8", "--sales", "0")
    assert list(Customer.objects.values_list("name", flat=True)) != names


def test_demo_customers_are_valid_cards_with_history_contacts_and_classification():
    seed("--customers", "60")
    customers = list(Customer.objects.select_related("route", "region"))

    for customer in customers:
        customer.full_clean()  # credit codes, choices and limits all valid
        assert customer.region == customer.route.region
        assert customer.salesperson_id == customer.route.salesperson_id
    for contact in Contact.objects.all():
        contact.full_clean()
    for incident in CreditIncident.objects.all():
        incident.full_clean()
    # Graded from their sales by the regrade the seed runs: nothing is left to change.
    assert regrade_preview().changes == []
    graded = Customer.objects.filter(grade__isnull=False).count()
    assert graded > 0
    assert Customer.history.filter(history_channel=Channel.IMPORT).count() == 60
    assert Customer.history.filter(history_channel=Channel.REGRADE).count() == graded
    per_customer = Customer.objects.annotate(
        contacts_count=Count("contacts"),
        primary_count=Count("contacts", filter=Q(contacts__is_primary=True)),
    )
    assert {c.contacts_count for c in per_customer} <= {1, 2, 3}
    assert {c.primary_count for c in per_customer} == {1}
    assert Customer.objects.exclude(credit_code="").count() > 20
    assert Customer.objects.exclude(service_area="").count() > 10
    assert Customer.objects.filter(trading_since__isnull=True).exists()
    assert set(Route.objects.values_list("salesperson__username", flat=True)) == {
        "sales1",
        "sales2",
    }
    assert Region.objects.get(code="CN-GD-SZ").parent.parent == Region.objects.get(code="CN")
