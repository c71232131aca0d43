"""What the company reads out of the daily visit reports: who reports as the rules ask
(推销员客户信息报告制度), how the visits made compare with the routes' plan, and the reports
summed up (企业汇总整理). Every figure comes from aggregate queries, a fixed number per page
whatever the number of reports or customers; the plan is date arithmetic on the routes
(`classification.schedule`) per route and frequency, never a loop over customers.

A visit counts once its report is filed (submitted or reviewed): a draft is its author's
until then. Also here: how a visit is described as the source of proposed card changes in
the review queue, which may not import this app (SPEC 3)."""

import datetime
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Max, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from accounts.roles import person_name
from classification.models import Region, Route, VisitFrequency
from classification.routing import distance_km
from classification.schedule import stop_planned_on
from customers.models import Customer
from review.describers import SourceDescription, register_source_describer
from visits.models import Visit, VisitReport
from visits.services import report_deadline

FILED = (VisitReport.Status.SUBMITTED, VisitReport.Status.REVIEWED)
# A round is a trip: a phone call does not make a planned stop visited.
ROUND_KINDS = tuple(kind for kind in Visit.Kind.values if kind != Visit.Kind.PHONE)
# The longest a customer may wait between two visits at its frequency.
FREQUENCY_DAYS = {
    VisitFrequency.WEEKLY: 7,
    VisitFrequency.FORTNIGHTLY: 14,
    VisitFrequency.MONTHLY: 31,
    VisitFrequency.QUARTERLY: 92,
}
NOT_VISITED_DAYS = 30
# A period longer than this would plan or sum over more days than a page reads at once.
PERIOD_MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included."""

    start: datetime.date
    end: datetime.date

    @classmethod
    def week_of(cls, day: datetime.date) -> "Period":
        """The week (Monday to Sunday) that holds `day`."""
        monday = day - datetime.timedelta(days=day.weekday())
        return cls(monday, monday + datetime.timedelta(days=6))

    def days(self) -> list[datetime.date]:
        return [
            self.start + datetime.timedelta(days=offset)
            for offset in range((self.end - self.start).days + 1)
        ]


def filed_visits(period: Period) -> QuerySet:
    """The visits of the filed reports of `period`."""
    return Visit.objects.filter(
        report__status__in=FILED, report__date__range=(period.start, period.end)
    )


# How a visit shows in the review queue -----------------------------------------------------


def _visit_source(visit: Visit, customer: Customer) -> SourceDescription:
    """A visit as the source of proposed card changes: its report, salesperson and day,
    its notes, and how far from the customer's coordinates the salesperson checked in."""
    report = visit.report
    distance = None
    points = (visit.latitude, visit.longitude, customer.latitude, customer.longitude)
    if all(value is not None for value in points):
        distance = distance_km(
            (float(visit.latitude), float(visit.longitude)),
            (float(customer.latitude), float(customer.longitude)),
        )
    notes = [
        (_("Purpose"), visit.purpose),
        (_("What was learned"), visit.summary),
        (_("The customer's situation"), visit.situation),
        (_("Next steps"), visit.next_steps),
    ]
    day = formats.date_format(report.date, "DATE_FORMAT")
    if visit.time:
        title = _("%(kind)s at %(time)s, report of %(date)s") % {
            "kind": visit.get_kind_display(),
            "time": visit.time.strftime("%H:%M"),
            "date": day,
        }
    else:
        title = _("%(kind)s, report of %(date)s") % {"kind": visit.get_kind_display(), "date": day}
    return SourceDescription(
        title=title,
        url=visit.get_absolute_url(),
        author=person_name(report.salesperson),
        when=report.submitted_at,
        notes=[(str(label), text) for label, text in notes if text],
        distance_km=distance,
        flags=[str(_("Late"))] if report.late else [],
    )


def register_review_source() -> None:
    """Let the review queue describe the visits that proposed card changes (called from
    `VisitsConfig.ready`)."""
    register_source_describer(
        Visit,
        queryset=lambda: Visit.objects.select_related("report__salesperson"),
        describe=_visit_source,
    )


# Compliance (推销员客户信息报告制度) ----------------------------------------------------------


def workdays() -> frozenset[int]:
    """The weekdays a report is due (Monday 0 … Sunday 6), from `VISIT_REPORT_WORKDAYS`."""
    return frozenset(int(day) for day in settings.VISIT_REPORT_WORKDAYS.split(",") if day.strip())


def due_days(period: Period, now: datetime.datetime) -> list[datetime.date]:
    """The working days of `period` whose report's deadline has passed by `now`: a day
    without a filed report among them is missing. Yesterday's report is not missing
    before its deadline, this morning at 10:00 by default."""
    working = workdays()
    return [
        day for day in period.days() if day.weekday() in working and report_deadline(day) <= now
    ]


@dataclass
class ComplianceRow:
    salesperson: object
    on_time: int = 0  # filed by the deadline
    late: int = 0  # filed after it
    drafts: int = 0  # kept but not submitted
    missing_days: list[datetime.date] = field(default_factory=list)
    late_days: list[datetime.date] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return len(self.missing_days)


def report_compliance(
    salespeople: Sequence, *, period: Period, now: datetime.datetime
) -> list[ComplianceRow]:
    """For each of `salespeople`, over `period`: the reports filed on time and late, the
    drafts not submitted, and the working days whose deadline passed with no filed report
    (a draft does not count as filed). Two queries whatever the number of people and
    reports: the counts, aggregated by salesperson, and the days of the filed reports (at
    most one a person and day), which the lists of missing and late days are made from."""
    rows = {person.pk: ComplianceRow(person) for person in salespeople}
    if not rows:
        return []
    due = due_days(period, now)
    reports = VisitReport.objects.filter(
        salesperson__in=list(rows), date__range=(period.start, period.end)
    )
    counts = reports.values("salesperson").annotate(
        on_time=Count("pk", filter=Q(status__in=FILED, late=False)),
        late=Count("pk", filter=Q(status__in=FILED, late=True)),
        drafts=Count("pk", filter=Q(status=VisitReport.Status.DRAFT)),
    )
    for count in counts.order_by():
        row = rows[count["salesperson"]]
        row.on_time, row.late, row.drafts = count["on_time"], count["late"], count["drafts"]
    filed_days = defaultdict(set)
    for person, day, late in (
        reports.filter(status__in=FILED).order_by("date").values_list("salesperson", "date", "late")
    ):
        filed_days[person].add(day)
        if late:
            rows[person].late_days.append(day)
    for pk, row in rows.items():
        row.missing_days = [day for day in due if day not in filed_days[pk]]
    return list(rows.values())


# Planned versus actual ---------------------------------------------------------------------


def _frequency(prefix: str = ""):
    """A customer's visit frequency on its stop: its own, else its route's (as
    `classification.schedule.stop_frequency` decides it)."""
    return Coalesce(
        NullIf(F(f"{prefix}visit_frequency"), Value("")), F(f"{prefix}route__visit_frequency")
    )


@dataclass
class Coverage:
    planned: int = 0  # stop-days due in the period
    made: int = 0  # of them, visited on the day
    missed: int = 0  # of them, past and not visited
    to_come: int = 0  # of them, today or later and not visited yet

    def add(self, other: "Coverage") -> None:
        self.planned += other.planned
        self.made += other.made
        self.missed += other.missed
        self.to_come += other.to_come

    @property
    def rate(self) -> float | None:
        """The share of the planned visits whose day has come that were made."""
        done = self.made + self.missed
        return self.made / done if done else None


@dataclass
class RouteCoverage(Coverage):
    route: Route | None = None
    stops: int = 0


@dataclass
class SalespersonCoverage(Coverage):
    salesperson: object = None
    routes: list[RouteCoverage] = field(default_factory=list)


def route_coverage(
    *, period: Period, today: datetime.date, salesperson=None
) -> list[SalespersonCoverage]:
    """Planned versus actual for every active route (of `salesperson`, if given), by the
    salesperson who rides it. The plan is the one the day plan shows (`plan_for`): each
    active customer on the route is due on the days its frequency (its own, else the
    route's) gives from the route's first visit date (`stop_planned_on`). A planned
    stop-day is made when a filed report has a visit to that customer on that very day (no
    tolerance: a visit a day late is a missed stop and a visit outside the plan); a phone
    call is not a visit of the round. A planned day before `today` without one is missed;
    today's and later ones are still to come. Three queries whatever the number of routes,
    customers and visits: the routes, the stops counted by route and frequency, and the
    visited customers counted by route and day."""
    routes = Route.objects.filter(is_active=True).select_related("salesperson", "region")
    if salesperson is not None:
        routes = routes.filter(salesperson=salesperson)
    routes = list(routes.order_by("order", "code"))
    if not routes:
        return []
    stops = (
        Customer.objects.active()
        .filter(route__in=routes)
        .annotate(frequency=_frequency())
        .values("route", "frequency")
        .annotate(count=Count("pk"))
        .order_by()
    )
    by_route = {route.pk: RouteCoverage(route=route) for route in routes}
    due: dict[tuple[int, str], list[datetime.date]] = {}
    days = period.days()
    for row in stops:
        route = by_route[row["route"]]
        stop = SimpleNamespace(visit_frequency=row["frequency"])
        planned = [day for day in days if stop_planned_on(route.route, stop, day)]
        due[(row["route"], row["frequency"])] = planned
        route.stops += row["count"]
        route.planned += row["count"] * len(planned)
        past = sum(1 for day in planned if day < today)
        route.missed += row["count"] * past  # less the ones made, below
        route.to_come += row["count"] * (len(planned) - past)
    on_plan = Q()
    for (route_pk, frequency), planned in due.items():
        if planned:
            on_plan |= Q(customer__route=route_pk, frequency=frequency, report__date__in=planned)
    if on_plan:
        made = (
            filed_visits(period)
            .filter(kind__in=ROUND_KINDS, customer__status=Customer.Status.ACTIVE)
            .annotate(frequency=_frequency("customer__"))
            .filter(on_plan)
            .values("customer__route", "report__date")
            .annotate(count=Count("customer", distinct=True))
            .order_by()
        )
        for row in made:
            route = by_route[row["customer__route"]]
            route.made += row["count"]
            if row["report__date"] < today:
                route.missed -= row["count"]
            else:
                route.to_come -= row["count"]
    people: dict[object, SalespersonCoverage] = {}
    for route in by_route.values():
        salesperson = route.route.salesperson
        if salesperson not in people:
            people[salesperson] = SalespersonCoverage(salesperson=salesperson)
        people[salesperson].routes.append(route)
        people[salesperson].add(route)
    # By name, the routes nobody rides last.
    return sorted(
        people.values(),
        key=lambda person: (person.salesperson is None, _name(person.salesperson)),
    )


def customers_overdue(*, today: datetime.date, salesperson=None) -> QuerySet:
    """Active customers on an active, scheduled route who wait longer than their frequency
    allows (`FREQUENCY_DAYS`): their last visit of a round (in a filed report; a phone call
    does not count), or their route's first visit date when they were never visited, lies
    more than that many days before `today`. Each carries `frequency`, `last_visit` and
    `waiting_since`; the longest waiting first."""
    customers = (
        Customer.objects.active()
        .filter(route__is_active=True, route__first_visit_on__lte=today)
        .annotate(
            frequency=_frequency(),
            last_visit=Max(
                "visits__report__date",
                filter=Q(visits__report__status__in=FILED, visits__kind__in=ROUND_KINDS),
            ),
            waiting_since=Coalesce("last_visit", "route__first_visit_on"),
        )
    )
    if salesperson is not None:
        customers = customers.filter(salesperson=salesperson)
    late = Q()
    for frequency, days in FREQUENCY_DAYS.items():
        late |= Q(frequency=frequency, waiting_since__lt=today - datetime.timedelta(days=days))
    return (
        customers.filter(late)
        .select_related("salesperson", "route")
        .order_by("waiting_since", "code", "pk")
    )


# Aggregation (企业汇总整理) ----------------------------------------------------------------

SUMMARIES = {
    "salesperson": _("By salesperson"),
    "customer": _("By customer"),
    "region": _("By region"),
    "route": _("By route"),
    "not_visited": _("Not visited"),
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = False
    title: bool = False  # the column that names the row (a phone's card shows it first)


@dataclass(frozen=True)
class Cell:
    value: object  # text, a number or a date; None is empty
    url: str | None = None


@dataclass(frozen=True)
class Table:
    """One summary: its columns, its rows as an ordered aggregate queryset (to paginate or
    to export whole), and `cells`, which turns a list of those rows into the cells of the
    columns in a fixed number of queries."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: QuerySet
    cells: Callable[[list], list[list[Cell]]]

    def headers(self) -> list[str]:
        return [str(column.label) for column in self.columns]


def _name(user) -> str:
    return person_name(user) if user is not None else str(_("No salesperson"))


def _by_salesperson(period: Period) -> Table:
    rows = (
        filed_visits(period)
        .values("report__salesperson")
        .annotate(
            visits=Count("pk"),
            customers=Count("customer", distinct=True),
            reports=Count("report", distinct=True),
        )
        .order_by("-visits", "report__salesperson")
    )

    def cells(page: list) -> list[list[Cell]]:
        people = get_user_model().objects.in_bulk([row["report__salesperson"] for row in page])
        return [
            [
                Cell(_name(people.get(row["report__salesperson"]))),
                Cell(row["visits"]),
                Cell(row["customers"]),
                Cell(row["reports"]),
            ]
            for row in page
        ]

    return Table(
        "salesperson",
        SUMMARIES["salesperson"],
        (
            Column("salesperson", _("Salesperson"), title=True),
            Column("visits", _("Visits"), True),
            Column("customers", _("Customers visited"), True),
            Column("reports", _("Reports filed"), True),
        ),
        rows,
        cells,
    )


def _by_customer(period: Period) -> Table:
    rows = (
        filed_visits(period)
        .values("customer")
        .annotate(visits=Count("pk"), last_visit=Max("report__date"))
        .order_by("-visits", "customer")
    )

    def cells(page: list) -> list[list[Cell]]:
        customers = Customer.objects.select_related("salesperson", "region", "route").in_bulk(
            [row["customer"] for row in page]
        )
        result = []
        for row in page:
            customer = customers[row["customer"]]
            url = customer.get_absolute_url()
            result.append(
                [
                    Cell(customer.code, url),
                    Cell(customer.name, url),
                    Cell(_name(customer.salesperson)),
                    Cell(str(customer.region) if customer.region else None),
                    Cell(str(customer.route) if customer.route else None),
                    Cell(row["visits"]),
                    Cell(row["last_visit"]),
                ]
            )
        return result

    return Table(
        "customer",
        SUMMARIES["customer"],
        (
            Column("code", _("Code")),
            Column("name", _("Name"), title=True),
            Column("salesperson", _("Salesperson")),
            Column("region", _("Region")),
            Column("route", _("Route")),
            Column("visits", _("Visits"), True),
            Column("last_visit", _("Last visit")),
        ),
        rows,
        cells,
    )


def _by_region(period: Period) -> Table:
    rows = (
        filed_visits(period)
        .values("customer__region")
        .annotate(visits=Count("pk"), customers=Count("customer", distinct=True))
        .order_by("-visits", F("customer__region").asc(nulls_last=True))
    )

    def cells(page: list) -> list[list[Cell]]:
        regions = Region.objects.in_bulk([row["customer__region"] for row in page])
        return [
            [
                Cell(
                    str(regions[row["customer__region"]])
                    if row["customer__region"] is not None
                    else str(_("No region"))
                ),
                Cell(row["visits"]),
                Cell(row["customers"]),
            ]
            for row in page
        ]

    return Table(
        "region",
        SUMMARIES["region"],
        (
            Column("region", _("Region"), title=True),
            Column("visits", _("Visits"), True),
            Column("customers", _("Customers visited"), True),
        ),
        rows,
        cells,
    )


def _by_route(period: Period) -> Table:
    rows = (
        filed_visits(period)
        .values("customer__route")
        .annotate(visits=Count("pk"), customers=Count("customer", distinct=True))
        .order_by("-visits", F("customer__route").asc(nulls_last=True))
    )

    def cells(page: list) -> list[list[Cell]]:
        ids = [row["customer__route"] for row in page]
        routes = Route.objects.select_related("salesperson").in_bulk(ids)
        stops = dict(
            Customer.objects.active()
            .filter(route__in=[pk for pk in ids if pk is not None])
            .values("route")
            .annotate(count=Count("pk"))
            .values_list("route", "count")
            .order_by()
        )
        result = []
        for row in page:
            route = routes.get(row["customer__route"])
            result.append(
                [
                    Cell(str(route) if route else str(_("On no route"))),
                    Cell(_name(route.salesperson) if route else None),
                    Cell(row["visits"]),
                    Cell(row["customers"]),
                    Cell(stops.get(route.pk, 0) if route else None),
                ]
            )
        return result

    return Table(
        "route",
        SUMMARIES["route"],
        (
            Column("route", _("Route"), title=True),
            Column("salesperson", _("Salesperson")),
            Column("visits", _("Visits"), True),
            Column("customers", _("Customers visited"), True),
            Column("stops", _("Stops"), True),
        ),
        rows,
        cells,
    )


def customers_not_visited(*, today: datetime.date, days: int) -> QuerySet:
    """Active customers with no visit in a filed report within the last `days` days
    (today included), each with `last_visit` (None: never); the longest unvisited first."""
    return (
        Customer.objects.active()
        .annotate(
            last_visit=Max("visits__report__date", filter=Q(visits__report__status__in=FILED))
        )
        .filter(
            Q(last_visit__isnull=True) | Q(last_visit__lte=today - datetime.timedelta(days=days))
        )
        .select_related("salesperson", "region", "route")
        .order_by(F("last_visit").asc(nulls_first=True), "code", "pk")
    )


def _not_visited(today: datetime.date, days: int) -> Table:
    def cells(page: list) -> list[list[Cell]]:
        result = []
        for customer in page:
            url = customer.get_absolute_url()
            waited = (today - customer.last_visit).days if customer.last_visit else None
            result.append(
                [
                    Cell(customer.code, url),
                    Cell(customer.name, url),
                    Cell(_name(customer.salesperson)),
                    Cell(str(customer.region) if customer.region else None),
                    Cell(str(customer.route) if customer.route else None),
                    Cell(customer.last_visit),
                    Cell(waited),
                ]
            )
        return result

    return Table(
        "not_visited",
        SUMMARIES["not_visited"],
        (
            Column("code", _("Code")),
            Column("name", _("Name"), title=True),
            Column("salesperson", _("Salesperson")),
            Column("region", _("Region")),
            Column("route", _("Route")),
            Column("last_visit", _("Last visit")),
            Column("days", _("Days since"), True),
        ),
        customers_not_visited(today=today, days=days),
        cells,
    )


def visit_summary(
    by: str, *, period: Period, today: datetime.date, days: int = NOT_VISITED_DAYS
) -> Table:
    """The filed visits of `period` summed up by salesperson (visits, customers visited,
    reports), customer (visits, last visit), the customer's region or route (visits,
    customers visited; a route with its stops); or, for `not_visited`, the active
    customers without a visit in the last `days` days. Each kind of visit counts (a call
    too): this is what the reports say happened."""
    if by == "not_visited":
        return _not_visited(today, days)
    builders = {
        "salesperson": _by_salesperson,
        "customer": _by_customer,
        "region": _by_region,
        "route": _by_route,
    }
    return builders[by](period)
