"""The customer filters, shared by the list page, its exports and the API."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelChoiceField

from accounts.roles import person_name, salespeople
from classification.lifecycle import (
    NO_DEAL_PLANNED,
    TimeSeries,
    TransactionProcess,
    lifecycle_windows_for,
)
from classification.models import CustomerType, GradeLevel, OwnershipForm, Region, Route
from customers.models import Contact, Customer
from customers.selectors import customers_visible_to

# The shortest text a trigram index finds (pg_trgm indexes runs of three characters).
TRIGRAM = 3


class PersonChoiceField(ModelChoiceField):
    def label_from_instance(self, obj):
        return person_name(obj)


class PersonChoiceFilter(django_filters.ModelChoiceFilter):
    """A choice of users, named as the pages name people (`person_name`), not by username."""

    field_class = PersonChoiceField


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", label=_("Search"), help_text=_("Name, code, phone or contact name")
    )
    customer_type = django_filters.ModelChoiceFilter(
        queryset=CustomerType.objects.all(),
        to_field_name="code",
        label=_("Customer type"),
        null_label=_("Not set"),
    )
    ownership = django_filters.ModelChoiceFilter(
        queryset=OwnershipForm.objects.all(),
        to_field_name="code",
        label=_("Ownership"),
        null_label=_("Not set"),
    )
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(),
        to_field_name="code",
        method="in_region",
        label=_("Region"),
        null_label=_("Not set"),
    )
    grade = django_filters.ModelChoiceFilter(
        queryset=GradeLevel.objects.all(),
        to_field_name="code",
        label=_("Grade"),
        null_label=_("No grade"),
    )
    route = django_filters.ModelChoiceFilter(
        queryset=Route.objects.all(), to_field_name="code", label=_("Route")
    )
    salesperson = PersonChoiceFilter(
        queryset=salespeople(),
        label=_("Salesperson"),
        to_field_name="username",
    )
    status = django_filters.ChoiceFilter(choices=Customer.Status.choices, label=_("Status"))
    time_series = django_filters.ChoiceFilter(
        choices=TimeSeries.choices, method="in_time_series", label=_("Time series")
    )
    transaction_process = django_filters.ChoiceFilter(
        choices=TransactionProcess.choices,
        null_label=NO_DEAL_PLANNED,
        method="in_transaction_process",
        label=_("Transaction process"),
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("code", "code"),
            ("name", "name"),
            ("grade__order", "grade"),
            ("region__name", "region"),
            ("salesperson__username", "salesperson"),
            ("updated_at", "updated"),
        ),
        # Named here rather than by django-filter, which writes "<label> (descending)" in the
        # language active when this module is imported, whatever the page's language.
        choices=(
            ("code", _("Code")),
            ("-code", _("Code (descending)")),
            ("name", _("Name")),
            ("-name", _("Name (descending)")),
            ("grade", _("Grade (highest first)")),
            ("-grade", _("Grade (lowest first)")),
            ("region", _("Region")),
            ("-region", _("Region (descending)")),
            ("salesperson", _("Salesperson")),
            ("-salesperson", _("Salesperson (descending)")),
            ("updated", _("Last changed (oldest first)")),
            ("-updated", _("Last changed (newest first)")),
        ),
        label=_("Sort by"),
    )

    class Meta:
        model = Customer
        fields = ["q", "customer_type", "ownership", "region", "grade", "route", "salesperson"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        on_card = (
            Q(name__icontains=value)
            | Q(short_name__icontains=value)
            | Q(code__icontains=value)
            | Q(phone__icontains=value)
        )
        by_contact = Contact.objects.filter(name__icontains=value).values("customer_id").order_by()
        if len(value) < TRIGRAM:
            # Too short for the trigram indexes: the database reads the cards the other
            # filters and the scope leave (a salesperson's own, say) and tests each.
            return queryset.filter(on_card | Q(pk__in=by_contact))
        # The cards that match on their own columns, then those whose contact matches: two
        # parts, each of which an index serves on PostgreSQL (the trigram indexes of
        # customers' migration 0011); one OR across the card and a subquery would have the
        # database read every card.
        matching = Customer.objects.filter(on_card).values("pk").order_by()
        return queryset.filter(pk__in=matching.union(by_contact))

    def in_region(self, queryset, name, value):
        """A region includes its sub-regions at any depth."""
        if value == self.filters[name].null_value:
            return queryset.filter(region__isnull=True)
        return queryset.filter(region__in=Region.objects.subtree_ids(value))

    def in_time_series(self, queryset, name, value):
        """The lifecycle rule of `classification.lifecycle`, on the stored sale dates."""
        return queryset.filter(lifecycle_windows_for(self.request).time_series_q(value))

    def in_transaction_process(self, queryset, name, value):
        value = None if value == self.filters[name].null_value else value
        return queryset.filter(lifecycle_windows_for(self.request).transaction_process_q(value))


def customers_filtered(*, user, query, request=None) -> tuple[CustomerFilter, QuerySet]:
    """The one scoping rule, then the shared FilterSet on `query` (the list, its exports
    and their jobs agree): the FilterSet, for its form, and its rows in the list's order
    with the key as tie-breaker (rows do not move between pages). A filter value that is not
    valid (an unknown region, say) matches nothing rather than being ignored."""
    filterset = CustomerFilter(query, queryset=customers_visible_to(user), request=request)
    if not filterset.is_valid():
        return filterset, filterset.queryset.none()
    customers = filterset.qs
    if customers.query.order_by:
        customers = customers.order_by(*customers.query.order_by, "pk")
    return filterset, customers
