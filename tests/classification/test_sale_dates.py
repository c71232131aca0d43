"""The customers' first and last sale dates: one rule (classification.services.lifecycle),
followed by both sales write paths (a load, a deletion) in their own transaction."""

import ast
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from classification.services import lifecycle
from classification.services.lifecycle import customer_sale_dates_refresh
from customers.models import Customer
from sales.loader import COLUMNS, sales_records_load
from sales.models import SalesRecord
from sales.services import sales_records_delete
from tests.customers.factories import CustomerFactory
from tests.sales.factories import ProductFactory, SalesRecordFactory

pytestmark = pytest.mark.django_db


def dates(code: str) -> tuple:
    return Customer.objects.filter(code=code).values_list("first_sale_on", "last_sale_on").get()


def line(day: str, customer: str, document: str) -> list[str]:
    return [day, customer, "P1", "1", "10.00", document]


def load(*lines: list[str]):
    report = sales_records_load(header=COLUMNS, rows=lines)
    assert report.ok, report.errors
    return report


def customer_updates(queries: CaptureQueriesContext) -> list[str]:
    table = Customer._meta.db_table
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith(f'UPDATE "{table}"')]


@pytest.fixture
def spy(monkeypatch):
    """The number of customers each call of the rule wrote, through whichever path."""
    written = []

    def refresh(*, customer_ids=None):
        written.append(customer_sale_dates_refresh(customer_ids=customer_ids))
        return written[-1]

    monkeypatch.setattr(lifecycle, "customer_sale_dates_refresh", refresh)
    return written


@pytest.fixture
def sold():
    product = ProductFactory(code="P1")
    two = CustomerFactory(code="TWO")
    one = CustomerFactory(code="ONE")
    CustomerFactory(code="NONE", first_sale_on=date(2020, 1, 1), last_sale_on=date(2020, 1, 1))
    CustomerFactory(code="NEVER")
    for day in (date(2024, 5, 2), date(2023, 1, 9), date(2025, 2, 28)):
        SalesRecordFactory(customer=two, product=product, date=day)
    SalesRecordFactory(customer=one, product=product, date=date(2022, 7, 1))


# The rule


def test_refresh_sets_the_earliest_and_latest_date_in_one_statement(
    sold, django_assert_num_queries
):
    with django_assert_num_queries(1):
        assert customer_sale_dates_refresh() == 3  # NEVER: no sales, no dates: not written
    assert dates("TWO") == (date(2023, 1, 9), date(2025, 2, 28))
    assert dates("ONE") == (date(2022, 7, 1), date(2022, 7, 1))
    assert dates("NONE") == (None, None)  # no sales (any more): a prospect again
    assert dates("NEVER") == (None, None)


def test_refresh_writes_only_the_customers_whose_dates_change(sold):
    customer_sale_dates_refresh()
    assert customer_sale_dates_refresh() == 0
    Customer.objects.filter(code="TWO").update(last_sale_on=date(2024, 5, 2))  # stale
    Customer.objects.filter(code="ONE").update(first_sale_on=None)  # half missing
    assert customer_sale_dates_refresh() == 2
    assert dates("TWO") == (date(2023, 1, 9), date(2025, 2, 28))
    assert dates("ONE") == (date(2022, 7, 1), date(2022, 7, 1))


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
    assert customer_sale_dates_refresh(customer_ids=[]) == 0


def test_refresh_writes_only_the_two_dates_and_records_no_card_history(sold):
    customer = Customer.objects.get(code="TWO")  # as loaded before another writer's change
    Customer.objects.filter(pk=customer.pk).update(phone="010-1234", credit_limit=500)
    before = Customer.objects.filter(pk=customer.pk).values().get()
    history = customer.history.count()

    customer_sale_dates_refresh()

    after = Customer.objects.filter(pk=customer.pk).values().get()
    assert (after["first_sale_on"], after["last_sale_on"]) == (date(2023, 1, 9), date(2025, 2, 28))
    assert {name: value for name, value in after.items() if not name.endswith("sale_on")} == {
        name: value for name, value in before.items() if not name.endswith("sale_on")
    }
    assert (after["phone"], after["version"]) == ("010-1234", customer.version)
    assert customer.history.count() == history


@pytest.mark.parametrize("customers", [1, 50])
def test_refresh_is_one_statement_whatever_the_number_of_customers(
    customers, django_assert_num_queries
):
    product = ProductFactory(code="P1")
    for number in range(customers):
        customer = CustomerFactory(code=f"C{number}")
        SalesRecordFactory(customer=customer, product=product, date=date(2025, 1, 1))
        SalesRecordFactory(customer=customer, product=product, date=date(2025, 2, 1))
    pks = list(Customer.objects.values_list("pk", flat=True))
    with django_assert_num_queries(1):
        assert customer_sale_dates_refresh(customer_ids=Customer.objects.values("pk")) == customers
    with django_assert_num_queries(1):
        assert customer_sale_dates_refresh(customer_ids=pks) == 0
    assert set(Customer.objects.values_list("first_sale_on", "last_sale_on")) == {
        (date(2025, 1, 1), date(2025, 2, 1))
    }


# Both write paths follow the rule


@pytest.fixture
def customers():
    ProductFactory(code="P1")
    CustomerFactory(code="C1")
    CustomerFactory(code="C2")


def test_a_load_moves_the_dates_outwards_and_only_where_they_change(customers, spy):
    load(line("2025-03-01", "C1", "A-1"), line("2025-05-01", "C1", "A-2"))
    assert (dates("C1"), dates("C2")) == ((date(2025, 3, 1), date(2025, 5, 1)), (None, None))

    load(
        line("2025-01-10", "C1", "B-1"),  # earlier
        line("2025-04-01", "C1", "B-2"),  # within
        line("2025-08-20", "C2", "B-3"),
    )
    assert dates("C1") == (date(2025, 1, 10), date(2025, 5, 1))
    assert dates("C2") == (date(2025, 8, 20), date(2025, 8, 20))

    load(line("2025-09-30", "C1", "C-1"))  # later
    assert dates("C1") == (date(2025, 1, 10), date(2025, 9, 30))

    load(line("2025-04-02", "C1", "D-1"), line("2025-08-20", "C2", "D-2"))  # both within
    assert spy == [1, 2, 1, 0]


def test_reloading_a_file_writes_no_customer(customers, spy):
    lines = [line("2025-03-01", "C1", "A-1"), line("2025-05-01", "C2", "A-2")]
    load(*lines)
    updated_at = dict(Customer.objects.values_list("code", "updated_at"))
    with CaptureQueriesContext(connection) as queries:
        report = load(*lines)
    assert (report.created, report.skipped) == (0, 2)
    assert customer_updates(queries) == []
    assert spy == [2]
    assert dict(Customer.objects.values_list("code", "updated_at")) == updated_at


def test_deleting_the_first_or_last_line_moves_the_date_inwards(customers, admin_user, spy):
    load(
        line("2025-01-10", "C1", "A-1"),
        line("2025-04-01", "C1", "A-2"),
        line("2025-09-30", "C1", "A-3"),
    )
    first, last = (SalesRecord.objects.get(document_no=no) for no in ("A-1", "A-3"))

    sales_records_delete(queryset=SalesRecord.objects.filter(pk=first.pk), actor=admin_user)
    assert dates("C1") == (date(2025, 4, 1), date(2025, 9, 30))
    sales_records_delete(queryset=SalesRecord.objects.filter(pk=last.pk), actor=admin_user)
    assert dates("C1") == (date(2025, 4, 1), date(2025, 4, 1))
    sales_records_delete(queryset=SalesRecord.objects.all(), actor=admin_user)
    assert dates("C1") == (None, None)
    assert spy == [1, 1, 1, 1]


def test_a_load_whose_date_refresh_fails_loads_nothing(customers, monkeypatch):
    def fail(*, customer_ids):
        raise RuntimeError("refresh failed")

    monkeypatch.setattr(lifecycle, "customer_sale_dates_refresh", fail)
    with pytest.raises(RuntimeError, match="refresh failed"):
        load(line("2025-03-01", "C1", "A-1"))
    assert SalesRecord.objects.count() == 0
    assert dates("C1") == (None, None)


def test_the_import_command_updates_the_sale_dates(customers, tmp_path):
    CustomerFactory(code="C3", first_sale_on=date(2019, 1, 1), last_sale_on=date(2019, 1, 1))
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


def test_a_refused_import_changes_no_sale_dates(customers, tmp_path):
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


# Dependency direction (SPEC 3)

ABOVE_SALES = ("classification.services", "classification.selectors", "classification.views")


def test_sales_does_not_import_the_logic_above_it():
    imported = set()
    for path in (Path(settings.BASE_DIR) / "sales").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
                imported.update(f"{node.module}.{alias.name}" for alias in node.names)
    assert "sales.signals" in imported  # the scan sees sales' own imports
    assert not {name for name in imported if any(name.startswith(above) for above in ABOVE_SALES)}
