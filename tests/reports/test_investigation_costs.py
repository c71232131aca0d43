"""Investigation costs: every row checked against a computation written here in plain Python
over the investigations the test made, every row's link against the investigations list it
opens, and the queries against the data's size."""

import csv
import datetime
import io
import re
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import is_manager
from classification.models import GradeLevel
from reports.filters import ReportFilters
from reports.investigation_costs import investigation_costs
from tests.customers.factories import CustomerFactory, RegionFactory, grade
from tests.investigations.factories import AgencyFactory, InvestigationFactory

pytestmark = pytest.mark.django_db

D = datetime.date
START, END = D(2026, 1, 1), D(2026, 3, 31)
PERIOD = {"date_from": START.isoformat(), "date_to": END.isoformat()}
API = "/api/v1/reports/investigation-costs/"


class World:
    """Two agencies (one with an English name), customers of the key and general grades and
    without one, of two salespeople and two regions; a customer investigated twice (by both
    agencies), investigations on the period's first and last day and outside it, one free
    of charge."""

    def __init__(self, salesperson, other, manager):
        self.salesperson, self.other = salesperson, other
        self.hx = AgencyFactory(code="HX", name="华信征信")
        self.db = AgencyFactory(code="DB", name="邓白氏", name_en="Dun & Bradstreet")
        north, south = RegionFactory(code="N"), RegionFactory(code="S")
        spec = [
            # code, grade, salesperson, region
            ("K1", "key", salesperson, north),
            ("K2", "key", other, south),
            ("G1", "general", salesperson, south),
            ("N1", None, other, north),
        ]
        self.customers = {
            code: CustomerFactory(
                code=code, grade=grade(level) if level else None, salesperson=person, region=area
            )
            for code, level, person, area in spec
        }
        self.investigations = []
        for day, code, agency, cost in [
            (START, "K1", self.hx, "3000.00"),  # the period's first day
            (D(2026, 2, 10), "K1", self.db, "4500.50"),  # K1 again, another agency
            (END, "G1", self.hx, "1200.25"),  # the last day
            (D(2026, 2, 1), "N1", self.db, "800.00"),
            (D(2026, 3, 1), "K2", self.hx, "0.00"),  # free of charge
            (START - datetime.timedelta(days=1), "G1", self.db, "999.99"),
            (END + datetime.timedelta(days=1), "K2", self.hx, "888.88"),
        ]:
            customer = self.customers[code]
            self.investigations.append(
                InvestigationFactory(
                    customer=customer,
                    agency=agency,
                    requested_on=day,
                    cost=Decimal(cost),
                    requested_by=manager,
                )
            )

    def in_period(self, user, start=START, end=END):
        return [
            investigation
            for investigation in self.investigations
            if start <= investigation.requested_on <= end
            and (
                user not in (self.salesperson, self.other)
                or investigation.customer.salesperson_id == user.pk
            )
        ]


@pytest.fixture
def world(salesperson, other_salesperson, manager):
    return World(salesperson, other_salesperson, manager)


def key_of(by, investigation):
    if by == "agency":
        return investigation.agency.code
    return investigation.customer.grade.code if investigation.customer.grade else None


def expected(investigations, by):
    """Per key: (count, cost, customers), computed here."""
    counts, costs, customers = defaultdict(int), defaultdict(Decimal), defaultdict(set)
    for investigation in investigations:
        key = key_of(by, investigation)
        counts[key] += 1
        costs[key] += investigation.cost
        customers[key].add(investigation.customer_id)
    return counts, costs, customers


def api(client, user, **params):
    client.force_login(user)
    response = client.get(API, params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("by", ["agency", "grade"])
@pytest.mark.parametrize("who", ["manager", "salesperson"])
def test_each_row_equals_a_computation_over_the_investigations(client, world, manager, by, who):
    user = manager if who == "manager" else world.salesperson
    body = api(client, user, by=by, **PERIOD)
    investigations = world.in_period(user)
    counts, costs, customers = expected(investigations, by)
    total = sum(costs.values())
    assert {row["key"] for row in body["rows"] if row["investigations"]} == set(counts)
    for row in body["rows"]:
        key = row["key"]
        assert row["investigations"] == counts[key]
        assert row["cost"] == str(costs[key].quantize(Decimal("0.01")))
        share = float(costs[key] / total) if total else 0.0
        assert row["cost_share"] == pytest.approx(share, abs=1e-6)
        assert row["customers"] == len(customers[key])
        if customers[key]:
            average = (costs[key] / len(customers[key])).quantize(Decimal("0.01"))
            assert row["cost_per_customer"] == str(average)
        else:
            assert row["cost_per_customer"] is None
    assert body["total"]["investigations"] == len(investigations)
    assert Decimal(body["total"]["cost"]) == total
    # A customer investigated by two agencies counts once in the total.
    assert body["total"]["customers"] == len({i.customer_id for i in investigations})
    assert body["period"] == {"date_from": START.isoformat(), "date_to": END.isoformat()}


def test_agencies_come_most_expensive_first_named_in_the_readers_language(client, world, manager):
    body = api(client, manager, by="agency", **PERIOD)
    assert [(row["key"], row["name"], row["cost"]) for row in body["rows"]] == [
        ("DB", "Dun & Bradstreet", "5300.50"),
        ("HX", "华信征信", "4200.25"),
    ]
    assert body["total"]["customers"] == 4
    client.force_login(manager)
    chinese = client.get(API, {"by": "agency", **PERIOD}, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert chinese["rows"][0]["name"] == "邓白氏"


def test_every_grade_is_listed_highest_first_and_no_grade_last(client, world, manager):
    body = api(client, manager, by="grade", **PERIOD)
    levels = list(GradeLevel.objects.filter(is_active=True).order_by("order", "code"))
    assert [row["key"] for row in body["rows"]] == [level.code for level in levels] + [None]
    scattered = next(row for row in body["rows"] if row["key"] == "scattered")
    assert (scattered["investigations"], scattered["cost"], scattered["cost_share"]) == (
        0,
        "0.00",
        0.0,
    )
    key = body["rows"][0]
    assert (key["investigations"], key["customers"], key["cost"]) == (3, 2, "7500.50")


def test_filters_narrow_to_the_customers_in_scope(client, world, manager):
    body = api(client, manager, by="agency", region="N", **PERIOD)
    assert [(row["key"], row["investigations"]) for row in body["rows"]] == [("DB", 2), ("HX", 1)]
    body = api(client, manager, by="agency", grade="none", **PERIOD)
    assert [(row["key"], row["cost"]) for row in body["rows"]] == [("DB", "800.00")]


def test_an_empty_period_costs_nothing(client, world, manager):
    body = api(client, manager, by="grade", date_from="2030-01-01", date_to="2030-01-31")
    assert all(row["investigations"] == 0 for row in body["rows"])
    assert body["total"] == {
        "investigations": 0,
        "cost": "0.00",
        "cost_share": 0.0,
        "customers": 0,
        "cost_per_customer": None,
    }


def _listed(client, url) -> int:
    html = client.get(url).content.decode()
    return int(re.search(r'data-testid="result-count">(\d+)', html).group(1))


@pytest.mark.parametrize(
    ("by", "params"),
    [("agency", {}), ("grade", {}), ("agency", {"region": "N"}), ("grade", {"grade": "key"})],
)
def test_each_link_opens_the_list_of_exactly_the_rows_investigations(
    client, world, manager, by, params
):
    client.force_login(manager)
    page = client.get(reverse("reports:investigation-costs"), {"by": by, **params, **PERIOD})
    assert page.status_code == 200
    table = page.context["table"]
    for index, row in enumerate(table.rows):
        link = table.links[index]
        assert f'href="{link}"'.replace("&", "&amp;") in page.content.decode()
        assert _listed(client, link) == row["investigations"], link
    if by == "grade" and not params:
        assert table.links[len(table.rows) - 1].startswith("/investigations/?")
        assert "grade=null" in table.links[len(table.rows) - 1]


def test_a_salesperson_sees_only_their_customers_investigations(client, world):
    client.force_login(world.salesperson)
    html = client.get(reverse("reports:investigation-costs"), PERIOD).content.decode()
    assert "4,500.50" in html
    assert "800.00" not in html  # N1 is another salesperson's


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"by": "colour"}, "by"),
        ({"grade": "XX"}, "grade"),
        ({"date_from": "2026-03-01", "date_to": "2026-02-01"}, "date_to"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, manager, params, field):
    client.force_login(manager)
    response = client.get(API, params)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert client.get(reverse("reports:investigation-costs"), params).status_code == 400


def test_the_page_shows_the_figures_a_chart_and_no_product_category(client, world, manager):
    client.force_login(manager)
    response = client.get(reverse("reports:investigation-costs"), {"by": "grade", **PERIOD})
    html = response.content.decode()
    assert "7,500.50" in html
    svg = html.split('data-testid="report-chart">', 1)[1].split("</figure>", 1)[0]
    assert svg.lstrip().startswith("<svg") and "<script" not in svg
    assert 'name="category"' not in html
    assert '<option value="grade" selected>' in html
    assert (
        reverse("reports:investigation-costs")
        in client.get(reverse("reports:index")).content.decode()
    )


def test_the_csv_download_holds_the_apis_figures(client, world, manager):
    client.force_login(manager)
    params = {"by": "agency", **PERIOD}
    response = client.get(reverse("reports:investigation-costs"), {**params, "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    body = api(client, manager, **params)
    assert rows[0][:3] == ["Agency", "Investigations", "Cost"]
    assert [Decimal(row[2]) for row in rows[1:-1]] == [Decimal(r["cost"]) for r in body["rows"]]
    assert rows[-1][0] == "Total" and Decimal(rows[-1][2]) == Decimal("9500.75")


@pytest.mark.parametrize("by", ["agency", "grade"])
def test_the_generator_takes_one_aggregate_query(world, manager, by, django_assert_num_queries):
    filters = ReportFilters(date_from=START, date_to=END)
    is_manager(manager)  # the user's roles are read once per request, before any analysis
    with django_assert_num_queries(1 if by == "agency" else 2):
        investigation_costs(manager, filters, by=by)


def _more(manager, n):
    for i in range(n):
        InvestigationFactory(
            customer=CustomerFactory(grade=grade(["key", "general"][i % 2])),
            agency=AgencyFactory(),
            requested_on=D(2026, 2, 1),
            requested_by=manager,
        )


@pytest.mark.parametrize("by", ["agency", "grade"])
@pytest.mark.parametrize("where", ["api", "page"])
def test_queries_do_not_grow_with_the_data(client, manager, by, where):
    url = API if where == "api" else reverse("reports:investigation-costs")

    def count():
        client.force_login(manager)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"by": by, **PERIOD}).status_code == 200
        return len(queries)

    _more(manager, 2)
    small = count()
    _more(manager, 15)
    assert count() == small
