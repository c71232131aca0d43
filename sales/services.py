"""Writes to the sales facts."""

from django.db import transaction
from django.db.models import QuerySet

from sales.models import SalesRecord
from sales.signals import sales_lines_changed


def sales_records_delete(*, queryset: QuerySet[SalesRecord], actor) -> int:
    """Delete the sales lines of `queryset` (an administrator's correction: lines are ERP
    facts and otherwise only loaded) and announce the change, so that what is derived
    from the lines (the customers' first and last sale dates) follows in the same
    transaction. Returns the number of lines deleted. `actor` is who deletes (the admin
    records the deletion in its own log)."""
    with transaction.atomic():
        customer_ids = list(queryset.order_by().values_list("customer_id", flat=True).distinct())
        deleted, _per_model = queryset.delete()
        if deleted:
            sales_lines_changed.send(sender=SalesRecord, customer_ids=customer_ids)
    return deleted
