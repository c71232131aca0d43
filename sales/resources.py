"""Import and export of product categories, products and sales records (SPEC 4 columns).

Categories and products go through django-import-export with the project's all-or-nothing
base, which also holds each row to the model's own validation (a negative unit price is an
error of its row). Sales records are exported by the resource and imported by the
streaming bulk loader (`sales.loader`), which keeps the same columns, validation and
all-or-nothing rule at millions of lines.
"""

from import_export import widgets
from import_export.fields import Field

from customers.models import Customer
from dataexchange.resources import ArchiveModelResource, ReferenceWidget, TextWidget
from sales.models import Product, ProductCategory, SalesRecord


def _text(name: str) -> Field:
    return Field(attribute=name, column_name=name, widget=TextWidget())


class ProductCategoryResource(ArchiveModelResource):
    code = _text("code")
    name = _text("name")

    required_columns = ("code", "name")

    class Meta:
        model = ProductCategory
        fields = ("code", "name")
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True


class ProductResource(ArchiveModelResource):
    """Products by code; the category by code or name (it must exist)."""

    code = _text("code")
    name = _text("name")
    category = Field(
        attribute="category",
        column_name="category",
        widget=ReferenceWidget(ProductCategory, lookup_fields=("code", "name")),
    )
    unit_price = Field(
        attribute="unit_price", column_name="unit_price", widget=widgets.DecimalWidget()
    )

    required_columns = ("code", "name", "category")

    class Meta:
        model = Product
        fields = ("code", "name", "category", "unit_price")
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True


class SalesRecordResource(ArchiveModelResource):
    """Sales lines: `date,customer,product,quantity,amount[,document_no]`, customer and
    product by code. Imports run through `bulk_loader` (see `sales.loader`, which holds
    the required columns and the natural key); the resource itself exports."""

    bulk_loader = "sales.loader.sales_records_load"

    date = Field(attribute="date", column_name="date", widget=widgets.DateWidget("%Y-%m-%d"))
    customer = Field(
        attribute="customer",
        column_name="customer",
        widget=ReferenceWidget(Customer, lookup_fields=("code",)),
    )
    product = Field(
        attribute="product",
        column_name="product",
        widget=ReferenceWidget(Product, lookup_fields=("code",)),
    )
    quantity = Field(attribute="quantity", column_name="quantity", widget=widgets.DecimalWidget())
    amount = Field(attribute="amount", column_name="amount", widget=widgets.DecimalWidget())
    document_no = _text("document_no")

    class Meta:
        model = SalesRecord
        fields = ("date", "customer", "product", "quantity", "amount", "document_no")

    def get_queryset(self):
        return super().get_queryset().select_related("customer", "product")
