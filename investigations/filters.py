"""The investigation filters, shared by the list page and the API: state, agency, the period
of the requests, and the customers' grade, region, route and salesperson (what the cost
analysis narrows to, so that its rows lead to exactly their investigations)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.roles import salespeople
from archive_crm.api.filters import IdFilter
from archive_crm.forms import DateInput
from classification.models import GradeLevel, Region, Route
from customers.filters import PersonChoiceFilter
from investigations.models import Agency, Investigation, RiskLevel


class InvestigationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Investigation.Status.choices, label=_("State"))
    agency = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.all(), to_field_name="code", label=_("Agency")
    )
    date_from = django_filters.DateFilter(
        field_name="requested_on",
        lookup_expr="gte",
        label=_("Requested from"),
        help_text=_("First day, YYYY-MM-DD, inclusive"),
        widget=DateInput(),
    )
    date_to = django_filters.DateFilter(
        field_name="requested_on",
        lookup_expr="lte",
        label=_("Requested until"),
        help_text=_("Last day, YYYY-MM-DD, inclusive"),
        widget=DateInput(),
    )
    risk_level = django_filters.ChoiceFilter(choices=RiskLevel.choices, label=_("Risk level"))
    grade = django_filters.ModelChoiceFilter(
        queryset=GradeLevel.objects.all(),
        field_name="customer__grade",
        to_field_name="code",
        label=_("Grade"),
        null_label=_("No grade"),
    )
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(),
        field_name="customer__region",
        to_field_name="code",
        method="in_region",
        label=_("Region"),
    )
    route = django_filters.ModelChoiceFilter(
        queryset=Route.objects.all(),
        field_name="customer__route",
        to_field_name="code",
        label=_("Route"),
    )
    salesperson = PersonChoiceFilter(
        queryset=salespeople(),
        field_name="customer__salesperson",
        to_field_name="username",
        label=_("Salesperson"),
    )
    # An id the database can hold: a larger one is refused, not handed to the query.
    customer = IdFilter(field_name="customer_id", label=_("Customer"), help_text=_("Customer id"))

    class Meta:
        model = Investigation
        fields = ["status", "agency", "date_from", "date_to", "risk_level"]

    def in_region(self, queryset, name, value):
        """A region includes its sub-regions at any depth."""
        return queryset.filter(customer__region__in=Region.objects.subtree_ids(value))
