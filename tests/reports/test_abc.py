"""ABC / Pareto analysis: the ranking, running shares, classes, class summary and Pareto
curve checked against a computation written here in plain Python over the lines the test
made, with ties at both cut-offs, adjusted cut-offs, customers without sales (or netting to
zero or below), a salesperson's scope, and the pages of a long ranking."""

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

from customers.models import GradeHistory
from tests.customers.factories import CustomerFactory, grade
from tests.sales.factories import ProductCategoryFactory, ProductFactory, SalesRecordFactory

D = datetime.date
START, END = D(2026, 1, 1), D(2026, 3, 31)
PERIOD = {"date_from": START.isoformat(), "date_to": END.isoformat()}
HIGHEST = "key"  # the seeded grade level with the lowest order


class World:
    """Six customers whose amounts (1000.00 in all) put a tie exactly on each cut-off:
    A01 400.00 (in three lines with cents), A02 and A03 200.00 each (a tie, broken by code),
    A04 100.00 (the customers before it hold exactly 80%), A05 and A06 50.00 each (before
    A06 exactly 95%). Z1 has no sales, Z2 only outside the period, Z3 buys and returns
    (net zero), Z4 nets below zero. A05 is regraded in the middle of the period."""

    def __init__(self, salesperson, other):
        self.salesperson, self.other = salesperson, other
        food, drink = ProductCategoryFactory(code="FOOD"), ProductCategoryFactory(code="DRINK")
        self.products = {
            "FOOD": ProductFactory(code="P-FOOD", category=food),
            "DRINK": ProductFactory(code="P-DRINK", category=drink),
        }
        owners = {"A01": salesperson, "A03": salesperson, "A05": salesperson, "Z1": salesperson}
        grades = {"A01": "key", "A02": "general", "A04": "key", "A05": "scattered", "A06": "key"}
        grades.update(Z1="key", Z2="general")
        self.customers = {
            code: CustomerFactory(
                code=code,
                name=f"客户{code}",
                salesperson=owners.get(code, other),
                grade=grade(grades[code]) if code in grades else None,
            )
            for code in ("A01", "A02", "A03", "A04", "A05", "A06", "Z1", "Z2", "Z3", "Z4")
        }
        a05 = self.customers["A05"]
        GradeHistory.objects.create(
            customer=a05, grade=grade("key"), valid_from=D(2025, 1, 1), valid_to=D(2026, 2, 15)
        )
        GradeHistory.objects.create(
            customer=a05, grade=grade("scattered"), valid_from=D(2026, 2, 15)
        )
        self.lines = []
        for day, code, category, amount in [
            (START, "A01", "FOOD", "133.33"),  # the period's first day
            (D(2026, 2, 1), "A01", "FOOD", "133.33"),
            (END, "A01", "DRINK", "133.34"),  # the last day
            (D(2026, 1, 5), "A02", "DRINK", "200.00"),
            (D(2026, 1, 6), "A03", "FOOD", "150.00"),
            (D(2026, 1, 7), "A03", "DRINK", "50.00"),
            (D(2026, 2, 2), "A04", "FOOD", "100.00"),
            (D(2026, 2, 14), "A05", "FOOD", "30.00"),  # before its regrade
            (D(2026, 2, 15), "A05", "FOOD", "20.00"),  # on the regrade's day
            (D(2026, 3, 3), "A06", "DRINK", "50.00"),
            (START - datetime.timedelta(days=1), "Z2", "FOOD", "500.00"),
            (END + datetime.timedelta(days=1), "A06", "FOOD", "700.00"),
            (D(2026, 3, 1), "Z3", "FOOD", "80.00"),
            (D(2026, 3, 2), "Z3", "FOOD", "-80.00"),  # returned
            (D(2026, 3, 2), "Z4", "DRINK", "-5.00"),
        ]:
            self.add(day, self.customers[code], category, amount)

    def add(self, day, customer, category, amount):
        SalesRecordFactory(
            date=day, customer=customer, product=self.products[category], amount=Decimal(amount)
        )
        self.lines.append((day, customer, category, Decimal(amount)))

    def in_scope(self, user):
        own = user in (self.salesperson, self.other)
        return [c for c in self.customers.values() if not own or c.salesperson_id == user.pk]


@pytest.fixture
def world(salesperson, other_salesperson):
    return World(salesperson, other_salesperson)


def expected_ranking(world, user, a=Decimal(80), b=Decimal(95), category=None, start=START):
    """The ranking computed here: totals per customer over the period's lines, the positive
    ones by amount (largest first) then code, each classed by the share held before it."""
    scope = {c.pk for c in world.in_scope(user)}
    totals = defaultdict(Decimal)
    for day, customer, line_category, amount in world.lines:
        if start <= day <= END and customer.pk in scope and category in (None, line_category):
            totals[customer] += amount
    ranked = sorted(
        ((c, amount) for c, amount in totals.items() if amount > 0),
        key=lambda item: (-item[1], item[0].code),
    )
    whole = sum(amount for _c, amount in ranked)
    rows, before = [], Decimal(0)
    for position, (customer, amount) in enumerate(ranked, start=1):
        abc = "A" if before * 100 < a * whole else "B" if before * 100 < b * whole else "C"
        before += amount
        code = customer.grade.code if customer.grade else None
        rows.append(
            {
                "rank": position,
                "id": customer.pk,
                "code": customer.code,
                "amount": amount,
                "share": float(amount / whole),
                "cumulative_share": float(before / whole),
                "abc": abc,
                "grade_code": code,
                "disagrees": code is not None
                and ((abc == "A" and code != HIGHEST) or (abc == "C" and code == HIGHEST)),
            }
        )
    return rows, whole, len(scope) - len(rows)


def api(client, user, **params):
    client.force_login(user)
    response = client.get("/api/v1/reports/abc/", params)
    assert response.status_code == 200, response.content
    return response.json()


def assert_rows_equal(got, want):
    assert [row["code"] for row in got] == [row["code"] for row in want]
    for row, expected in zip(got, want, strict=True):
        assert row["rank"] == expected["rank"]
        assert row["id"] == expected["id"]
        assert row["amount"] == str(expected["amount"].quantize(Decimal("0.01")))
        assert row["share"] == pytest.approx(expected["share"], abs=1e-6)
        assert row["cumulative_share"] == pytest.approx(expected["cumulative_share"], abs=1e-6)
        assert row["abc"] == expected["abc"]
        assert row["grade_code"] == expected["grade_code"]
        assert row["disagrees"] is expected["disagrees"]


def test_the_ties_on_both_cut_offs_are_classed_by_the_share_before_them(client, world, manager):
    body = api(client, manager, **PERIOD)
    want, whole, unranked = expected_ranking(world, manager)
    assert_rows_equal(body["rows"], want)
    # The figures the rule was written for, spelled out.
    assert [(r["code"], r["abc"]) for r in body["rows"]] == [
        ("A01", "A"),
        ("A02", "A"),  # ties with A03: the lower code first
        ("A03", "A"),  # crosses 80% (600 before it): still A
        ("A04", "B"),  # exactly 80% before it: B
        ("A05", "B"),
        ("A06", "C"),  # exactly 95% before it: C
    ]
    assert [r["disagrees"] for r in body["rows"]] == [False, True, False, False, False, True]
    assert body["rows"][1]["grade"] == grade("general").name and body["rows"][2]["grade"] is None
    assert body["total"] == {"amount": "1000.00", "share": 1.0, "customers": 6}
    assert Decimal(body["total"]["amount"]) == whole
    assert body["ranked"] == 6 and body["unranked"] == unranked == 4
    assert body["cutoffs"] == {"a": 80.0, "b": 95.0}
    assert (body["limit"], body["offset"]) == (100, 0)


def test_the_class_summary_equals_a_count_over_the_expected_ranking(client, world, manager):
    body = api(client, manager, **PERIOD)
    want, whole, _unranked = expected_ranking(world, manager)
    for summary in body["classes"]:
        members = [row for row in want if row["abc"] == summary["abc"]]
        amount = sum(row["amount"] for row in members)
        assert summary["customers"] == len(members)
        assert Decimal(summary["amount"]) == amount
        assert summary["amount_share"] == pytest.approx(float(amount / whole), abs=1e-6)
        assert summary["customer_share"] == pytest.approx(len(members) / len(want), abs=1e-6)
    assert [c["abc"] for c in body["classes"]] == ["A", "B", "C"]
    assert [c["amount"] for c in body["classes"]] == ["800.00", "150.00", "50.00"]


@pytest.mark.parametrize(("a", "b"), [("60", "90"), ("60.5", "99.99"), ("40", "100"), ("1", "2")])
def test_adjusted_cut_offs(client, world, manager, a, b):
    body = api(client, manager, a=a, b=b, **PERIOD)
    want, _whole, _unranked = expected_ranking(world, manager, Decimal(a), Decimal(b))
    assert_rows_equal(body["rows"], want)
    assert body["cutoffs"] == {"a": float(a), "b": float(b)}


def test_a_salesperson_ranks_only_their_own_customers(client, world):
    user = world.salesperson
    body = api(client, user, **PERIOD)
    want, whole, unranked = expected_ranking(world, user)
    assert_rows_equal(body["rows"], want)
    assert [r["code"] for r in body["rows"]] == ["A01", "A03", "A05"]
    assert Decimal(body["total"]["amount"]) == whole == Decimal("650.00")
    assert body["unranked"] == unranked == 1  # Z1
    other = api(client, world.other, **PERIOD)
    assert {r["code"] for r in other["rows"]} == {"A02", "A04", "A06"}
    client.force_login(user)
    refused = client.get("/api/v1/reports/abc/", {"customer": world.customers["A02"].pk})
    assert refused.status_code == 400 and list(refused.json()) == ["customer"]


def test_the_category_filter_ranks_the_customers_who_bought_it(client, world, manager):
    body = api(client, manager, category="DRINK", **PERIOD)
    want, _whole, unranked = expected_ranking(world, manager, category="DRINK")
    assert_rows_equal(body["rows"], want)
    assert [r["code"] for r in body["rows"]] == ["A02", "A01", "A03", "A06"]
    assert body["unranked"] == unranked


def test_an_empty_period_ranks_nobody(client, world, manager):
    body = api(client, manager, date_from="2030-01-01", date_to="2030-01-31")
    assert body["rows"] == [] and body["pareto"] == []
    assert body["ranked"] == 0 and body["unranked"] == len(world.customers)
    assert [(c["customers"], c["amount"], c["amount_share"]) for c in body["classes"]] == [
        (0, "0.00", 0.0)
    ] * 3
    assert body["total"] == {"amount": "0.00", "share": 0.0, "customers": 0}
    client.force_login(manager)
    page = client.get(reverse("reports:abc"), {"date_from": "2030-01-01", "date_to": "2030-01-31"})
    assert page.status_code == 200
    assert 'data-testid="report-chart"' not in page.content.decode()


def test_the_pareto_curve_samples_the_cumulative_share(client, world, manager):
    body = api(client, manager, **PERIOD)
    want, _whole, _unranked = expected_ranking(world, manager)
    # Fewer customers than points: one point per customer.
    assert body["pareto"] == [
        {
            "customer_share": pytest.approx(row["rank"] / len(want), abs=1e-6),
            "amount_share": pytest.approx(row["cumulative_share"], abs=1e-6),
        }
        for row in want
    ]


def _many(world, n):
    """`n` more customers with distinct amounts and a few ties, all in the period."""
    for i in range(n):
        customer = CustomerFactory(code=f"M{i:03d}", salesperson=world.other, grade=None)
        world.customers[customer.code] = customer
        world.add(D(2026, 2, 1 + i % 28), customer, "FOOD", f"{(i % 40) + 1}.{i % 100:02d}")


def test_the_page_and_the_api_give_the_ranking_a_window_at_a_time(client, world, manager):
    _many(world, 117)  # 123 ranked in all
    want, _whole, _unranked = expected_ranking(world, manager)
    assert len(want) == 123
    body = api(client, manager, limit=30, offset=100, **PERIOD)
    assert_rows_equal(body["rows"], want[100:])
    assert (body["limit"], body["offset"], body["ranked"]) == (30, 100, 123)
    first = api(client, manager, **PERIOD)
    assert_rows_equal(first["rows"], want[:100])
    beyond = api(client, manager, offset=500, **PERIOD)
    assert beyond["rows"] == [] and beyond["ranked"] == 123

    # 123 ranked customers in NTILE(20): three buckets of seven, then seventeen of six.
    ends = [7 * (i + 1) for i in range(3)] + [21 + 6 * (i + 1) for i in range(17)]
    assert [p["customer_share"] for p in first["pareto"]] == pytest.approx(
        [end / 123 for end in ends], abs=1e-6
    )
    assert [p["amount_share"] for p in first["pareto"]] == pytest.approx(
        [want[end - 1]["cumulative_share"] for end in ends], abs=1e-6
    )

    client.force_login(manager)
    for page, expected_rows in [
        (None, want[:50]),
        (2, want[50:100]),
        (3, want[100:]),
        (9, []),  # beyond the last page: none, and the way back
    ]:
        params = {**PERIOD, **({"page": page} if page else {})}
        response = client.get(reverse("reports:abc"), params)
        assert response.status_code == 200
        rows = response.context["table"].rows
        assert [row["code"] for row in rows] == [row["code"] for row in expected_rows]
        html = response.content.decode()
        shown = page or 1
        assert f"Page {shown} of 3" in html
        pages = html.split('data-testid="abc-pages"', 1)[1].split("</nav>", 1)[0]
        assert ('rel="next"' in pages) == (shown < 3)
        assert ('rel="prev"' in pages) == (1 < shown <= 3)
        assert ("page=3" in pages) == (shown != 3)  # the last page, from anywhere else

    response = client.get(reverse("reports:abc"), {**PERIOD, "page": 2, "format": "csv"})
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(lines) == 1 + 123 + 1  # the header, every ranked customer, the total
    assert [line[1] for line in lines[1:-1]] == [row["code"] for row in want]


def test_the_page_shows_the_rule_the_classes_and_the_unranked(client, world, manager):
    client.force_login(manager)
    response = client.get(reverse("reports:abc"), {**PERIOD, "a": "70", "b": "90.5"})
    assert response.status_code == 200
    html = response.content.decode()
    rule = html.split('data-testid="abc-rule">', 1)[1].split("</p>", 1)[0]
    assert "less than 70%" in rule and "less than 90.50%" in rule and "still A" in rule
    assert (
        "4 customers in scope have no sales in the period (or a total of zero or less) and are "
        "not ranked." in html
    )
    classes = html.split('data-testid="abc-classes"', 1)[1].split("</table>", 1)[0]
    a_row = re.search(r'data-class="A">(.*?)</tr>', classes, re.S).group(1)
    # A at 70%: A01, A02 and A03 (600 before it, below 70%): 800.00, 80.0% of the amount.
    assert ">3<" in a_row and "800.00" in a_row and "80.0%" in a_row and "50.0%" in a_row
    assert html.index('data-testid="abc-classes"') < html.index('data-testid="report-table"')
    card = world.customers["A01"].get_absolute_url()
    assert f'<a href="{card}">客户A01</a>' in html
    assert "Disagrees" in html
    svg = html.split('data-testid="report-chart">', 1)[1].split("</figure>", 1)[0]
    assert svg.lstrip().startswith("<svg") and "<script" not in svg and 'href="http' not in svg


def test_the_csv_and_xlsx_downloads_hold_the_apis_figures(client, world, manager):
    client.force_login(manager)
    response = client.get(reverse("reports:abc"), {**PERIOD, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="abc-')
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    body = api(client, manager, **PERIOD)
    assert lines[0][:4] == ["Customer", "Code", "Rank", "Sales amount"]
    assert [line[1] for line in lines[1:-1]] == [row["code"] for row in body["rows"]]
    assert [Decimal(line[3]) for line in lines[1:-1]] == [
        Decimal(row["amount"]) for row in body["rows"]
    ]
    assert [line[6] for line in lines[1:-1]] == [row["abc"] for row in body["rows"]]
    assert lines[-1][0] == "Total" and Decimal(lines[-1][3]) == Decimal("1000.00")
    xlsx = client.get(reverse("reports:abc"), {**PERIOD, "format": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"a": "0"}, "a", "above 0"),
        ({"a": "-5"}, "a", "above 0"),
        ({"a": "90", "b": "80"}, "b", "above class A"),
        ({"a": "95"}, "b", "above class A"),
        ({"b": "100.5"}, "b", "at most 100"),
        ({"a": "eighty"}, "a", "number"),
        ({"limit": "1001"}, "limit", "1000"),
        ({"limit": "0"}, "limit", "1"),
        ({"offset": "-1"}, "offset", "0"),
        ({"page": "0"}, "page", "1"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, manager, params, field, message):
    client.force_login(manager)
    response = client.get("/api/v1/reports/abc/", {**PERIOD, **params})
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert message in response.json()[field][0]
    page = client.get(reverse("reports:abc"), {**PERIOD, **params})
    assert page.status_code == 400
    html = page.content.decode()
    assert 'class="errorlist"' in html and 'data-testid="report-table"' not in html


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/reports/abc/",
        "/api/v1/reports/abc/?limit=1000&offset=3&a=50&b=60",
        "/reports/abc/",
        "/reports/abc/?page=2",
        "/reports/abc/?format=csv",
    ],
)
def test_queries_do_not_grow_with_the_data(client, world, manager, url):
    def count():
        client.force_login(manager)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, PERIOD).status_code == 200
        return len(queries)

    small = count()
    _many(world, 80)
    assert count() == small
    assert small <= 14
