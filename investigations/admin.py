"""The admin of the investigations and their agencies, written through
`investigations.services`, whose refusals are shown on the page (`ServiceWriteAdmin`).
Agencies are reference data: one still named by an investigation is never deleted. An
investigation is commissioned here; its delivery (findings, report, proposed card changes)
is recorded on its page or through the API, so an existing one is read-only here and is
never deleted. Staff see the investigations the pages show them."""

from django.contrib import admin

from archive_crm.admin import ServiceWriteAdmin
from classification.admin import ServiceSavedReferenceAdmin
from investigations.models import Agency, Investigation
from investigations.selectors import investigations_visible_to
from investigations.services import (
    agency_create,
    agency_delete,
    agency_update,
    investigation_commission,
)

COMMISSION_FIELDS = ("customer", "agency", "requested_on", "cost", "scope")


@admin.register(Agency)
class AgencyAdmin(ServiceSavedReferenceAdmin):
    list_display = ("code", "name", "contact", "phone", "order", "is_active")
    search_fields = ("code", "name", "name_en", "contact")

    def create_entry(self, request, data):
        return agency_create(data=data, actor=request.user)

    def update_entry(self, request, obj, changes):
        agency_update(agency=obj, changes=changes, actor=request.user)

    def delete_entry(self, request, obj):
        agency_delete(agency=obj, actor=request.user)


@admin.register(Investigation)
class InvestigationAdmin(ServiceWriteAdmin):
    list_display = ("requested_on", "customer", "agency", "status", "risk_level", "cost")
    list_filter = ("status", "risk_level", "agency", "requested_on")
    list_select_related = ("customer", "agency")
    search_fields = ("customer__code", "customer__name", "agency__name", "findings")
    autocomplete_fields = ("customer",)
    date_hierarchy = "requested_on"

    def get_queryset(self, request):
        return super().get_queryset(request) & investigations_visible_to(request.user)

    def get_fields(self, request, obj=None):
        if obj is None:
            return COMMISSION_FIELDS
        return [field.name for field in Investigation._meta.fields if field.name != "id"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "agency":
            kwargs["queryset"] = Agency.objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        with self.refusal_shown(form):
            data = {name: form.cleaned_data[name] for name in COMMISSION_FIELDS}
            self.adopt(obj, investigation_commission(**data, actor=request.user))
