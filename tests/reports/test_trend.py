"""The sales trend, each figure checked against a computation written here in plain Python over
the lines the test made: months, series, the change of the last 3 months, scope and the
page, downloads and API."""

import csv
import datetime
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.models import GradeHistory
from tests.customers.factories import CustomerFactory, grade
from tests.sales.factories import ProductCategoryFactory, ProductFactory, SalesRecordFactory

D = datetime.date
END = D(2026, 3, 20)  # the period's end: March counts up to the 20th
GRADE_ORDER = ["key", "general", "scattered", "none"]


def months_up_to(end, count):
    """The first days of the `count` months that end with `end`'s month."""
    last = end.year * 12 + end.month - 1
    return [D(index // 12, index % 12 + 1, 1) for index in range(last - count + 1, last + 1)]


class World:
    """Customers with grades (one regraded during the window, one without a grade, one
    without sales), a category tree, and lines on the windows' first days, the day before,
    both sides of month ends, the period's last day and the day after. The top-level
    categories tie over the 12 months."""

    def __init__(self, salesperson, other):
        self.salesperson, self.other = salesperson, other
        self.k1 = CustomerFactory(code="K1", grade=grade("key"), salesperson=salesperson)
        self.k2 = CustomerFactory(code="K2", grade=grade("key"), salesperson=other)
        self.g1 = CustomerFactory(code="G1", grade=grade("general"), salesperson=salesperson)
        self.rg = CustomerFactory(code="RG", grade=grade("scattered"), salesperson=salesperson)
        self.n1 = CustomerFactory(code="N1", grade=None, salesperson=other)
        self.z1 = CustomerFactory(code="Z1", grade=grade("key"), salesperson=salesperson)
        regrade_day = D(2026, 1, 15)
        for valid_from, valid_to, code in [
            (D(2024, 1, 1), regrade_day, "general"),
            (regrade_day, None, "scattered"),
        ]:
            GradeHistory.objects.create(
                customer=self.rg,
                grade=grade(code),
                valid_from=valid_from,
                valid_to=valid_to,
                source=GradeHistory.Source.MANUAL,
            )
        food = ProductCategoryFactory(code="FOOD", name="食品")
        snack = ProductCategoryFactory(code="SNACK", name="零食", parent=food)
        drink = ProductCategoryFactory(code="DRINK", name="饮料")
        self.categories = {"FOOD": food, "SNACK": snack, "DRINK": drink}
        self.tops = {"FOOD": "FOOD", "SNACK": "FOOD", "DRINK": "DRINK"}
        products = {
            code: ProductFactory(code=f"P-{code}", category=c)
            for code, c in self.categories.items()
        }
        self.lines = []
        for day, customer, category, qty, amount in [
            (D(2024, 3, 31), self.k1, "DRINK", "1", "999.00"),  # before 24 months
            (D(2024, 4, 1), self.k1, "DRINK", "1", "40.00"),  # the 24 months' first day
            (D(2025, 1, 15), self.g1, "SNACK", "2", "60.00"),
            (D(2025, 2, 28), self.k2, "DRINK", "1", "80.00"),
            (D(2025, 3, 31), self.k1, "SNACK", "1", "25.00"),  # the day before 12 months
            (D(2025, 4, 1), self.k1, "SNACK", "2", "100.10"),  # the 12 months' first day
            (D(2025, 6, 15), self.g1, "DRINK", "1", "65.14"),
            (D(2025, 10, 10), self.n1, "SNACK", "5", "75.25"),
            (D(2025, 11, 30), self.k2, "DRINK", "1", "50.05"),
            (D(2025, 12, 15), self.rg, "SNACK", "1", "30.00"),
            (D(2026, 1, 31), self.g1, "FOOD", "3", "99.99"),  # a month's last day
            (D(2026, 2, 1), self.g1, "DRINK", "1", "20.00"),  # the next month's first
            (D(2026, 2, 20), self.rg, "DRINK", "1", "20.00"),
            (END, self.k2, "DRINK", "1.5", "150.15"),  # the period's last day
            (END + datetime.timedelta(days=1), self.g1, "FOOD", "1", "888.88"),
        ]:
            SalesRecordFactory(
                date=day,
                customer=customer,
                product=products[category],
                quantity=Decimal(qty),
                amount=Decimal(amount),
            )
            self.lines.append((day, customer, category, Decimal(qty), Decimal(amount)))

    def series_key(self, by, customer, category):
        if by == "grade":
            return customer.grade.code if customer.grade else "none"
        if by == "category":
            return self.tops[category]
        return "total"

    def expected(self, user, months, by, end=END):
        """{(month, series key): [quantity, amount]} and the months, from the lines."""
        calendar = months_up_to(end, months)
        own = user in (self.salesperson, self.other)
        cells = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for day, customer, category, qty, amount in self.lines:
            if not calendar[0] <= day <= end:
                continue
            if own and customer.salesperson_id != user.pk:
                continue
            cell = cells[day.replace(day=1), self.series_key(by, customer, category)]
            cell[0] += qty
            cell[1] += amount
        return calendar, cells


@pytest.fixture
def world(salesperson, other_salesperson):
    return World(salesperson, other_salesperson)


def api(client, user, **params):
    client.force_login(user)
    response = client.get("/api/v1/reports/trend/", params)
    assert response.status_code == 200, response.content
    return response.json()


def expected_order(by, cells):
    keys = {key for _month, key in cells}
    if by == "grade":
        return [key for key in GRADE_ORDER if key in keys]
    if by == "category":
        amounts = {key: sum(a for (_m, k), (_q, a) in cells.items() if k == key) for key in keys}
        return sorted(keys, key=lambda key: (-amounts[key], key))
    return ["total"]


def expected_change(calendar, cells, key, months):
    # END falls in the middle of its month: that month is still running and left out.
    calendar = calendar[:-1]
    recent = calendar[-3:]
    earlier = calendar[-15:-12] if months == 24 else calendar[-6:-3]
    now = sum(cells[month, key][1] for month in recent if (month, key) in cells)
    before = sum(cells[month, key][1] for month in earlier if (month, key) in cells)
    return float((now - before) / before) if before else None


@pytest.mark.parametrize("months", [12, 24])
@pytest.mark.parametrize("by", ["total", "grade", "category"])
@pytest.mark.parametrize("who", ["manager", "salesperson"])
def test_each_month_and_series_equals_a_computation_over_the_lines(
    client, world, manager, months, by, who
):
    user = manager if who == "manager" else world.salesperson
    body = api(client, user, date_to=END.isoformat(), months=months, by=by)
    calendar, cells = world.expected(user, months, by)
    order = expected_order(by, cells)

    assert body["period"] == {"date_from": calendar[0].isoformat(), "date_to": END.isoformat()}
    assert [row["month"] for row in body["rows"]] == [f"{m.year}-{m.month:02d}" for m in calendar]
    for month, row in zip(calendar, body["rows"], strict=True):
        assert [entry["key"] for entry in row["series"]] == order
        for entry in row["series"]:
            qty, amount = cells.get((month, entry["key"]), (Decimal(0), Decimal(0)))
            assert entry["amount"] == str(amount.quantize(Decimal("0.01")))  # decimal strings
            assert Decimal(entry["quantity"]) == qty
        month_cells = [v for (m, _k), v in cells.items() if m == month]
        assert Decimal(row["amount"]) == sum((a for _q, a in month_cells), Decimal(0))
        assert Decimal(row["quantity"]) == sum((q for q, _a in month_cells), Decimal(0))
    total = body["total"]
    assert Decimal(total["amount"]) == sum((a for _q, a in cells.values()), Decimal(0))
    assert Decimal(total["quantity"]) == sum((q for q, _a in cells.values()), Decimal(0))
    for entry in total["series"]:
        key = entry["key"]
        assert Decimal(entry["amount"]) == sum(
            (a for (_m, k), (_q, a) in cells.items() if k == key), Decimal(0)
        )
        change = expected_change(calendar, cells, key, months)
        assert entry["change"] == (pytest.approx(change, abs=1e-6) if change is not None else None)


def test_series_names_and_the_tie_between_categories(client, world, manager):
    body = api(client, manager, date_to=END.isoformat(), by="category")
    first = body["rows"][0]["series"]
    # FOOD (with SNACK below it) and DRINK both sold 305.34 over the 12 months: by code.
    assert [(s["key"], s["name"]) for s in first] == [("DRINK", "饮料"), ("FOOD", "食品")]
    assert [s["amount"] for s in body["total"]["series"]] == ["305.34", "305.34"]
    grades = api(client, manager, date_to=END.isoformat(), by="grade")
    assert [(s["key"], s["name"]) for s in grades["rows"][0]["series"]] == [
        ("key", grade("key").name),
        ("general", grade("general").name),
        ("scattered", grade("scattered").name),
        ("none", None),
    ]


def test_a_regraded_customer_counts_under_its_grade_of_today(client, world, manager):
    body = api(client, manager, date_to=END.isoformat(), by="grade")
    december = next(row for row in body["rows"] if row["month"] == "2025-12")
    # RG bought in December as "general" (its history says so): it counts as "scattered".
    assert {s["key"]: s["amount"] for s in december["series"]}["scattered"] == "30.00"
    assert {s["key"]: s["amount"] for s in december["series"]}["general"] == "0.00"


def test_the_shrinking_series_are_named_in_the_note(client, world, manager):
    client.force_login(manager)
    response = client.get(
        reverse("reports:trend"),
        {"date_to": END.isoformat(), "by": "category", "date_from": "2026-03-01"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    # March runs to the 20th only: December to February against September to November.
    # DRINK: 40.00 against 50.05; FOOD grows (129.99 against 75.25).
    assert (
        "Shrinking over the last 3 complete months against the 3 months before: 饮料 -20.1%."
        in html
    )
    assert "The last 12 months up to the period&#x27;s end replace its start." in html
    assert "April 2025" in html and "March 2026" in html  # the months, in the reader's words
    assert "305.34" in html
    svg = html.split("<svg", 1)[1].split("</svg>")[0]
    assert "饮料" in svg and "食品" in svg  # a line per series, with its legend
    body = api(client, manager, date_to=END.isoformat(), months=24)
    # December 2025 to February 2026 (169.99) against the same months a year earlier (140.00).
    assert body["total"]["change"] == round(float(Decimal("29.99") / Decimal("140.00")), 6)


def test_an_empty_period_has_zero_months_and_no_change(client, world, manager):
    body = api(client, manager, date_to="2030-06-30", by="grade")
    assert [row["month"] for row in body["rows"]][:2] == ["2029-07", "2029-08"]
    assert len(body["rows"]) == 12
    assert all(row["amount"] == "0.00" and row["series"] == [] for row in body["rows"])
    assert body["total"] == {"quantity": "0.000", "amount": "0.00", "change": None, "series": []}
    client.force_login(manager)
    html = client.get(
        reverse("reports:trend"), {"date_to": "2030-06-30", "date_from": "2030-06-01"}
    ).content.decode()
    assert (
        "Nothing is shrinking over the last 3 complete months against the 3 months before." in html
    )


def test_without_a_period_the_months_end_today(client, world, manager):
    body = api(client, manager)
    today = timezone.localdate()
    assert body["rows"][-1]["month"] == f"{today.year}-{today.month:02d}"
    assert len(body["rows"]) == 12
    assert body["period"]["date_to"] == today.isoformat()


def test_a_salesperson_never_sees_another_salespersons_customers(client, world):
    body = api(client, world.salesperson, date_to=END.isoformat())
    assert body["total"]["amount"] == "335.23"  # K1, G1 and RG's lines of the 12 months
    client.force_login(world.salesperson)
    response = client.get("/api/v1/reports/trend/", {"customer": world.k2.pk})
    assert response.status_code == 400
    assert list(response.json()) == ["customer"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"months": "6"}, "months"),
        ({"months": "twelve"}, "months"),
        ({"by": "region"}, "by"),
        ({"date_from": "2026-03-01", "date_to": "2026-02-30"}, "date_to"),
        ({"grade": "nosuch"}, "grade"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, manager, params, field):
    client.force_login(manager)
    response = client.get("/api/v1/reports/trend/", params)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    page = client.get(reverse("reports:trend"), params)
    assert page.status_code == 400
    assert 'class="errorlist"' in page.content.decode()
    assert 'data-testid="report-table"' not in page.content.decode()


def test_the_csv_download_holds_the_apis_figures(client, world, manager):
    client.force_login(manager)
    params = {"date_to": END.isoformat(), "by": "grade"}
    response = client.get(reverse("reports:trend"), {**params, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="trend-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    body = api(client, manager, **params)
    assert rows[0] == [
        "Month",
        str(grade("key")),
        str(grade("general")),
        str(grade("scattered")),
        "No grade",
        "Quantity",
        "Sales amount",
    ]
    for line, row in zip(rows[1:-1], body["rows"], strict=True):
        assert [Decimal(cell) for cell in line[1:5]] == [
            Decimal(s["amount"]) for s in row["series"]
        ]
        assert Decimal(line[5]) == Decimal(row["quantity"])
        assert Decimal(line[6]) == Decimal(row["amount"])
    assert rows[-1][0] == "Total"
    assert Decimal(rows[-1][6]) == Decimal(body["total"]["amount"])
    xlsx = client.get(reverse("reports:trend"), {**params, "format": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/reports/trend/?by=grade&months=24",
        "/api/v1/reports/trend/?by=category",
        "/reports/trend/?by=category&months=24",
        "/reports/trend/",
    ],
)
def test_queries_do_not_grow_with_the_data(client, manager, url):
    def count():
        client.force_login(manager)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{url}{'&' if '?' in url else '?'}date_to=2026-12-31")
            assert response.status_code == 200
        return len(queries)

    def more(n):
        for i in range(n):
            parent = ProductCategoryFactory()
            customer = CustomerFactory(
                grade=grade(["key", "general", "scattered"][i % 3]) if i % 4 else None
            )
            for month in (1, 6, 12):
                SalesRecordFactory(
                    customer=customer,
                    date=D(2026, month, 1),
                    product=ProductFactory(category=ProductCategoryFactory(parent=parent)),
                )

    more(2)
    small = count()
    more(12)
    assert count() == small


def test_a_month_leads_to_the_customers_who_bought_in_it(client, world, manager):
    client.force_login(manager)
    html = client.get(reverse("reports:trend"), {"date_to": END.isoformat()}).content.decode()
    assert '/reports/abc/?date_from=2026-02-01&amp;date_to=2026-02-28"' in html
    assert '/reports/abc/?date_from=2026-03-01&amp;date_to=2026-03-20"' in html  # up to the end
