from django.contrib import admin
from import_export.admin import ExportMixin, ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX

from dataexchange.formats import AutoEncodingCSV
from sales.models import Product, ProductCategory, SalesRecord
from sales.resources import ProductCategoryResource, ProductResource, SalesRecordResource

IMPORT_FORMATS = [AutoEncodingCSV, XLSX]
EXPORT_FORMATS = [CSV, XLSX]


@admin.register(ProductCategory)
class ProductCategoryAdmin(ImportExportModelAdmin):
    resource_classes = [ProductCategoryResource]
    import_formats = IMPORT_FORMATS
    export_formats = EXPORT_FORMATS
    list_display = ["code", "name", "parent"]
    list_select_related = ["parent"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(Product)
class ProductAdmin(ImportExportModelAdmin):
    resource_classes = [ProductResource]
    import_formats = IMPORT_FORMATS
    export_formats = EXPORT_FORMATS
    list_display = ["code", "name", "category", "unit", "unit_price", "is_active"]
    list_filter = ["is_active", "category"]
    list_select_related = ["category"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["category"]


@admin.register(SalesRecord)
class SalesRecordAdmin(ExportMixin, admin.ModelAdmin):
    """Sales lines are facts from the ERP: read-only here, loaded by import."""

    resource_classes = [SalesRecordResource]
    export_formats = EXPORT_FORMATS
    list_display = [
        "date",
        "customer",
        "product",
        "quantity",
        "amount",
        "salesperson",
        "document_no",
    ]
    list_filter = ["date", "product__category"]
    list_select_related = ["customer", "product", "salesperson"]
    search_fields = ["document_no", "customer__code", "customer__name", "product__code"]
    date_hierarchy = "date"
    show_full_result_count = False  # counting millions of lines on every page is slow

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
