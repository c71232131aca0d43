"""The customers' first and last sale dates, kept current from the sales records."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from customers.models import Customer
from sales.services import customer_sale_dates_refresh
from tests.customers.factories import CustomerFactory
from tests.sales.factories import ProductFactory, SalesRecordFactory

pytestmark = pytest.mark.django_db


def dates(code: str) -> tuple:
    return tuple(Customer.objects.filter(code=code).values_list("first_sale_on", "last_sale_on")[0])


@pytest.fixture
def sold():
    product = ProductFactory(code="P1")
    two = CustomerFactory(code="TWO")
    one = CustomerFactory(code="ONE")
    CustomerFactory(code="NONE", first_sale_on=date(2020, 1, 1), last_sale_on=date(2020, 1, 1))
    for day in (date(2024, 5, 2), date(2023, 1, 9), date(2025, 2, 28)):
        SalesRecordFactory(customer=two, product=product, date=day)
    SalesRecordFactory(customer=one, product=product, date=date(2022, 7, 1))


def test_refresh_sets_min_and_max_date_for_all_in_one_query(sold, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert customer_sale_dates_refresh() == 3
    assert dates("TWO") == (date(2023, 1, 9), date(2025, 2, 28))
    assert dates("ONE") == (date(2022, 7, 1), date(2022, 7, 1))
    assert dates("NONE") == (None, None)  # no sales (any more): a prospect again


def test_refresh_of_some_customers_leaves_the_others_alone(sold, django_assert_num_queries):
    one = Customer.objects.get(code="ONE")
    with django_assert_num_queries(1):
        assert customer_sale_dates_refresh(customer_ids=[one.pk]) == 1
    assert dates("ONE") == (date(2022, 7, 1), date(2022, 7, 1))
    assert dates("TWO") == (None, None)
    assert dates("NONE") == (date(2020, 1, 1), date(2020, 1, 1))
    with django_assert_num_queries(1):
        customer_sale_dates_refresh(customer_ids=Customer.objects.filter(code="TWO").values("pk"))
    assert dates("TWO") == (date(2023, 1, 9), date(2025, 2, 28))


def test_refresh_records_no_card_history(sold):
    customer = Customer.objects.get(code="TWO")
    versions = (customer.history.count(), customer.version)
    customer_sale_dates_refresh()
    customer.refresh_from_db()
    assert (customer.history.count(), customer.version) == versions


def test_importing_sales_updates_the_customers_sale_dates(tmp_path):
    CustomerFactory(code="C1")
    CustomerFactory(code="C2")
    CustomerFactory(code="C3", first_sale_on=date(2019, 1, 1), last_sale_on=date(2019, 1, 1))
    ProductFactory(code="P1")
    path = tmp_path / "sales.csv"
    path.write_text(
        "date,customer,product,quantity,amount,document_no\n"
        "2026-03-01,C1,P1,2,20.00,SO-1\n"
        "2025-11-20,C1,P1,1,10.00,SO-2\n"
        "2026-03-02,C2,P1,5,50.00,\n",
        encoding="utf-8",
    )
    call_command("import", "sales.resources.SalesRecordResource", str(path), "--noinput")
    assert dates("C1") == (date(2025, 11, 20), date(2026, 3, 1))
    assert dates("C2") == (date(2026, 3, 2), date(2026, 3, 2))
    assert dates("C3") == (date(2019, 1, 1), date(2019, 1, 1))  # not in the file: untouched

    later = tmp_path / "later.csv"
    later.write_text(
        "date,customer,product,quantity,amount,document_no\n2026-04-15,C2,P1,1,10.00,SO-3\n",
        encoding="utf-8",
    )
    call_command("import", "sales.resources.SalesRecordResource", str(later), "--noinput")
    assert dates("C2") == (date(2026, 3, 2), date(2026, 4, 15))


def test_a_refused_import_changes_no_sale_dates(tmp_path):
    CustomerFactory(code="C1")
    ProductFactory(code="P1")
    path = tmp_path / "bad.csv"
    path.write_text(
        "date,customer,product,quantity,amount\n"
        "2026-03-01,C1,P1,2,20.00\n"
        "2026-03-02,UNKNOWN,P1,1,10.00\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError):
        call_command("import", "sales.resources.SalesRecordResource", str(path), "--noinput")
    assert dates("C1") == (None, None)
