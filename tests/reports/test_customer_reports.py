"""The per-customer reports (sales report, business report) and the card's links to them:
each figure checked against a computation written here in plain Python over the lines,
visits, incidents and grade periods the test made."""

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

from classification.lifecycle import months_before
from customers.models import CARD_SECTIONS, Customer, GradeHistory
from tests.customers.factories import CreditIncidentFactory, CustomerFactory, grade
from tests.sales.factories import ProductCategoryFactory, ProductFactory, SalesRecordFactory
from tests.visits.factories import VisitFactory, VisitReportFactory
from visits.models import Visit, VisitReport

D = datetime.date
DAY = datetime.timedelta(days=1)
START, END = D(2026, 1, 1), D(2026, 3, 31)
DAYS = (END - START).days + 1
PREVIOUS = (START - datetime.timedelta(days=DAYS), START - DAY)
PERIOD = {"date_from": START.isoformat(), "date_to": END.isoformat()}
MONTHS = [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)]


class World:
    """One customer (C) with lines on the period's first and last day, both sides of a
    month end, in the previous period (a category bought only then) and outside both; two
    categories that tie; visits, incidents and grade periods on and beyond the period's
    ends. Another salesperson's customer (O) bought too; Z bought nothing."""

    def __init__(self, salesperson, other):
        self.salesperson, self.other = salesperson, other
        self.c = CustomerFactory(
            code="C",
            grade=grade("general"),
            salesperson=salesperson,
            sales_performance_notes="月销稳定",
            cooperation_attitude=Customer.Attitude.CLOSE,
            credit_rating=Customer.CreditRating.AA,
            credit_limit=Decimal("50000.00"),
            payment_terms="月结30天",
        )
        self.o = CustomerFactory(code="O", grade=grade("key"), salesperson=other)
        self.z = CustomerFactory(code="Z", grade=None, salesperson=salesperson)
        food = ProductCategoryFactory(code="FOOD", name="食品")
        self.categories = {
            "FOOD": food,
            "SNACK": ProductCategoryFactory(code="SNACK", name="零食", parent=food),
            "DRINK": ProductCategoryFactory(code="DRINK", name="饮料"),
            "GIFT": ProductCategoryFactory(code="GIFT", name="礼品"),
        }
        products = {
            code: ProductFactory(code=f"P-{code}", category=category)
            for code, category in self.categories.items()
        }
        self.lines = []
        for day, customer, category, qty, amount in [
            (START, self.c, "SNACK", "2", "100.00"),  # the period's first day
            (D(2026, 1, 31), self.c, "DRINK", "1", "50.05"),  # a month's last day
            (D(2026, 2, 1), self.c, "DRINK", "1", "49.95"),  # the next month's first
            (END, self.c, "FOOD", "3", "99.99"),  # the last day; DRINK and SNACK tie
            (START - DAY, self.c, "SNACK", "1", "999.99"),  # the previous period's last day
            (PREVIOUS[0], self.c, "DRINK", "1", "10.00"),  # and its first
            (D(2025, 11, 11), self.c, "GIFT", "1.5", "20.00"),  # bought only then
            (PREVIOUS[0] - DAY, self.c, "DRINK", "1", "7.00"),  # before both
            (END + DAY, self.c, "FOOD", "1", "888.88"),  # after the period
            (D(2026, 2, 10), self.o, "DRINK", "4", "400.00"),  # another customer
        ]:
            SalesRecordFactory(
                date=day,
                customer=customer,
                product=products[category],
                quantity=Decimal(qty),
                amount=Decimal(amount),
            )
            self.lines.append((day, customer, category, Decimal(qty), Decimal(amount)))
        # Grade periods: one ends the day the period starts (excluded), one starts the day
        # after it ends.
        self.grades = [
            (D(2024, 1, 1), D(2025, 6, 1), "scattered"),
            (D(2025, 6, 1), START, "general"),
            (START, D(2026, 2, 15), "key"),  # regraded in the middle of the period
            (D(2026, 2, 15), END + DAY, "scattered"),
            (END + DAY, None, "general"),
        ]
        for valid_from, valid_to, code in self.grades:
            GradeHistory.objects.create(
                customer=self.c,
                grade=grade(code),
                valid_from=valid_from,
                valid_to=valid_to,
                source=GradeHistory.Source.REGRADE,
                reason=f"{code} from {valid_from}",
            )
        filed, reviewed, draft = (
            VisitReport.Status.SUBMITTED,
            VisitReport.Status.REVIEWED,
            VisitReport.Status.DRAFT,
        )
        reports = {
            (day, who, status): VisitReportFactory(salesperson=who, date=day, status=status)
            for day, who, status in [
                (START, salesperson, filed),
                (END, salesperson, reviewed),
                (END, other, filed),  # C's former salesperson, say
                (START - DAY, salesperson, filed),
                (D(2026, 2, 2), salesperson, draft),
            ]
        }
        self.visits = [
            VisitFactory(
                report=reports[day, who, status],
                customer=customer,
                kind=kind,
                time=time,
                purpose=f"{kind} {day}",
                summary=f"summary {day} {time}",
            )
            for day, who, status, customer, kind, time in [
                (START, salesperson, filed, self.c, Visit.Kind.VISIT, datetime.time(9)),
                (END, salesperson, reviewed, self.c, Visit.Kind.PHONE, datetime.time(16)),
                (END, salesperson, reviewed, self.c, Visit.Kind.DELIVERY, None),
                (END, other, filed, self.c, Visit.Kind.VISIT, datetime.time(11)),
                (START - DAY, salesperson, filed, self.c, Visit.Kind.VISIT, None),
                (D(2026, 2, 2), salesperson, draft, self.c, Visit.Kind.VISIT, None),
                (START, salesperson, filed, self.z, Visit.Kind.VISIT, datetime.time(10)),
            ]
        ]
        self.incidents = [
            CreditIncidentFactory(customer=self.c, occurred_on=day, amount=amount, **more)
            for day, amount, more in [
                (START, Decimal("1234.50"), {"resolved_on": D(2026, 1, 20), "resolution": "已付"}),
                (END, None, {"kind": "dispute", "description": "质量争议"}),
                (START - DAY, Decimal("1.00"), {}),
                (END + DAY, Decimal("2.00"), {}),
            ]
        ]

    def lines_of(self, customer, start, end):
        return [line for line in self.lines if line[1] == customer and start <= line[0] <= end]


@pytest.fixture
def world(salesperson, other_salesperson):
    return World(salesperson, other_salesperson)


def api(client, user, slug, **params):
    client.force_login(user)
    response = client.get(f"/api/v1/reports/{slug}/", params)
    assert response.status_code == 200, response.content
    return response.json()


def ratio(part, whole):
    return float(part / whole) if whole else 0.0


def by_category(lines):
    sums = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for _day, _customer, category, qty, amount in lines:
        sums[category][0] += qty
        sums[category][1] += amount
    return sums


def by_month(lines):
    sums = {month: [Decimal(0), Decimal(0)] for month in MONTHS}
    for day, _customer, _category, qty, amount in lines:
        sums[day.replace(day=1)][0] += qty
        sums[day.replace(day=1)][1] += amount
    return sums


# The sales report ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager", "salesperson"])
def test_the_sales_report_equals_a_computation_over_the_lines(client, world, manager, who):
    user = manager if who == "manager" else world.salesperson
    body = api(client, user, "customer-sales", customer=world.c.pk, **PERIOD)
    lines = world.lines_of(world.c, START, END)
    before = by_category(world.lines_of(world.c, *PREVIOUS))
    now = by_category(lines)
    total_q = sum(qty for _d, _c, _k, qty, _a in lines)
    total_a = sum(amount for _d, _c, _k, _q, amount in lines)
    months = by_month(lines)

    rows = body["rows"]
    assert [row["breakdown"] for row in rows] == ["month"] * 3 + ["category"] * 4
    for row, month in zip(rows[:3], MONTHS, strict=True):
        qty, amount = months[month]
        assert row["month"] == month.strftime("%Y-%m")
        assert row["amount"] == str(amount.quantize(Decimal("0.01")))  # decimal strings
        assert Decimal(row["quantity"]) == qty
        assert row["amount_share"] == pytest.approx(ratio(amount, total_a), abs=1e-6)
        assert row["quantity_share"] == pytest.approx(ratio(qty, total_q), abs=1e-6)
        assert row["previous_amount"] is None and row["change"] is None
    # Bought now, by amount (DRINK and SNACK tie at 100.00: by code), then bought only before.
    ordered = sorted(now, key=lambda code: (-now[code][1], code))
    lapsed = sorted(set(before) - set(now), key=lambda code: (-before[code][1], code))
    assert (
        [row["category_code"] for row in rows[3:]]
        == ordered + lapsed
        == [
            "DRINK",
            "SNACK",
            "FOOD",
            "GIFT",
        ]
    )
    for row in rows[3:]:
        code = row["category_code"]
        qty, amount = now.get(code, (Decimal(0), Decimal(0)))
        previous_q, previous_a = before.get(code, (Decimal(0), Decimal(0)))
        assert row["category"] == world.categories[code].name
        assert Decimal(row["amount"]) == amount and Decimal(row["quantity"]) == qty
        assert row["amount_share"] == pytest.approx(ratio(amount, total_a), abs=1e-6)
        assert Decimal(row["previous_amount"]) == previous_a
        assert Decimal(row["previous_quantity"]) == previous_q
        expected_change = float((amount - previous_a) / previous_a) if previous_a else None
        assert row["change"] == (
            pytest.approx(expected_change, abs=1e-6) if expected_change is not None else None
        )
    total = body["total"]
    previous_total = sum(a for _q, a in before.values())
    assert Decimal(total["amount"]) == total_a == Decimal("299.99")
    assert Decimal(total["quantity"]) == total_q
    assert Decimal(total["previous_amount"]) == previous_total == Decimal("1029.99")
    assert total["change"] == pytest.approx(float((total_a - previous_total) / previous_total))
    assert body["customer"] == {
        "id": world.c.pk,
        "code": "C",
        "name": world.c.name,
        "grade": grade("general").name,
        "salesperson": world.salesperson.username,
    }
    assert body["period"] == {"date_from": START.isoformat(), "date_to": END.isoformat()}


def test_an_empty_period_and_a_customer_without_sales(client, world, manager):
    body = api(client, manager, "customer-sales", customer=world.z.pk, **PERIOD)
    assert [row["month"] for row in body["rows"]] == ["2026-01", "2026-02", "2026-03"]
    assert all(row["amount"] == "0.00" and row["amount_share"] == 0 for row in body["rows"])
    assert body["total"] == {
        "quantity": "0.000",
        "amount": "0.00",
        "quantity_share": 0.0,
        "amount_share": 0.0,
        "previous_quantity": "0.000",
        "previous_amount": "0.00",
        "change": None,
    }
    empty = api(
        client,
        manager,
        "customer-sales",
        customer=world.c.pk,
        date_from="2030-01-15",
        date_to="2030-01-20",
    )
    assert [row["month"] for row in empty["rows"]] == ["2030-01"]
    assert empty["total"]["amount"] == "0.00"


@pytest.mark.parametrize("slug", ["customer-sales", "customer-business"])
def test_the_customer_is_required_and_must_be_the_users(client, world, manager, slug):
    client.force_login(manager)
    response = client.get(f"/api/v1/reports/{slug}/", PERIOD)
    assert response.status_code == 400
    assert response.json() == {"customer": ["Choose the customer this report is about."]}
    page = client.get(reverse(f"reports:{slug}"), PERIOD)
    assert page.status_code == 400
    assert "Choose the customer this report is about." in page.content.decode()
    assert 'data-testid="report-table"' not in page.content.decode()
    # A salesperson's reports cover their own customers: another's is refused by name.
    client.force_login(world.salesperson)
    response = client.get(f"/api/v1/reports/{slug}/", {"customer": world.o.pk, **PERIOD})
    assert response.status_code == 400
    assert list(response.json()) == ["customer"]
    page = client.get(reverse(f"reports:{slug}"), {"customer": world.o.pk, **PERIOD})
    assert page.status_code == 400
    assert "400.00" not in page.content.decode()
    own = client.get(f"/api/v1/reports/{slug}/", {"customer": world.c.pk, **PERIOD})
    assert own.status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"customer": "abc"}, "customer"),
        ({"customer": "0"}, "customer"),
        ({"date_from": "2026-03-01"}, "date_to"),
        ({"date_from": "2026-03-01", "date_to": "2026-02-01"}, "date_to"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, world, manager, params, field):
    client.force_login(manager)
    response = client.get("/api/v1/reports/customer-sales/", {"customer": world.c.pk, **params})
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_the_sales_page_shows_the_figures_and_prints(client, world, manager):
    client.force_login(manager)
    response = client.get(reverse("reports:customer-sales"), {"customer": world.c.pk, **PERIOD})
    assert response.status_code == 200
    html = response.content.decode()
    assert world.c.name in html
    assert "150.05" in html and "49.95" in html and "99.99" in html  # the months
    assert "299.99" in html and "1,029.99" in html  # the total beside the previous period
    assert "January 2026" in html and "饮料" in html and "礼品" in html
    assert "Previous period: Oct. 3, 2025 to Dec. 31, 2025." in html
    assert "<svg" in html
    # Printable: the print stylesheet, and a print button run by a static script (no inline
    # script: the content security policy forbids them).
    assert re.search(
        r'<link rel="stylesheet" href="/static/css/reports-print.css" media="print"', html
    )
    assert '<script src="/static/js/print.js" defer></script>' in html
    assert '<button type="button" data-print hidden>Print</button>' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


def test_the_sales_report_downloads_hold_the_apis_figures(client, world, manager):
    client.force_login(manager)
    params = {"customer": world.c.pk, **PERIOD}
    response = client.get(reverse("reports:customer-sales"), {**params, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="customer-sales-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    body = api(client, manager, "customer-sales", **params)
    assert rows[0][:2] == ["Breakdown", "Month or category"]
    assert [row[0] for row in rows[1:-1]] == ["Month"] * 3 + ["Product category"] * 4
    assert [Decimal(row[4]) for row in rows[1:-1]] == [Decimal(r["amount"]) for r in body["rows"]]
    assert rows[-1][0] == "Total" and Decimal(rows[-1][4]) == Decimal("299.99")
    assert Decimal(rows[-1][6]) == Decimal("1029.99")
    xlsx = client.get(reverse("reports:customer-sales"), {**params, "format": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


# The business report -------------------------------------------------------------------------


def test_the_business_report_equals_a_computation_over_the_records(client, world, manager):
    body = api(client, manager, "customer-business", customer=world.c.pk, **PERIOD)
    lines = world.lines_of(world.c, START, END)
    months = by_month(lines)
    total_a = sum(amount for _d, _c, _k, _q, amount in lines)
    assert [(r["month"], Decimal(r["quantity"]), Decimal(r["amount"])) for r in body["rows"]] == [
        (month.strftime("%Y-%m"), *months[month]) for month in MONTHS
    ]
    for row in body["rows"]:
        month = D(int(row["month"][:4]), int(row["month"][5:]), 1)
        assert row["amount_share"] == pytest.approx(ratio(months[month][1], total_a), abs=1e-6)
    assert body["total"] == {
        "quantity": str(sum(q for _d, _c, _k, q, _a in lines).quantize(Decimal("0.001"))),
        "amount": str(total_a),
        "amount_share": 1.0,
    }

    # The card's own sections, field by field, in its order; choices as stored and as read.
    assert [section["section"] for section in body["card"]] == ["business", "transactions"]
    for section in body["card"]:
        assert [f["field"] for f in section["fields"]] == list(CARD_SECTIONS[section["section"]])
    fields = {f["field"]: f for section in body["card"] for f in section["fields"]}
    assert fields["sales_performance_notes"]["value"] == "月销稳定"
    assert fields["cooperation_attitude"] == {
        "field": "cooperation_attitude",
        "label": "Attitude to cooperation",
        "value": "close",
        "text": "Close partner",
    }
    assert fields["credit_limit"]["value"] == "50000.00"
    assert fields["discount_rate"]["value"] is None

    # Visits of filed reports (any salesperson's) in the period, in the order made.
    expected = sorted(
        (
            v
            for v in world.visits
            if v.customer == world.c
            and START <= v.report.date <= END
            and v.report.status != VisitReport.Status.DRAFT
        ),
        key=lambda v: (v.report.date, v.time is None, v.time or datetime.time(0), v.pk),
    )
    assert [v["id"] for v in body["visits"]] == [v.pk for v in expected]
    assert len(expected) == 4
    first = body["visits"][0]
    assert first == {
        "id": expected[0].pk,
        "date": START.isoformat(),
        "time": "09:00",
        "kind": "visit",
        "kind_label": "Visit",
        "purpose": f"visit {START}",
        "summary": f"summary {START} 09:00:00",
        "salesperson": world.salesperson.username,
        "salesperson_name": world.salesperson.get_full_name() or world.salesperson.username,
    }
    assert {v["salesperson"] for v in body["visits"]} == {
        world.salesperson.username,
        world.other.username,
    }

    # Incidents that occurred in the period, both ends included.
    assert [(i["occurred_on"], i["amount"]) for i in body["incidents"]] == [
        (START.isoformat(), "1234.50"),
        (END.isoformat(), None),
    ]
    assert body["incidents"][0]["resolution"] == "已付"
    assert body["incidents"][1]["kind_label"] == "Dispute"

    # The grade periods that overlap the period (valid_to excluded).
    held = [
        (valid_from, valid_to, code)
        for valid_from, valid_to, code in world.grades
        if valid_from <= END and (valid_to is None or valid_to > START)
    ]
    assert [(g["valid_from"], g["valid_to"], g["grade_code"]) for g in body["grades"]] == [
        (f.isoformat(), t.isoformat() if t else None, code) for f, t, code in held
    ]
    assert [g["grade_code"] for g in body["grades"]] == ["key", "scattered"]
    assert body["grades"][0]["grade"] == grade("key").name


def test_the_business_page_shows_the_card_visits_incidents_and_grades(client, world, manager):
    client.force_login(manager)
    response = client.get(reverse("reports:customer-business"), {"customer": world.c.pk, **PERIOD})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field="cooperation_attitude">Close partner</dd>' in html
    assert 'data-field="payment_terms">月结30天</dd>' in html
    assert "150.05" in html and "299.99" in html
    assert f"summary {START} 09:00:00" in html
    assert f"summary {START - DAY}" not in html  # the day before the period
    assert f"summary {D(2026, 2, 2)}" not in html  # a draft
    assert "1,234.50" in html and "质量争议" in html
    assert "scattered from 2026-02-15" in html and "general from 2025-06-01" not in html
    assert 'href="/static/css/reports-print.css" media="print"' in html
    assert '<script src="/static/js/print.js" defer></script>' in html


def test_a_customer_without_records_has_empty_sections(client, world, manager):
    body = api(client, manager, "customer-business", customer=world.z.pk, **PERIOD)
    assert body["incidents"] == [] and body["grades"] == []
    assert [v["purpose"] for v in body["visits"]] == [f"visit {START}"]
    assert body["total"]["amount"] == "0.00"
    client.force_login(manager)
    html = client.get(
        reverse("reports:customer-business"),
        {"customer": world.z.pk, "date_from": "2030-01-01", "date_to": "2030-01-31"},
    ).content.decode()
    assert 'data-testid="report-visits-empty"' in html
    assert 'data-testid="report-incidents-empty"' in html
    assert 'data-testid="report-grades-empty"' in html


def test_the_business_report_downloads_the_months(client, world, manager):
    client.force_login(manager)
    params = {"customer": world.c.pk, **PERIOD, "format": "csv"}
    response = client.get(reverse("reports:customer-business"), params)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["Month", "Quantity", "Sales amount", "Share of amount"],
        ["January 2026", "3.000", "150.05", "50.02%"],
        ["February 2026", "1.000", "49.95", "16.65%"],
        ["March 2026", "3.000", "99.99", "33.33%"],
        ["Total", "7.000", "299.99", "100.00%"],
    ]


# The card's panel ------------------------------------------------------------------------------


def test_the_card_links_to_both_reports_over_the_last_12_months(client, world, salesperson):
    client.force_login(salesperson)
    html = client.get(world.c.get_absolute_url()).content.decode()
    panel = html.split('data-testid="card-reports"', 1)[1].split("</section>", 1)[0]
    query = f"?customer={world.c.pk}&amp;preset=last_12_months"
    assert f'href="/reports/customer-sales/{query}"' in panel
    assert f'href="/reports/customer-business/{query}"' in panel
    response = client.get(
        reverse("reports:customer-sales"), {"customer": world.c.pk, "preset": "last_12_months"}
    )
    assert response.status_code == 200
    today = timezone.localdate()
    body = api(client, salesperson, "customer-sales", customer=world.c.pk, preset="last_12_months")
    assert body["period"] == {
        "date_from": (months_before(today, 12) + DAY).isoformat(),
        "date_to": today.isoformat(),
    }


# On paper ----------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("slug", ["customer-sales", "customer-business"])
def test_a_years_report_prints_on_one_a4_page_without_the_controls(world, manager, log_in, slug):
    page = log_in(manager)
    page.goto(f"/reports/{slug}/?customer={world.c.pk}&date_from=2025-04-01&date_to=2026-03-31")
    assert page.locator("[data-print]").is_visible()  # the static script shows the button
    page.emulate_media(media="print")
    for hidden in (".topbar", ".report-filters", ".report-tabs", ".report-exports", "[data-print]"):
        assert not page.locator(hidden).first.is_visible(), hidden
    assert page.locator('[data-testid="report-table"]').is_visible()
    assert page.locator('[data-testid="report-chart"]').is_visible()
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1


# Query counts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/reports/customer-sales/",
        "/reports/customer-sales/",
        "/api/v1/reports/customer-business/",
        "/reports/customer-business/",
    ],
)
def test_queries_do_not_grow_with_the_data(client, world, manager, url):
    def count():
        client.force_login(manager)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"customer": world.c.pk, **PERIOD}).status_code == 200
        return len(queries)

    def more(n):
        for i in range(n):
            day = START + datetime.timedelta(days=7 * i)
            SalesRecordFactory(
                customer=world.c,
                date=day,
                product=ProductFactory(category=ProductCategoryFactory()),
            )
            SalesRecordFactory(customer=world.c, date=day - datetime.timedelta(days=DAYS))
            report = VisitReportFactory(date=day, status=VisitReport.Status.SUBMITTED)
            VisitFactory(report=report, customer=world.c)
            CreditIncidentFactory(customer=world.c, occurred_on=day)

    small = count()
    more(10)
    assert count() == small
