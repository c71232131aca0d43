"""What every analysis shares: the sales and customers it may read (the one scoping rule and
the filters), the table it produces, and the formatters that turn that table into CSV, XLSX,
JSON and a chart. One generator per analysis (in `reports.generators`) builds the table from
aggregate queries; the pages and the API call the same generator and format its table."""

import datetime
import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

import pygal
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from pygal.style import Style

from classification.models import Region
from customers.models import Customer
from dataexchange.formats import table_csv, table_xlsx
from reports.filters import ReportFilters
from sales.models import ProductCategory, SalesRecord

CENT = Decimal("0.01")
MILLI = Decimal("0.001")
# Shares are given with this many decimals (the API contract asks for at least 6).
SHARE_DECIMALS = 6


def money(value) -> Decimal:
    """An amount exact to the cent (SQLite sums floats: back to cents)."""
    return Decimal(str(value or 0)).quantize(CENT)


def quantity(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(MILLI)


def share(part, whole) -> float:
    """`part` of `whole` as a number in [0, 1] (0 for an empty whole)."""
    if not whole:
        return 0.0
    return round(float(Decimal(str(part)) / Decimal(str(whole))), SHARE_DECIMALS)


def change(now, before) -> float | None:
    """How much `now` rose (or fell, below zero) against `before`, as a share of `before`;
    None when there was nothing before to compare with."""
    return share(now - before, before) if before else None


def customers_in_scope(user, filters: ReportFilters) -> QuerySet:
    """The customers an analysis covers: the one scoping rule (`visible_to`), narrowed by
    the filters' classifications (region with its sub-regions; grade as the card has it
    now)."""
    customers = Customer.objects.visible_to(user)
    if filters.customer is not None:
        customers = customers.filter(pk=filters.customer.pk)
    if filters.no_grade:
        customers = customers.filter(grade__isnull=True)
    elif filters.grade is not None:
        customers = customers.filter(grade=filters.grade)
    if filters.region is not None:
        customers = customers.filter(region__in=Region.objects.subtree_ids(filters.region))
    if filters.route is not None:
        customers = customers.filter(route=filters.route)
    if filters.salesperson is not None:
        customers = customers.filter(salesperson=filters.salesperson)
    return customers


def sales_in_scope(user, filters: ReportFilters) -> QuerySet:
    """The sales lines of the period (both ends included) of the customers in scope, as one
    queryset (the customers' conditions are a join, not a list of ids)."""
    condition = Q(date__gte=filters.date_from, date__lte=filters.date_to)
    scoped = customers_in_scope(user, filters)
    if scoped.query.where:
        condition &= Q(customer__in=scoped)
    if filters.category is not None:
        categories = ProductCategory.objects.subtree_ids(filters.category)
        condition &= Q(product__category__in=categories)
    return SalesRecord.objects.filter(condition)


def category_tree():
    """The categories by id, and each category's top-level ancestor's id."""
    categories = {category.pk: category for category in ProductCategory.objects.all()}

    def top(pk):
        seen = set()
        while categories[pk].parent_id and pk not in seen:
            seen.add(pk)
            pk = categories[pk].parent_id
        return pk

    return categories, {pk: top(pk) for pk in categories}


def analysis_url(slug: str, filters: ReportFilters, **overrides) -> str:
    """Another analysis (by slug) over these filters, some of them replaced: how a row leads
    to the customers behind it when the customer list cannot filter by sales (those who
    bought a category, or in a month: the ABC ranking of them)."""
    return f"{reverse(f'reports:{slug}')}?{urlencode({**filters.as_query(), **overrides})}"


def customer_list_url(filters: ReportFilters, **narrower) -> str:
    """The customer list showing the customers behind a row: the filters' classifications
    and the row's own (`narrower`, in the list's parameters: `grade="A"`, `grade="null"`
    for none, `region`, `route`, `salesperson`, `customer_type`, …). One customer is its
    card."""
    if filters.customer is not None:
        return filters.customer.get_absolute_url()
    params = {
        "grade": "null" if filters.no_grade else filters.grade.code if filters.grade else None,
        "region": filters.region.code if filters.region else None,
        "route": filters.route.code if filters.route else None,
        "salesperson": filters.salesperson.get_username() if filters.salesperson else None,
        **narrower,
    }
    query = urlencode({key: value for key, value in params.items() if value})
    return reverse("customers:list") + (f"?{query}" if query else "")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text, count, money, quantity, share


@dataclass
class Table:
    """An analysis's result: its columns, its rows (dicts by column key) and a total row.
    `title` names it (sheet names, chart captions); `period` says what it covers;
    `links` gives, by row index, the customer list URL behind a row, when there is one.
    `fields` are the keys the API gives of each row (rows may hold more, for the page).
    `extra` holds what an analysis gives beside its rows (summaries, paging), by name: the
    page reads it and the API answers it as top-level keys."""

    title: str
    columns: Sequence[Column]
    rows: list[dict]
    total: dict = field(default_factory=dict)
    period: tuple[datetime.date, datetime.date] | None = None
    note: str = ""
    links: dict[int, str] = field(default_factory=dict)
    fields: Sequence[str] = ()
    extra: dict = field(default_factory=dict)


def _cell(value, kind: str):
    if value is None:
        return ""
    if kind == "share":
        return f"{value * 100:.2f}%"
    return value


def table_rows(table: Table, *, with_total: bool = True) -> list[list]:
    """The table's rows as cells for a file (shares as percentages), the total last."""
    rows = [[_cell(row.get(c.key), c.kind) for c in table.columns] for row in table.rows]
    if with_total and table.total:
        first = table.columns[0].key
        total = {first: str(_("Total")), **table.total}
        rows.append([_cell(total.get(c.key), c.kind) for c in table.columns])
    return rows


def as_csv(table: Table) -> str:
    return table_csv([str(c.label) for c in table.columns], table_rows(table))


def as_xlsx(table: Table) -> bytes:
    return table_xlsx(
        [str(c.label) for c in table.columns], table_rows(table), sheet_name=str(table.title)
    )


def as_json(value):
    """A table value as the API gives it: amounts and quantities as decimal strings,
    dates in ISO, shares and counts as numbers (nested lists and dicts likewise)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    return value


def as_api(table: Table) -> dict:
    """The table as the report API answers it: `{"rows": [...], "total": {...}}`, each row
    with the table's `fields`, the period covered and the table's `extra` keys."""
    fields = table.fields or [c.key for c in table.columns]
    body = {
        **as_json(table.extra),
        "rows": [{key: as_json(row.get(key)) for key in fields} for row in table.rows],
        "total": as_json(table.total),
    }
    if table.period:
        body["period"] = {
            "date_from": table.period[0].isoformat(),
            "date_to": table.period[1].isoformat(),
        }
    return body


CHART_STYLE = Style(
    background="transparent",
    plot_background="transparent",
    font_family="system-ui, -apple-system, 'Noto Sans CJK SC', sans-serif",
    colors=("#1f6feb", "#2da44e", "#bf8700", "#cf222e", "#8250df", "#1b7c83", "#6e7781"),
    # Drawn 640 wide and scaled to its box: labels stay legible on a phone.
    label_font_size=15,
    major_label_font_size=15,
    legend_font_size=15,
    title_font_size=17,
    value_font_size=14,
    tooltip_font_size=14,
)


def compact_number(value: float) -> str:
    """A chart axis's number, short: 12.5万 / 3.2亿 in Chinese, 125k / 3.2M in English."""
    language = get_language() or ""
    steps = (
        ((1e8, "亿"), (1e4, "万"))
        if language.startswith("zh")
        else ((1e9, "B"), (1e6, "M"), (1e3, "k"))
    )
    for size, unit in steps:
        if abs(value) >= size:
            return f"{value / size:.3g}{unit}"
    return f"{value:.3g}" if value != int(value) else str(int(value))


# The charts' stylesheet is static (css/charts.css, from `chart_stylesheet`): the pictures
# carry no inline style or script, so the Content-Security-Policy needs no exception for them.
CHART_CLASS = "pygal-chart"
# Series coloured by the stylesheet: pygal derives the colours after CHART_STYLE's own.
CHART_COLOURS = 40


def _static_picture(root):
    """pygal writes its stylesheet and its tooltip configuration inline, and hides the
    tooltip with a style attribute: the stylesheet is served as a static file, the script
    goes (the chart is a static picture) and style attributes become SVG attributes."""
    for parent in list(root.iter()):
        for child in list(parent):
            if str(child.tag).rsplit("}", 1)[-1] in ("script", "style"):
                parent.remove(child)
    for element in root.iter():
        style = element.attrib.pop("style", None)
        for declaration in (style or "").split(";"):
            name, _colon, value = declaration.partition(":")
            if name.strip() and value.strip():
                element.set(name.strip(), value.strip())
    return root


def _chart(kind: str, **config):
    chart_class = {
        "bar": pygal.HorizontalBar,
        "stacked": pygal.HorizontalStackedBar,
        "pie": pygal.Pie,
        "line": pygal.Line,
    }[kind]
    return chart_class(style=CHART_STYLE, disable_xml_declaration=True, js=(), **config)


def chart_stylesheet() -> str:
    """The stylesheet pygal would write into every chart, for any chart of this project
    (`CHART_COLOURS` series at most), scoped to the charts' class: css/charts.css."""
    chart = _chart("line")
    for number in range(CHART_COLOURS):
        chart.add(str(number), [number])
    svg = chart.render(is_unicode=True)
    chart_id = re.search(r'id="(chart-[0-9a-f-]+)"', svg).group(1)
    css = html.unescape("".join(re.findall(r"<style[^>]*>(.*?)</style>", svg, re.S)))
    css = css.replace(f"#{chart_id}", f".{CHART_CLASS}").replace("}", "}\n")
    return f"/* Written by reports.base.chart_stylesheet(): regenerate it, don't edit it. */\n{css}"


def chart_svg(
    points: Sequence[tuple[str, float]],
    *,
    title: str = "",
    kind: str = "bar",
    value_formatter: Callable[[float], str] | None = None,
    series: Sequence[tuple[str, Sequence[float]]] = (),
) -> str:
    """A chart of labelled values as inline SVG, drawn on the server (pygal): no network,
    no script, prints as it shows. `kind` is "bar" (horizontal bars: long labels stay
    readable on a phone), "stacked" (horizontal bars of several series, stacked), "pie" or
    "line". A "bar", "stacked" or "line" chart of several series takes
    them as `series` (each a name and one value per label of `points`), with a legend."""
    chart = _chart(
        kind,
        title=title or None,
        show_legend=kind == "pie" or bool(series),
        legend_at_bottom=True,
        explicit_size=False,
        width=640,
        height=max(240, 40 * len(points) + 100) if kind in ("bar", "stacked") else 400,
        print_values=False,
        truncate_label=-1,
        no_data_text=str(_("No data")),
    )
    chart.add_xml_filter(_static_picture)
    chart.value_formatter = value_formatter or compact_number
    if kind in ("bar", "stacked", "line"):
        chart.x_labels = [label for label, _value in points]
        for name, values in series or [("", [value for _label, value in points])]:
            chart.add(name, list(values))
    else:
        for label, value in points:
            chart.add(label, value)
    return chart.render(is_unicode=True)
