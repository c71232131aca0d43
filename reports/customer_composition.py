"""Customer composition (客户构成分析): the customers in scope and their sales in the period,
grouped by one of the ways the archive slices its customers (SPEC 2.1): nature (customer type,
ownership, region), route, grade, salesperson, time series and transaction process.

A group counts every customer in scope (archived cards included, as `customers_in_scope`
gives them; customers without sales too), the customers who bought in the period and their
sales amount. A group is listed when it has customers; the customers with no value for the
dimension are a group of their own ("not set"), listed last.

Fixed queries whatever the data: the group names (one query), the customers per group (one
GROUP BY or, for the lifecycle, one conditional aggregation) and the sales per group (the
same, over the period's lines). Python only arranges the grouped rows."""

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.roles import person_name
from classification.lifecycle import (
    NO_DEAL_PLANNED,
    LifecycleWindows,
    TimeSeries,
    TransactionProcess,
)
from classification.models import CustomerType, GradeLevel, OwnershipForm, Region, Route
from reports.analysis import Analysis
from reports.base import (
    Column,
    Table,
    chart_svg,
    customer_list_url,
    customers_in_scope,
    money,
    sales_in_scope,
    share,
)
from reports.filters import ReportFilterForm, ReportFilters


class By:
    CUSTOMER_TYPE = "customer_type"
    OWNERSHIP = "ownership"
    REGION = "region"
    ROUTE = "route"
    GRADE = "grade"
    SALESPERSON = "salesperson"
    TIME_SERIES = "time_series"
    TRANSACTION_PROCESS = "transaction_process"
    CHOICES = [
        (CUSTOMER_TYPE, _("Customer type")),
        (OWNERSHIP, _("Ownership")),
        (REGION, _("Region")),
        (ROUTE, _("Route")),
        (GRADE, _("Grade")),
        (SALESPERSON, _("Salesperson")),
        (TIME_SERIES, _("Time series")),
        (TRANSACTION_PROCESS, _("Transaction process")),
    ]


@dataclass(frozen=True)
class Group:
    """A row's group: `key` as the API gives it (code, username or value; None: not set),
    its name in the reader's language, and the customer list parameter value that shows
    its customers ("" when the list cannot show exactly them)."""

    key: str | None
    name: str
    list_value: str


# The reference data behind a dimension held by a foreign key on the card, and whether the
# customer list can show the customers without one (`?<dimension>=null`).
REFERENCES = {
    By.CUSTOMER_TYPE: (CustomerType, True),
    By.OWNERSHIP: (OwnershipForm, True),
    By.ROUTE: (Route, False),
    By.GRADE: (GradeLevel, True),
}


def _not_set(by: str) -> Group:
    name = {
        By.GRADE: gettext("No grade"),
        By.REGION: gettext("No region"),
        By.SALESPERSON: gettext("No salesperson"),
    }.get(by, gettext("Not set"))
    nullable = by == By.REGION or REFERENCES.get(by, (None, False))[1]
    return Group(None, name, "null" if nullable else "")


def _by_column(customers, sales, column: str):
    """Customers per value of the card's `column`, and (amount, buying customers) per value
    over the period's lines: two GROUP BY queries."""
    counts = {
        values[column]: values["customers"]
        for values in customers.values(column).annotate(customers=Count("pk")).order_by()
    }
    sums = {
        values[f"customer__{column}"]: (values["amount"], values["buying"])
        for values in sales.values(f"customer__{column}")
        .annotate(amount=Sum("amount"), buying=Count("customer_id", distinct=True))
        .order_by()
    }
    return counts, sums


def _referenced_groups(by: str, ids) -> dict:
    """The groups of a foreign-key dimension, by id, in order, named in one query."""
    if by == By.SALESPERSON:
        people = get_user_model().objects.filter(pk__in=[pk for pk in ids if pk])
        named = sorted(people, key=lambda user: (person_name(user), user.get_username()))
        groups = {
            user.pk: Group(user.get_username(), person_name(user), user.get_username())
            for user in named
        }
    else:
        model, _nullable = REFERENCES[by]
        groups = {
            item.pk: Group(item.code, str(item), item.code)
            for item in model.objects.filter(pk__in=[pk for pk in ids if pk])
        }
    return groups


def _region_groups(filters: ReportFilters) -> tuple[dict, dict]:
    """The region tree rolled up (one query): the groups by their region id, and each region
    id's group. The groups are the top-level regions or, with a region filter, the filtered
    region's children, each holding its subtree; the filtered region's own customers (not
    in a sub-region) are a group of their own, first."""
    regions = {region.pk: region for region in Region.objects.all()}
    root = filters.region.pk if filters.region is not None else None

    def group_of(pk):
        seen = set()
        while regions[pk].parent_id != root and pk != root and pk not in seen:
            seen.add(pk)
            pk = regions[pk].parent_id
            if pk is None:  # outside the filtered subtree: not in scope anyway
                return None
        return pk

    heads = sorted(
        (region for region in regions.values() if region.parent_id == root),
        key=lambda region: (region.order, region.code),
    )
    groups = {}
    if root is not None:
        region = regions[root]
        name = gettext("%(region)s, not in a sub-region") % {"region": region}
        groups[root] = Group(region.code, name, "")
    groups.update({region.pk: Group(region.code, str(region), region.code) for region in heads})
    return groups, {pk: group_of(pk) for pk in regions}


def _on_customer(condition: Q) -> Q:
    """A condition on the card's fields, restated from a sales line (through `customer`)."""
    restated = Q()
    restated.connector, restated.negated = condition.connector, condition.negated
    restated.children = [
        _on_customer(child) if isinstance(child, Q) else (f"customer__{child[0]}", child[1])
        for child in condition.children
    ]
    return restated


def _lifecycle(customers, sales, by: str):
    """The lifecycle groups (`classification.lifecycle`, for today, as the customer list
    filters them) with their customers and sales: one conditional aggregation over the
    customers and one over the period's lines."""
    windows = LifecycleWindows.for_policy()
    if by == By.TIME_SERIES:
        values = [(value.value, value.label) for value in TimeSeries]
        condition = windows.time_series_q
    else:
        values = [(value.value, value.label) for value in TransactionProcess]
        values.append((None, NO_DEAL_PLANNED))
        condition = windows.transaction_process_q
    counts = customers.aggregate(
        **{f"c{i}": Count("pk", filter=condition(value)) for i, (value, _l) in enumerate(values)}
    )
    sums = sales.aggregate(
        **{
            f"{measure}{i}": aggregate
            for i, (value, _label) in enumerate(values)
            for measure, aggregate in (
                ("a", Sum("amount", filter=_on_customer(condition(value)))),
                ("b", Count("customer_id", distinct=True, filter=_on_customer(condition(value)))),
            )
        }
    )
    return [
        (Group(value, str(label), value or "null"), counts[f"c{i}"], sums[f"a{i}"], sums[f"b{i}"])
        for i, (value, label) in enumerate(values)
    ]


def _measured(user, filters: ReportFilters, by: str) -> list[tuple[Group, int, object, int]]:
    """(group, customers, amount, buying customers) per group, groups in order, the group
    "not set" last."""
    customers = customers_in_scope(user, filters)
    sales = sales_in_scope(user, filters)
    if by in (By.TIME_SERIES, By.TRANSACTION_PROCESS):
        return _lifecycle(customers, sales, by)
    column = f"{by}_id"
    counts, sums = _by_column(customers, sales, column)
    if by == By.REGION:
        groups, group_of = _region_groups(filters)
        rolled_counts, rolled_sums = {}, {}
        for pk, count in counts.items():
            head = group_of.get(pk) if pk else None
            rolled_counts[head] = rolled_counts.get(head, 0) + count
        for pk, (amount, buying) in sums.items():
            head = group_of.get(pk) if pk else None
            before = rolled_sums.get(head, (Decimal(0), 0))
            rolled_sums[head] = (before[0] + Decimal(str(amount or 0)), before[1] + buying)
        counts, sums = rolled_counts, rolled_sums
    else:
        groups = _referenced_groups(by, counts)
    groups[None] = _not_set(by)
    return [(group, counts.get(pk, 0), *sums.get(pk, (0, 0))) for pk, group in groups.items()]


ROW_FIELDS = (
    "key",
    "name",
    "customers",
    "customer_share",
    "buying_customers",
    "amount",
    "amount_share",
)


def customer_composition(user, filters: ReportFilters, *, by: str = By.CUSTOMER_TYPE) -> Table:
    """The customers in scope and their sales in the period, grouped `by` one dimension:
    per group the customers (all, with or without sales) and their share of all customers,
    the customers who bought in the period, the amount and its share. Region is rolled up
    the tree (see `_region_groups`); time series and transaction process are today's, by
    the lifecycle rule the customer list filters with. Each row links to the customer list
    showing its customers, where the list can show exactly them."""
    measured = [
        (group, count, money(amount), buying)
        for group, count, amount, buying in _measured(user, filters, by)
        if count
    ]
    total_customers = sum(count for _g, count, _a, _b in measured)
    total_amount = money(sum(amount for _g, _c, amount, _b in measured))
    rows, links = [], {}
    for group, count, amount, buying in measured:
        if group.list_value:
            links[len(rows)] = customer_list_url(filters, **{by: group.list_value})
        rows.append(
            {
                "key": group.key,
                "name": group.name,
                "customers": count,
                "customer_share": share(count, total_customers),
                "buying_customers": buying,
                "amount": amount,
                "amount_share": share(amount, total_amount),
            }
        )
    return Table(
        title=_("Customer composition"),
        columns=[
            Column("name", dict(By.CHOICES)[by]),
            Column("customers", _("Customers"), "count"),
            Column("customer_share", _("Share of customers"), "share"),
            Column("buying_customers", _("Customers who bought"), "count"),
            Column("amount", _("Sales amount"), "money"),
            Column("amount_share", _("Share of amount"), "share"),
        ],
        rows=rows,
        total={
            "customers": total_customers,
            "customer_share": 1.0 if total_customers else 0.0,
            "buying_customers": sum(buying for _g, _c, _a, buying in measured),
            "amount": total_amount,
            "amount_share": 1.0 if total_amount else 0.0,
        },
        period=(filters.date_from, filters.date_to),
        note=str(
            _(
                "Customers: every customer in scope, archived cards and customers without "
                "sales included; time series and transaction process as of today."
            )
        ),
        links=links,
        fields=ROW_FIELDS,
    )


class CustomerCompositionForm(ReportFilterForm):
    by = forms.ChoiceField(label=_("Group by"), choices=By.CHOICES, required=False)
    main_fields = (*ReportFilterForm.main_fields, "by")

    def options(self):
        return {"by": self.cleaned_data.get("by") or By.CUSTOMER_TYPE}


def customer_composition_chart(table: Table) -> str:
    """The customers per group (the table gives the amounts)."""
    return chart_svg(
        [(row["name"], row["customers"]) for row in table.rows], title=gettext("Customers")
    )


class CustomerGroupRowSerializer(serializers.Serializer):
    key = serializers.CharField(
        allow_null=True,
        help_text=_("The group's code, username or value; null: not set"),
    )
    name = serializers.CharField(help_text=_("The group's name in the reader's language"))
    customers = serializers.IntegerField(help_text=_("Customers in scope, with or without sales"))
    customer_share = serializers.FloatField()
    buying_customers = serializers.IntegerField(help_text=_("Customers who bought in the period"))
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    amount_share = serializers.FloatField()


CUSTOMER_COMPOSITION = Analysis(
    slug="customer-composition",
    title=_("Customer composition"),
    description=_(
        "Customers and their sales by nature, region, route, grade, salesperson, time series "
        "or transaction process."
    ),
    form_class=CustomerCompositionForm,
    generate=customer_composition,
    row_serializer=CustomerGroupRowSerializer,
    chart=customer_composition_chart,
)
