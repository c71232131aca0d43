"""Sales composition, product composition and the grade × category matrix, each figure
checked against a computation written here in plain Python over the lines the test made."""

import csv
import datetime
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.urls import reverse

from customers.models import GradeHistory
from tests.customers.factories import CustomerFactory, RegionFactory, grade
from tests.sales.factories import ProductCategoryFactory, ProductFactory, SalesRecordFactory

D = datetime.date
START, END = D(2026, 1, 1), D(2026, 3, 31)
DAYS = (END - START).days + 1
PREVIOUS = (START - datetime.timedelta(days=DAYS), START - datetime.timedelta(days=1))
PERIOD = {"date_from": START.isoformat(), "date_to": END.isoformat()}


class World:
    """Customers with grades (one regraded in the middle of the period, one without a grade,
    one without sales), a category tree, and lines on the period's first and last day, just
    outside it and in the previous period. `lines` keeps what was made, for the expected
    figures."""

    def __init__(self, salesperson, other):
        self.salesperson, self.other = salesperson, other
        north, south = RegionFactory(code="N"), RegionFactory(code="S")
        self.k1 = CustomerFactory(
            code="K1", grade=grade("key"), salesperson=salesperson, region=north
        )
        self.k2 = CustomerFactory(code="K2", grade=grade("key"), salesperson=other, region=south)
        self.g1 = CustomerFactory(
            code="G1", grade=grade("general"), salesperson=salesperson, region=north
        )
        self.rg = CustomerFactory(
            code="RG", grade=grade("scattered"), salesperson=salesperson, region=south
        )
        self.n1 = CustomerFactory(code="N1", grade=None, salesperson=other, region=north)
        self.z1 = CustomerFactory(
            code="Z1", grade=grade("key"), salesperson=salesperson, region=north
        )
        regrade_day = D(2026, 2, 15)
        self.history = {
            self.k1.pk: [(D(2024, 1, 1), None, "key")],
            self.k2.pk: [(D(2024, 1, 1), None, "key")],
            self.g1.pk: [(D(2024, 1, 1), None, "general")],
            self.rg.pk: [(D(2024, 1, 1), regrade_day, "general"), (regrade_day, None, "scattered")],
            self.z1.pk: [(D(2024, 1, 1), None, "key")],
        }
        for customer_id, periods in self.history.items():
            for valid_from, valid_to, code in periods:
                GradeHistory.objects.create(
                    customer_id=customer_id,
                    grade=grade(code),
                    valid_from=valid_from,
                    valid_to=valid_to,
                    source=GradeHistory.Source.MANUAL,
                )
        food = ProductCategoryFactory(code="FOOD", name="食品")
        snack = ProductCategoryFactory(code="SNACK", name="零食", parent=food)
        drink = ProductCategoryFactory(code="DRINK", name="饮料")
        self.categories = {"FOOD": (food, None), "SNACK": (snack, "FOOD"), "DRINK": (drink, None)}
        self.products = {
            code: ProductFactory(code=f"P-{code}", category=category)
            for code, (category, _parent) in self.categories.items()
        }
        self.lines = []
        for day, customer, category, qty, amount in [
            (START, self.k1, "SNACK", "2", "100.10"),  # the period's first day
            (D(2026, 3, 1), self.k1, "DRINK", "1", "50.05"),
            (END, self.k2, "DRINK", "1.5", "150.15"),  # the last day; K1 and K2 tie
            (D(2026, 2, 1), self.g1, "FOOD", "3", "99.99"),
            (D(2026, 2, 14), self.rg, "SNACK", "1", "30.00"),  # the day before the regrade
            (D(2026, 2, 15), self.rg, "DRINK", "1", "20.00"),  # the regrade's day
            (D(2026, 3, 15), self.n1, "SNACK", "5", "75.25"),
            (START - datetime.timedelta(days=1), self.k1, "SNACK", "1", "999.99"),
            (END + datetime.timedelta(days=1), self.g1, "DRINK", "1", "888.88"),
            (PREVIOUS[0], self.g1, "DRINK", "1", "10.00"),  # the previous period's first day
            (PREVIOUS[0] - datetime.timedelta(days=1), self.k2, "DRINK", "1", "7.00"),
        ]:
            SalesRecordFactory(
                date=day,
                customer=customer,
                product=self.products[category],
                quantity=Decimal(qty),
                amount=Decimal(amount),
            )
            self.lines.append((day, customer, category, Decimal(qty), Decimal(amount)))

    def lines_in(self, start, end, user=None):
        own = user in (self.salesperson, self.other)
        return [
            line
            for line in self.lines
            if start <= line[0] <= end and (not own or line[1].salesperson_id == user.pk)
        ]

    def grade_then(self, customer, day):
        for valid_from, valid_to, code in self.history.get(customer.pk, []):
            if valid_from <= day and (valid_to is None or day < valid_to):
                return code
        return None

    def top(self, category):
        parent = self.categories[category][1]
        return self.top(parent) if parent else category


@pytest.fixture
def world(salesperson, other_salesperson):
    return World(salesperson, other_salesperson)


def expected_by_grade(lines, grade_of):
    amounts, customers = defaultdict(Decimal), defaultdict(set)
    for day, customer, _category, _qty, amount in lines:
        key = grade_of(customer, day)
        amounts[key] += amount
        customers[key].add(customer.pk)
    return amounts, customers


def api(client, user, slug, **params):
    client.force_login(user)
    response = client.get(f"/api/v1/reports/{slug}/", params)
    assert response.status_code == 200, response.content
    return response.json()


def _share(part, whole):
    return float(part / whole) if whole else 0.0


@pytest.mark.parametrize("basis", ["current", "at_sale"])
@pytest.mark.parametrize("who", ["manager", "salesperson"])
def test_sales_composition_equals_a_computation_over_the_lines(client, world, manager, basis, who):
    user = manager if who == "manager" else world.salesperson
    body = api(client, user, "sales-composition", grade_basis=basis, **PERIOD)

    if basis == "current":
        codes = {
            c.pk: (c.grade.code if c.grade else None)
            for c in (world.k1, world.k2, world.g1, world.rg, world.n1)
        }

        def grade_of(customer, _day):
            return codes[customer.pk]
    else:
        grade_of = world.grade_then
    scope = None if who == "manager" else user
    amounts, customers = expected_by_grade(world.lines_in(START, END, scope), grade_of)
    before, _ = expected_by_grade(world.lines_in(*PREVIOUS, scope), grade_of)
    total = sum(amounts.values())
    total_before = sum(before.values())

    expected_codes = ["key", "general", "scattered"] + (
        [None] if None in amounts or None in before else []
    )
    assert [row["grade_code"] for row in body["rows"]] == expected_codes
    for row in body["rows"]:
        code = row["grade_code"]
        assert row["grade"] == (grade(code).name if code else None)
        assert Decimal(row["amount"]) == amounts[code]
        assert row["amount"] == str(amounts[code].quantize(Decimal("0.01")))  # a decimal string
        assert row["share"] == pytest.approx(_share(amounts[code], total), abs=1e-6)
        assert row["customers"] == len(customers[code])
        assert Decimal(row["previous_amount"]) == before[code]
        if customers[code]:
            assert Decimal(row["average"]) == (amounts[code] / len(customers[code])).quantize(
                Decimal("0.01")
            )
        else:
            assert row["average"] is None
    assert Decimal(body["total"]["amount"]) == total
    assert body["total"]["customers"] == sum(len(c) for c in customers.values())
    assert Decimal(body["total"]["previous_amount"]) == total_before
    assert body["period"] == {"date_from": START.isoformat(), "date_to": END.isoformat()}


def test_the_regraded_customer_counts_under_each_grade_it_bought_under(client, world, manager):
    body = api(client, manager, "sales-composition", grade_basis="at_sale", **PERIOD)
    rows = {row["grade_code"]: row for row in body["rows"]}
    # RG bought 30.00 as "general" the day before its regrade and 20.00 as "scattered" on it.
    assert Decimal(rows["general"]["amount"]) == Decimal("99.99") + Decimal("30.00")
    assert rows["general"]["customers"] == 2
    assert Decimal(rows["scattered"]["amount"]) == Decimal("20.00")
    assert rows["scattered"]["customers"] == 1
    today = api(client, manager, "sales-composition", **PERIOD)
    assert Decimal({r["grade_code"]: r for r in today["rows"]}["scattered"]["amount"]) == Decimal(
        "50.00"
    )


def test_shares_keep_six_decimals_and_the_no_grade_row_is_null(client, world, manager):
    body = api(client, manager, "sales-composition", **PERIOD)
    no_grade = body["rows"][-1]
    assert no_grade["grade"] is None and no_grade["grade_code"] is None
    total = Decimal(body["total"]["amount"])
    assert no_grade["share"] == round(float(Decimal("75.25") / total), 6)
    assert no_grade["share"] != round(no_grade["share"], 4)  # not rounded to fewer decimals


def test_an_empty_period_has_zero_rows_and_no_division(client, world, manager):
    body = api(client, manager, "sales-composition", date_from="2030-01-01", date_to="2030-01-31")
    assert [row["grade_code"] for row in body["rows"]] == ["key", "general", "scattered"]
    assert all(row["amount"] == "0.00" and row["share"] == 0 for row in body["rows"])
    assert body["total"]["amount"] == "0.00" and body["total"]["customers"] == 0
    products = api(
        client, manager, "product-composition", date_from="2030-01-01", date_to="2030-01-31"
    )
    assert products == {
        "rows": [],
        "total": {
            "quantity": "0.000",
            "amount": "0.00",
            "quantity_share": 0.0,
            "amount_share": 0.0,
        },
        "period": {"date_from": "2030-01-01", "date_to": "2030-01-31"},
    }


@pytest.mark.parametrize("by", ["salesperson", "region"])
def test_a_breakdown_splits_each_group_by_grade(client, world, manager, by):
    body = api(client, manager, "sales-composition", by=by, **PERIOD)
    expected = defaultdict(Decimal)
    for _day, customer, _category, _qty, amount in world.lines_in(START, END):
        key = customer.salesperson.username if by == "salesperson" else customer.region.code
        expected[key, customer.grade.code if customer.grade else None] += amount
    got = {(row["group_key"], row["grade_code"]): Decimal(row["amount"]) for row in body["rows"]}
    assert {key: value for key, value in got.items() if value} == dict(expected)
    for group in {key for key, _grade in got}:
        shares = [row["share"] for row in body["rows"] if row["group_key"] == group]
        assert sum(shares) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("rollup", [False, True])
@pytest.mark.parametrize("who", ["manager", "salesperson"])
def test_product_composition_equals_a_computation_over_the_lines(
    client, world, manager, rollup, who
):
    user = manager if who == "manager" else world.salesperson
    params = {**PERIOD, **({"rollup": "true"} if rollup else {})}
    body = api(client, user, "product-composition", **params)
    quantities, amounts = defaultdict(Decimal), defaultdict(Decimal)
    for _day, _customer, category, qty, amount in world.lines_in(
        START, END, None if who == "manager" else user
    ):
        key = world.top(category) if rollup else category
        quantities[key] += qty
        amounts[key] += amount
    total_q, total_a = sum(quantities.values()), sum(amounts.values())
    assert {row["category_code"] for row in body["rows"]} == set(amounts)
    for row in body["rows"]:
        code = row["category_code"]
        assert row["category"] == world.categories[code][0].name
        assert Decimal(row["quantity"]) == quantities[code]
        assert Decimal(row["amount"]) == amounts[code]
        assert row["quantity_share"] == pytest.approx(_share(quantities[code], total_q), abs=1e-6)
        assert row["amount_share"] == pytest.approx(_share(amounts[code], total_a), abs=1e-6)
    amounts_in_order = [Decimal(row["amount"]) for row in body["rows"]]
    assert amounts_in_order == sorted(amounts_in_order, reverse=True)
    assert Decimal(body["total"]["quantity"]) == total_q
    assert Decimal(body["total"]["amount"]) == total_a


def test_product_composition_for_one_grade_and_one_customer(client, world, manager):
    body = api(client, manager, "product-composition", grade="key", **PERIOD)
    expected = defaultdict(Decimal)
    for _day, customer, category, _qty, amount in world.lines_in(START, END):
        if customer.grade and customer.grade.code == "key":
            expected[category] += amount
    assert {row["category_code"]: Decimal(row["amount"]) for row in body["rows"]} == expected
    one = api(client, manager, "product-composition", customer=world.n1.pk, **PERIOD)
    assert [(row["category_code"], row["amount"], row["amount_share"]) for row in one["rows"]] == [
        ("SNACK", "75.25", 1.0)
    ]


def test_the_matrix_splits_each_grade_over_the_top_level_categories(client, world, manager):
    body = api(client, manager, "grade-category", **PERIOD)
    cells = defaultdict(Decimal)
    for _day, customer, category, _qty, amount in world.lines_in(START, END):
        cells[customer.grade.code if customer.grade else None, world.top(category)] += amount
    for row in body["rows"]:
        grade_total = sum(a for (g, _c), a in cells.items() if g == row["grade_code"])
        assert Decimal(row["amount"]) == grade_total
        for cell in row["categories"]:
            amount = cells[row["grade_code"], cell["category_code"]]
            assert Decimal(cell["amount"]) == amount
            assert cell["share"] == pytest.approx(_share(amount, grade_total), abs=1e-6)
    assert {c["category_code"] for c in body["rows"][0]["categories"]} == {"FOOD", "DRINK"}


def test_a_salesperson_never_sees_another_salespersons_customer(client, world):
    client.force_login(world.salesperson)
    response = client.get(
        "/api/v1/reports/product-composition/", {"customer": world.k2.pk, **PERIOD}
    )
    assert response.status_code == 400
    assert "customer" in response.json()
    page = client.get(reverse("reports:sales-composition"), PERIOD)
    html = page.content.decode()
    assert "150.15" in html  # K1's own
    assert "300.30" not in html  # K1 with K2's line


@pytest.mark.parametrize("year", ["0001", "9999"])
def test_a_period_at_the_ends_of_the_calendar_is_a_400_naming_its_days(client, manager, year):
    """Its previous period, its months would run off the calendar."""
    client.force_login(manager)
    params = {"date_from": f"{year}-01-01", "date_to": f"{year}-12-31"}
    for name in ("sales-composition", "trend", "customer-sales"):
        response = client.get(f"/api/v1/reports/{name}/", params)
        assert response.status_code == 400
        assert {"date_from", "date_to"} <= set(response.json())


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2026-02-30", "date_to": "2026-03-01"}, "date_from"),
        ({"date_from": "2026-03-01", "date_to": "2026-02-01"}, "date_to"),
        ({"date_from": "2026-03-01"}, "date_to"),
        ({"grade": "nosuch"}, "grade"),
        ({"grade_basis": "yesterday"}, "grade_basis"),
        ({"region": "XX"}, "region"),
        ({"salesperson": "nobody"}, "salesperson"),
        ({"category": "NOPE"}, "category"),
        ({"date_from": "2000-01-01", "date_to": "2026-01-01"}, "date_to"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, manager, params, field):
    client.force_login(manager)
    response = client.get("/api/v1/reports/sales-composition/", params)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert response.json()[field][0]
    page = client.get(reverse("reports:sales-composition"), params)
    assert page.status_code == 400
    assert 'class="errorlist"' in page.content.decode()
    assert 'data-testid="report-table"' not in page.content.decode()


def test_the_page_shows_the_figures_and_links_each_grade_to_its_customers(client, world, manager):
    client.force_login(manager)
    response = client.get(reverse("reports:sales-composition"), PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    svg = html.split('data-testid="report-chart">', 1)[1].split("</figure>", 1)[0]
    assert svg.lstrip().startswith("<svg")
    assert "<script" not in svg and 'href="http' not in svg  # nothing loaded from anywhere
    assert "300.30" in html  # key: 100.10 + 50.05 + 150.15
    assert "/customers/?grade=key" in html
    assert "/customers/?grade=null" in html
    assert str(grade("key")) in html


def test_the_csv_and_xlsx_downloads_hold_the_pages_figures(client, world, manager):
    client.force_login(manager)
    response = client.get(reverse("reports:product-composition"), {**PERIOD, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="product-composition-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    body = api(client, manager, "product-composition", **PERIOD)
    assert [row[1] for row in rows[1:-1]] == [row["category_code"] for row in body["rows"]]
    assert [Decimal(row[4]) for row in rows[1:-1]] == [
        Decimal(row["amount"]) for row in body["rows"]
    ]
    assert Decimal(rows[-1][4]) == Decimal(body["total"]["amount"])
    xlsx = client.get(reverse("reports:sales-composition"), {**PERIOD, "format": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    bad = client.get(reverse("reports:sales-composition"), {**PERIOD, "format": "pdf"})
    assert bad.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/reports/sales-composition/?grade_basis=at_sale&by=salesperson",
        "/api/v1/reports/sales-composition/?by=region",
        "/api/v1/reports/product-composition/?rollup=true&grade=key",
        "/api/v1/reports/grade-category/",
        "/reports/sales-composition/?by=salesperson",
        "/reports/product-composition/",
        "/reports/grade-category/?grade_basis=at_sale",
    ],
)
def test_queries_do_not_grow_with_the_data(client, manager, django_assert_max_num_queries, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    period = "date_from=2026-01-01&date_to=2026-12-31"

    def count():
        client.force_login(manager)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{url}{'&' if '?' in url else '?'}{period}")
            assert response.status_code == 200, response.content
        return len(queries)

    def more(n):
        for i in range(n):
            customer = CustomerFactory(
                grade=grade(["key", "general", "scattered"][i % 3]), region=RegionFactory()
            )
            for month in (1, 6, 12):
                SalesRecordFactory(
                    customer=customer, date=D(2026, month, 1), product=ProductFactory()
                )

    more(2)
    small = count()
    more(12)
    assert count() == small
    assert small <= 14


def test_a_category_row_leads_to_the_customers_who_bought_it(client, world, manager):
    client.force_login(manager)
    html = client.get(reverse("reports:product-composition"), PERIOD).content.decode()
    assert '/reports/abc/?date_from=2026-01-01&amp;date_to=2026-03-31&amp;category=SNACK"' in html


def test_a_regrade_today_leaves_a_past_periods_figures_at_sale_unchanged(client, world, manager):
    from customers.services import card_set_grade

    before = api(client, manager, "sales-composition", grade_basis="at_sale", **PERIOD)
    world.k1.refresh_from_db()
    card_set_grade(
        customer=world.k1,
        grade=grade("scattered"),
        pinned=True,
        reason="test",
        actor=manager,
        expected_version=world.k1.version,
    )
    assert api(client, manager, "sales-composition", grade_basis="at_sale", **PERIOD) == before
    today = api(client, manager, "sales-composition", **PERIOD)
    scattered = {row["grade_code"]: row for row in today["rows"]}["scattered"]
    assert Decimal(scattered["amount"]) == Decimal("50.00") + Decimal("150.15")  # RG and K1


def test_the_page_says_which_grades_it_counts_under(client, world, manager):
    client.force_login(manager)
    page = client.get(reverse("reports:sales-composition"), PERIOD).content.decode()
    assert "Each sale counts under the grade its customer has today." in page
    page = client.get(
        reverse("reports:sales-composition"), {**PERIOD, "grade_basis": "at_sale"}
    ).content.decode()
    assert "had on the day of the sale" in page


def test_a_matrix_row_leads_to_the_grades_customers(client, world, manager):
    client.force_login(manager)
    html = client.get(reverse("reports:grade-category"), PERIOD).content.decode()
    assert '<a href="/customers/?grade=general">' in html
    assert '<a href="/customers/?grade=null">' in html
