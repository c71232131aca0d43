"""The analyses in a real browser: a manager changes the period of the sales and product
composition, sees the table and the chart follow, downloads the XLSX and finds the page's
figures in it; on a 390×844 phone the tables do not push the page sideways."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.customers.factories import CustomerFactory, grade
from tests.sales.factories import ProductCategoryFactory, ProductFactory, SalesRecordFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

D = datetime.date
DAY = datetime.timedelta(days=1)
PHONE = {"width": 390, "height": 844}
GRADES = [
    ("key", "Key customer"),
    ("general", "General customer"),
    ("scattered", "Scattered customer"),
]


class Sales:
    """Customers of each grade and one without, a category tree, and lines this year (on its
    first day and today, the ends of the page's default period) and in a custom range of
    last year (on both its ends, and just outside it). `lines` keeps what was made, for the
    expected figures."""

    def __init__(self, today: datetime.date):
        last_year = today.year - 1
        self.this_year = (D(today.year, 1, 1), today)
        self.custom = (D(last_year, 3, 1), D(last_year, 6, 30))
        key = CustomerFactory(code="K1", grade=grade("key"))
        general = CustomerFactory(code="G1", grade=grade("general"))
        scattered = CustomerFactory(code="S1", grade=grade("scattered"))
        ungraded = CustomerFactory(code="N1", grade=None)
        CustomerFactory(code="Z1", grade=grade("key"))  # never buys
        food = ProductCategoryFactory(code="FOOD", name="食品")
        snack = ProductCategoryFactory(code="SNACK", name="休闲零食", parent=food)
        drink = ProductCategoryFactory(code="DRINK", name="饮料")
        products = {
            category.code: ProductFactory(code=f"P-{category.code}", category=category)
            for category in (food, snack, drink)
        }
        first, now = self.this_year
        start, end = self.custom
        self.lines = []
        for day, customer, category, qty, amount in [
            (first, key, "SNACK", "3", "1200.00"),
            (now, key, "DRINK", "2", "300.50"),
            (now, general, "SNACK", "1.5", "499.50"),
            (first, ungraded, "FOOD", "4", "1000.00"),
            (start, key, "DRINK", "10", "800.00"),
            (end, scattered, "SNACK", "5", "200.00"),
            (end, general, "FOOD", "1", "1000.00"),
            (start - DAY, key, "FOOD", "2", "77.70"),
            (end + DAY, ungraded, "SNACK", "1", "999.99"),
        ]:
            SalesRecordFactory(
                date=day,
                customer=customer,
                product=products[category],
                quantity=Decimal(qty),
                amount=Decimal(amount),
            )
            self.lines.append((day, customer, category, Decimal(qty), Decimal(amount)))
        self.names = {c.code: c.name for c in (food, snack, drink)}

    def lines_in(self, start, end):
        return [line for line in self.lines if start <= line[0] <= end]

    def sales_composition(self, start, end) -> list[dict]:
        """The rows of the sales composition by current grade, with the previous period of
        the same length, as numbers: amounts in Decimal, shares in percent, None for none."""
        days = end - start
        previous = self.lines_in(start - days - DAY, start - DAY)
        current = self.lines_in(start, end)

        def by_grade(lines):
            amounts, customers = defaultdict(Decimal), defaultdict(set)
            for _day, customer, _category, _qty, amount in lines:
                code = customer.grade.code if customer.grade else None
                amounts[code] += amount
                customers[code].add(customer.pk)
            return amounts, {code: len(ids) for code, ids in customers.items()}

        amounts, customers = by_grade(current)
        before, _customers = by_grade(previous)
        levels = list(GRADES)
        if None in amounts or None in before:
            levels.append((None, "No grade"))
        total, total_before = sum(amounts.values()), sum(before.values())
        total_customers = sum(customers.values())
        rows = []
        for code, label in [*levels, ("total", "Total")]:
            if code == "total":
                amount, count, was = total, total_customers, total_before
            else:
                amount, count, was = amounts[code], customers.get(code, 0), before[code]
            rows.append(
                {
                    "label": label,
                    "amount": amount,
                    "share": percent(amount, total),
                    "customers": Decimal(count),
                    "customer_share": percent(count, total_customers),
                    "average": (amount / count).quantize(Decimal("0.01")) if count else None,
                    "previous_amount": was,
                    "previous_share": percent(was, total_before),
                    "change": percent(amount - was, was) if was else None,
                }
            )
        return rows

    def product_composition(self, start, end) -> list[dict]:
        """The rows of the product composition (each category its own products' lines), by
        amount then code, and the total."""
        sums = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for _day, _customer, category, qty, amount in self.lines_in(start, end):
            sums[category][0] += qty
            sums[category][1] += amount
        total_qty = sum(q for q, _a in sums.values())
        total_amount = sum(a for _q, a in sums.values())
        rows = [
            {
                "category": self.names[code],
                "category_code": code,
                "quantity": qty,
                "quantity_share": percent(qty, total_qty),
                "amount": amount,
                "amount_share": percent(amount, total_amount),
            }
            for code, (qty, amount) in sorted(sums.items(), key=lambda i: (-i[1][1], i[0]))
        ]
        rows.append(
            {
                "category": "Total",
                "category_code": None,
                "quantity": total_qty,
                "quantity_share": percent(total_qty, total_qty),
                "amount": total_amount,
                "amount_share": percent(total_amount, total_amount),
            }
        )
        return rows


def percent(part, whole):
    return float(Decimal(part) / Decimal(whole) * 100) if whole else 0.0


def number(text: str):
    """A figure as shown on the page ("1,234.50", "45.0%", "—") or in the XLSX ("1234.50",
    "45.00%", ""): Decimal for amounts, quantities and counts, float percent for shares,
    None for no value; other text as it is."""
    text = text.strip()
    if text in ("", "—"):
        return None
    if text.endswith("%"):
        return float(text[:-1].replace(",", ""))
    try:
        return Decimal(text.replace(",", ""))
    except ArithmeticError:
        return text


def same(shown, expected) -> bool:
    """A page figure against the expected one: a share (percent, one decimal shown)
    rounded to what is shown, anything else exactly."""
    if isinstance(shown, float) and expected is not None:
        return abs(shown - expected) <= 0.05 + 1e-9
    return shown == expected


def table_cells(page) -> list[dict]:
    """The report table's rows and total, each as {column key: shown text}."""
    return page.get_by_test_id("report-table").evaluate(
        """table => [...table.querySelectorAll('tbody tr, tfoot tr')].map(row =>
            Object.fromEntries([...row.cells].map(cell =>
                [cell.dataset.key, cell.textContent.trim()])))"""
    )


def chart_bars(page) -> dict[str, tuple[str, float]]:
    """The chart's bars (inline SVG drawn on the server): {label: (value as written, bar
    length as drawn)}."""
    return (
        page.get_by_test_id("report-chart")
        .locator("svg")
        .evaluate(
            """svg => Object.fromEntries([...svg.querySelectorAll('desc.value')].map(value => {
            const bar = value.parentElement;
            return [bar.querySelector('desc.x_label').textContent,
                    [value.textContent, bar.querySelector('rect').getBBox().width]];
        }))"""
        )
    )


UNITS = {"k": 1e3, "M": 1e6, "B": 1e9, "万": 1e4, "亿": 1e8}


def compact(text: str) -> float:
    """A chart's short number ("1.5k", "800") as a number."""
    if text[-1] in UNITS:
        return float(text[:-1]) * UNITS[text[-1]]
    return float(text)


def assert_table(page, expected: list[dict]) -> None:
    shown = table_cells(page)
    assert [row[next(iter(row))] for row in shown] == [row[next(iter(row))] for row in expected]
    for row, wanted in zip(shown, expected, strict=True):
        for key, value in wanted.items():
            if key in row:
                assert same(number(row[key]), value), (row, key, value)


def assert_chart(page, expected: list[dict], label: str) -> None:
    """One bar per table row (the total aside): its value, written to three significant
    digits, is the row's amount, and the bars' lengths are in the amounts' proportions."""
    bars = chart_bars(page)
    amounts = {row[label]: float(row["amount"]) for row in expected[:-1]}
    assert set(bars) == set(amounts)
    longest, largest = max(length for _text, length in bars.values()), max(amounts.values())
    for name, (text, length) in bars.items():
        assert abs(compact(text) - amounts[name]) <= amounts[name] * 0.005, (name, text)
        assert abs(length / longest - amounts[name] / largest) <= 0.01, (name, length)


def show_period(page, start: datetime.date, end: datetime.date) -> None:
    page.select_option("#id_preset", "custom")
    page.fill("#id_date_from", start.isoformat())
    page.fill("#id_date_to", end.isoformat())
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(lambda url: f"date_from={start}" in url and f"date_to={end}" in url)


def assert_xlsx_matches_page(page) -> None:
    """Download the XLSX and find the page's table in it: the same headers, labels and
    figures (the file holds them as text, unformatted; compared as numbers)."""
    with page.expect_download() as download_info:
        page.get_by_test_id("export-xlsx").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as file:
        sheet = load_workbook(file).active
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    table = page.get_by_test_id("report-table")
    assert header == [th.strip() for th in table.locator("thead th").all_inner_texts()]
    shown = [list(row.values()) for row in table_cells(page)]
    assert len(rows) == len(shown)
    for file_row, page_row in zip(rows, shown, strict=True):
        for in_file, on_page in zip(file_row, page_row, strict=True):
            file_value = number("" if in_file is None else str(in_file))
            page_value = number(on_page)
            if isinstance(file_value, float):
                assert isinstance(page_value, float)
                assert abs(file_value - page_value) <= 0.05 + 1e-9, (file_row, page_row)
            else:
                assert file_value == page_value, (file_row, page_row)


def test_manager_changes_the_period_and_sees_table_chart_and_xlsx_follow(page, log_in, manager):
    sales = Sales(timezone.localdate())
    this_year, custom = sales.this_year, sales.custom
    log_in(manager)

    page.goto("/reports/sales-composition/")
    assert page.input_value("#id_preset") == "this_year"
    expected = sales.sales_composition(*this_year)
    assert_table(page, expected)
    assert_chart(page, expected, "label")
    assert chart_bars(page)["Key customer"][0] == "1.5k"

    show_period(page, *custom)
    assert page.input_value("#id_preset") == "custom"
    expected = sales.sales_composition(*custom)
    assert_table(page, expected)
    assert_chart(page, expected, "label")
    assert chart_bars(page)["Key customer"][0] == "800"
    assert_xlsx_matches_page(page)

    page.locator(".report-tabs").get_by_role("link", name="Product composition").click()
    page.wait_for_url("**/reports/product-composition/")
    expected = sales.product_composition(*this_year)
    assert [row["category"] for row in expected] == ["休闲零食", "食品", "饮料", "Total"]
    assert_table(page, expected)
    assert_chart(page, expected, "category")

    show_period(page, *custom)
    expected = sales.product_composition(*custom)
    assert [row["category"] for row in expected] == ["食品", "饮料", "休闲零食", "Total"]
    assert_table(page, expected)
    assert_chart(page, expected, "category")
    assert_xlsx_matches_page(page)


def test_on_a_phone_the_report_tables_do_not_scroll_sideways(page, log_in, manager):
    sales = Sales(timezone.localdate())
    page.set_viewport_size(PHONE)
    log_in(manager)
    start, end = sales.custom
    for slug in ("sales-composition", "product-composition"):
        page.goto(f"/reports/{slug}/?date_from={start}&date_to={end}")
        assert page.get_by_test_id("report-table").is_visible()
        assert page.get_by_test_id("report-chart").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], slug
