"""The customer archive's panels on the home page (registered in `CustomersConfig.ready`):
a manager's figures and open credit incidents, a salesperson's first deals to come. Each
takes the request and returns the panel's context, in a fixed number of queries."""

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from customers.models import CreditIncident, Customer

# A salesperson's home lists the prospects whose first deal is planned this many days ahead.
FIRST_DEAL_DAYS = 14
# The home page lists this many customers or incidents of a panel; its figure counts them all.
HOME_LIST_LENGTH = 10


def customer_figures(request) -> dict:
    """The archive in the user's scope, counted in one query: active customers, the
    prospects among them (no sale yet), those without a salesperson, and archived cards."""
    active = Q(status=Customer.Status.ACTIVE)
    return {
        "figures": Customer.objects.visible_to(request.user).aggregate(
            active=Count("pk", filter=active),
            prospects=Count("pk", filter=active & Q(first_sale_on__isnull=True)),
            unassigned=Count("pk", filter=active & Q(salesperson__isnull=True)),
            archived=Count("pk", filter=Q(status=Customer.Status.ARCHIVED)),
        )
    }


def open_credit_incidents(request) -> dict:
    """The unresolved credit incidents of the customers in the user's scope, newest first,
    with their customer: two queries (the count and the first ones)."""
    incidents = CreditIncident.objects.filter(
        resolved_on__isnull=True, customer__in=Customer.objects.visible_to(request.user)
    )
    return {
        "count": incidents.count(),
        "incidents": list(
            incidents.select_related("customer").order_by("-occurred_on", "-pk")[:HOME_LIST_LENGTH]
        ),
    }


def first_deals_due(request) -> dict:
    """The prospects (active, no sale yet) in the user's scope whose first deal is planned
    from today to `FIRST_DEAL_DAYS` days ahead, soonest first: two queries."""
    today = timezone.localdate()
    customers = (
        Customer.objects.visible_to(request.user)
        .active()
        .filter(
            first_sale_on__isnull=True,
            planned_first_deal_on__gte=today,
            planned_first_deal_on__lte=today + datetime.timedelta(days=FIRST_DEAL_DAYS),
        )
    )
    return {
        "count": customers.count(),
        "customers": list(
            customers.order_by("planned_first_deal_on", "code", "pk")[:HOME_LIST_LENGTH]
        ),
        "days": FIRST_DEAL_DAYS,
    }
