"""Reads of the daily visit reports that depend on who asks: a salesperson reads their own
reports, a manager reads everybody's (and changes none). Also what the pages show of a
proposal's values: in words (choice labels, names, dates in the reader's format), never
as the codes a proposal stores."""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.roles import is_manager
from classification.routing import distance_km
from customers.models import Customer
from review.models import Proposal
from review.selectors import (
    field_label,
    related_names,
    value_in_words,
)
from visits.models import Visit, VisitPhoto, VisitReport

SEARCH_LIMIT = 20
FOLLOW_UP_DAYS = 7
DECIDED_DAYS = 14
HOME_LIMIT = 10
CARD_VISITS_LIMIT = 10
CLOSED = (VisitReport.Status.SUBMITTED, VisitReport.Status.REVIEWED)


def _visit_proposals():
    """Proposals whose source is a visit (a report's), without a content-type lookup."""
    return Proposal.objects.filter(source_type__app_label="visits", source_type__model="visit")


# Reports -----------------------------------------------------------------------------------


def reports_readable_by(user):
    """The reports `user` may read: a salesperson's own, every report for a manager."""
    if is_manager(user):
        return VisitReport.objects.all()
    return VisitReport.objects.filter(salesperson_id=user.pk)


def report_get_for_user(user, pk) -> VisitReport:
    """One report `user` may read (404 outside their scope: another salesperson's report
    does not exist for them), with its salesperson."""
    return get_object_or_404(reports_readable_by(user).select_related("salesperson"), pk=pk)


def reports_of(user):
    """The salesperson's own reports, newest first, each with its number of visits, of
    proposed card changes and of those accepted (one query per page of the list)."""
    visits = Visit.objects.filter(report=OuterRef(OuterRef("pk"))).values("pk")

    def proposals(**conditions):
        return Coalesce(
            Subquery(
                _visit_proposals()
                .filter(source_id__in=visits, **conditions)
                .order_by()
                .values("source_type")
                .annotate(count=Count("pk"))
                .values("count")
            ),
            Value(0),
        )

    return (
        VisitReport.objects.filter(salesperson_id=user.pk)
        .annotate(
            visit_count=Count("visits", distinct=True),
            proposal_count=proposals(),
            accepted_count=proposals(status=Proposal.Status.ACCEPTED),
        )
        .order_by("-date", "-pk")
    )


def reports_for_home(user, day: datetime.date, *, earlier: int = 3):
    """The salesperson's report of `day` (None before it is opened: reading the home page
    creates nothing) and up to `earlier` drafts of earlier days still to submit, newest
    first, each with its number of visits (one query)."""
    reports = list(
        VisitReport.objects.filter(salesperson_id=user.pk)
        .filter(Q(date=day) | Q(date__lt=day, status=VisitReport.Status.DRAFT))
        .annotate(visit_count=Count("visits"))
        .order_by("-date")[: earlier + 1]
    )
    today = next((report for report in reports if report.date == day), None)
    return today, [report for report in reports if report.date != day][:earlier]


# Visits ------------------------------------------------------------------------------------


def visit_get_for_user(user, pk) -> Visit:
    """One visit of a report `user` may read (404 otherwise), with its report and
    customer."""
    return get_object_or_404(
        Visit.objects.filter(report__in=reports_readable_by(user)).select_related(
            "report__salesperson", "customer"
        ),
        pk=pk,
    )


def photo_get_for_user(user, pk) -> VisitPhoto:
    """One photo of a report `user` may read (404 otherwise)."""
    return get_object_or_404(
        VisitPhoto.objects.filter(visit__report__in=reports_readable_by(user)), pk=pk
    )


def proposal_get_for_user(user, pk) -> Proposal:
    """One proposal made from a visit of a report `user` may read (404 otherwise)."""
    visits = Visit.objects.filter(report__in=reports_readable_by(user)).values("pk")
    return get_object_or_404(_visit_proposals().filter(source_id__in=visits), pk=pk)


def report_visits(report: VisitReport) -> list[Visit]:
    """The report's visits in the day's order (untimed ones last), each with its customer,
    photos, proposals (`proposal_rows`, in words) and the distance of its check-in from the
    customer's coordinates: a fixed number of queries, whatever the number of visits."""
    visits = list(
        report.visits.select_related("customer")
        .prefetch_related("photos")
        .order_by(F("time").asc(nulls_last=True), "pk")
    )
    proposals = proposals_of_visits(visits)
    for visit in visits:
        visit.proposal_rows = proposals.get(visit.pk, [])
        visit.distance = check_in_distance(visit)
    return visits


def proposals_of_visits(visits) -> dict[int, list["ProposalRow"]]:
    """The proposals of `visits`, in words, by visit pk."""
    proposals = list(
        _visit_proposals().filter(source_id__in=[visit.pk for visit in visits]).order_by("pk")
    )
    by_visit: dict[int, list[ProposalRow]] = {}
    for row in proposal_rows(proposals):
        by_visit.setdefault(row.proposal.source_id, []).append(row)
    return by_visit


def visits_of_customer(user, customer: Customer, *, limit: int = CARD_VISITS_LIMIT):
    """The customer's visit history for its card, newest first: the visits of submitted
    reports, and the reader's own drafts (a draft is its author's until submitted). Returns
    the latest `limit` visits and how many there are (one query)."""
    visits = Visit.objects.filter(customer=customer).filter(
        Q(report__status__in=CLOSED) | Q(report__salesperson_id=user.pk)
    )
    latest = list(
        visits.select_related("report__salesperson")
        .annotate(total=Window(Count("pk")))
        .order_by("-report__date", F("time").desc(nulls_last=True), "-pk")[:limit]
    )
    return latest, latest[0].total if latest else 0


def follow_ups_due(user, day: datetime.date, *, within: int = FOLLOW_UP_DAYS, limit=HOME_LIMIT):
    """The salesperson's visits whose follow-up date falls by `day` + `within` days (overdue
    ones included) and that no later visit to the same customer has followed, for their
    own active customers; soonest first. Returns up to `limit` visits and how many there
    are (one query)."""
    later = Visit.objects.filter(customer=OuterRef("customer")).filter(
        Q(report__date__gt=OuterRef("report__date"))
        | Q(report__date=OuterRef("report__date"), pk__gt=OuterRef("pk"))
    )
    due = Visit.objects.filter(
        report__salesperson_id=user.pk,
        follow_up_on__lte=day + datetime.timedelta(days=within),
        customer__in=Customer.objects.visible_to(user).active(),
    ).exclude(Exists(later))
    visits = list(
        due.select_related("customer", "report")
        .annotate(total=Window(Count("pk")))
        .order_by("follow_up_on", "customer__name", "pk")[:limit]
    )
    return visits, visits[0].total if visits else 0


def proposals_decided(user, *, days: int = DECIDED_DAYS, limit: int = HOME_LIMIT):
    """The proposals `user` made that a manager accepted or rejected in the last `days`
    days, newest decision first, in words (a fixed number of queries)."""
    since = timezone.now() - datetime.timedelta(days=days)
    proposals = list(
        Proposal.objects.filter(
            proposed_by_id=user.pk,
            status__in=(Proposal.Status.ACCEPTED, Proposal.Status.REJECTED),
            decided_at__gte=since,
        )
        .select_related("customer")
        .order_by("-decided_at", "-pk")[:limit]
    )
    return proposal_rows(proposals)


# Customers to pick from --------------------------------------------------------------------


def customers_matching(user, query: str, *, limit: int = SEARCH_LIMIT):
    """Up to `limit` of the user's own active customers whose code or phone starts with
    `query` or whose name or short name contains it: code matches first, then names
    starting with it, then the rest by name (one query, whatever the size of the archive:
    the salesperson's index narrows it to their own cards)."""
    # No card holds a NUL character (every form refuses one), so dropping one changes no
    # match; PostgreSQL would refuse it in the query.
    query = query.replace("\x00", "").strip()
    if not query:
        return []
    rank = Case(
        When(code__istartswith=query, then=Value(0)),
        When(name__istartswith=query, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return list(
        Customer.objects.visible_to(user)
        .active()
        .filter(
            Q(code__istartswith=query)
            | Q(name__icontains=query)
            | Q(short_name__icontains=query)
            | Q(phone__startswith=query)
        )
        .annotate(rank=rank)
        .order_by("rank", "name", "pk")
        .only("pk", "code", "name", "short_name", "phone", "address")[:limit]
    )


# Check-in ----------------------------------------------------------------------------------


def check_in_distance(visit: Visit) -> int | None:
    """How far from the customer's coordinates the salesperson checked in, in metres; None
    when either is unknown."""
    customer = visit.customer
    points = (visit.latitude, visit.longitude, customer.latitude, customer.longitude)
    if any(value is None for value in points):
        return None
    here = (float(visit.latitude), float(visit.longitude))
    there = (float(customer.latitude), float(customer.longitude))
    return round(distance_km(here, there) * 1000)


# Values in words (the review's wording) ----------------------------------------------------


@dataclass(frozen=True)
class ProposalRow:
    proposal: Proposal
    label: str
    current: str  # the card's value when it was proposed, in words
    proposed: str  # in words


def proposal_rows(proposals) -> list[ProposalRow]:
    """Proposals with their field's name and their values in words."""
    pairs = [(p.field, p.value) for p in proposals] + [(p.field, p.base_value) for p in proposals]
    names = related_names(pairs)
    return [
        ProposalRow(
            proposal,
            field_label(proposal.field),
            value_in_words(proposal.field, proposal.base_value, names),
            value_in_words(proposal.field, proposal.value, names),
        )
        for proposal in proposals
    ]
