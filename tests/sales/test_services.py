"""Deleting sales lines: the lines go, and the change is announced to what is derived from
them (the customers' sale dates: tests/classification/test_sale_dates.py)."""

from datetime import date

import pytest

from customers.models import Customer
from sales.models import SalesRecord
from sales.services import sales_records_delete
from sales.signals import sales_lines_changed
from tests.customers.factories import CustomerFactory
from tests.sales.factories import SalesRecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced():
    """The customer pks of each `sales_lines_changed` sent."""
    sent = []

    def receiver(sender, *, customer_ids, **kwargs):
        sent.append(sorted(customer_ids))

    sales_lines_changed.connect(receiver)
    yield sent
    sales_lines_changed.disconnect(receiver)


def test_deleting_lines_deletes_those_and_announces_their_customers_once(admin_user, announced):
    one, two = CustomerFactory(), CustomerFactory()
    for day in (1, 2, 3):
        SalesRecordFactory(customer=one, date=date(2025, 1, day))
    SalesRecordFactory(customer=two, date=date(2025, 1, 1))
    kept = SalesRecordFactory(customer=two, date=date(2025, 2, 1))

    deleted = sales_records_delete(
        queryset=SalesRecord.objects.filter(date__lt=date(2025, 2, 1)), actor=admin_user
    )

    assert deleted == 4
    assert list(SalesRecord.objects.values_list("pk", flat=True)) == [kept.pk]
    assert announced == [sorted([one.pk, two.pk])]


def test_deleting_no_line_announces_nothing(admin_user, announced):
    SalesRecordFactory(date=date(2025, 1, 1))
    assert sales_records_delete(queryset=SalesRecord.objects.none(), actor=admin_user) == 0
    assert SalesRecord.objects.count() == 1
    assert announced == []


def test_a_failing_receiver_undoes_the_deletion(admin_user):
    record = SalesRecordFactory(date=date(2025, 1, 1))

    def fail(sender, **kwargs):
        raise RuntimeError("refused")

    sales_lines_changed.connect(fail)
    try:
        with pytest.raises(RuntimeError, match="refused"):
            sales_records_delete(queryset=SalesRecord.objects.all(), actor=admin_user)
    finally:
        sales_lines_changed.disconnect(fail)
    assert list(SalesRecord.objects.values_list("pk", flat=True)) == [record.pk]


def test_deleting_a_customers_last_line_makes_it_a_prospect_again(admin_user):
    record = SalesRecordFactory(date=date(2025, 1, 1))
    Customer.objects.filter(pk=record.customer_id).update(
        first_sale_on=record.date, last_sale_on=record.date
    )
    sales_records_delete(queryset=SalesRecord.objects.all(), actor=admin_user)
    assert Customer.objects.filter(pk=record.customer_id).values_list(
        "first_sale_on", "last_sale_on"
    ).get() == (None, None)
