"""Sales trend (销售趋势): the quantity and amount sold month by month over the last 12 or 24
months, in total or as series (each customer's current grade, or each top-level product
category), and which series are shrinking.

One aggregate query (GROUP BY month and series) whatever the number of sales lines; Python
fills the months without sales with zeros and rolls categories up their tree, over a handful
of grouped rows."""

import dataclasses
import datetime
import math
from collections import defaultdict
from decimal import Decimal

from django import forms
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from classification.lifecycle import months_before
from classification.models import GradeLevel
from reports.analysis import Analysis
from reports.base import (
    Column,
    Table,
    analysis_url,
    category_tree,
    change,
    chart_svg,
    money,
    quantity,
    sales_in_scope,
)
from reports.filters import NO_GRADE, ReportFilterForm, ReportFilters


class SeriesBy:
    TOTAL = "total"
    GRADE = "grade"
    CATEGORY = "category"
    CHOICES = [
        (TOTAL, _("Total")),
        (GRADE, _("By grade")),
        (CATEGORY, _("By top-level product category")),
    ]


MONTH_CHOICES = [(12, _("12 months")), (24, _("24 months"))]
# A series shrinks when its last months sell less than the months it is compared with.
COMPARED_MONTHS = 3
# The page's column of a series' amount (rows and total hold it beside the API's `series`).
SERIES_COLUMN = "amount_{key}"
# The most month labels a chart's axis holds side by side.
AXIS_LABELS = 8


def month_starts(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The first day of each month from `first`'s month to `last`'s, both included."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=31)).replace(day=1)
    return months


def month_label(month: datetime.date) -> str:
    """A month as the reader reads it ("January 2026", "2026年1月")."""
    return formats.date_format(month, "YEAR_MONTH_FORMAT")


def monthly_sums(sales, key: str | None = None) -> dict:
    """{(first day of the month, value of `key` or None): (quantity, amount)} of `sales`,
    grouped by month (and `key`) in one query."""
    keys = [key] if key else []
    grouped = (
        sales.annotate(month=TruncMonth("date"))
        .values("month", *keys)
        .annotate(quantity=Sum("quantity"), amount=Sum("amount"))
        .order_by()
    )
    return {
        (values["month"], values[key] if key else None): (
            quantity(values["quantity"]),
            money(values["amount"]),
        )
        for values in grouped
    }


@dataclasses.dataclass(frozen=True)
class _Series:
    pk: object  # the grade's or top-level category's id; None: no grade, or the total
    key: str  # in the API: "total", the grade's code ("none": no grade), the category's code
    name: str | None  # the stored name of the grade or category
    label: str  # the page's column


def _grade_series(sums) -> tuple[list[_Series], dict]:
    """The grades that sold in the window in grade order, then customers without a grade."""
    sold = {pk for _month, pk in sums}
    series = [
        _Series(grade.pk, grade.code, grade.name, str(grade))
        for grade in GradeLevel.objects.order_by("order", "code")
        if grade.pk in sold
    ]
    if None in sold:
        series.append(_Series(None, NO_GRADE, None, gettext("No grade")))
    return series, {pk: pk for pk in sold}


def _category_series(sums) -> tuple[list[_Series], dict]:
    """The top-level categories that sold in the window, the best-selling first (ties by
    code), each with everything below it."""
    categories, tops = category_tree()
    amounts = defaultdict(Decimal)
    for (_month, pk), (_qty, amount) in sums.items():
        amounts[tops[pk]] += amount
    ordered = sorted(amounts, key=lambda pk: (-amounts[pk], categories[pk].code))
    series = [
        _Series(pk, categories[pk].code, categories[pk].name, categories[pk].name) for pk in ordered
    ]
    return series, {pk: tops[pk] for _month, pk in sums}


def _series(by: str, sums) -> tuple[list[_Series], dict]:
    """The series of `by`, and the series each grouped key of `sums` adds to."""
    if by == SeriesBy.GRADE:
        return _grade_series(sums)
    if by == SeriesBy.CATEGORY:
        return _category_series(sums)
    return [_Series(None, SeriesBy.TOTAL, None, gettext("Total"))], {None: None}


def _compared(calendar: list[datetime.date], months: int):
    """The last 3 months, and the 3 months they are compared with: a year earlier when the
    trend covers 24 months, just before with 12."""
    back = 12 if months >= 24 else COMPARED_MONTHS
    return calendar[-COMPARED_MONTHS:], calendar[-COMPARED_MONTHS - back : -back]


def _change(amounts: dict, recent, earlier) -> float | None:
    """The change of the amount (by month) over the `recent` months against the `earlier`
    ones; None when nothing sold then."""
    now = sum(amounts[month] for month in recent)
    before = sum(amounts[month] for month in earlier)
    return change(now, before)


def _percent(change: float) -> str:
    # Rounded first: number_format cuts the decimals off.
    return formats.number_format(round(change * 100, 1), decimal_pos=1, use_l10n=True) + "%"


def _note(months: int, series: list[_Series], totals: list[dict]) -> str:
    """What the page says of the window and of the series that shrink."""
    labels = {s.key: s.label for s in series}
    shrinking = ", ".join(
        f"{labels[t['key']]} {_percent(t['change'])}"
        for t in totals
        if t["change"] is not None and t["change"] < 0
    )
    compared = (
        gettext("the same months a year earlier")
        if months >= 24
        else gettext("the 3 months before")
    )
    window = gettext("The last %(months)s months up to the period's end replace its start.")
    if shrinking:
        change = gettext(
            "Shrinking over the last 3 complete months against %(compared)s: %(series)s."
        )
    else:
        change = gettext(
            "Nothing is shrinking over the last 3 complete months against %(compared)s."
        )
    return " ".join(
        [window % {"months": months}, change % {"compared": compared, "series": shrinking}]
    )


def trend(user, filters: ReportFilters, *, months: int = 12, by: str = SeriesBy.TOTAL) -> Table:
    """The quantity and amount sold in each of the `months` months (12 or 24) that end with
    the month of `filters.date_to` (that month up to `date_to`): they replace the period's
    start. `by` splits the amount into series: the customers' current grade (no grade is a
    series of its own) or the top-level product categories (rolled up the tree).

    Each series' `change` (in the total, and the total's own) compares its last 3 complete
    months (a month the period ends in before its last day is left out) with
    the same months a year earlier (24 months) or with the 3 months before (12 months):
    below zero, the series is shrinking."""
    first = months_before(filters.date_to.replace(day=1), months - 1)
    window = dataclasses.replace(filters, date_from=first)
    key = {SeriesBy.GRADE: "customer__grade_id", SeriesBy.CATEGORY: "product__category_id"}
    sums = monthly_sums(sales_in_scope(user, window), key.get(by))
    series, series_of = _series(by, sums)
    cells = defaultdict(lambda: (quantity(0), money(0)))  # by (month, series' pk)
    for (month, pk), (qty, amount) in sums.items():
        before = cells[month, series_of[pk]]
        cells[month, series_of[pk]] = (before[0] + qty, before[1] + amount)
    calendar = month_starts(first, filters.date_to)
    # A month still running (the period ends before its last day) would look like a fall.
    complete = (
        calendar if (filters.date_to + datetime.timedelta(days=1)).day == 1 else calendar[:-1]
    )
    recent, earlier = _compared(complete, months)
    split = by != SeriesBy.TOTAL

    def entry(s: _Series, months_in: list[datetime.date]) -> dict:
        return {
            "key": s.key,
            "name": s.name,
            "amount": money(sum(cells[month, s.pk][1] for month in months_in)),
            "quantity": quantity(sum(cells[month, s.pk][0] for month in months_in)),
        }

    def with_columns(row: dict) -> dict:
        """The row with each series' amount in the page's column of its own."""
        if split:
            row.update({SERIES_COLUMN.format(key=e["key"]): e["amount"] for e in row["series"]})
        return row

    rows, links = [], {}
    for month in calendar:
        entries = [entry(s, [month]) for s in series]
        row = {
            "label": month_label(month),
            "month": month.strftime("%Y-%m"),
            "quantity": quantity(sum(e["quantity"] for e in entries)),
            "amount": money(sum(e["amount"] for e in entries)),
            "series": entries,
        }
        # The customers behind a month: those who bought in it, ranked.
        next_month = (month + datetime.timedelta(days=31)).replace(day=1)
        last_day = min(next_month - datetime.timedelta(days=1), filters.date_to)
        links[len(rows)] = analysis_url(
            "abc", filters, date_from=month.isoformat(), date_to=last_day.isoformat()
        )
        rows.append(with_columns(row))
    totals = [
        {
            **entry(s, calendar),
            "change": _change({m: cells[m, s.pk][1] for m in calendar}, recent, earlier),
        }
        for s in series
    ]
    by_month = {month: row["amount"] for month, row in zip(calendar, rows, strict=True)}
    total = {
        "quantity": quantity(sum(row["quantity"] for row in rows)),
        "amount": money(sum(by_month.values())),
        "change": _change(by_month, recent, earlier),
        "series": totals,
    }
    return Table(
        title=_("Sales trend"),
        columns=[
            Column("label", _("Month")),
            *(
                Column(SERIES_COLUMN.format(key=s.key), s.label, "money")
                for s in (series if split else [])
            ),
            Column("quantity", _("Quantity"), "quantity"),
            Column("amount", _("Sales amount"), "money"),
        ],
        rows=rows,
        total=with_columns(total),
        period=(first, filters.date_to),
        note=_note(months, series, totals),
        links=links,
        fields=("month", "quantity", "amount", "series"),
    )


class TrendForm(ReportFilterForm):
    months = forms.TypedChoiceField(
        label=_("Months"),
        choices=MONTH_CHOICES,
        coerce=int,
        required=False,
        empty_value=12,
        help_text=_("12 or 24: the months up to the period's end, which replace its start"),
    )
    by = forms.ChoiceField(
        label=_("Series"),
        choices=SeriesBy.CHOICES,
        required=False,
        help_text=_("total, grade (each customer's current grade) or category (top level)"),
    )
    main_fields = (*ReportFilterForm.main_fields, "months", "by")

    def clean(self):
        # The months replace the period's start: its end alone is enough.
        data = self.cleaned_data
        if data.get("date_to") and not data.get("date_from") and "date_from" not in self.errors:
            data["date_from"] = data["date_to"]
        return super().clean()

    def options(self):
        return {
            "months": self.cleaned_data.get("months") or 12,
            "by": self.cleaned_data.get("by") or SeriesBy.TOTAL,
        }


def month_axis(months: list[str]) -> list[str]:
    """A chart's labels for consecutive months: at most `AXIS_LABELS` of them, evenly spaced
    and ending with the last month, so that they never overlap (the others stay blank)."""
    step = math.ceil(len(months) / AXIS_LABELS)
    return [month if (len(months) - 1 - i) % step == 0 else "" for i, month in enumerate(months)]


def trend_chart(table: Table) -> str:
    """A line per series (or the total) over the months."""
    columns = [c for c in table.columns if c.key.startswith(SERIES_COLUMN.format(key=""))]
    axis = month_axis([row["month"] for row in table.rows])
    return chart_svg(
        [(label, float(row["amount"])) for label, row in zip(axis, table.rows, strict=True)],
        kind="line",
        series=[(str(c.label), [float(row[c.key]) for row in table.rows]) for c in columns],
    )


class SeriesMonthSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text=_("total; the grade's code (none: no grade); the category's code")
    )
    name = serializers.CharField(
        allow_null=True, help_text=_("The grade's or category's name; null for the total")
    )
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    quantity = serializers.DecimalField(max_digits=18, decimal_places=3)


class TrendRowSerializer(serializers.Serializer):
    month = serializers.CharField(help_text=_("The month, as YYYY-MM"))
    quantity = serializers.DecimalField(max_digits=18, decimal_places=3)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    series = SeriesMonthSerializer(
        many=True,
        help_text=_(
            "The month's amount per series; the total's series add `change`: the last 3 "
            "months against the 3 compared ones (null when nothing sold then)"
        ),
    )


TREND = Analysis(
    slug="trend",
    title=_("Sales trend"),
    description=_(
        "The sales month by month over the last 12 or 24 months, in total, by grade or by "
        "product category, and the series that are shrinking."
    ),
    form_class=TrendForm,
    generate=trend,
    row_serializer=TrendRowSerializer,
    chart=trend_chart,
)
