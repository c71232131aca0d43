"""Reads of the investigations that depend on who asks: a manager reads every investigation,
a salesperson those of their own customers (the one scoping rule: outside it an
investigation does not exist, 404). Also the managers' risk view: the customers whose
credit deserves a look, each with one click to commission an investigation."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Window
from django.shortcuts import get_object_or_404

from classification.models import GradeLevel
from customers.models import Customer
from investigations.models import Agency, Investigation, RiskLevel
from review.models import Proposal
from visits.models import Visit
from visits.selectors import ProposalRow, proposal_rows

CARD_LIMIT = 5
RISK_LIMIT = 20
DELIVERED = (Investigation.Status.DELIVERED, Investigation.Status.REVIEWED)


def investigations_visible_to(user) -> QuerySet:
    """The investigations of the customers `user` may see (`Customer.objects.visible_to`)."""
    customers = Customer.objects.visible_to(user)
    if not customers.query.where:  # everybody's: no condition to add
        return Investigation.objects.all()
    return Investigation.objects.filter(customer__in=customers)


def investigations_list(user) -> QuerySet:
    """The investigations `user` may see, newest request first, with what a list row shows."""
    return (
        investigations_visible_to(user)
        .select_related("customer", "agency")
        .order_by("-requested_on", "-pk")
    )


def investigation_get_for_user(user, pk) -> Investigation:
    """One investigation `user` may see (404 otherwise), with its customer, agency and the
    manager who commissioned it."""
    return get_object_or_404(
        investigations_visible_to(user).select_related("customer__grade", "agency", "requested_by"),
        pk=pk,
    )


def active_agencies() -> QuerySet:
    """The agencies a new investigation may be commissioned from."""
    return Agency.objects.filter(is_active=True)


# Proposals ---------------------------------------------------------------------------------


def proposals_of(investigations) -> QuerySet:
    """The proposals made from `investigations`, without a content-type lookup."""
    return Proposal.objects.filter(
        source_type__app_label="investigations",
        source_type__model="investigation",
        source_id__in=[investigation.pk for investigation in investigations],
    )


def investigation_proposals(investigation: Investigation) -> list[ProposalRow]:
    """The card changes the investigation proposed, in words, in the order they were made
    (two queries at most: the proposals, the names of reference data among them)."""
    return proposal_rows(list(proposals_of([investigation]).order_by("pk")))


# The card ----------------------------------------------------------------------------------


def investigations_of_customer(customer: Customer, *, limit: int = CARD_LIMIT):
    """The customer's latest `limit` investigations for its card, newest request first,
    and how many there are (one query)."""
    latest = list(
        customer.investigations.select_related("agency")
        .annotate(total=Window(Count("pk")))
        .order_by("-requested_on", "-pk")[:limit]
    )
    return latest, latest[0].total if latest else 0


# The risk view -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskSection:
    """One reason to look at a customer's credit: the first `RISK_LIMIT` customers for it,
    in the order that needs attention first, and how many there are."""

    customers: list[Customer]
    total: int


def _risk_customers(user) -> QuerySet:
    """The active customers in scope, with what every row of the risk view shows: the
    salesperson, the grade, the day of the latest request and whether one is still out."""
    requests = Investigation.objects.filter(customer=OuterRef("pk"))
    return (
        Customer.objects.visible_to(user)
        .active()
        .select_related("salesperson", "grade")
        .annotate(
            last_requested_on=Subquery(
                requests.order_by("-requested_on", "-pk").values("requested_on")[:1]
            ),
            investigation_open=Exists(requests.filter(status=Investigation.Status.REQUESTED)),
            total=Window(Count("pk")),
        )
    )


def _section(customers: QuerySet, limit: int) -> RiskSection:
    rows = list(customers[:limit])
    return RiskSection(rows, rows[0].total if rows else 0)


def customers_with_incidents(user, *, limit: int = RISK_LIMIT) -> RiskSection:
    """Customers with past credit problems, those with unresolved ones first (most
    unresolved first), then by the latest problem."""
    customers = (
        _risk_customers(user)
        .annotate(
            incidents=Count("credit_incidents"),
            unresolved=Count(
                "credit_incidents", filter=Q(credit_incidents__resolved_on__isnull=True)
            ),
            last_incident_on=Max("credit_incidents__occurred_on"),
        )
        .filter(incidents__gt=0)
        .order_by("-unresolved", "-last_incident_on", "name", "pk")
    )
    return _section(customers, limit)


def customers_at_high_risk(user, *, limit: int = RISK_LIMIT) -> RiskSection:
    """Customers whose latest delivered investigation found a high risk, the latest
    finding first."""
    latest = Investigation.objects.filter(customer=OuterRef("pk"), status__in=DELIVERED).order_by(
        "-delivered_on", "-pk"
    )
    customers = (
        _risk_customers(user)
        .annotate(
            latest_risk=Subquery(latest.values("risk_level")[:1]),
            latest_delivered_on=Subquery(latest.values("delivered_on")[:1]),
            latest_investigation_id=Subquery(latest.values("pk")[:1]),
        )
        .filter(latest_risk=RiskLevel.HIGH)
        .order_by("-latest_delivered_on", "name", "pk")
    )
    return _section(customers, limit)


def customers_with_overdue_follow_ups(
    user, *, today: datetime.date, limit: int = RISK_LIMIT
) -> RiskSection:
    """Customers whose latest visit asked for a follow-up before `today`: no later visit
    followed it up (as the salesperson's own follow-ups count them), the longest overdue
    first."""
    latest = Visit.objects.filter(customer=OuterRef("pk")).order_by("-report__date", "-pk")
    customers = (
        _risk_customers(user)
        .annotate(
            follow_up_on=Subquery(latest.values("follow_up_on")[:1]),
            follow_up_steps=Subquery(latest.values("next_steps")[:1]),
        )
        .filter(follow_up_on__lt=today)
        .order_by("follow_up_on", "name", "pk")
    )
    return _section(customers, limit)


def top_grade() -> GradeLevel | None:
    """The highest active grade (the lowest `order`): the customers that matter most."""
    return GradeLevel.objects.filter(is_active=True).order_by("order", "code").first()


def key_customers_not_investigated(
    user, *, grade: GradeLevel | None, since: datetime.date, limit: int = RISK_LIMIT
) -> RiskSection:
    """Customers of `grade` with no investigation requested since `since`: those never
    investigated first, then the longest ago."""
    if grade is None:
        return RiskSection([], 0)
    recent = Investigation.objects.filter(customer=OuterRef("pk"), requested_on__gte=since)
    customers = (
        _risk_customers(user)
        .filter(grade=grade)
        .exclude(Exists(recent))
        .order_by(F("last_requested_on").asc(nulls_first=True), "name", "pk")
    )
    return _section(customers, limit)
