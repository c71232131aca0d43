"""The lifecycle facts on the card (SPEC 2.1): each customer's first and last sale dates,
kept current from its sales lines. The time series and transaction process
(`classification.lifecycle`) are derived from these two stored dates.

This module sits above both the card and the sales facts (SPEC 3): it reads sales lines and
writes customers. Sales sits below it and must not call it, so the sales write paths send
`sales.signals.sales_lines_changed`, which `ClassificationConfig.ready()` connects to
`sales_lines_changed_received`: the rule stays here, written once."""

from collections.abc import Iterable
from datetime import date

from django.db.models import F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from customers.models import Customer
from sales.models import SalesRecord

# Stands in for a missing date when dates are compared, so that "no sale" equals "no sale"
# (NULL = NULL is not true in SQL).
NO_SALE = Value(date.min)


def customer_sale_dates_refresh(*, customer_ids: Iterable[int] | QuerySet | None = None) -> int:
    """Set each customer's `first_sale_on` / `last_sale_on` to the earliest and latest date
    of its sales lines (both null without any), for the given customers or for all.

    Only customers whose dates change are written (loading lines already loaded writes
    none), and only these two columns, so that other writers' columns stay as they are. One
    UPDATE whatever the number of customers, each date read from the (customer, date) index.
    `customer_ids` may be pks or a queryset or subquery of pks, to refresh a set the
    database already knows (the customers of a load) without fetching it. Returns the
    number of customers written."""
    lines = SalesRecord.objects.filter(customer=OuterRef("pk")).values("date")
    first = Subquery(lines.order_by("date")[:1])
    last = Subquery(lines.order_by("-date")[:1])
    customers = Customer.objects.all()
    if customer_ids is not None:
        customers = customers.filter(pk__in=customer_ids)
    changed = customers.alias(
        stored_first=Coalesce("first_sale_on", NO_SALE),
        stored_last=Coalesce("last_sale_on", NO_SALE),
        first=Coalesce(first, NO_SALE),
        last=Coalesce(last, NO_SALE),
    ).exclude(stored_first=F("first"), stored_last=F("last"))
    return changed.update(first_sale_on=first, last_sale_on=last)


def sales_lines_changed_received(sender, *, customer_ids, **kwargs) -> None:
    """Receiver of `sales.signals.sales_lines_changed`: the dates follow the lines, in the
    sender's transaction."""
    customer_sale_dates_refresh(customer_ids=customer_ids)
