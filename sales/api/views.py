"""The sales API: reference data (categories, products) readable by everyone signed in and
written with the model permissions; sales lines and performance read-only, scoped through
the customer like every other read (`Customer.objects.visible_to`)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, viewsets
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.response import Response

from archive_crm.api.exceptions import IN_USE
from archive_crm.api.filters import FilterSet, IdFilter
from archive_crm.api.permissions import ModelPermissions
from customers.models import Customer
from customers.selectors import customer_get_for_user
from sales.api.serializers import (
    ProductCategorySerializer,
    ProductSerializer,
    SalesPerformanceSerializer,
    SalesRecordSerializer,
)
from sales.models import Product, ProductCategory, SalesRecord
from sales.selectors import customer_sales_performance


@extend_schema_view(destroy=extend_schema(responses={204: None, 409: IN_USE}))
class ProductCategoryViewSet(viewsets.ModelViewSet):
    """Product categories. Deleting one still used by products is refused (409)."""

    queryset = ProductCategory.objects.select_related("parent")
    serializer_class = ProductCategorySerializer
    permission_classes = [ModelPermissions]
    filter_backends = [SearchFilter, OrderingFilter]
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    lookup_value_converter = "int"


class ProductFilter(FilterSet):
    category = filters.CharFilter(
        field_name="category__code", label=_("Category code"), help_text=_("Category code")
    )

    class Meta:
        model = Product
        fields = ["category", "is_active"]


@extend_schema_view(destroy=extend_schema(responses={204: None, 409: IN_USE}))
class ProductViewSet(viewsets.ModelViewSet):
    """Products. Deleting one that has sales lines is refused (409): deactivate it."""

    queryset = Product.objects.select_related("category")
    serializer_class = ProductSerializer
    permission_classes = [ModelPermissions]
    filter_backends = [filters.DjangoFilterBackend, SearchFilter, OrderingFilter]
    filterset_class = ProductFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name", "unit_price"]
    lookup_value_converter = "int"


class SalesRecordFilter(filters.FilterSet):
    customer = IdFilter(
        field_name="customer_id", label=_("Customer id"), help_text=_("Customer id")
    )
    date_from = filters.DateFilter(
        field_name="date",
        lookup_expr="gte",
        label=_("From (inclusive)"),
        help_text=_("First day, YYYY-MM-DD, inclusive"),
    )
    date_to = filters.DateFilter(
        field_name="date",
        lookup_expr="lte",
        label=_("To (inclusive)"),
        help_text=_("Last day, YYYY-MM-DD, inclusive"),
    )
    product = filters.CharFilter(
        field_name="product__code", label=_("Product code"), help_text=_("Product code")
    )

    class Meta:
        model = SalesRecord
        fields = ["customer", "date_from", "date_to", "product"]


@extend_schema_view(
    list=extend_schema(
        description=_(
            "Sales lines of the customers the user may see, newest first: sales staff their "
            "own customers', managers all."
        )
    ),
    retrieve=extend_schema(description=_("One sales line; outside the user's scope a 404.")),
)
class SalesRecordViewSet(viewsets.ReadOnlyModelViewSet):
    """Sales lines are facts from the ERP: read here, loaded by import."""

    serializer_class = SalesRecordSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = SalesRecordFilter
    lookup_value_converter = "int"

    def get_queryset(self):
        records = SalesRecord.objects.select_related("customer", "product", "salesperson")
        visible = Customer.objects.visible_to(self.request.user)
        # A scope of every customer (a manager's) narrows nothing: without the filter the
        # database counts and pages the lines from their own indexes instead of matching
        # millions of lines against every customer.
        if visible.query.has_filters():
            records = records.filter(customer__in=visible)
        return records


class SalesPerformanceView(generics.GenericAPIView):
    """目前及以往的销售实绩 of one customer: the sales in the grading window (with its dates,
    the same window the regrade grades by), this and last calendar year, all time, first and
    last sale, the monthly trend of the last 12 months and the top categories of the grading
    window. Outside the user's scope the customer does not exist (404)."""

    serializer_class = SalesPerformanceSerializer
    pagination_class = None
    filter_backends = []

    def get(self, request, customer_id: int):
        customer = customer_get_for_user(request.user, customer_id)
        today = timezone.localdate()
        performance = customer_sales_performance(customer, today=today)
        serializer = self.get_serializer(
            {"customer": customer, "as_of": today, "performance": performance}
        )
        return Response(serializer.data)
