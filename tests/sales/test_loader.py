import gc
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext

from classification.services import lifecycle
from customers.models import Customer
from dataexchange.loading import MAX_REPORTED_ERRORS
from sales import loader
from sales.loader import sales_records_load
from sales.models import Product, SalesRecord
from sales.signals import sales_lines_changed
from tests.customers.factories import CustomerFactory
from tests.sales.factories import ProductFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY and the index rebuild are PostgreSQL's"
)

HEADER = ["date", "customer", "product", "quantity", "amount", "document_no"]


@pytest.fixture
def known(salesperson):
    CustomerFactory(code="C1", salesperson=salesperson)
    CustomerFactory(code="C2", salesperson=None)
    ProductFactory(code="P1")
    ProductFactory(code="P2")


def load(rows, header=HEADER, **kwargs):
    return sales_records_load(header=header, rows=rows, **kwargs)


GOOD = [
    ["2026-01-05", "C1", "P1", "2", "20.00", "INV-1"],
    ["2026-01-05", "C1", "P2", "1.5", "15.50", "INV-1"],
    ["2026/02/01", "C2", "P1", "3", "30", ""],
]


def test_good_rows_load_with_resolved_codes_and_exact_amounts(known, salesperson):
    report = load(GOOD)
    assert (report.ok, report.rows, report.created, report.skipped) == (True, 3, 3, 0)
    records = list(
        SalesRecord.objects.order_by("date", "product__code").values_list(
            "date",
            "customer__code",
            "product__code",
            "quantity",
            "amount",
            "salesperson",
            "document_no",
        )
    )
    assert records == [
        (date(2026, 1, 5), "C1", "P1", Decimal("2.000"), Decimal("20.00"), salesperson.pk, "INV-1"),
        (date(2026, 1, 5), "C1", "P2", Decimal("1.500"), Decimal("15.50"), salesperson.pk, "INV-1"),
        (date(2026, 2, 1), "C2", "P1", Decimal("3.000"), Decimal("30.00"), None, ""),
    ]


def test_loading_the_same_rows_again_adds_nothing(known):
    load(GOOD)
    report = load(GOOD)
    assert (report.ok, report.created, report.skipped) == (True, 0, 3)
    assert SalesRecord.objects.count() == 3


@pytest.fixture
def announced():
    """The customers (codes) of each `sales_lines_changed` sent, read during the send."""
    sent = []

    def receiver(sender, *, customer_ids, **kwargs):
        codes = Customer.objects.filter(pk__in=customer_ids).values_list("code", flat=True)
        sent.append(sorted(codes))

    sales_lines_changed.connect(receiver)
    yield sent
    sales_lines_changed.disconnect(receiver)


def test_a_load_announces_the_customers_of_its_new_lines_only(known, announced):
    CustomerFactory(code="C3")
    load(GOOD[:2])
    assert announced == [["C1"]]
    load(GOOD)  # the first two lines are there already: only C2's line is new
    assert announced == [["C1"], ["C2"]]


def test_a_load_that_adds_nothing_announces_nothing(known, announced):
    load(GOOD, dry_run=True)
    load([*GOOD, ["2026-01-06", "C9", "P1", "1", "10", "INV-2"]])  # refused: unknown C9
    assert announced == []
    load(GOOD)
    load(GOOD)  # nothing new
    assert announced == [["C1", "C2"]]


def test_one_bad_row_in_the_middle_loads_nothing_and_names_row_and_column(known):
    rows = [GOOD[0], ["2026-01-06", "C9", "P1", "1", "10", "INV-2"], GOOD[2]]
    report = load(rows)
    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(3, "customer")]
    assert "C9" in report.errors[0].message
    assert str(report.errors[0]).startswith("row 3, column customer:")
    assert SalesRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (["2026-13-01", "C1", "P1", "1", "1", ""], "date"),
        (["yesterday", "C1", "P1", "1", "1", ""], "date"),
        (["2026-01-01", "C1", "P9", "1", "1", ""], "product"),
        (["2026-01-01", "C" * 33, "P1", "1", "1", ""], "customer"),
        (["2026-01-01", "C1", "P" * 33, "1", "1", ""], "product"),
        (["2026-01-01", "", "P1", "1", "1", ""], "customer"),
        (["2026-01-01", "C1", "P1", "-1", "1", ""], "quantity"),
        (["2026-01-01", "C1", "P1", "0", "1", ""], "quantity"),
        (["2026-01-01", "C1", "P1", "abc", "1", ""], "quantity"),
        (["2026-01-01", "C1", "P1", "1", "-5", ""], "amount"),
        (["2026-01-01", "C1", "P1", "1", "1.005", ""], "amount"),
        (["2026-01-01", "C1", "P1", "1", "NaN", ""], "amount"),
        (["2026-01-01", "C1", "P1", "1", "1", "X" * 41], "document_no"),
    ],
)
def test_each_kind_of_bad_value_is_reported_for_its_column(known, row, column):
    report = load([GOOD[0], row])
    assert [(e.row, e.column) for e in report.errors] == [(3, column)]
    assert SalesRecord.objects.count() == 0


def test_every_bad_row_is_reported_not_only_the_first(known):
    rows = [["2026-01-01", "C9", "P9", "x", "1", ""], GOOD[0], ["bad", "C1", "P1", "1", "1", ""]]
    report = load(rows)
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "customer"),
        (2, "product"),
        (2, "quantity"),
        (4, "date"),
    ]


def test_a_line_repeated_in_the_file_is_an_error_naming_the_first(known):
    rows = [GOOD[0], GOOD[1], ["2026-01-07", "C1", "P1", "9", "90", "INV-1"]]
    report = load(rows)
    assert [(e.row, e.column) for e in report.errors] == [(4, "document_no")]
    assert "row 2" in report.errors[0].message
    assert SalesRecord.objects.count() == 0


def test_missing_required_column_is_refused(known):
    report = load([["2026-01-05", "C1", "P1", "2"]], header=HEADER[:4])
    assert [(e.row, e.column) for e in report.errors] == [(1, "amount")]


def test_columns_in_any_order_and_document_no_optional(known):
    header = ["amount", "quantity", "product", "customer", "date"]
    report = load([["20.00", "2", "P1", "C1", "2026-01-05"]], header=header)
    assert (report.ok, report.created) == (True, 1)


def test_dry_run_validates_and_writes_nothing(known):
    report = load(GOOD, dry_run=True)
    assert (report.ok, report.rows, report.created) == (True, 3, 0)
    assert SalesRecord.objects.count() == 0


def test_small_batches_give_the_same_result(known):
    report = load(GOOD, batch_size=1)
    assert (report.ok, report.created) == (True, 3)


def test_reported_errors_are_capped_but_counted(known):
    rows = [["bad", "C1", "P1", "1", "1", ""]] * (MAX_REPORTED_ERRORS + 5)
    report = load(rows, batch_size=500)
    assert (len(report.errors), report.error_count) == (
        MAX_REPORTED_ERRORS,
        MAX_REPORTED_ERRORS + 5,
    )


def test_a_customer_or_product_with_sales_cannot_be_deleted(known):
    load(GOOD)
    with pytest.raises(ProtectedError):
        Customer.objects.get(code="C1").delete()
    with pytest.raises(ProtectedError):
        Product.objects.get(code="P1").delete()
    assert SalesRecord.objects.count() == 3


def test_unknown_code_messages_name_the_column_in_words(known):
    report = load([["2026-01-01", "C9", "P9", "1", "1", ""]])
    assert [e.message for e in report.errors] == [
        "unknown customer code “C9”",
        "unknown product code “P9”",
    ]


def test_a_bad_number_is_quoted_as_written(known):
    report = load([["2026-01-01", "C1", "P1", "abc", "-5", ""]])
    assert [e.message for e in report.errors] == [
        "“-5” is not an amount of zero or more with at most 2 decimals",
        "“abc” is not a number greater than zero with at most 3 decimals",
    ]


def test_the_cycle_collector_runs_again_after_a_load_good_or_bad(known):
    load(GOOD)
    assert gc.isenabled()
    load([["bad", "C1", "P1", "1", "1", ""]])
    assert gc.isenabled()


@pytest.fixture
def rebuild_from_two_lines(monkeypatch):
    """The index rebuild of a large load, for loads of a few lines."""
    monkeypatch.setattr(loader, "REBUILD_MIN_ROWS", 2)


def sales_indexes() -> dict:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, SalesRecord._meta.db_table)


def rebuilt(queries: CaptureQueriesContext) -> bool:
    return any(query["sql"].startswith("DROP INDEX") for query in queries.captured_queries)


def numbered_lines(count: int, prefix: str) -> list[list[str]]:
    return [["2026-03-01", "C1", "P1", "1", "10", f"{prefix}-{n}"] for n in range(count)]


@postgresql_only
def test_a_load_that_is_a_large_share_of_the_table_rebuilds_its_indexes_as_they_were(
    known, rebuild_from_two_lines, salesperson
):
    before = sales_indexes()
    with CaptureQueriesContext(connection) as queries:
        report = load(GOOD)
    assert rebuilt(queries)
    assert (report.ok, report.created, report.skipped) == (True, 3, 0)
    assert sales_indexes() == before
    assert SalesRecord.objects.filter(customer__code="C1", salesperson=salesperson).count() == 2
    first = SalesRecord.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        SalesRecord.objects.create(
            date=first.date,
            customer=first.customer,
            product=first.product,
            quantity=1,
            amount=1,
            line_key=first.line_key,
        )
    again = load(GOOD)
    assert (again.ok, again.created, again.skipped) == (True, 0, 3)
    assert SalesRecord.objects.count() == 3


@postgresql_only
def test_a_load_that_is_a_small_share_of_the_table_keeps_its_indexes(known, rebuild_from_two_lines):
    load(numbered_lines(20, "OLD"))
    with CaptureQueriesContext(connection) as queries:
        report = load(numbered_lines(3, "NEW") + numbered_lines(2, "OLD"))
    assert not rebuilt(queries)
    assert (report.ok, report.created, report.skipped) == (True, 3, 2)
    assert SalesRecord.objects.count() == 23


@postgresql_only
def test_a_failure_after_the_indexes_are_dropped_restores_them_and_loads_nothing(
    known, rebuild_from_two_lines, monkeypatch
):
    before = sales_indexes()

    def fail(*, customer_ids):
        raise RuntimeError("disk full")

    # The last step of a load: the customers' sale dates, refreshed by the receiver of
    # sales_lines_changed.
    monkeypatch.setattr(lifecycle, "customer_sale_dates_refresh", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        load(GOOD)
    assert sales_indexes() == before
    assert SalesRecord.objects.count() == 0
    assert Customer.objects.filter(last_sale_on__isnull=False).count() == 0
    assert gc.isenabled()


@postgresql_only
def test_a_copy_failing_in_the_background_fails_the_load_and_loads_nothing(known, monkeypatch):
    from psycopg2 import Error as DriverError

    monkeypatch.setattr(loader, "STAGING_COLUMNS", (*loader.STAGING_COLUMNS[:-1], "no_such"))
    with pytest.raises(DriverError, match="no_such"):
        load(GOOD, batch_size=1)
    assert SalesRecord.objects.count() == 0
