"""ABC / Pareto analysis of customers by sales: which few customers make most of the amount.

The customers in scope are ranked by their sales amount in the period, largest first, ties
broken by customer code (ascending), so the ranking is a total order and the same on every
database. Only customers whose total in the period is above zero are ranked; the others are
counted apart.

Classes, with cut-offs `a` and `b` in percent (80 and 95 by default, 0 < a < b <= 100): a
customer is **A** when the customers ranked before it hold less than a% of the ranked amount
(so the customer that crosses a% is still A), **B** when they hold less than b%, and **C**
otherwise. The first customer is always A.

A customer's current grade *disagrees* with its class when it is A with a grade that is not
the highest grade level (the lowest `GradeLevel.order`), or C with the highest grade level. A
customer without a grade has no grade to disagree with.

Everything is computed in the database, on amounts in whole cents (exact on SQLite and
PostgreSQL): the per-customer totals come from the ORM's compiled, scoped queryset
(`sales_in_scope`), and the ranking, the running sum and the classes from window functions
over it (`ROW_NUMBER()`, `SUM(...) OVER (ORDER BY ...)`). Three queries whatever the
number of customers: the customers in scope, the grade levels, and one statement that
aggregates the sales lines once and answers the window of ranked rows, the class summary
(GROUP BY over the ranking) and the Pareto curve (sampled with NTILE)."""

from collections import defaultdict
from decimal import Decimal

from django import forms
from django.db import connections
from django.db.models import BigIntegerField, F, Sum
from django.db.models.functions import Cast, Round
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from classification.models import GradeLevel
from customers.models import Customer
from reports.analysis import Analysis
from reports.base import (
    Column,
    Table,
    chart_svg,
    customers_in_scope,
    money,
    sales_in_scope,
    share,
)
from reports.filters import ReportFilterForm, ReportFilters

CLASSES = ("A", "B", "C")
DEFAULT_A, DEFAULT_B = Decimal(80), Decimal(95)
PAGE_SIZE = 50  # ranked customers per page of the page
API_LIMIT, API_MAX_LIMIT = 100, 1000
PARETO_POINTS = 20  # points of the Pareto curve at most
MAX_AXIS_LABELS = 11  # more points than this: every other one named on the axis
DOWNLOADS = ("csv", "xlsx")  # the page's `format`s: a download holds every ranked customer


# What the ranking's statement answers, after its CTEs, in one pass over the sales lines:
# the window of ranked rows, then one row per class, then the sampled points of the curve.
# The window comes first so that each column takes its type from it.
ANSWER = """
    SELECT 'row' AS part, abc, position, cents, running, customer_id, code, name, grade_id
    FROM classed WHERE position > %s AND position <= %s
    UNION ALL
    SELECT 'class', abc, COUNT(*), SUM(cents), NULL, NULL, NULL, NULL, NULL
    FROM classed GROUP BY abc
    UNION ALL
    SELECT 'point', NULL, MAX(position), NULL, MAX(running), NULL, NULL, NULL, NULL
    FROM (SELECT position, running, NTILE(%s) OVER (ORDER BY position) AS bucket
          FROM classed) sampled
    GROUP BY bucket
    ORDER BY 1, 3"""


def _ranking(user, filters: ReportFilters, a: Decimal, b: Decimal, window: tuple[int, int]):
    """The ranked customers (those with a positive total), in one statement: the rows at
    positions `window` (after the first, up to the second), the classes and the curve, as
    (part, abc, position or customers, cents, running, customer id, code, name, grade id).

    The CTE `classed` holds one row per ranked customer with its position, its cents, the
    running sum of cents up to and including it, the whole, and its class. The per-customer
    totals are the scoped queryset's own SQL (`sql_with_params`: its values stay
    parameters), on the database the ORM reads it from. The class test is in integers: the
    amount before a customer is below a% of the whole when
    (running - cents) * 10000 < a * 100 * whole."""
    totals = (
        sales_in_scope(user, filters)
        .values("customer_id")
        .annotate(cents=Sum(Cast(Round(F("amount") * 100), BigIntegerField())))
        .filter(cents__gt=0)
        .order_by()
    )
    inner, params = totals.query.sql_with_params()
    customers = connections[totals.db].ops.quote_name(Customer._meta.db_table)
    # Only the compiled queryset and the quoted table name are put in: values are parameters.
    sql = f"""WITH totals AS ({inner}),
        ranked AS (
            SELECT t.customer_id, t.cents, c.code, c.name, c.grade_id,
                ROW_NUMBER() OVER (ORDER BY t.cents DESC, c.code) AS position,
                SUM(t.cents) OVER (
                    ORDER BY t.cents DESC, c.code ROWS UNBOUNDED PRECEDING
                ) AS running,
                SUM(t.cents) OVER () AS whole
            FROM totals t JOIN {customers} c ON c.id = t.customer_id
        ),
        classed AS (
            SELECT ranked.*,
                CASE WHEN (running - cents) * 10000 < %s * whole THEN 'A'
                    WHEN (running - cents) * 10000 < %s * whole THEN 'B'
                    ELSE 'C' END AS abc
            FROM ranked
        ) {ANSWER}"""  # noqa: S608
    with connections[totals.db].cursor() as cursor:
        cursor.execute(sql, [*params, int(a * 100), int(b * 100), *window, PARETO_POINTS])
        return cursor.fetchall()


def _cents(value) -> Decimal:
    return money(Decimal(int(value or 0)) / 100)


def abc_ranking(
    user,
    filters: ReportFilters,
    *,
    a: Decimal = DEFAULT_A,
    b: Decimal = DEFAULT_B,
    page: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> Table:
    """The customers in scope ranked by their sales in the period, with their share, the
    cumulative share and their ABC class (see the module's docstring for the rules), beside
    their current grade; the class summary; the Pareto curve. The rows are one window of the
    ranking: `page` (PAGE_SIZE each; none beyond the last page), else `limit` rows from
    `offset`, else all (downloads)."""
    in_scope = customers_in_scope(user, filters).count()
    if page is not None:
        limit, offset = PAGE_SIZE, (page - 1) * PAGE_SIZE
    # Nobody ranks beyond the customers in scope: that is the end of "all".
    window = (offset, in_scope if limit is None else offset + limit)
    parts = defaultdict(list)
    for part, *values in _ranking(user, filters, a, b, window):
        parts[part].append(values)
    summary = {abc: (customers, int(cents)) for abc, customers, cents, *_ in parts["class"]}
    ranked = sum(customers for customers, _cents in summary.values())
    whole = sum(cents for _customers, cents in summary.values())
    grades = {grade.pk: grade for grade in GradeLevel.objects.all()}
    highest = min((grade.order for grade in grades.values()), default=None)

    rows = []
    for abc, position, cents, running, customer_id, code, name, grade_id in parts["row"]:
        grade = grades.get(grade_id)
        disagrees = grade is not None and (
            (abc == "A" and grade.order != highest) or (abc == "C" and grade.order == highest)
        )
        rows.append(
            {
                "rank": position,
                "id": customer_id,
                "code": code,
                "name": name,
                "amount": _cents(cents),
                "share": share(cents, whole),
                "cumulative_share": share(running, whole),
                "abc": abc,
                "grade": grade.name if grade else None,
                "grade_code": grade.code if grade else None,
                "grade_label": str(grade) if grade else None,
                "disagrees": disagrees,
                "disagreement": gettext("Disagrees") if disagrees else "",
            }
        )
    classes = []
    for abc in CLASSES:
        customers, cents = summary.get(abc, (0, 0))
        classes.append(
            {
                "abc": abc,
                "customers": customers,
                "amount": _cents(cents),
                "amount_share": share(cents, whole),
                "customer_share": share(customers, ranked),
            }
        )
    extra = {
        "classes": classes,
        "ranked": ranked,
        "unranked": in_scope - ranked,
        "cutoffs": {"a": float(a), "b": float(b)},
        "pareto": [
            {"customer_share": share(position, ranked), "amount_share": share(running, whole)}
            for _abc, position, _cents, running, *_ in parts["point"]
        ],
    }
    links = {}
    if page is not None:
        # The page's own: each row's card, where it is in the ranking, and the classes'
        # shares in percent.
        links = {index: Customer(pk=row["id"]).get_absolute_url() for index, row in enumerate(rows)}
        extra["pages"] = {"page": page, "pages": max(1, -(-ranked // PAGE_SIZE))}
        for entry in classes:
            entry["customer_percent"] = entry["customer_share"] * 100
            entry["amount_percent"] = entry["amount_share"] * 100
    else:
        extra.update(limit=limit, offset=offset)
    return Table(
        title=_("ABC analysis"),
        columns=[
            Column("name", _("Customer")),
            Column("code", _("Code")),
            Column("rank", _("Rank"), "count"),
            Column("amount", _("Sales amount"), "money"),
            Column("share", _("Share of amount"), "share"),
            Column("cumulative_share", _("Cumulative share"), "share"),
            Column("abc", _("Class")),
            Column("grade_label", _("Grade")),
            Column("disagreement", _("Grade against class")),
        ],
        rows=rows,
        total={"amount": _cents(whole), "share": 1.0 if whole else 0.0, "customers": ranked},
        period=(filters.date_from, filters.date_to),
        links=links,
        fields=(
            "rank",
            "id",
            "code",
            "name",
            "amount",
            "share",
            "cumulative_share",
            "abc",
            "grade",
            "grade_code",
            "disagrees",
        ),
        extra=extra,
    )


class ABCForm(ReportFilterForm):
    """The filters, the cut-offs, and the window of the ranking: a page shows it `page` by
    `page` (PAGE_SIZE customers each), the API `limit` customers from `offset`, and a
    download (the page's `format`) holds all of it."""

    a = forms.DecimalField(
        label=_("Class A up to (%)"),
        required=False,
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"placeholder": DEFAULT_A}),
        help_text=_("Cumulative share of the amount that makes class A; 80 by default"),
    )
    b = forms.DecimalField(
        label=_("Class B up to (%)"),
        required=False,
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"placeholder": DEFAULT_B}),
        help_text=_("Cumulative share of the amount that ends class B; 95 by default"),
    )
    page = forms.IntegerField(
        label=_("Page"),
        required=False,
        min_value=1,
        help_text=_("The page's window: 50 ranked customers a page"),
    )
    limit = forms.IntegerField(
        label=_("Limit"),
        required=False,
        min_value=1,
        max_value=API_MAX_LIMIT,
        help_text=_("The API's window: ranked customers per answer, 100 by default"),
    )
    offset = forms.IntegerField(
        label=_("Offset"),
        required=False,
        min_value=0,
        help_text=_("The API's window: ranked customers skipped"),
    )
    main_fields = (*ReportFilterForm.main_fields, "a", "b")
    paging_fields = ("page", "limit", "offset")
    paged = False  # a page shows the ranking `page` by `page`; the API by `limit`, `offset`

    def clean(self):
        cleaned = super().clean()
        if "a" in self.errors or "b" in self.errors:
            return cleaned
        a = DEFAULT_A if cleaned.get("a") is None else cleaned["a"]
        b = DEFAULT_B if cleaned.get("b") is None else cleaned["b"]
        if a <= 0:
            self.add_error("a", _("Class A's cut-off must be above 0."))
        elif b <= a:
            self.add_error("b", _("Class B's cut-off must be above class A's."))
        elif b > 100:
            self.add_error("b", _("Class B's cut-off must be at most 100."))
        cleaned.update(a=a, b=b)
        return cleaned

    def for_page(self):
        """The page's form (the API's takes no choices): its ranking goes by `page`."""
        self.paged = True
        return super().for_page()

    def more_bound_fields(self):
        """The window is not a filter: changing the filters starts again from the top (a
        refused window is shown, with why)."""
        fields = super().more_bound_fields()
        return [f for f in fields if f.name not in self.paging_fields or f.errors]

    def options(self):
        options = {"a": self.cleaned_data["a"], "b": self.cleaned_data["b"]}
        if self.data.get("format") in DOWNLOADS:
            return options
        if self.paged:
            return {**options, "page": self.cleaned_data.get("page") or 1}
        return {
            **options,
            "limit": self.cleaned_data.get("limit") or API_LIMIT,
            "offset": self.cleaned_data.get("offset") or 0,
        }


def _percent(value: float) -> str:
    return f"{value:.0f}%"


def pareto_chart(table: Table) -> str:
    """The Pareto curve: the cumulative share of the amount (up) at each sampled share of
    the ranked customers (across), with the two cut-offs as level lines."""
    pareto = table.extra["pareto"]
    if not pareto:
        return ""
    points = [(0.0, 0.0)] + [
        (point["customer_share"] * 100, point["amount_share"] * 100) for point in pareto
    ]
    # Every other point named when there are many: the labels stay apart on a phone.
    step = 2 if len(points) > MAX_AXIS_LABELS else 1
    points = [
        (_percent(across) if index % step == 0 else "", up)
        for index, (across, up) in enumerate(points)
    ]
    cutoffs = [
        (
            gettext("Class %(abc)s up to %(cutoff)s%%") % {"abc": abc, "cutoff": f"{cutoff:g}"},
            [cutoff] * len(points),
        )
        for abc, cutoff in (("A", table.extra["cutoffs"]["a"]), ("B", table.extra["cutoffs"]["b"]))
    ]
    return chart_svg(
        points,
        kind="line",
        title=gettext("Cumulative share of the amount by share of customers"),
        value_formatter=_percent,
        series=[(gettext("Cumulative share"), [value for _label, value in points]), *cutoffs],
    )


class RankedCustomerSerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text=_("1 for the largest amount; ties by code"))
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    share = serializers.FloatField(help_text=_("Share of the ranked customers' amount, 0 to 1"))
    cumulative_share = serializers.FloatField(
        help_text=_("Share of the amount of this customer and those ranked before it")
    )
    abc = serializers.ChoiceField(choices=CLASSES)
    grade = serializers.CharField(allow_null=True, help_text=_("The current grade's name"))
    grade_code = serializers.CharField(allow_null=True)
    disagrees = serializers.BooleanField(
        help_text=_("A without the highest grade level, or C with it")
    )


class ClassSummarySerializer(serializers.Serializer):
    abc = serializers.ChoiceField(choices=CLASSES)
    customers = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    amount_share = serializers.FloatField(help_text=_("Share of the ranked amount, 0 to 1"))
    customer_share = serializers.FloatField(help_text=_("Share of the ranked customers, 0 to 1"))


class CutoffsSerializer(serializers.Serializer):
    a = serializers.FloatField(help_text=_("Class A's cut-off, in percent"))
    b = serializers.FloatField(help_text=_("Class B's cut-off, in percent"))


class ParetoPointSerializer(serializers.Serializer):
    customer_share = serializers.FloatField(help_text=_("Share of the ranked customers, 0 to 1"))
    amount_share = serializers.FloatField(help_text=_("Their cumulative share of the amount"))


ABC = Analysis(
    slug="abc",
    title=_("ABC analysis"),
    description=_(
        "Customers ranked by sales: the few that make most of the amount (A), then B and C, "
        "beside their grades."
    ),
    form_class=ABCForm,
    generate=abc_ranking,
    row_serializer=RankedCustomerSerializer,
    chart=pareto_chart,
    template="reports/abc.html",
    extra_fields={
        "classes": ClassSummarySerializer(many=True),
        "ranked": serializers.IntegerField(help_text=_("Customers ranked: those with sales")),
        "unranked": serializers.IntegerField(
            help_text=_("Customers in scope without sales (or with a total of zero or less)")
        ),
        "cutoffs": CutoffsSerializer(),
        "pareto": ParetoPointSerializer(many=True),
        "limit": serializers.IntegerField(),
        "offset": serializers.IntegerField(),
    },
)
