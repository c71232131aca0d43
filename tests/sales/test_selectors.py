from datetime import date
from decimal import Decimal

import pytest

from classification.lifecycle import grade_window
from classification.models import ClassificationPolicy
from sales.selectors import customer_sales_performance, months_back
from tests.customers.factories import CustomerFactory
from tests.sales.factories import ProductCategoryFactory, ProductFactory, SalesRecordFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 28)


def test_months_back_crosses_years():
    assert months_back(TODAY, 0) == date(2026, 11, 1)
    assert months_back(TODAY, 11) == date(2025, 12, 1)
    assert months_back(date(2026, 1, 31), 1) == date(2025, 12, 1)


def test_performance_sums_periods_exactly_and_ignores_other_customers(
    django_assert_num_queries,
):
    customer = CustomerFactory()
    drinks = ProductFactory(category=ProductCategoryFactory(code="DRK", name="饮料"))
    snacks = ProductFactory(category=ProductCategoryFactory(code="SNK", name="零食"))
    lines = [
        (date(2026, 11, 2), drinks, "0.10", "1"),
        (date(2026, 11, 30), drinks, "0.20", "1"),  # after "today": outside the window
        (date(2026, 1, 15), snacks, "100.05", "3"),
        (date(2025, 12, 1), drinks, "200.00", "2"),  # first day of the 12-month trend
        (date(2025, 11, 29), snacks, "7.00", "1"),  # first day of the grading window
        (date(2025, 11, 28), snacks, "50.00", "1"),  # the day before it
    ]
    for day, product, amount, quantity in lines:
        SalesRecordFactory(
            customer=customer,
            product=product,
            date=day,
            amount=Decimal(amount),
            quantity=Decimal(quantity),
        )
    SalesRecordFactory(date=date(2026, 11, 2), amount=Decimal("999.00"))

    # The policy, then three aggregates.
    with django_assert_num_queries(4):
        performance = customer_sales_performance(customer, today=TODAY)

    assert (performance.window_start, performance.window_end) == (date(2025, 11, 29), TODAY)
    assert performance.window_amount == Decimal("307.15")
    assert performance.year == 2026
    assert performance.this_year == Decimal("100.35")  # the calendar year, 30 November too
    assert performance.last_year == Decimal("257.00")
    assert performance.total == Decimal("357.35")
    assert (performance.first_sale, performance.last_sale) == (
        date(2025, 11, 28),
        date(2026, 11, 30),
    )
    assert [m.month for m in performance.monthly][:2] == [date(2025, 12, 1), date(2026, 1, 1)]
    assert len(performance.monthly) == 12
    by_month = {m.month: (m.amount, m.lines) for m in performance.monthly}
    assert by_month[date(2025, 12, 1)] == (Decimal("200.00"), 1)
    assert by_month[date(2026, 1, 1)] == (Decimal("100.05"), 1)
    assert by_month[date(2026, 11, 1)] == (Decimal("0.10"), 1)
    assert by_month[date(2026, 5, 1)] == (Decimal("0.00"), 0)
    assert [(c.code, c.amount, c.quantity) for c in performance.top_categories] == [
        ("DRK", Decimal("200.10"), Decimal("3.000")),
        ("SNK", Decimal("107.05"), Decimal("4.000")),
    ]


def test_the_window_is_the_classification_policys_grading_window():
    ClassificationPolicy.objects.filter(pk=1).update(grade_window_months=6)
    customer = CustomerFactory()
    for day, amount in ((date(2026, 5, 28), "40.00"), (date(2026, 5, 29), "2.50")):
        SalesRecordFactory(customer=customer, date=day, amount=Decimal(amount))

    performance = customer_sales_performance(customer, today=TODAY)

    assert (performance.window_start, performance.window_end) == (date(2026, 5, 29), TODAY)
    assert (performance.window_start, performance.window_end) == grade_window(today=TODAY)
    assert performance.window_amount == Decimal("2.50")


def test_customer_without_sales_has_zero_performance():
    performance = customer_sales_performance(CustomerFactory(), today=TODAY)
    assert (performance.total, performance.first_sale, performance.top_categories) == (
        Decimal("0.00"),
        None,
        [],
    )
    assert sum(m.amount for m in performance.monthly) == 0
