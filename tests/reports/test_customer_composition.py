"""Customer composition: every group's customers and sales checked against a computation
written here in plain Python over the customers and lines the test made, and every row's link
against the customer list it opens."""

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
from django.utils import timezone

from classification.lifecycle import LifecycleWindows
from customers.models import Customer, GradeHistory
from tests.customers.factories import (
    CustomerFactory,
    RegionFactory,
    RouteFactory,
    customer_type,
    grade,
    ownership,
)
from tests.sales.factories import SalesRecordFactory

D = datetime.date
START, END = D(2026, 1, 1), D(2026, 3, 31)
PERIOD = {"date_from": START.isoformat(), "date_to": END.isoformat()}
DIMENSIONS = [
    "customer_type",
    "ownership",
    "region",
    "route",
    "grade",
    "salesperson",
    "time_series",
    "transaction_process",
]


class World:
    """A region tree (N > N1 > N1a, N > N2; S), customers of every kind: without a type,
    ownership, region, route, grade or salesperson; archived; without sales; new, old and
    future; transacting now, before, about to, and with no deal planned; one regraded in the
    middle of the period; lines on the period's first and last day and outside it, two
    customers tying, one buying and returning (net zero)."""

    def __init__(self, salesperson, other):
        today = timezone.localdate()
        self.salesperson, self.other = salesperson, other
        self.north = RegionFactory(code="N", name="北区", order=1)
        self.n1 = RegionFactory(code="N1", name="北一", parent=self.north, order=1)
        self.n1a = RegionFactory(code="N1A", name="北一甲", parent=self.n1)
        self.n2 = RegionFactory(code="N2", name="北二", parent=self.north, order=2)
        self.south = RegionFactory(code="S", name="南区", order=2)
        r1, r2 = RouteFactory(code="RT1", region=self.north), RouteFactory(code="RT2")
        old, new = today - datetime.timedelta(days=900), today - datetime.timedelta(days=30)
        recent = today - datetime.timedelta(days=10)
        spec = [
            # code, type, ownership, region, route, grade, salesperson, first, last, planned
            ("A1", "ordinary", "private", self.n1a, r1, "key", salesperson, new, recent, None),
            ("A2", "ordinary", "state", self.north, r1, "general", salesperson, old, old, None),
            ("A3", "government", None, self.south, None, None, other, None, None, today),
            ("A4", None, "private", None, r2, "key", None, None, None, None),
            ("A5", "ordinary", "private", self.n2, r2, "scattered", salesperson, old, recent, None),
            ("A6", "consumer", None, self.n1, None, "general", other, new, recent, None),
            ("A7", "consumer", "state", self.south, r2, None, salesperson, old, old, None),
        ]
        self.customers = {}
        for code, kind, owner, region, route, level, person, first, last, planned in spec:
            customer = CustomerFactory(
                code=code,
                customer_type=customer_type(kind) if kind else None,
                ownership=ownership(owner) if owner else None,
                region=region,
                route=route,
                grade=grade(level) if level else None,
                salesperson=person,
            )
            # The sale dates are kept by the sales loader: set them as it would have.
            Customer.objects.filter(pk=customer.pk).update(
                first_sale_on=first, last_sale_on=last, planned_first_deal_on=planned
            )
            customer.refresh_from_db()
            self.customers[code] = customer
        Customer.objects.filter(code="A4").update(status=Customer.Status.ARCHIVED)
        a5 = self.customers["A5"]
        GradeHistory.objects.create(
            customer=a5, grade=grade("general"), valid_from=D(2024, 1, 1), valid_to=D(2026, 2, 15)
        )
        GradeHistory.objects.create(
            customer=a5, grade=grade("scattered"), valid_from=D(2026, 2, 15)
        )
        self.lines = []
        for day, code, amount in [
            (START, "A1", "100.10"),  # the period's first day
            (END, "A1", "50.05"),  # the last day
            (D(2026, 2, 1), "A2", "150.15"),  # ties with A1
            (D(2026, 2, 10), "A3", "75.25"),
            (D(2026, 2, 14), "A5", "30.00"),  # the day before the regrade
            (D(2026, 2, 15), "A5", "20.00"),
            (D(2026, 3, 1), "A6", "10.00"),
            (D(2026, 3, 2), "A6", "-10.00"),  # a return: bought, net zero
            (START - datetime.timedelta(days=1), "A7", "999.99"),
            (END + datetime.timedelta(days=1), "A2", "888.88"),
        ]:
            customer = self.customers[code]
            SalesRecordFactory(date=day, customer=customer, amount=Decimal(amount))
            self.lines.append((day, customer, Decimal(amount)))

    def in_scope(self, user):
        if user in (self.salesperson, self.other):
            return [c for c in self.customers.values() if c.salesperson_id == user.pk]
        return list(self.customers.values())

    def lines_in(self, user, start=START, end=END):
        scope = {c.pk for c in self.in_scope(user)}
        return [line for line in self.lines if start <= line[0] <= end and line[1].pk in scope]


@pytest.fixture
def world(salesperson, other_salesperson):
    return World(salesperson, other_salesperson)


def key_of(by, customer, root=None):
    """The group of a customer, computed here: codes, usernames and lifecycle values."""
    windows = LifecycleWindows.for_policy()
    if by == "time_series":
        return windows.time_series_of(customer)
    if by == "transaction_process":
        return windows.transaction_process_of(customer)
    if by == "salesperson":
        return customer.salesperson.username if customer.salesperson else None
    if by == "region":
        region = customer.region
        while region is not None and region.parent_id != root and region.pk != root:
            region = region.parent
        return region.code if region else None
    value = getattr(customer, by)
    return value.code if value else None


def expected(world, user, by, root=None, start=START, end=END):
    customers = {}
    for customer in world.in_scope(user):
        customers.setdefault(key_of(by, customer, root), set()).add(customer.pk)
    amounts, buying = defaultdict(Decimal), defaultdict(set)
    for _day, customer, amount in world.lines_in(user, start, end):
        key = key_of(by, customer, root)
        amounts[key] += amount
        buying[key].add(customer.pk)
    return customers, amounts, buying


def api(client, user, **params):
    client.force_login(user)
    response = client.get("/api/v1/reports/customer-composition/", params)
    assert response.status_code == 200, response.content
    return response.json()


def _share(part, whole):
    return float(Decimal(part) / Decimal(whole)) if whole else 0.0


@pytest.mark.parametrize("by", DIMENSIONS)
@pytest.mark.parametrize("who", ["manager", "salesperson"])
def test_each_group_equals_a_computation_over_the_customers_and_lines(
    client, world, manager, by, who
):
    user = manager if who == "manager" else world.salesperson
    body = api(client, user, by=by, **PERIOD)
    customers, amounts, buying = expected(world, user, by)
    total_customers = sum(len(c) for c in customers.values())
    total_amount = sum(amounts.values())

    assert {row["key"] for row in body["rows"]} == set(customers)
    for row in body["rows"]:
        key = row["key"]
        assert row["customers"] == len(customers[key])
        assert row["customer_share"] == pytest.approx(
            _share(len(customers[key]), total_customers), abs=1e-6
        )
        assert row["buying_customers"] == len(buying[key])
        assert row["amount"] == str(amounts[key].quantize(Decimal("0.01")))
        assert row["amount_share"] == pytest.approx(_share(amounts[key], total_amount), abs=1e-6)
    assert body["total"]["customers"] == total_customers
    assert body["total"]["buying_customers"] == sum(len(b) for b in buying.values())
    assert Decimal(body["total"]["amount"]) == total_amount
    if None in customers:
        assert body["rows"][-1]["key"] is None  # "not set" comes last
    assert body["period"] == {"date_from": START.isoformat(), "date_to": END.isoformat()}


def test_rows_are_named_in_the_readers_language_and_not_set_is_null(client, world, manager):
    body = api(client, manager, by="customer_type", **PERIOD)
    names = {row["key"]: row["name"] for row in body["rows"]}
    assert names == {
        "government": "Government agency",
        "ordinary": "Ordinary company",
        "consumer": "Consumer",
        None: "Not set",
    }
    assert [row["key"] for row in body["rows"]] == ["government", "ordinary", "consumer", None]
    client.force_login(manager)
    chinese = client.get(
        "/api/v1/reports/customer-composition/",
        {"by": "time_series", **PERIOD},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).json()
    assert {row["key"]: row["name"] for row in chinese["rows"]}["future"] == "未来客户"
    lifecycle = api(client, manager, by="transaction_process", **PERIOD)
    assert [row["key"] for row in lifecycle["rows"]] == ["before", "now", "upcoming", None]
    assert lifecycle["rows"][-1]["name"] == "No deal planned"


def test_the_archived_card_and_the_customer_without_sales_count_as_customers(
    client, world, manager
):
    body = api(client, manager, by="salesperson", **PERIOD)
    nobody = body["rows"][-1]
    assert (nobody["key"], nobody["customers"], nobody["buying_customers"]) == (None, 1, 0)
    assert nobody["amount"] == "0.00" and nobody["amount_share"] == 0.0


def test_regions_roll_up_to_the_top_or_to_the_filtered_regions_children(client, world, manager):
    top = api(client, manager, by="region", **PERIOD)
    assert [(r["key"], r["customers"], r["amount"]) for r in top["rows"]] == [
        ("N", 4, "350.30"),  # A1 in N1A, A2 in N itself, A5 in N2, A6 in N1 (net zero)
        ("S", 2, "75.25"),
        (None, 1, "0.00"),
    ]
    north = api(client, manager, by="region", region="N", **PERIOD)
    customers, amounts, _buying = expected(world, manager, "region", root=world.north.pk)
    assert [(r["key"], r["name"], r["customers"], r["amount"]) for r in north["rows"]] == [
        ("N", "北区, not in a sub-region", 1, "150.15"),
        ("N1", "北一", 2, "150.15"),  # N1 with N1A below it
        ("N2", "北二", 1, "50.00"),
    ]
    # Here, the customers outside N's subtree are those that climb to no group.
    assert {(r["key"], r["customers"], Decimal(r["amount"])) for r in north["rows"]} == {
        (key, len(c), amounts[key]) for key, c in customers.items() if key is not None
    }


def test_an_empty_period_still_counts_the_customers(client, world, manager):
    body = api(client, manager, by="grade", date_from="2030-01-01", date_to="2030-01-31")
    customers, _amounts, _buying = expected(world, manager, "grade")
    assert {row["key"]: row["customers"] for row in body["rows"]} == {
        key: len(c) for key, c in customers.items()
    }
    assert all(row["amount"] == "0.00" and row["buying_customers"] == 0 for row in body["rows"])
    assert body["total"]["amount"] == "0.00" and body["total"]["amount_share"] == 0.0


def _listed(client, url) -> int:
    html = client.get(url).content.decode()
    return int(re.search(r'data-testid="result-count">(\d+)', html).group(1))


@pytest.mark.parametrize(
    ("by", "params"),
    [
        ("customer_type", {}),
        ("ownership", {}),
        ("region", {}),
        ("region", {"region": "N"}),
        ("grade", {}),
        ("route", {}),
        ("salesperson", {}),
        ("time_series", {}),
        ("transaction_process", {}),
    ],
)
def test_each_link_opens_the_customer_list_of_exactly_the_rows_customers(
    client, world, manager, by, params
):
    client.force_login(manager)
    page = client.get(reverse("reports:customer-composition"), {"by": by, **params, **PERIOD})
    assert page.status_code == 200
    table = page.context["table"]
    linked = 0
    for index, row in enumerate(table.rows):
        link = table.links.get(index)
        if link is None:
            # The list cannot show exactly these: a route or salesperson not set, or the
            # filtered region's own customers (the list's region includes sub-regions).
            assert row["key"] is None or row["key"] == params.get("region")
            continue
        assert f'href="{link}"'.replace("&", "&amp;") in page.content.decode()
        assert _listed(client, link) == row["customers"], link
        linked += 1
    assert linked >= 2
    if by == "customer_type":
        assert table.links[len(table.rows) - 1] == "/customers/?customer_type=null"


def test_a_salesperson_sees_only_their_customers(client, world):
    body = api(client, world.salesperson, by="region", **PERIOD)
    assert body["total"]["customers"] == 4  # A1, A2, A5, A7
    assert Decimal(body["total"]["amount"]) == Decimal("350.30")
    client.force_login(world.salesperson)
    html = client.get(reverse("reports:customer-composition"), PERIOD).content.decode()
    assert "75.25" not in html  # A3 is another salesperson's


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"by": "colour"}, "by"),
        ({"region": "XX"}, "region"),
        ({"date_from": "2026-03-01", "date_to": "2026-02-01"}, "date_to"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, manager, params, field):
    client.force_login(manager)
    response = client.get("/api/v1/reports/customer-composition/", params)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    page = client.get(reverse("reports:customer-composition"), params)
    assert page.status_code == 400
    html = page.content.decode()
    assert 'class="errorlist"' in html and 'data-testid="report-table"' not in html


def test_the_page_shows_the_figures_and_a_chart_of_customers(client, world, manager):
    client.force_login(manager)
    response = client.get(reverse("reports:customer-composition"), {"by": "region", **PERIOD})
    assert response.status_code == 200
    html = response.content.decode()
    assert "350.30" in html and "75.25" in html
    assert "57.1%" in html  # N: 4 of 7 customers
    svg = html.split('data-testid="report-chart">', 1)[1].split("</figure>", 1)[0]
    assert svg.lstrip().startswith("<svg") and "<script" not in svg
    assert "Customers" in svg
    assert '<option value="region" selected>' in html


def test_the_csv_and_xlsx_downloads_hold_the_apis_figures(client, world, manager):
    client.force_login(manager)
    params = {"by": "ownership", **PERIOD}
    response = client.get(reverse("reports:customer-composition"), {**params, "format": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    body = api(client, manager, **params)
    assert rows[0][:2] == ["Ownership", "Customers"]
    assert [row[0] for row in rows[1:-1]] == [row["name"] for row in body["rows"]]
    assert [int(row[1]) for row in rows[1:-1]] == [row["customers"] for row in body["rows"]]
    assert [Decimal(row[4]) for row in rows[1:-1]] == [
        Decimal(row["amount"]) for row in body["rows"]
    ]
    assert rows[-1][0] == "Total" and Decimal(rows[-1][4]) == Decimal(body["total"]["amount"])
    xlsx = client.get(reverse("reports:customer-composition"), {**params, "format": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def _more(n):
    north = RegionFactory(code="N")
    for i in range(n):
        region = RegionFactory(code=f"N{i}", parent=north)
        customer = CustomerFactory(
            grade=grade(["key", "general", "scattered"][i % 3]),
            region=region,
            route=RouteFactory(),
            ownership=ownership(),
        )
        for month in (1, 2):
            SalesRecordFactory(customer=customer, date=D(2026, month, 1))


@pytest.mark.parametrize("by", DIMENSIONS)
@pytest.mark.parametrize("where", ["api", "page"])
def test_queries_do_not_grow_with_the_data(client, manager, by, where):
    url = (
        "/api/v1/reports/customer-composition/"
        if where == "api"
        else reverse("reports:customer-composition")
    )

    def count():
        client.force_login(manager)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"by": by, **PERIOD}).status_code == 200
        return len(queries)

    _more(2)
    small = count()
    _more(15)
    assert count() == small
    assert small <= 14
