"""The admin of the customer archive. Every write goes through the card services, so admin
edits land in the card history with user and channel "admin", like any other edit."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX
from simple_history.admin import SimpleHistoryAdmin

from customers.models import (
    CARD_FIELDS,
    CARD_SECTIONS,
    SECTION_LABELS,
    Channel,
    Contact,
    CreditIncident,
    Customer,
    FieldProvenance,
)
from customers.resources import ContactResource, CustomerResource
from customers.services import (
    CardConflict,
    card_update,
    contact_delete,
    contact_save,
    credit_incident_delete,
    credit_incident_save,
    customer_archive,
    customer_create,
    customer_restore,
)
from dataexchange.formats import AutoEncodingCSV

IMPORT_FORMATS = [AutoEncodingCSV, XLSX]
EXPORT_FORMATS = [CSV, XLSX]


def _save_child(instance, actor) -> None:
    if isinstance(instance, Contact):
        contact_save(contact=instance, actor=actor, channel=Channel.ADMIN)
    else:
        credit_incident_save(incident=instance, actor=actor, channel=Channel.ADMIN)


def _delete_child(instance, actor) -> None:
    if isinstance(instance, Contact):
        contact_delete(contact=instance, actor=actor, channel=Channel.ADMIN)
    else:
        credit_incident_delete(incident=instance, actor=actor, channel=Channel.ADMIN)


class ArchiveHistoryAdmin(SimpleHistoryAdmin):
    """History pages show the channel of each change. Reverting from a historical version
    is off: it would write past the services (no version check, no provenance)."""

    history_list_display = ["history_channel"]

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ArchivedCardReadOnlyInline(admin.TabularInline):
    """An archived card keeps its contacts and incidents as they are (the services refuse
    changes); the inline says so by offering no add, change or delete."""

    def has_add_permission(self, request, obj=None):
        return not (obj and obj.is_archived) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not (obj and obj.is_archived) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.is_archived) and super().has_delete_permission(request, obj)


class ContactInline(ArchivedCardReadOnlyInline):
    model = Contact
    extra = 0
    fields = ("name", "role", "phone", "mobile", "email", "is_primary")


class CreditIncidentInline(ArchivedCardReadOnlyInline):
    model = CreditIncident
    extra = 0
    fields = ("occurred_on", "kind", "amount", "description", "resolved_on", "resolution")


class CustomerAdminForm(forms.ModelForm):
    # The version the editor loaded, sent back with the form: a card saved by someone else
    # in the meantime is refused instead of silently overwritten.
    version = forms.IntegerField(
        widget=forms.HiddenInput, initial=Customer._meta.get_field("version").default
    )

    class Meta:
        model = Customer
        # The admin builds the form's other fields from the fieldsets.
        fields = ("version",)

    def clean(self):
        cleaned = super().clean()
        loaded = cleaned.get("version")
        if self.instance.pk and loaded is not None and loaded != self.instance.version:
            raise ValidationError(
                str(CardConflict(customer=self.instance, expected_version=loaded))
            )
        return cleaned


@admin.register(Customer)
class CustomerAdmin(ImportExportModelAdmin, ArchiveHistoryAdmin):
    form = CustomerAdminForm
    # Django 6 reads scheme-less URLs as https; say so now (and silence its warning).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    resource_classes = [CustomerResource]
    import_formats = IMPORT_FORMATS
    export_formats = EXPORT_FORMATS
    list_display = (
        "code",
        "name",
        "status",
        "customer_type",
        "region",
        "grade",
        "salesperson",
        "route",
        "version",
        "updated_at",
    )
    list_display_links = ("code", "name")
    list_filter = (
        "status",
        "customer_type",
        "ownership",
        "grade",
        ("region", admin.RelatedOnlyFieldListFilter),
        ("salesperson", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("customer_type", "region", "grade", "salesperson", "route")
    search_fields = ("code", "name", "short_name", "phone", "credit_code")
    autocomplete_fields = ("customer_type", "ownership", "region", "route", "salesperson")
    readonly_fields = ("status", "grade", "archived_at", "created_at", "updated_at")
    fieldsets = (
        (
            _("Identity and classification"),
            {
                "fields": (
                    "code",
                    "status",
                    ("customer_type", "ownership"),
                    ("region", "route"),
                    "salesperson",
                    "grade",
                    "version",
                )
            },
        ),
        *((SECTION_LABELS[key], {"fields": fields}) for key, fields in CARD_SECTIONS.items()),
        (
            _("Bookkeeping"),
            {"fields": ("archived_at", "created_at", "updated_at"), "classes": ("collapse",)},
        ),
    )
    inlines = (ContactInline, CreditIncidentInline)
    actions = ("archive_customers", "restore_customers")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_archived:
            # An archived card is read-only until restored (the services refuse changes).
            return [name for name in CARD_FIELDS if name not in self.readonly_fields] + list(
                self.readonly_fields
            )
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        # Cards are archived, not deleted; only a superuser may really delete one.
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        card_values = {name: form.cleaned_data[name] for name in form.fields if name in CARD_FIELDS}
        if change:
            changes = {name: card_values[name] for name in form.changed_data if name in card_values}
            if not changes:
                return  # e.g. only inlines changed, or an archived (read-only) card
            saved = card_update(
                customer=obj,
                changes=changes,
                actor=request.user,
                channel=Channel.ADMIN,
                expected_version=form.cleaned_data["version"],
            )
        else:
            saved = customer_create(data=card_values, actor=request.user, channel=Channel.ADMIN)
        # The admin goes on with `obj` (inlines, log entry, redirect): make it the saved card.
        obj.pk = saved.pk
        obj.version = saved.version
        obj._state.adding = False
        obj._state.db = saved._state.db

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            _delete_child(deleted, request.user)
        for instance in instances:
            _save_child(instance, request.user)
        formset.save_m2m()

    @admin.action(description=_("Archive selected customers"), permissions=["change"])
    def archive_customers(self, request, queryset):
        count = 0
        for customer in queryset.filter(status=Customer.Status.ACTIVE):
            customer_archive(customer=customer, actor=request.user, channel=Channel.ADMIN)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d customer archived.", "%(count)d customers archived.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Restore selected customers"), permissions=["change"])
    def restore_customers(self, request, queryset):
        count = 0
        for customer in queryset.filter(status=Customer.Status.ARCHIVED):
            customer_restore(customer=customer, actor=request.user, channel=Channel.ADMIN)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d customer restored.", "%(count)d customers restored.", count)
            % {"count": count},
            messages.SUCCESS,
        )


class ChildAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        customer = cleaned.get("customer")
        if customer is not None and customer.is_archived:
            raise ValidationError(_("An archived card cannot be changed; restore it first."))
        return cleaned


class ContactAdminForm(ChildAdminForm):
    def _get_validation_exclusions(self):
        # One primary contact per customer is kept by contact_save, which demotes the old
        # primary; checking the constraint here first would refuse the switch.
        exclusions = super()._get_validation_exclusions()
        exclusions.add("customer")
        return exclusions


class ChildAdmin(ArchiveHistoryAdmin):
    """Contacts and credit incidents, saved and deleted through their services; those of an
    archived card are read-only."""

    form = ChildAdminForm
    list_select_related = ("customer",)
    autocomplete_fields = ("customer",)

    def has_change_permission(self, request, obj=None):
        return not (obj and obj.customer.is_archived) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.customer.is_archived) and super().has_delete_permission(
            request, obj
        )

    def save_model(self, request, obj, form, change):
        _save_child(obj, request.user)

    def delete_model(self, request, obj):
        _delete_child(obj, request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            _delete_child(obj, request.user)


@admin.register(Contact)
class ContactAdmin(ImportExportModelAdmin, ChildAdmin):
    form = ContactAdminForm
    resource_classes = [ContactResource]
    import_formats = IMPORT_FORMATS
    export_formats = EXPORT_FORMATS
    list_display = ("name", "customer", "role", "phone", "mobile", "email", "is_primary")
    list_filter = ("is_primary",)
    search_fields = ("name", "phone", "mobile", "email", "customer__code", "customer__name")


@admin.register(CreditIncident)
class CreditIncidentAdmin(ChildAdmin):
    list_display = ("occurred_on", "customer", "kind", "amount", "resolved_on")
    list_filter = ("kind", "occurred_on", "resolved_on")
    search_fields = ("customer__code", "customer__name", "description", "resolution")
    date_hierarchy = "occurred_on"


@admin.register(FieldProvenance)
class FieldProvenanceAdmin(admin.ModelAdmin):
    """Read-only: provenance is written by the card services alone."""

    list_display = ("customer", "field_name", "channel", "recorded_at", "recorded_by", "verified")
    list_filter = ("channel", "verified")
    list_select_related = ("customer", "recorded_by")
    search_fields = ("customer__code", "customer__name", "field_name")
    date_hierarchy = "recorded_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
