"""Writes derived from the sales facts."""

from collections.abc import Iterable

from django.db.models import Max, Min, OuterRef, QuerySet, Subquery

from customers.models import Customer
from sales.models import SalesRecord


def customer_sale_dates_refresh(*, customer_ids: Iterable[int] | QuerySet | None = None) -> int:
    """Set each customer's `first_sale_on` / `last_sale_on` to the earliest and latest date
    of its sales records (null without any), for the given customers or for all. One UPDATE
    with correlated subqueries, served by the (customer, date) index; the lifecycle (time
    series, transaction process) is derived from these dates. Returns the rows updated.

    `customer_ids` may be a queryset or subquery of ids, to refresh a set the database
    already knows (the customers of an import) without fetching it."""
    sales = SalesRecord.objects.filter(customer=OuterRef("pk")).order_by().values("customer")
    customers = Customer.objects.all()
    if customer_ids is not None:
        customers = customers.filter(pk__in=customer_ids)
    return customers.update(
        first_sale_on=Subquery(sales.annotate(first=Min("date")).values("first")),
        last_sale_on=Subquery(sales.annotate(last=Max("date")).values("last")),
    )
