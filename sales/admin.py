from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin, ImportExportModelAdmin
from import_export.formats.base_formats import XLSX

from accounts.roles import is_manager
from customers.models import Customer
from dataexchange.formats import AutoEncodingCSV, EscapingCSV, EscapingXLSX
from jobs.admin import ImportJobAdminMixin
from jobs.models import Job
from sales.models import Product, ProductCategory, SalesRecord
from sales.resources import ProductCategoryResource, ProductResource, SalesRecordResource
from sales.services import sales_records_delete

IMPORT_FORMATS = [AutoEncodingCSV, XLSX]
EXPORT_FORMATS = [EscapingCSV, EscapingXLSX]


SALES_COLUMNS = "date,customer,product,quantity,amount"


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
class SalesRecordAdmin(ImportJobAdminMixin, ExportMixin, admin.ModelAdmin):
    import_kind = Job.Kind.SALES_IMPORT
    import_resource = SalesRecordResource
    import_columns = SALES_COLUMNS
    import_title = _("Import sales records")
    import_template = "admin/sales/salesrecord/import.html"
    """Sales lines are facts from the ERP: read-only here, loaded by import (the "Import"
    page streams the file through the bulk loader, all or nothing)."""

    # import-export wraps this template around its own, so it names it this way.
    import_export_change_list_template = "admin/sales/salesrecord/change_list.html"
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

    def get_queryset(self, request):
        # The one scoping rule: a salesperson made staff sees the lines of their customers.
        # (Managers see every customer: no subquery over millions of lines for them.)
        lines = super().get_queryset(request)
        if is_manager(request.user):
            return lines
        return lines.filter(customer__in=Customer.objects.visible_to(request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    # Through the service: deleting lines can move a customer's first or last sale, and the
    # service has the dates follow in the same transaction.
    def delete_model(self, request, obj):
        sales_records_delete(queryset=SalesRecord.objects.filter(pk=obj.pk), actor=request.user)

    def delete_queryset(self, request, queryset):
        sales_records_delete(queryset=queryset, actor=request.user)

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm("sales.add_salesrecord")
