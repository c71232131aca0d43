"""The managers' pages about the visit reports: compliance (a salesperson sees their own
record), planned versus actual by route, the summaries and their exports. Every figure is
checked exactly, against a count made here by other means where it is worth it."""

import datetime
import io
import random
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from classification.models import Route, VisitFrequency
from customers.models import Customer
from tests.accounts.factories import UserFactory
from tests.customers.factories import CustomerFactory, RegionFactory, RouteFactory
from tests.visits.factories import VisitFactory, VisitReportFactory
from visits.models import Visit, VisitReport
from visits.reporting import (
    Period,
    customers_not_visited,
    customers_overdue,
    due_days,
    report_compliance,
    route_coverage,
)
from visits.services import report_deadline

pytestmark = pytest.mark.django_db

COMPLIANCE = reverse("visits:compliance")
COVERAGE = reverse("visits:coverage")
SUMMARY = reverse("visits:summary")
EXPORT = reverse("visits:summary_export")
SUBMITTED = VisitReport.Status.SUBMITTED


def filed(salesperson, day, *, late=False, status=SUBMITTED, **kwargs) -> VisitReport:
    """A report of `day` in the state a test needs (submitted on time by default)."""
    submitted_at = None
    if status != VisitReport.Status.DRAFT:
        deadline = report_deadline(day)
        submitted_at = deadline + datetime.timedelta(hours=2 if late else -2)
    return VisitReportFactory(
        salesperson=salesperson,
        date=day,
        status=status,
        late=late,
        submitted_at=submitted_at,
        **kwargs,
    )


def rows_of(response, table: str) -> dict[str, dict[str, str]]:
    """A table of the page as {row key: {data-field: text}}, the row key being its first
    data-* attribute."""
    html = response.content.decode()
    body = re.search(rf'data-testid="{table}".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    rows = {}
    for attributes, cells in re.findall(r"<tr([^>]*)>(.*?)</tr>", body, re.S):
        key = re.search(r'data-[\w-]+="([^"]*)"', attributes)
        values = {
            field: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()
            for field, text in re.findall(
                r'<t[dh][^>]*data-field="(\w+)"[^>]*>(.*?)</t[dh]>', cells, re.S
            )
        }
        rows[key.group(1) if key else str(len(rows))] = values
    return rows


@pytest.fixture
def last_week() -> Period:
    """A whole week whose deadlines have all passed."""
    return Period.week_of(timezone.localdate() - datetime.timedelta(days=14))


# Who may see what -------------------------------------------------------------------------


@pytest.mark.parametrize("url", [COVERAGE, SUMMARY, EXPORT])
def test_the_managers_pages_are_for_managers(client, manager, salesperson, url):
    assert client.get(url).url.startswith(reverse("login"))
    client.force_login(salesperson)
    assert client.get(url).status_code == 403
    client.force_login(manager)
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 405


def test_compliance_shows_a_manager_everybody_and_a_salesperson_their_own_record(
    client, manager, salesperson, other_salesperson
):
    assert client.get(COMPLIANCE).url.startswith(reverse("login"))
    client.force_login(manager)
    assert set(rows_of(client.get(COMPLIANCE), "compliance")) == {"sales1", "sales2"}
    client.force_login(salesperson)
    response = client.get(COMPLIANCE)
    assert response.status_code == 200
    assert set(rows_of(response, "compliance")) == {"sales1"}
    assert reverse("visits:coverage") not in response.content.decode()
    client.force_login(UserFactory(username="nobody"))
    assert client.get(COMPLIANCE).status_code == 403


# Compliance -------------------------------------------------------------------------------


def test_a_late_report_is_marked_late_and_a_missing_day_is_listed(
    client, manager, salesperson, last_week
):
    monday = last_week.start
    day = {name: monday + datetime.timedelta(days=n) for n, name in enumerate("MTWRFSU")}
    filed(salesperson, day["M"])
    filed(salesperson, day["T"], late=True)
    filed(salesperson, day["W"], status=VisitReport.Status.DRAFT)
    filed(salesperson, day["F"], status=VisitReport.Status.REVIEWED)
    filed(salesperson, day["S"])  # a report on a Saturday counts, none is due

    client.force_login(manager)
    response = client.get(COMPLIANCE, {"date": day["R"].isoformat()}, HTTP_ACCEPT_LANGUAGE="en")

    row = rows_of(response, "compliance")["sales1"]
    assert (row["on_time"], row["late"], row["missing"], row["drafts"]) == ("3", "1", "2", "1")
    missing = re.search(r'data-field="missing_days".*?</td>', response.content.decode(), re.S)
    assert re.findall(r'datetime="([\d-]+)"', missing.group(0)) == [
        day["W"].isoformat(),
        day["R"].isoformat(),
    ]
    late = re.search(r'data-field="late_days".*?</td>', response.content.decode(), re.S)
    assert re.findall(r'datetime="([\d-]+)"', late.group(0)) == [day["T"].isoformat()]

    # The day view of that Thursday: nothing filed, so it is missing.
    response = client.get(COMPLIANCE, {"period": "day", "date": day["R"].isoformat()})
    row = rows_of(response, "compliance")["sales1"]
    assert (row["on_time"], row["late"], row["missing"], row["drafts"]) == ("0", "0", "1", "0")


def test_a_day_is_missing_only_once_its_deadline_has_passed(settings):
    monday = datetime.date(2026, 11, 30)
    week = Period.week_of(monday)
    tuesday_morning = report_deadline(monday) - datetime.timedelta(minutes=1)
    assert due_days(week, tuesday_morning) == []
    assert due_days(week, report_deadline(monday)) == [monday]
    after_the_week = report_deadline(week.end)
    assert [d.weekday() for d in due_days(week, after_the_week)] == [0, 1, 2, 3, 4]
    settings.VISIT_REPORT_WORKDAYS = "0,1,2,3,4,5"
    assert [d.weekday() for d in due_days(week, after_the_week)] == [0, 1, 2, 3, 4, 5]


def test_compliance_counts_match_a_count_made_report_by_report(last_week):
    generator = random.Random(11)
    people = [UserFactory(role="sales") for _ in range(4)]
    states = ["none", "on_time", "late", "draft", "reviewed"]
    for person in people:
        for day in last_week.days():
            state = generator.choice(states)
            if state == "on_time":
                filed(person, day)
            elif state == "late":
                filed(person, day, late=True)
            elif state == "draft":
                filed(person, day, status=VisitReport.Status.DRAFT)
            elif state == "reviewed":
                filed(
                    person, day, status=VisitReport.Status.REVIEWED, late=generator.random() < 0.5
                )
    now = timezone.now()

    rows = {row.salesperson.pk: row for row in report_compliance(people, period=last_week, now=now)}

    for person in people:
        reports = {r.date: r for r in VisitReport.objects.filter(salesperson=person)}
        is_filed = {day: r.submitted_at is not None for day, r in reports.items()}
        expected_missing = [
            day
            for day in last_week.days()
            if day.isoweekday() <= 5 and not is_filed.get(day, False)
        ]
        row = rows[person.pk]
        assert row.on_time == sum(1 for r in reports.values() if r.submitted_at and not r.late)
        assert row.late == sum(1 for r in reports.values() if r.submitted_at and r.late)
        assert row.drafts == sum(1 for r in reports.values() if r.submitted_at is None)
        assert row.missing_days == expected_missing
        assert row.late_days == sorted(d for d, r in reports.items() if r.submitted_at and r.late)


def test_the_compliance_page_runs_a_constant_number_of_queries(
    client, manager, last_week, django_assert_num_queries
):
    client.force_login(manager)
    date = {"date": last_week.start.isoformat()}
    for size in (2, 6):
        for _ in range(size - VisitReport.objects.values("salesperson").distinct().count()):
            person = UserFactory(role="sales")
            for day in last_week.days()[:4]:
                filed(person, day, late=day.day % 2 == 0)
        client.get(COMPLIANCE, date)
        # session, user, roles, salespeople, the counts, the filed days.
        with django_assert_num_queries(6):
            response = client.get(COMPLIANCE, date)
        assert len(rows_of(response, "compliance")) == size


# Planned versus actual --------------------------------------------------------------------


@pytest.fixture
def weekly_route(salesperson):
    """A weekly route that started on a Monday four weeks ago, with three stops: A and C
    follow the route (weekly), B is fortnightly; an archived card on it counts for nothing."""
    start = Period.week_of(timezone.localdate()).start - datetime.timedelta(weeks=4)
    route = RouteFactory(
        code="R1",
        salesperson=salesperson,
        visit_frequency=VisitFrequency.WEEKLY,
        first_visit_on=start,
    )
    stops = {
        name: CustomerFactory(
            salesperson=salesperson,
            route=route,
            region=route.region,
            visit_frequency=frequency,
        )
        for name, frequency in (("A", ""), ("B", VisitFrequency.FORTNIGHTLY), ("C", ""))
    }
    CustomerFactory(
        salesperson=salesperson, route=route, region=route.region, status=Customer.Status.ARCHIVED
    )
    return route, stops, start


def visit(customer, day, *, kind=Visit.Kind.VISIT, status=SUBMITTED) -> Visit:
    report = VisitReport.objects.filter(salesperson=customer.salesperson, date=day).first()
    if report is None:
        report = filed(customer.salesperson, day, status=status)
    return VisitFactory(report=report, customer=customer, kind=kind)


def test_planned_made_and_missed_for_a_small_route(weekly_route):
    route, stops, start = weekly_route
    first, second = start, start + datetime.timedelta(weeks=1)
    visit(stops["A"], first)  # made
    visit(stops["A"], second + datetime.timedelta(days=1))  # a day late: not on the plan
    visit(stops["B"], first, kind=Visit.Kind.PHONE)  # a call is not a visit of the round
    visit(stops["C"], first)  # made
    visit(stops["C"], first)  # twice the same day counts once
    visit(stops["C"], second, status=VisitReport.Status.DRAFT)  # not filed
    period = Period(first, second + datetime.timedelta(days=6))

    (person,) = route_coverage(period=period, today=second + datetime.timedelta(days=7))

    (row,) = person.routes
    # Planned: A and C on both Mondays, B (fortnightly) on the first only.
    assert (row.stops, row.planned, row.made, row.missed, row.to_come) == (3, 5, 2, 3, 0)
    assert (person.planned, person.made, person.missed) == (5, 2, 3)
    # Seen on the second Monday itself: that day's visits are still to come.
    (person,) = route_coverage(period=period, today=second)
    assert (person.planned, person.made, person.missed, person.to_come) == (5, 2, 1, 2)


def test_the_coverage_page_shows_each_route_and_salesperson(client, manager, weekly_route):
    route, stops, start = weekly_route
    visit(stops["A"], start)
    other = RouteFactory(code="R2", is_active=False, first_visit_on=start)
    CustomerFactory(route=other, region=other.region)

    client.force_login(manager)
    response = client.get(
        COVERAGE,
        {
            "date_from": start.isoformat(),
            "date_to": (start + datetime.timedelta(days=6)).isoformat(),
        },
    )

    rows = rows_of(response, "coverage")
    assert set(rows) == {"R1", "sales1"}  # an inactive route has no plan
    assert (rows["R1"]["planned"], rows["R1"]["made"], rows["R1"]["missed"]) == ("3", "1", "2")
    assert rows["R1"]["rate"] == "33%"
    assert (rows["sales1"]["planned"], rows["sales1"]["made"]) == ("3", "1")


def test_customers_overdue_are_those_waiting_longer_than_their_frequency(weekly_route):
    route, stops, start = weekly_route
    today = start + datetime.timedelta(weeks=4)
    visit(stops["A"], today - datetime.timedelta(days=7))  # weekly, due today: not overdue
    visit(stops["C"], today - datetime.timedelta(days=8))  # weekly, a day over
    visit(stops["B"], today - datetime.timedelta(days=10), kind=Visit.Kind.PHONE)
    late_starter = RouteFactory(
        salesperson=route.salesperson, first_visit_on=today - datetime.timedelta(days=3)
    )
    CustomerFactory(route=late_starter, region=late_starter.region, salesperson=route.salesperson)

    overdue = customers_overdue(today=today)

    # B was only called, so it waits since the route began (28 days > 14).
    assert [(c.pk, c.last_visit, c.waiting_since) for c in overdue] == [
        (stops["B"].pk, None, start),
        (stops["C"].pk, today - datetime.timedelta(days=8), today - datetime.timedelta(days=8)),
    ]
    Route.objects.filter(pk=route.pk).update(is_active=False)
    assert list(customers_overdue(today=today)) == []


# Summaries --------------------------------------------------------------------------------


@pytest.fixture
def visits_of_the_month(salesperson, other_salesperson):
    """Visits in the last 30 days by two salespeople to customers in two regions and on one
    route; plus a draft's visit and one before the period, which count for nothing."""
    today = timezone.localdate()
    north, south = RegionFactory(code="N", name="北区"), RegionFactory(code="S", name="南区")
    route = RouteFactory(code="RT", name="一号线", region=north, salesperson=salesperson)
    a = CustomerFactory(code="A", salesperson=salesperson, region=north, route=route)
    b = CustomerFactory(code="B", salesperson=salesperson, region=south)
    c = CustomerFactory(code="C", salesperson=other_salesperson, region=None)
    d1, d2, d3 = (today - datetime.timedelta(days=n) for n in (1, 2, 3))
    visit(a, d1)
    visit(a, d2)
    visit(b, d2, kind=Visit.Kind.PHONE)
    visit(c, d1)
    visit(c, d3)
    visit(a, d3, status=VisitReport.Status.DRAFT)  # not filed
    visit(b, today - datetime.timedelta(days=40))  # before the period
    return {"a": a, "b": b, "c": c, "route": route}


def summary_rows(client, by, **query):
    response = client.get(SUMMARY, {"by": by, **query}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return [list(row.values()) for row in rows_of(response, "summary").values()]


def test_the_summaries_count_the_filed_visits_of_the_period(
    client, manager, salesperson, other_salesperson, visits_of_the_month
):
    client.force_login(manager)
    name = {u: u.get_full_name() for u in (salesperson, other_salesperson)}

    assert summary_rows(client, "salesperson") == [
        [name[salesperson], "3", "2", "2"],  # visits, customers, reports
        [name[other_salesperson], "2", "1", "2"],
    ]
    customer_rows = summary_rows(client, "customer")
    assert [(row[0], row[5]) for row in customer_rows] == [("A", "2"), ("C", "2"), ("B", "1")]
    assert summary_rows(client, "region") == [
        ["北区", "2", "1"],
        ["No region", "2", "1"],
        ["南区", "1", "1"],
    ]
    assert summary_rows(client, "route") == [
        ["On no route", "—", "3", "2", "—"],
        ["一号线", name[salesperson], "2", "1", "1"],
    ]
    # A shorter period: only the day before yesterday and yesterday.
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert summary_rows(
        client,
        "salesperson",
        date_from=(yesterday - datetime.timedelta(days=1)).isoformat(),
        date_to=yesterday.isoformat(),
    ) == [[name[salesperson], "3", "2", "2"], [name[other_salesperson], "1", "1", "1"]]


def test_customers_not_visited_for_n_days(visits_of_the_month):
    today = timezone.localdate()
    never = CustomerFactory(code="D")
    CustomerFactory(code="E", status=Customer.Status.ARCHIVED)

    assert [c.code for c in customers_not_visited(today=today, days=30)] == ["D"]
    # B's last filed visit was two days ago, C's and A's yesterday.
    assert [c.code for c in customers_not_visited(today=today, days=2)] == ["D", "B"]
    assert never.code == "D"


def test_a_bad_period_is_refused_and_the_default_shown(client, manager, visits_of_the_month):
    client.force_login(manager)
    response = client.get(SUMMARY, {"date_from": "2026-12-10", "date_to": "2026-12-01"})
    assert "The period ends before it starts." in response.content.decode()
    assert len(rows_of(response, "summary")) == 2  # the last 30 days


def test_the_export_has_the_summarys_headers_and_values(
    client, manager, salesperson, other_salesperson, visits_of_the_month
):
    client.force_login(manager)
    response = client.get(EXPORT, {"by": "salesperson", "format": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines == [
        "Salesperson,Visits,Customers visited,Reports filed",
        f"{salesperson.get_full_name()},3,2,2",
        f"{other_salesperson.get_full_name()},2,1,2",
    ]
    # In Chinese, in a spreadsheet: the headers are the reader's.
    response = client.get(
        EXPORT, {"by": "customer", "format": "xlsx"}, HTTP_ACCEPT_LANGUAGE="zh-CN"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["编码", "名称", "推销员"]
    assert [(row[0], row[5], row[6]) for row in rows[1:]] == [
        ("A", "2", (timezone.localdate() - datetime.timedelta(days=1)).isoformat()),
        ("C", "2", (timezone.localdate() - datetime.timedelta(days=1)).isoformat()),
        ("B", "1", (timezone.localdate() - datetime.timedelta(days=2)).isoformat()),
    ]
    assert client.get(EXPORT, {"format": "pdf"}).status_code == 400


def test_the_summary_runs_a_constant_number_of_queries(
    client, manager, salesperson, django_assert_num_queries
):
    client.force_login(manager)
    today = timezone.localdate()
    for size in (3, 30):
        while Visit.objects.values("customer").distinct().count() < size:
            visit(CustomerFactory(salesperson=salesperson), today - datetime.timedelta(days=1))
        client.get(SUMMARY, {"by": "customer"})
        # session, user, roles; the count, the page, the customers of the page.
        with django_assert_num_queries(6):
            response = client.get(SUMMARY, {"by": "customer"})
        assert len(rows_of(response, "summary")) == min(size, 25)
