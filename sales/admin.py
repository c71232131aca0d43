from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin, ImportExportModelAdmin
from import_export.formats.base_formats import XLSX

from accounts.roles import is_manager
from customers.models import Customer
from dataexchange.formats import AutoEncodingCSV, EscapingCSV, EscapingXLSX, FileReadError
from dataexchange.services import ImportReport, RowError, import_file
from sales.models import Product, ProductCategory, SalesRecord
from sales.resources import ProductCategoryResource, ProductResource, SalesRecordResource
from sales.services import sales_records_delete

IMPORT_FORMATS = [AutoEncodingCSV, XLSX]
EXPORT_FORMATS = [EscapingCSV, EscapingXLSX]


class SalesImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"), help_text=_("CSV or XLSX: date,customer,product,quantity,amount")
    )
    file_format = forms.ChoiceField(
        label=_("Format"),
        choices=[("", _("From the file name")), ("csv", "CSV"), ("xlsx", "XLSX")],
        required=False,
    )
    encoding = forms.CharField(
        label=_("Encoding"),
        required=False,
        max_length=40,
        help_text=_("For CSV only; leave empty to detect UTF-8 (with or without BOM) or GB18030."),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run"),
        required=False,
        help_text=_("Check the whole file and report, without saving anything."),
    )


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

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="sales_salesrecord_import",
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm("sales.add_salesrecord")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        """Upload a sales file: every row is checked, and either all lines are loaded or
        none, with every bad row named (row, column, reason)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        report = None
        if request.method == "POST":
            form = SalesImportForm(request.POST, request.FILES)
            if form.is_valid():
                report = self._import(request, form.cleaned_data)
        else:
            form = SalesImportForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import sales records"),
            "form": form,
            "report": report,
        }
        return TemplateResponse(request, "admin/sales/salesrecord/import.html", context)

    def _import(self, request, data) -> ImportReport:
        upload = data["file"]
        # A large upload is already on disk: stream it from there instead of into memory.
        if hasattr(upload, "temporary_file_path"):
            content = upload.temporary_file_path()
        else:
            content = upload.read()
        try:
            return import_file(
                resource=SalesRecordResource,
                path_or_bytes=content,
                file_name=upload.name,
                file_format=data["file_format"] or None,
                encoding=data["encoding"].strip() or None,
                dry_run=data["dry_run"],
                actor=request.user,
            )
        except FileReadError as error:
            report = ImportReport(dry_run=data["dry_run"])
            report.errors.append(RowError(None, "", str(error)))
            return report
