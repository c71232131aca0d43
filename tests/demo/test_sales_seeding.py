"""Demo products and sales history: created through the bulk loader, for trading customers
only, and idempotent."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from customers.models import Channel, Customer, FieldProvenance
from demo.sales_seeding import CATALOGUE, seed_products, seed_sales
from review.models import Proposal
from sales.models import Product, ProductCategory, SalesRecord

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", "--password", "demo-pass-123", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_creates_products_and_sales_lines_once():
    first = seed("--customers", "20", "--sales", "200")
    lines = SalesRecord.objects.count()
    total = SalesRecord.objects.aggregate(total=Sum("amount"))["total"]

    second = seed("--customers", "20", "--sales", "200")

    assert lines == 200
    assert ProductCategory.objects.count() == len(CATALOGUE)
    assert Product.objects.count() == sum(len(items) for items in CATALOGUE.values())
    assert "products 23, sales lines 200 (200 new)," in first
    assert "products 23, sales lines 200 (0 new)," in second
    assert SalesRecord.objects.count() == 200
    assert SalesRecord.objects.aggregate(total=Sum("amount"))["total"] == total


def test_only_active_trading_customers_buy_and_lines_carry_their_salesperson():
    seed("--customers", "20", "--sales", "200")

    buyers = Customer.objects.filter(sales__isnull=False).distinct()
    assert buyers.exists()
    assert not buyers.filter(trading_since__isnull=True).exists()
    assert not buyers.exclude(status=Customer.Status.ACTIVE).exists()
    for record in SalesRecord.objects.select_related("customer")[:50]:
        assert record.salesperson_id == record.customer.salesperson_id
        assert record.amount > 0 and record.quantity > 0


def test_more_lines_are_added_to_the_existing_ones():
    seed("--customers", "20", "--sales", "100")
    seed("--customers", "20", "--sales", "150")
    assert SalesRecord.objects.count() == 150


def test_the_default_is_in_proportion_to_the_customers():
    output = seed("--customers", "30")
    assert SalesRecord.objects.count() == 2000
    assert "sales lines 2000 (2000 new)," in output


def test_no_sales_with_zero_and_products_are_created_once():
    seed("--customers", "5", "--sales", "0")
    assert SalesRecord.objects.count() == 0
    seed_products()
    assert Product.objects.count() == sum(len(items) for items in CATALOGUE.values())
    assert seed_sales(lines=0, seed=1).created == 0


def test_every_filled_card_field_has_import_provenance():
    seed("--customers", "10", "--sales", "0")
    customer = Customer.objects.order_by("code").first()
    recorded = set(
        FieldProvenance.objects.filter(customer=customer).values_list("field_name", flat=True)
    )
    assert {"code", "name", "address", "phone", "region", "salesperson"} <= recorded
    assert "website" not in recorded  # never filled by the demo
    # Filled by the import, save what changed since: the changes accepted from the visit
    # reports and the investigations, and the one phone number the manager edited while a new
    # one waited in review.
    accepted = set(
        Proposal.objects.filter(status=Proposal.Status.ACCEPTED).values_list("customer", "field")
    )
    later = FieldProvenance.objects.exclude(channel=Channel.IMPORT)
    reviewed = later.filter(channel__in=(Channel.VISIT, Channel.INVESTIGATION))
    assert set(reviewed.values_list("customer", "field_name")) <= accepted
    assert set(later.exclude(channel=Channel.VISIT).values_list("channel", "field_name")) <= {
        (Channel.MANUAL, "phone"),
        (Channel.INVESTIGATION, "credit_rating"),
        (Channel.INVESTIGATION, "credit_limit"),
    }
    assert later.filter(channel=Channel.MANUAL).count() <= 1
