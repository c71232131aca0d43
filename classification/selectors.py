"""Reads that classify customers: the classification overview and the customers no round
reaches. They sit above the customers and classification models (SPEC 3) and start from the
one scoping rule, so who sees what is decided by `customers.selectors` alone."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from classification.lifecycle import (
    NO_DEAL_PLANNED,
    LifecycleWindows,
    TimeSeries,
    TransactionProcess,
    with_lifecycle,
)
from classification.models import (
    CustomerType,
    GradeLevel,
    OwnershipForm,
    Region,
)
from customers.models import Customer

NULL = "null"  # the filters' value for "not set" (django-filter's null_value)


@dataclass(frozen=True)
class CountRow:
    label: str
    count: int
    url: str
    depth: int = 0  # in the region tree
    own: int | None = None  # region: customers in the region itself, without sub-regions


@dataclass
class Overview:
    total: int
    by_type: list[CountRow] = field(default_factory=list)
    by_ownership: list[CountRow] = field(default_factory=list)
    by_region: list[CountRow] = field(default_factory=list)
    by_grade: list[CountRow] = field(default_factory=list)
    by_time_series: list[CountRow] = field(default_factory=list)
    by_transaction_process: list[CountRow] = field(default_factory=list)


def _list_url(base: dict, name: str, value) -> str:
    return f"{reverse('customers:list')}?{urlencode({**base, name: value})}"


def _grouped(queryset: QuerySet, name: str) -> dict:
    return dict(
        queryset.order_by().values(name).annotate(count=Count("pk")).values_list(name, "count")
    )


def _reference_rows(queryset, model, name: str, base: dict, none_label) -> list[CountRow]:
    """One row per reference entry (also those with no customers), then the unset ones."""
    counts = _grouped(queryset, name)
    rows = [
        CountRow(entry.display_name, counts.get(entry.pk, 0), _list_url(base, name, entry.code))
        for entry in model.objects.all()
    ]
    if counts.get(None):
        rows.append(CountRow(str(none_label), counts[None], _list_url(base, name, NULL)))
    return rows


def _region_rows(queryset, base: dict, none_label) -> list[CountRow]:
    """The region tree depth first, each node with its subtree total (the list's region
    filter includes sub-regions, so the link shows exactly that many)."""
    counts = _grouped(queryset, "region")
    regions = list(Region.objects.all())
    children = defaultdict(list)
    for region in regions:
        children[region.parent_id].append(region)
    totals: dict[int, int] = {}

    def total(region) -> int:
        if region.pk not in totals:
            totals[region.pk] = counts.get(region.pk, 0) + sum(
                total(child) for child in children[region.pk]
            )
        return totals[region.pk]

    rows: list[CountRow] = []
    known = {region.pk for region in regions}
    stack = [(root, 0) for root in reversed(children[None])]
    # A parent outside the tree (it cannot happen with PROTECT, but be safe) starts a root.
    stack += [(region, 0) for region in reversed(regions) if region.parent_id not in known | {None}]
    while stack:
        region, depth = stack.pop()
        rows.append(
            CountRow(
                region.display_name,
                total(region),
                _list_url(base, "region", region.code),
                depth=depth,
                own=counts.get(region.pk, 0),
            )
        )
        stack.extend((child, depth + 1) for child in reversed(children[region.pk]))
    if counts.get(None):
        rows.append(CountRow(str(none_label), counts[None], _list_url(base, "region", NULL)))
    return rows


def classification_overview(
    customers: QuerySet, *, windows: LifecycleWindows, base_query: dict | None = None
) -> Overview:
    """Customer counts by type, ownership, region (tree with subtree totals), grade, time
    series and transaction process, for an already scoped queryset. Nine queries whatever
    the number of customers: one count per classification, one list per kind of reference
    data (so that empty entries show too), and one for the lifecycle."""
    base = dict(base_query or {})
    not_set = _("Not set")
    overview = Overview(total=0)
    overview.by_type = _reference_rows(customers, CustomerType, "customer_type", base, not_set)
    overview.by_ownership = _reference_rows(customers, OwnershipForm, "ownership", base, not_set)
    overview.by_region = _region_rows(customers, base, not_set)
    overview.by_grade = _reference_rows(customers, GradeLevel, "grade", base, _("No grade"))
    series_counts: dict[str, int] = defaultdict(int)
    process_counts: dict[str | None, int] = defaultdict(int)
    for series, process, count in (
        with_lifecycle(customers.order_by(), windows=windows)
        .values("time_series", "transaction_process")
        .annotate(count=Count("pk"))
        .values_list("time_series", "transaction_process", "count")
    ):
        series_counts[series] += count
        process_counts[process] += count
    overview.total = sum(series_counts.values())
    overview.by_time_series = [
        CountRow(
            value.label, series_counts[value.value], _list_url(base, "time_series", value.value)
        )
        for value in TimeSeries
    ]
    overview.by_transaction_process = [
        CountRow(
            value.label,
            process_counts[value.value],
            _list_url(base, "transaction_process", value.value),
        )
        for value in TransactionProcess
    ] + [
        CountRow(
            str(NO_DEAL_PLANNED),
            process_counts[None],
            _list_url(base, "transaction_process", NULL),
        )
    ]
    return overview


# A customer no round brings a salesperson to within this many days counts as not visited
# for long (`customers_not_visited`).
NOT_VISITED_DAYS = 60


def customers_not_visited(user, *, today: datetime.date):
    """Active customers in `user`'s scope that no round brings a salesperson to within
    `NOT_VISITED_DAYS` days of `today`, before or after. Until visits are recorded, the
    rounds stand in for them: such a customer is on no route, or on a route that is inactive,
    has no first visit date, or starts more than `NOT_VISITED_DAYS` days from now. A stop on
    a running round counts as visited: rounds repeat at least every quarter, so every day
    is within 60 days of one of its visits. Shown on a manager's home page."""
    on_a_running_round = Q(
        route__is_active=True,
        route__first_visit_on__isnull=False,
        route__first_visit_on__lte=today + datetime.timedelta(days=NOT_VISITED_DAYS),
    )
    return Customer.objects.visible_to(user).active().exclude(on_a_running_round)
