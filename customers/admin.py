"""The admin of the customer archive. Every write goes through the card services, so admin
edits land in the card history with user and channel "admin", like any other edit; what the
services refuse is shown on the page (`ServiceWriteAdmin`, which the reference data's admin
uses too). Staff see the customers of the one scoping rule (`Customer.objects.visible_to`),
and what hangs on them."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ExportMixin, ImportExportModelAdmin
from import_export.formats.base_formats import XLSX
from simple_history.admin import SimpleHistoryAdmin

from accounts.roles import is_manager
from archive_crm.admin import ServiceWriteAdmin, ServiceWriteInline
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
    CardArchived,
    CardConflict,
    RecordConflict,
    card_update,
    contact_delete,
    contact_save,
    credit_incident_delete,
    credit_incident_save,
    customer_archive,
    customer_create,
    customer_restore,
)
from dataexchange.formats import AutoEncodingCSV, EscapingCSV, EscapingXLSX
from jobs.admin import ImportJobAdminMixin
from jobs.models import Job

IMPORT_FORMATS = [AutoEncodingCSV, XLSX]
EXPORT_FORMATS = [EscapingCSV, EscapingXLSX]
# The columns the import page names (SPEC 4); the card's other fields may follow.
CUSTOMER_IMPORT_COLUMNS = "code,name,phone,address,region,customer_type,salesperson"


# What the card services refuse besides a ValidationError: a stale card, a stale or deleted
# contact or incident, an archived card.
CARD_REFUSALS = (CardConflict, RecordConflict, CardArchived)


def _save_child(instance, actor, *, expected_version: int) -> None:
    if isinstance(instance, Contact):
        contact_save(
            contact=instance, actor=actor, channel=Channel.ADMIN, expected_version=expected_version
        )
    else:
        credit_incident_save(
            incident=instance, actor=actor, channel=Channel.ADMIN, expected_version=expected_version
        )


def _delete_child(instance, actor, *, expected_version: int | None = None) -> None:
    if isinstance(instance, Contact):
        contact_delete(
            contact=instance, actor=actor, channel=Channel.ADMIN, expected_version=expected_version
        )
    else:
        credit_incident_delete(
            incident=instance, actor=actor, channel=Channel.ADMIN, expected_version=expected_version
        )


def _visible_customers(request):
    return Customer.objects.visible_to(request.user)


class ArchiveHistoryAdmin(ServiceWriteAdmin, SimpleHistoryAdmin):
    """History pages show the channel of each change. Reverting from a historical version
    is off: it would write past the services (no version check, no provenance). Histories
    are scoped like the rows: `customer_lookup` leads from a row (or its historical record)
    to its customer."""

    history_list_display = ["history_channel"]
    refusals = CARD_REFUSALS
    customer_lookup = "customer"

    def in_scope(self, request, queryset):
        """The rows of `queryset` whose customer the user may see."""
        return queryset.filter(**{f"{self.customer_lookup}__in": _visible_customers(request)})

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        return self.in_scope(
            request, super().get_history_queryset(request, history_manager, pk_name, object_id)
        )

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        records = self.model.history.filter(
            **{self.opts.pk.attname: object_id, "history_id": version_id}
        )
        if not self.in_scope(request, records).exists():
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)


class VersionedChildForm(forms.ModelForm):
    # The version of the contact or incident that the editor loaded, sent back with the form:
    # a record saved or deleted by someone else in the meantime is refused by its service
    # instead of silently overwritten. A new record has none to send.
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        initial=Contact._meta.get_field("version").default,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].required = self.instance.pk is not None


class ArchivedCardReadOnlyInline(ServiceWriteInline, admin.TabularInline):
    """An archived card keeps its contacts and incidents as they are (the services refuse
    changes); the inline says so by offering no add, change or delete."""

    form = VersionedChildForm

    def has_add_permission(self, request, obj=None):
        return not (obj and obj.is_archived) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not (obj and obj.is_archived) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.is_archived) and super().has_delete_permission(request, obj)


class ContactInline(ArchivedCardReadOnlyInline):
    model = Contact
    extra = 0
    fields = ("name", "role", "phone", "mobile", "email", "is_primary", "version")


class CreditIncidentInline(ArchivedCardReadOnlyInline):
    model = CreditIncident
    extra = 0
    fields = (
        "occurred_on",
        "kind",
        "amount",
        "description",
        "resolved_on",
        "resolution",
        "version",
    )


class CustomerAdminForm(forms.ModelForm):
    # The version the editor loaded, sent back with the form: card_update refuses a card
    # saved by someone else in the meantime instead of silently overwriting it.
    version = forms.IntegerField(
        widget=forms.HiddenInput, initial=Customer._meta.get_field("version").default
    )

    class Meta:
        model = Customer
        # The admin builds the form's other fields from the fieldsets.
        fields = ("version",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and "code" in self.fields:
            # A new card typed without a code is numbered by `customer_create`.
            self.fields["code"].required = False


@admin.register(Customer)
class CustomerAdmin(ImportJobAdminMixin, ExportMixin, ArchiveHistoryAdmin):
    import_kind = Job.Kind.CUSTOMER_IMPORT
    import_resource = CustomerResource
    import_columns = CUSTOMER_IMPORT_COLUMNS
    import_title = _("Import customers")
    import_template = "admin/customers/customer/import.html"
    form = CustomerAdminForm
    # The "Import" page is the project's own (`import_view`), as for sales records: the file
    # goes through `dataexchange.services.import_file` as a job. import-export wraps this
    # template around its export button, so it names it this way.
    import_export_change_list_template = "admin/customers/customer/change_list.html"
    # Django 6 reads scheme-less URLs as https; say so now (and silence its warning).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    resource_classes = [CustomerResource]
    export_formats = EXPORT_FORMATS
    customer_lookup = "id"
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

    def get_queryset(self, request):
        # The one scoping rule, as on the pages and in the API: staff who are sales staff see
        # and edit their own customers only (also in exports and customer choices).
        return super().get_queryset(request).visible_to(request.user)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_archived:
            # An archived card is read-only until restored (the services refuse changes).
            return [name for name in CARD_FIELDS if name not in self.readonly_fields] + list(
                self.readonly_fields
            )
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        # Cards are archived, never deleted (deleting one would take its history, provenance
        # and contacts with it), whoever asks.
        return False

    def has_import_permission(self, request):
        # An import writes any card named by its code, whoever's it is: managers only.
        return is_manager(request.user)

    def save_model(self, request, obj, form, change):
        card_values = {name: form.cleaned_data[name] for name in form.fields if name in CARD_FIELDS}
        with self.refusal_shown(form):
            if change:
                changes = {
                    name: card_values[name] for name in form.changed_data if name in card_values
                }
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
        self.adopt(obj, saved)
        obj.version = saved.version

    def save_formset(self, request, form, formset, change):
        # Sorts the rows into new, changed and deleted ones, for the change message too.
        formset.save(commit=False)
        deleted = {id(obj) for obj in formset.deleted_objects}
        saved = {id(obj) for obj in formset.new_objects}
        saved.update(id(obj) for obj, _fields in formset.changed_objects)
        for row in formset.forms:
            instance = row.instance
            if id(instance) in deleted:
                # A row marked for deletion is not validated again: its refusal goes to the
                # page's main form.
                with self.refusal_shown():
                    _delete_child(
                        instance, request.user, expected_version=row.cleaned_data.get("version")
                    )
            elif id(instance) in saved:
                with self.refusal_shown(row):
                    _save_child(
                        instance, request.user, expected_version=row.cleaned_data["version"]
                    )
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


class ContactAdminForm(VersionedChildForm):
    def _get_validation_exclusions(self):
        # One primary contact per customer is kept by contact_save, which demotes the old
        # primary; checking the constraint here first would refuse the switch.
        exclusions = super()._get_validation_exclusions()
        exclusions.add("customer")
        return exclusions


class ChildAdmin(ArchiveHistoryAdmin):
    """Contacts and credit incidents, of the customers the user may see, saved and deleted
    through their services; those of an archived card are read-only."""

    form = VersionedChildForm
    list_select_related = ("customer",)
    autocomplete_fields = ("customer",)

    def get_queryset(self, request):
        return self.in_scope(request, super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "customer":
            kwargs["queryset"] = _visible_customers(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return not (obj and obj.customer.is_archived) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.customer.is_archived) and super().has_delete_permission(
            request, obj
        )

    def save_model(self, request, obj, form, change):
        with self.refusal_shown(form):
            _save_child(obj, request.user, expected_version=form.cleaned_data["version"])

    def delete_model(self, request, obj):
        with self.refusal_shown():
            _delete_child(obj, request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            with self.refusal_shown():
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

    def has_import_permission(self, request):
        # An import writes contacts on any card named by its code: managers only.
        return is_manager(request.user) and super().has_import_permission(request)


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

    def get_queryset(self, request):
        return super().get_queryset(request).filter(customer__in=_visible_customers(request))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
