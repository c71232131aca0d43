"""Sales facts as the API shows them: categories, products and sales lines by code, and a
customer's sales performance. Amounts travel as decimal strings."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from archive_crm.api.fields import YearMonthField
from archive_crm.api.serializers import ModelSerializer, SlugRelatedField
from sales.models import Product, ProductCategory, SalesRecord


class ProductCategorySerializer(ModelSerializer):
    parent = SlugRelatedField(
        slug_field="code",
        queryset=ProductCategory.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Code of the parent category, null for a top-level category."),
    )

    class Meta:
        model = ProductCategory
        fields = ["id", "code", "name", "parent"]

    def validate_parent(self, parent):
        if (
            parent is not None
            and self.instance is not None
            and parent.pk in ProductCategory.objects.subtree_ids(self.instance)
        ):
            raise serializers.ValidationError(
                _("A category cannot be placed under itself or one of its children.")
            )
        return parent


class ProductSerializer(ModelSerializer):
    category = SlugRelatedField(
        slug_field="code",
        queryset=ProductCategory.objects.all(),
        help_text=_("Code of the product category."),
    )

    class Meta:
        model = Product
        fields = ["id", "code", "name", "category", "unit", "unit_price", "is_active"]


class SalesRecordSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    product = serializers.CharField(source="product.code", read_only=True)
    salesperson = serializers.CharField(
        source="salesperson.username", read_only=True, allow_null=True
    )

    class Meta:
        model = SalesRecord
        fields = [
            "id",
            "date",
            "customer",
            "customer_code",
            "product",
            "quantity",
            "amount",
            "salesperson",
            "document_no",
        ]
        read_only_fields = fields


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=20, decimal_places=2, **kwargs)


class MonthlySalesSerializer(serializers.Serializer):
    month = YearMonthField(help_text=_("The month, as YYYY-MM."))
    amount = _money()
    lines = serializers.IntegerField()


class CategorySalesSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=20, decimal_places=3)
    amount = _money()


class GradingWindowSerializer(serializers.Serializer):
    start = serializers.DateField(
        source="window_start", help_text=_("The window's first day, included.")
    )
    end = serializers.DateField(
        source="window_end", help_text=_("The window's last day, included.")
    )
    amount = _money(
        source="window_amount", help_text=_("Sales in the window: what the grade is computed from.")
    )


class SalesPerformanceSerializer(serializers.Serializer):
    """`customer_sales_performance` of one customer, with the day it was computed for."""

    customer = serializers.IntegerField(source="customer.pk", help_text=_("The customer's id."))
    customer_code = serializers.CharField(source="customer.code")
    as_of = serializers.DateField(help_text=_("The day the periods are counted from."))
    grading_window = GradingWindowSerializer(
        source="performance",
        help_text=_("The grading window (the months the regrade grades by) and the sales in it."),
    )
    this_year = _money(
        source="performance.this_year", help_text=_("Sales in the calendar year of as_of.")
    )
    last_year = _money(
        source="performance.last_year", help_text=_("Sales in the calendar year before.")
    )
    total = _money(source="performance.total")
    first_sale = serializers.DateField(source="performance.first_sale", allow_null=True)
    last_sale = serializers.DateField(source="performance.last_sale", allow_null=True)
    monthly = MonthlySalesSerializer(
        source="performance.monthly",
        many=True,
        help_text=_("The last 12 months, oldest first, months without sales included."),
    )
    top_categories = CategorySalesSerializer(
        source="performance.top_categories",
        many=True,
        help_text=_("Up to five product categories with the most sales in the grading window."),
    )
