"""Reads of sales facts, computed in the database."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from classification.lifecycle import grade_window, months_before
from sales.models import SalesRecord

CENT = Decimal("0.01")
MILLI = Decimal("0.001")


def money(value) -> Decimal:
    """A database sum as exact cents (SQLite sums decimals as floats)."""
    return Decimal(str(value or 0)).quantize(CENT)


def months_back(day: date, months: int) -> date:
    """The first day of the month `months` before `day`'s month."""
    return months_before(day, months).replace(day=1)


@dataclass(frozen=True)
class MonthlySales:
    month: date
    amount: Decimal
    lines: int


@dataclass(frozen=True)
class CategorySales:
    code: str
    name: str
    quantity: Decimal
    amount: Decimal


@dataclass(frozen=True)
class SalesPerformance:
    """目前及以往的销售实绩: a customer's sales in the grading window (`window_start` to
    `window_end`, both included: the window the regrade grades by), in the calendar years
    `year` and `year - 1`, and in all time; the monthly trend of the last 12 calendar months
    (this one included) and its top product categories in the grading window."""

    window_start: date
    window_end: date
    window_amount: Decimal
    year: int
    this_year: Decimal
    last_year: Decimal
    total: Decimal
    first_sale: date | None
    last_sale: date | None
    monthly: list[MonthlySales]
    top_categories: list[CategorySales]


def customer_sales_performance(customer, *, today: date | None = None) -> SalesPerformance:
    """The grading window is `classification.lifecycle.grade_window` for `today`, so the
    card's window figure is the amount the regrade grades the customer by. Four queries
    (the policy and three aggregates), whatever the number of sales lines."""
    today = today or timezone.localdate()
    window_start, window_end = grade_window(today=today)
    trend_start = months_back(today, 11)
    sales = SalesRecord.objects.filter(customer=customer)
    in_window = Q(date__gte=window_start, date__lte=window_end)
    totals = sales.aggregate(
        window=Sum("amount", filter=in_window),
        this_year=Sum("amount", filter=Q(date__year=today.year)),
        last_year=Sum("amount", filter=Q(date__year=today.year - 1)),
        total=Sum("amount"),
        first_sale=Min("date"),
        last_sale=Max("date"),
    )
    by_month = {
        row["month"]: row
        for row in sales.filter(date__gte=trend_start, date__lte=today)
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(amount=Sum("amount"), lines=Count("pk"))
        .order_by("month")
    }
    monthly = []
    for offset in range(11, -1, -1):
        month = months_back(today, offset)
        row = by_month.get(month, {"amount": 0, "lines": 0})
        monthly.append(MonthlySales(month, money(row["amount"]), row["lines"]))
    top_categories = [
        CategorySales(
            row["product__category__code"],
            row["product__category__name"],
            Decimal(str(row["quantity"])).quantize(MILLI),
            money(row["amount"]),
        )
        for row in sales.filter(in_window)
        .values("product__category__code", "product__category__name")
        .annotate(quantity=Sum("quantity"), amount=Sum("amount"))
        .order_by("-amount", "product__category__code")[:5]
    ]
    return SalesPerformance(
        window_start=window_start,
        window_end=window_end,
        window_amount=money(totals["window"]),
        year=today.year,
        this_year=money(totals["this_year"]),
        last_year=money(totals["last_year"]),
        total=money(totals["total"]),
        first_sale=totals["first_sale"],
        last_sale=totals["last_sale"],
        monthly=monthly,
        top_categories=top_categories,
    )
