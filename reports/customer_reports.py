"""The reports about one customer, opened from its card and printed one page per customer:
its sales report (对客户销售报表: its purchases by month and by product category beside the
previous period) and its business report (客户业务报表: the card's business and transaction
sections, its sales, visits, credit incidents and grades over the period).

Each runs a fixed number of queries whatever the customer's number of sales lines, visits or
incidents: sums grouped in the database, and one query per list."""

from urllib.parse import urlencode

from django import forms
from django.db.models import F, Q
from django.urls import reverse
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.roles import person_name
from customers.models import CARD_SECTIONS, SECTION_LABELS, Customer, GradeHistory
from reports.analysis import Analysis
from reports.base import Column, Table, change, chart_svg, money, quantity, sales_in_scope, share
from reports.composition import product_composition
from reports.filters import Preset, ReportFilterForm, ReportFilters
from reports.trend import month_axis, month_label, month_starts, monthly_sums
from visits.reporting import Period, filed_visits

# The card's sections the business report shows, as the card lays them out.
BUSINESS_SECTIONS = ("business", "transactions")


class CustomerReportForm(ReportFilterForm):
    """A period and the customer (required; one of the user's). The classifications that
    choose customers do not apply to one customer."""

    customer = forms.IntegerField(
        label=_("Customer"),
        min_value=1,
        error_messages={"required": _("Choose the customer this report is about.")},
    )
    grade = region = route = salesperson = category = None


def _customer(customer: Customer) -> dict:
    """The customer as the API names it elsewhere (grade by name, salesperson by
    username)."""
    return {
        "id": customer.pk,
        "code": customer.code,
        "name": customer.name,
        "grade": customer.grade.name if customer.grade else None,
        "salesperson": customer.salesperson.get_username() if customer.salesperson else None,
    }


def _months(user, filters: ReportFilters) -> list[dict]:
    """Each month the period touches (the first and last may be partial), with the quantity
    and amount sold in it and its shares of the period's, in one query."""
    sums = monthly_sums(sales_in_scope(user, filters))
    calendar = month_starts(filters.date_from, filters.date_to)
    cells = [sums.get((month, None), (quantity(0), money(0))) for month in calendar]
    total_quantity = sum(qty for qty, _amount in cells)
    total_amount = sum(amount for _qty, amount in cells)
    return [
        {
            "label": month_label(month),
            "month": month.strftime("%Y-%m"),
            "quantity": qty,
            "quantity_share": share(qty, total_quantity),
            "amount": amount,
            "amount_share": share(amount, total_amount),
        }
        for month, (qty, amount) in zip(calendar, cells, strict=True)
    ]


class Breakdown:
    MONTH = "month"
    CATEGORY = "category"


CUSTOMER_SALES_FIELDS = (
    "breakdown",
    "month",
    "category",
    "category_code",
    "quantity",
    "quantity_share",
    "amount",
    "amount_share",
    "previous_quantity",
    "previous_amount",
    "change",
)


def customer_sales(user, filters: ReportFilters) -> Table:
    """One customer's (`filters.customer`, required) purchases in the period: by month, then
    by product category (each category its own products' lines, as the product composition
    counts them), with the quantity and amount, their shares, and for each category and the
    total the previous period of the same length and the change against it. A category
    bought only in the previous period shows with zeros."""
    current = product_composition(user, filters)
    previous_filters = filters.previous()
    previous = product_composition(user, previous_filters)
    before = {row["category_code"]: row for row in previous.rows}
    month_name = gettext("Month")
    rows = [
        {
            **month,
            "breakdown": Breakdown.MONTH,
            "section": month_name,
            "category": None,
            "category_code": None,
            "previous_quantity": None,
            "previous_amount": None,
            "change": None,
        }
        for month in _months(user, filters)
    ]
    bought = {row["category_code"] for row in current.rows}
    lapsed = [
        {
            **row,
            "quantity": quantity(0),
            "amount": money(0),
            "quantity_share": 0.0,
            "amount_share": 0.0,
        }
        for row in previous.rows
        if row["category_code"] not in bought
    ]
    category_name = gettext("Product category")
    for row in [*current.rows, *lapsed]:
        earlier = before.get(row["category_code"])
        previous_amount = earlier["amount"] if earlier else money(0)
        rows.append(
            {
                "breakdown": Breakdown.CATEGORY,
                "section": category_name,
                "label": row["category"],
                "month": None,
                "category": row["category"],
                "category_code": row["category_code"],
                "quantity": row["quantity"],
                "quantity_share": row["quantity_share"],
                "amount": row["amount"],
                "amount_share": row["amount_share"],
                "previous_quantity": earlier["quantity"] if earlier else quantity(0),
                "previous_amount": previous_amount,
                "change": change(row["amount"], previous_amount),
            }
        )
    total = {
        **current.total,
        "previous_quantity": previous.total["quantity"],
        "previous_amount": previous.total["amount"],
        "change": change(current.total["amount"], previous.total["amount"]),
    }
    return Table(
        title=_("Customer sales report"),
        columns=[
            Column("section", _("Breakdown")),
            Column("label", _("Month or category")),
            Column("quantity", _("Quantity"), "quantity"),
            Column("quantity_share", _("Share of quantity"), "share"),
            Column("amount", _("Sales amount"), "money"),
            Column("amount_share", _("Share of amount"), "share"),
            Column("previous_amount", _("Previous period"), "money"),
            Column("change", _("Change"), "share"),
        ],
        rows=rows,
        total=total,
        period=(filters.date_from, filters.date_to),
        note=gettext("Previous period: %(start)s to %(end)s.")
        % {
            "start": formats.date_format(previous_filters.date_from),
            "end": formats.date_format(previous_filters.date_to),
        },
        fields=CUSTOMER_SALES_FIELDS,
        extra={"customer": _customer(filters.customer)},
    )


def _display(customer: Customer, name: str):
    """A card field's value as a person reads it: choice labels, not codes."""
    value = getattr(customer, name)
    if Customer._meta.get_field(name).choices and value:
        return getattr(customer, f"get_{name}_display")()
    return value


def _card(customer: Customer) -> list[dict]:
    """The card's business and transaction sections, field by field, in the card's order."""
    return [
        {
            "section": key,
            "label": str(SECTION_LABELS[key]),
            "fields": [
                {
                    "field": name,
                    "label": capfirst(str(Customer._meta.get_field(name).verbose_name)),
                    "value": getattr(customer, name),
                    "text": _display(customer, name),
                }
                for name in CARD_SECTIONS[key]
            ],
        }
        for key in BUSINESS_SECTIONS
    ]


def _visits(customer: Customer, filters: ReportFilters) -> list[dict]:
    """The customer's visits in the period's filed reports, in the order they were made."""
    visits = (
        filed_visits(Period(filters.date_from, filters.date_to))
        .filter(customer=customer)
        .select_related("report__salesperson")
        .order_by("report__date", F("time").asc(nulls_last=True), "pk")
    )
    return [
        {
            "id": visit.pk,
            "date": visit.report.date,
            "time": visit.time.strftime("%H:%M") if visit.time else None,
            "kind": visit.kind,
            "kind_label": visit.get_kind_display(),
            "purpose": visit.purpose,
            "summary": visit.summary,
            "salesperson": visit.report.salesperson.get_username(),
            "salesperson_name": person_name(visit.report.salesperson),
        }
        for visit in visits
    ]


def _incidents(customer: Customer, filters: ReportFilters) -> list[dict]:
    """The customer's credit incidents that occurred in the period, oldest first."""
    incidents = customer.credit_incidents.filter(
        occurred_on__range=(filters.date_from, filters.date_to)
    ).order_by("occurred_on", "pk")
    return [
        {
            "id": incident.pk,
            "occurred_on": incident.occurred_on,
            "kind": incident.kind,
            "kind_label": incident.get_kind_display(),
            "amount": incident.amount,
            "description": incident.description,
            "resolved_on": incident.resolved_on,
            "resolution": incident.resolution,
        }
        for incident in incidents
    ]


def _grades(customer: Customer, filters: ReportFilters) -> list[dict]:
    """The grades the customer held during the period: the history's periods that overlap
    it (`valid_to` excluded), oldest first."""
    history = (
        GradeHistory.objects.filter(customer=customer, valid_from__lte=filters.date_to)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=filters.date_from))
        .select_related("grade")
        .order_by("valid_from", "pk")
    )
    return [
        {
            "grade": held.grade.name if held.grade else None,
            "grade_code": held.grade.code if held.grade else None,
            "grade_label": str(held.grade) if held.grade else gettext("No grade"),
            "valid_from": held.valid_from,
            "valid_to": held.valid_to,
            "source": held.source,
            "source_label": held.get_source_display(),
            "reason": held.reason,
        }
        for held in history
    ]


CUSTOMER_BUSINESS_FIELDS = ("month", "quantity", "amount", "amount_share")


def customer_business(user, filters: ReportFilters) -> Table:
    """One customer's (`filters.customer`, required) business over the period: the card's
    business and transaction sections as they stand, its sales by month (the table), the
    visits of the filed visit reports, its credit incidents and the grades it held."""
    customer = filters.customer
    rows = _months(user, filters)
    total_quantity = quantity(sum(row["quantity"] for row in rows))
    total_amount = money(sum(row["amount"] for row in rows))
    return Table(
        title=_("Customer business report"),
        columns=[
            Column("label", _("Month")),
            Column("quantity", _("Quantity"), "quantity"),
            Column("amount", _("Sales amount"), "money"),
            Column("amount_share", _("Share of amount"), "share"),
        ],
        rows=rows,
        total={
            "quantity": total_quantity,
            "amount": total_amount,
            "amount_share": 1.0 if total_amount else 0.0,
        },
        period=(filters.date_from, filters.date_to),
        fields=CUSTOMER_BUSINESS_FIELDS,
        extra={
            "customer": _customer(customer),
            "card": _card(customer),
            "visits": _visits(customer, filters),
            "incidents": _incidents(customer, filters),
            "grades": _grades(customer, filters),
        },
    )


def months_chart(table: Table) -> str:
    """The amount month by month."""
    months = [row for row in table.rows if row["month"]]
    axis = month_axis([row["month"] for row in months])
    return chart_svg(
        [(label, float(row["amount"])) for label, row in zip(axis, months, strict=True)],
        kind="line",
    )


def card_reports_panel(request, customer: Customer) -> dict:
    """The card's links to its customer's reports, over the last 12 months."""
    query = urlencode({"customer": customer.pk, "preset": Preset.LAST_12_MONTHS})
    return {
        "customer_sales_url": f"{reverse(CUSTOMER_SALES.url_name)}?{query}",
        "customer_business_url": f"{reverse(CUSTOMER_BUSINESS.url_name)}?{query}",
    }


class CustomerSalesRowSerializer(serializers.Serializer):
    breakdown = serializers.CharField(
        help_text=_("month: a month of the period; category: a product category")
    )
    month = serializers.CharField(allow_null=True, help_text=_("YYYY-MM; null for a category"))
    category = serializers.CharField(allow_null=True)
    category_code = serializers.CharField(allow_null=True)
    quantity = serializers.DecimalField(max_digits=18, decimal_places=3)
    quantity_share = serializers.FloatField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    amount_share = serializers.FloatField()
    previous_quantity = serializers.DecimalField(
        max_digits=18, decimal_places=3, allow_null=True, help_text=_("Null for a month")
    )
    previous_amount = serializers.DecimalField(
        max_digits=18, decimal_places=2, allow_null=True, help_text=_("Null for a month")
    )
    change = serializers.FloatField(
        allow_null=True, help_text=_("Change of the amount against the previous period")
    )


class CustomerMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text=_("The month, as YYYY-MM"))
    quantity = serializers.DecimalField(max_digits=18, decimal_places=3)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    amount_share = serializers.FloatField()


class ReportCustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    grade = serializers.CharField(allow_null=True, help_text=_("The grade's name; null: none"))
    salesperson = serializers.CharField(allow_null=True, help_text=_("The username"))


class ReportCardFieldSerializer(serializers.Serializer):
    field = serializers.CharField(help_text=_("The card field, named as in the customers API"))
    label = serializers.CharField()
    value = serializers.JSONField(
        help_text=_("As stored: text, a choice's code, a decimal string, or null")
    )
    text = serializers.JSONField(help_text=_("As read: a choice's label, otherwise the value"))


class ReportCardSectionSerializer(serializers.Serializer):
    section = serializers.CharField(help_text=_("business or transactions"))
    label = serializers.CharField()
    fields = ReportCardFieldSerializer(many=True)


class ReportVisitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    time = serializers.CharField(allow_null=True, help_text=_("HH:MM"))
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    purpose = serializers.CharField()
    summary = serializers.CharField()
    salesperson = serializers.CharField(help_text=_("The reporting salesperson's username"))
    salesperson_name = serializers.CharField()


class ReportIncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    occurred_on = serializers.DateField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    description = serializers.CharField()
    resolved_on = serializers.DateField(allow_null=True)
    resolution = serializers.CharField()


class ReportGradePeriodSerializer(serializers.Serializer):
    grade = serializers.CharField(allow_null=True, help_text=_("The grade's name; null: none"))
    grade_code = serializers.CharField(allow_null=True)
    grade_label = serializers.CharField()
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True, help_text=_("Excluded; null: still held"))
    source = serializers.CharField()
    source_label = serializers.CharField()
    reason = serializers.CharField()


CUSTOMER_SALES = Analysis(
    slug="customer-sales",
    title=_("Customer sales report"),
    description=_(
        "One customer's purchases by month and by product category, against the previous period."
    ),
    form_class=CustomerReportForm,
    generate=customer_sales,
    row_serializer=CustomerSalesRowSerializer,
    chart=months_chart,
    template="reports/customer_sales.html",
    listed=False,
    extra_fields={"customer": ReportCustomerSerializer()},
)
CUSTOMER_BUSINESS = Analysis(
    slug="customer-business",
    title=_("Customer business report"),
    description=_(
        "One customer's business status, transactions, sales, visits, credit incidents and "
        "grades over the period."
    ),
    form_class=CustomerReportForm,
    generate=customer_business,
    row_serializer=CustomerMonthSerializer,
    chart=months_chart,
    template="reports/customer_business.html",
    listed=False,
    extra_fields={
        "customer": ReportCustomerSerializer(),
        "card": ReportCardSectionSerializer(
            many=True, help_text=_("The card's business and transaction sections")
        ),
        "visits": ReportVisitSerializer(
            many=True, help_text=_("The visits of the period's filed visit reports")
        ),
        "incidents": ReportIncidentSerializer(
            many=True, help_text=_("The credit incidents that occurred in the period")
        ),
        "grades": ReportGradePeriodSerializer(
            many=True, help_text=_("The grades held during the period, oldest first")
        ),
    },
)
