"""Reads of sales facts, computed in the database."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from classification.lifecycle import months_before
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
    """目前及以往的销售实绩: a customer's sales this year, last year and the last 12 months,
    the monthly trend of the last 12 months and its top product categories in that time."""

    this_year: Decimal
    last_year: Decimal
    last_12_months: Decimal
    total: Decimal
    first_sale: date | None
    last_sale: date | None
    monthly: list[MonthlySales]
    top_categories: list[CategorySales]


def customer_sales_performance(customer, *, today: date | None = None) -> SalesPerformance:
    """Three aggregate queries, whatever the number of sales lines."""
    today = today or timezone.localdate()
    window_start = months_back(today, 11)
    sales = SalesRecord.objects.filter(customer=customer)
    totals = sales.aggregate(
        this_year=Sum("amount", filter=Q(date__year=today.year)),
        last_year=Sum("amount", filter=Q(date__year=today.year - 1)),
        last_12_months=Sum("amount", filter=Q(date__gte=window_start, date__lte=today)),
        total=Sum("amount"),
        first_sale=Min("date"),
        last_sale=Max("date"),
    )
    by_month = {
        row["month"]: row
        for row in sales.filter(date__gte=window_start, date__lte=today)
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
        for row in sales.filter(date__gte=window_start, date__lte=today)
        .values("product__category__code", "product__category__name")
        .annotate(quantity=Sum("quantity"), amount=Sum("amount"))
        .order_by("-amount", "product__category__code")[:5]
    ]
    return SalesPerformance(
        this_year=money(totals["this_year"]),
        last_year=money(totals["last_year"]),
        last_12_months=money(totals["last_12_months"]),
        total=money(totals["total"]),
        first_sale=totals["first_sale"],
        last_sale=totals["last_sale"],
        monthly=monthly,
        top_categories=top_categories,
    )
