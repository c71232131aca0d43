"""Investigation costs: what the commissioned credit investigations (委托专业调查机构) of the
period cost, counted on the day each was requested, per agency or per grade of the customer
(the grade its card has today). Each row: the investigations, their cost and its share of
the period's cost, the customers investigated and the cost per customer. Per grade, every
grade is listed, highest first, whether or not anything was spent on it (customers without
a grade last): the rows show whether the money goes to the customers that matter.

One aggregate query over the investigations of the customers in scope, grouped in the
database by row and customer, so that a customer investigated twice counts once in its row
and in the total; Python only adds up the grouped rows. The grade rows also read the grade
levels (one query)."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from classification.models import GradeLevel
from investigations.models import Agency, Investigation
from reports.analysis import Analysis
from reports.base import Column, Table, chart_svg, customers_in_scope, money, share
from reports.filters import ReportFilterForm, ReportFilters


class By:
    AGENCY = "agency"
    GRADE = "grade"
    CHOICES = [(AGENCY, _("Agency")), (GRADE, _("Grade"))]


def investigations_in_scope(user, filters: ReportFilters):
    """The investigations requested in the period (both ends included) of the customers in
    scope, as one queryset (the customers' conditions are a join, not a list of ids)."""
    condition = Q(requested_on__gte=filters.date_from, requested_on__lte=filters.date_to)
    scoped = customers_in_scope(user, filters)
    if scoped.query.where:
        condition &= Q(customer__in=scoped)
    return Investigation.objects.filter(condition)


# What each row groups by: its key columns, and how a row is named from them.
GROUPS = {
    By.AGENCY: ("agency__code", "agency__name", "agency__name_en"),
    By.GRADE: ("customer__grade__code",),
}


@dataclass
class _Measures:
    investigations: int = 0
    cost: Decimal = Decimal("0")
    customers: int = 0
    names: dict = field(default_factory=dict)  # the row's key columns, to name it


def _grouped(user, filters: ReportFilters, by: str) -> tuple[dict[str | None, _Measures], int]:
    """The measures per row key, and the customers investigated in all (one query, grouped
    by row and customer)."""
    keys = GROUPS[by]
    pairs = (
        investigations_in_scope(user, filters)
        .values(*keys, "customer_id")
        .annotate(count=Count("pk"), cost=Sum("cost"))
        .order_by()
    )
    rows: dict[str | None, _Measures] = defaultdict(_Measures)
    customers = set()
    for pair in pairs:
        row = rows[pair[keys[0]]]
        row.investigations += pair["count"]
        row.cost += money(pair["cost"])
        row.customers += 1
        row.names = {key: pair[key] for key in keys}
        customers.add(pair["customer_id"])
    return rows, len(customers)


def _agency_name(names: dict) -> str:
    """The agency's name in the reader's language, as the agency names itself (its English
    name on an English page), from the grouped columns: no query."""
    return str(Agency(name=names["agency__name"], name_en=names["agency__name_en"]))


def _named_rows(
    by: str, grouped: dict[str | None, _Measures], filters: ReportFilters
) -> list[tuple]:
    """(key, name, measures) per row, in the table's order: agencies by cost (the most
    expensive first); grades from the highest down, every active grade (or the grade the
    filters keep) and any other that has investigations, then the customers without a
    grade."""
    if by == By.AGENCY:
        named = [(code, _agency_name(row.names), row) for code, row in grouped.items()]
        return sorted(named, key=lambda item: (-item[2].cost, item[1], item[0]))
    if filters.no_grade:
        levels = GradeLevel.objects.none()
    elif filters.grade is not None:
        levels = GradeLevel.objects.filter(pk=filters.grade.pk)
    else:
        levels = GradeLevel.objects.filter(
            Q(is_active=True) | Q(code__in=[key for key in grouped if key])
        )
    named = [
        (level.code, str(level), grouped.get(level.code, _Measures()))
        for level in levels.order_by("order", "code")
    ]
    if None in grouped:
        named.append((None, gettext("No grade"), grouped[None]))
    return named


def investigations_list_url(filters: ReportFilters, **narrower) -> str:
    """The investigations list showing the investigations behind a row: the period and the
    filters' classifications, and the row's own (`agency="HX"`, `grade="key"`, `grade="null"`
    for none)."""
    params = {
        "date_from": filters.date_from.isoformat(),
        "date_to": filters.date_to.isoformat(),
        "grade": "null" if filters.no_grade else filters.grade.code if filters.grade else None,
        "region": filters.region.code if filters.region else None,
        "route": filters.route.code if filters.route else None,
        "salesperson": filters.salesperson.get_username() if filters.salesperson else None,
        "customer": filters.customer.pk if filters.customer else None,
        **narrower,
    }
    query = urlencode({key: value for key, value in params.items() if value})
    return f"{reverse('investigations:list')}?{query}"


ROW_FIELDS = (
    "key",
    "name",
    "investigations",
    "cost",
    "cost_share",
    "customers",
    "cost_per_customer",
)


def investigation_costs(user, filters: ReportFilters, *, by: str = By.AGENCY) -> Table:
    """The cost of the investigations requested in the period, per agency or per grade (see
    the module's docstring), with each row's share of the cost and its customers; each row
    links to the investigations list showing exactly its investigations."""
    grouped, total_customers = _grouped(user, filters, by)
    total_cost = money(sum(row.cost for row in grouped.values()))
    rows, links = [], {}
    for key, name, row in _named_rows(by, grouped, filters):
        links[len(rows)] = investigations_list_url(filters, **{by: key or "null"})
        rows.append(
            {
                "key": key,
                "name": name,
                "investigations": row.investigations,
                "cost": money(row.cost),
                "cost_share": share(row.cost, total_cost),
                "customers": row.customers,
                "cost_per_customer": money(row.cost / row.customers) if row.customers else None,
            }
        )
    return Table(
        title=_("Investigation costs"),
        columns=[
            Column("name", dict(By.CHOICES)[by]),
            Column("investigations", _("Investigations"), "count"),
            Column("cost", _("Cost"), "money"),
            Column("cost_share", _("Share of cost"), "share"),
            Column("customers", _("Customers investigated"), "count"),
            Column("cost_per_customer", _("Cost per customer"), "money"),
        ],
        rows=rows,
        total={
            "investigations": sum(row["investigations"] for row in rows),
            "cost": total_cost,
            "cost_share": 1.0 if total_cost else 0.0,
            "customers": total_customers,
            "cost_per_customer": money(total_cost / total_customers) if total_customers else None,
        },
        period=(filters.date_from, filters.date_to),
        note=str(
            _(
                "Investigations counted on the day they were requested; grades as the cards "
                "have them today. A customer investigated more than once counts once."
            )
        ),
        links=links,
        fields=ROW_FIELDS,
    )


class InvestigationCostsForm(ReportFilterForm):
    by = forms.ChoiceField(label=_("Group by"), choices=By.CHOICES, required=False)
    category = None  # investigations are not sales: no product category
    main_fields = (*ReportFilterForm.main_fields, "by")

    def options(self):
        return {"by": self.cleaned_data.get("by") or By.AGENCY}


def investigation_costs_chart(table: Table) -> str:
    """The cost per row (the table gives the counts and shares)."""
    return chart_svg(
        [(row["name"], float(row["cost"])) for row in table.rows], title=gettext("Cost")
    )


class InvestigationCostRowSerializer(serializers.Serializer):
    key = serializers.CharField(
        allow_null=True, help_text=_("The agency's or grade's code; null: no grade")
    )
    name = serializers.CharField(
        help_text=_("The agency's or grade's name in the reader's language")
    )
    investigations = serializers.IntegerField(help_text=_("Investigations requested in the period"))
    cost = serializers.DecimalField(max_digits=18, decimal_places=2)
    cost_share = serializers.FloatField(help_text=_("Share of the period's cost, in [0, 1]"))
    customers = serializers.IntegerField(help_text=_("Customers investigated"))
    cost_per_customer = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)


INVESTIGATION_COSTS = Analysis(
    slug="investigation-costs",
    title=_("Investigation costs"),
    description=_(
        "What the commissioned credit investigations cost, per agency or per grade of the "
        "customers investigated: where the money goes."
    ),
    form_class=InvestigationCostsForm,
    generate=investigation_costs,
    row_serializer=InvestigationCostRowSerializer,
    chart=investigation_costs_chart,
    template="reports/investigation_costs.html",
)
