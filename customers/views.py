"""The customer pages: list and export, the card, its create/edit forms, archive and restore,
contacts and credit incidents. Every read starts from the scoping selectors and every write
goes through the services; these views only translate between HTTP and those functions."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.roles import is_manager, person_name
from archive_crm.forms import add_service_error
from archive_crm.pagination import ListPaginator
from classification.lifecycle import (
    TimeSeries,
    TransactionProcess,
    lifecycle_windows_for,
    with_lifecycle,
)
from classification.schedule import customer_next_visit_on
from customers.exports import (
    customer_export_file_name,
    customer_export_task,
    customer_list_export,
    customers_for_export,
)
from customers.filters import customers_filtered
from customers.forms import ContactForm, CreditIncidentForm, CustomerCreateForm, CustomerForm
from customers.models import CARD_SECTIONS, SECTION_LABELS, Channel, Customer
from customers.panels import BELOW, SUMMARY, card_panels
from customers.selectors import (
    customer_completeness,
    customer_find_duplicates,
    customer_get_for_user,
    customer_provenance,
    customer_timeline,
)
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
from jobs.models import Job
from jobs.services import job_start

PAGE_SIZE_DEFAULT = 25
PAGE_SIZE_MIN = 10
PAGE_SIZE_MAX = 100
PAGE_SIZES = (10, 25, 50, 100)

# List columns: (field, label, the CustomerFilter ordering key or None when not sortable).
LIST_COLUMNS = (
    ("code", _("Code"), "code"),
    ("name", _("Name"), "name"),
    ("customer_type", _("Type"), None),
    ("region", _("Region"), "region"),
    ("grade", _("Grade"), "grade"),
    ("route", _("Route"), None),
    ("salesperson", _("Salesperson"), "salesperson"),
    ("phone", _("Phone"), None),
    ("time_series", _("Time series"), None),
    ("transaction_process", _("Transaction process"), None),
    ("status", _("Status"), None),
)

EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

ARCHIVED_READ_ONLY = _("This card is archived and read-only; restore it first.")


# List and export ---------------------------------------------------------------------------


def _page_size(request) -> int:
    try:
        size = int(request.GET.get("page_size", PAGE_SIZE_DEFAULT))
    except ValueError:
        return PAGE_SIZE_DEFAULT
    return min(max(size, PAGE_SIZE_MIN), PAGE_SIZE_MAX)


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    url: str | None  # the link that sorts by this column (None: not sortable)
    sorted: str  # "ascending", "descending" or ""


def _columns(request) -> list[Column]:
    current = request.GET.get("ordering", "")
    columns = []
    for field, label, key in LIST_COLUMNS:
        if key is None:
            columns.append(Column(field, label, None, ""))
            continue
        sorted_ = {key: "ascending", f"-{key}": "descending"}.get(current, "")
        query = request.GET.copy()
        query.pop("page", None)
        query["ordering"] = f"-{key}" if sorted_ == "ascending" else key
        columns.append(Column(field, label, f"?{query.urlencode()}", sorted_))
    return columns


def customer_list(request):
    filterset, customers = customers_filtered(user=request.user, query=request.GET, request=request)
    if not is_manager(request.user):
        # Sales staff only ever see their own customers: choosing a salesperson means nothing.
        del filterset.form.fields["salesperson"]
    page_size = _page_size(request)
    customers = with_lifecycle(customers, windows=lifecycle_windows_for(request))
    page = ListPaginator(customers, page_size).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for customer in page.object_list:
        customer.next_visit = customer_next_visit_on(customer, today)
    # The folded filters (a phone's) open by themselves when one of them is set or refused,
    # so a narrowed list never hides why.
    active_filters = sum(
        1
        for name in filterset.form.fields
        if name not in ("q", "ordering") and request.GET.get(name, "")
    )
    export_query = request.GET.copy()
    for key in ("page", "page_size", "format"):
        export_query.pop(key, None)
    return render(
        request,
        "customers/list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "customers": page.object_list,
            "columns": _columns(request),
            "active_filters": active_filters,
            "filters_open": bool(active_filters or filterset.form.errors),
            "page_size": page_size,
            "page_sizes": PAGE_SIZES,
            "export_query": export_query.urlencode(),
            "time_series_choices": TimeSeries.choices,
            "transaction_process_choices": TransactionProcess.choices,
        },
    )


def customer_export(request):
    """The filtered list, in the user's scope, as CSV or XLSX for people: the list's
    columns, in the user's language (`customers.exports`). A list longer than
    `EXPORT_INLINE_MAX` rows is written by a job instead, whose page offers the file."""
    export_format = request.GET.get("format", "csv")
    if export_format not in EXPORT_FORMATS:
        return HttpResponseBadRequest(_("Unknown export format."))
    columns = [(field, str(label)) for field, label, _sort in LIST_COLUMNS]
    customers = customers_for_export(
        user=request.user, query=request.GET, windows=lifecycle_windows_for(request)
    )
    # One more row than an export made here may hold tells whether it is too long, without
    # counting the whole list first.
    first = list(customers[: settings.EXPORT_INLINE_MAX + 1])
    if len(first) > settings.EXPORT_INLINE_MAX:
        job = job_start(
            kind=Job.Kind.CUSTOMER_EXPORT,
            owner=request.user,
            task=customer_export_task,
            user_id=request.user.pk,
            query=request.GET.urlencode(),
            columns=columns,
            file_format=export_format,
        )
        return redirect(job)
    content = customer_list_export(first, columns=columns, file_format=export_format)
    response = HttpResponse(content, content_type=EXPORT_FORMATS[export_format])
    filename = customer_export_file_name(export_format)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# The card ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardRow:
    name: str
    label: str
    value: object
    kind: str  # "url", "email" or "text"
    provenance: object


@dataclass(frozen=True)
class CardSection:
    key: str
    label: str
    completeness: int
    rows: list[CardRow]
    panels: list[str]  # rendered, from the apps above the card (customers.panels)


def _display(customer: Customer, name: str):
    """What a person reads for a field's value: choice labels, not codes."""
    field = Customer._meta.get_field(name)
    value = getattr(customer, name)
    if field.choices and value:
        return getattr(customer, f"get_{name}_display")()
    return value


def _kind(name: str) -> str:
    field = Customer._meta.get_field(name)
    if isinstance(field, models.URLField):
        return "url"
    if isinstance(field, models.EmailField):
        return "email"
    return "text"


def customer_detail(request, pk):
    """The card: its sections with where each value came from, contacts, credit incidents
    and history, and the panels that the apps above the card register (classification,
    sales), each in its place."""
    customer = customer_get_for_user(request.user, pk)
    provenance = customer_provenance(customer)
    completeness = customer_completeness(customer)
    panels = card_panels(request, customer)
    sections = [
        CardSection(
            key,
            SECTION_LABELS[key],
            completeness.sections[key],
            [
                CardRow(
                    name,
                    Customer._meta.get_field(name).verbose_name,
                    _display(customer, name),
                    _kind(name),
                    provenance.get(name),
                )
                for name in fields
            ],
            panels[key],
        )
        for key, fields in CARD_SECTIONS.items()
    ]
    return render(
        request,
        "customers/card.html",
        {
            "customer": customer,
            "completeness": completeness,
            "sections": sections,
            "contacts": list(customer.contacts.all()),
            "incidents": list(customer.credit_incidents.all()),
            "timeline": customer_timeline(customer),
            "summary_panels": panels[SUMMARY],
            "below_panels": panels[BELOW],
        },
    )


# Create and edit ---------------------------------------------------------------------------


@permission_required("customers.add_customer", raise_exception=True)
def customer_create_view(request):
    duplicates = []
    if request.method == "POST":
        form = CustomerCreateForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.card_data()
            if not form.cleaned_data["save_anyway"]:
                duplicates = customer_find_duplicates(
                    user=request.user,
                    name=data["name"],
                    credit_code=data["credit_code"],
                    phone=data["phone"],
                )
            if not duplicates:
                try:
                    customer = customer_create(
                        data=data, actor=request.user, channel=Channel.MANUAL
                    )
                except ValidationError as error:
                    add_service_error(form, error)
                else:
                    messages.success(
                        request, _("Customer %(name)s was created.") % {"name": customer}
                    )
                    return redirect(customer)
    else:
        form = CustomerCreateForm(user=request.user)
    return render(
        request,
        "customers/form.html",
        {"form": form, "duplicates": duplicates, "title": _("Add customer")},
    )


@permission_required("customers.change_customer", raise_exception=True)
def customer_edit(request, pk):
    customer = customer_get_for_user(request.user, pk)
    if customer.is_archived:
        messages.error(request, ARCHIVED_READ_ONLY)
        return redirect(customer)
    if request.method == "POST":
        form = CustomerForm(request.POST, instance=customer, user=request.user)
        if form.is_valid():
            try:
                card_update(
                    customer=customer,
                    changes=form.card_data(),
                    actor=request.user,
                    channel=Channel.MANUAL,
                    expected_version=form.cleaned_data["version"],
                )
            except CardConflict as conflict:
                form = _conflict_form(request, customer, conflict.customer)
            except CardArchived as error:
                messages.error(request, str(error))
                return redirect(customer)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Your changes to the card were saved."))
                return redirect(customer)
    else:
        form = CustomerForm(instance=customer, user=request.user)
    return render(
        request,
        "customers/form.html",
        {"form": form, "customer": customer, "title": _("Edit customer")},
    )


def _conflict_form(request, customer: Customer, saved: Customer) -> CustomerForm:
    """The user's input again, now based on the saved version, with the saved value next to
    each field that differs and a message naming who saved first. Saving this form again is
    a deliberate overwrite of what the user has seen."""
    data = request.POST.copy()
    data["version"] = saved.version
    form = CustomerForm(data, instance=customer, user=request.user)
    form.is_valid()
    for name in form.card_fields:
        mine = form.cleaned_data.get(name)
        theirs = getattr(saved, name)
        if (mine in (None, "") and theirs in (None, "")) or mine == theirs:
            continue
        value = _display(saved, name)
        form.conflicts[name] = "—" if value in (None, "") else str(value)
    latest = saved.history.select_related("history_user").order_by("-history_date").first()
    if latest is None:
        form.add_error(None, _("Someone else saved this card first. Nothing of yours was saved."))
        return form
    when = formats.date_format(timezone.localtime(latest.history_date), "DATETIME_FORMAT")
    if latest.history_user is not None:
        who = person_name(latest.history_user)
        message = _(
            "Someone else saved this card first: %(user)s (%(when)s). Nothing of yours was "
            "saved. Your input is kept below, with the saved value next to each field that "
            "differs; check them and save again."
        ) % {"user": who, "when": when}
    else:
        message = _(
            "Someone else saved this card first (%(when)s). Nothing of yours was saved. "
            "Your input is kept below, with the saved value next to each field that differs; "
            "check them and save again."
        ) % {"when": when}
    form.add_error(None, message)
    return form


# Archive and restore -----------------------------------------------------------------------


@require_POST
@permission_required("customers.change_customer", raise_exception=True)
def customer_archive_view(request, pk):
    customer = customer_get_for_user(request.user, pk)
    customer_archive(customer=customer, actor=request.user, channel=Channel.MANUAL)
    messages.success(request, _("The card was archived. It stays readable and can be restored."))
    return redirect(customer)


@require_POST
@permission_required("customers.change_customer", raise_exception=True)
def customer_restore_view(request, pk):
    customer = customer_get_for_user(request.user, pk)
    customer_restore(customer=customer, actor=request.user, channel=Channel.MANUAL)
    messages.success(request, _("The card was restored to the active archive."))
    return redirect(customer)


# Contacts and credit incidents -------------------------------------------------------------


def _refuse_archived(request, customer):
    """Contacts and incidents are part of the card: an archived card keeps them as they are."""
    if customer.is_archived:
        messages.error(request, ARCHIVED_READ_ONLY)
        return redirect(customer)
    return None


def _child_form(request, *, customer, instance, form_class, save, anchor, title, saved_message):
    if request.method == "POST":
        form = form_class(request.POST, instance=instance)
        if form.is_valid():
            try:
                save(
                    form.instance,
                    actor=request.user,
                    channel=Channel.MANUAL,
                    expected_version=form.expected_version,
                )
            except ValidationError as error:
                add_service_error(form, error)
            except RecordConflict as conflict:
                form.add_error(None, _stale_record_message(conflict))
            except CardArchived as error:
                messages.error(request, str(error))
                return redirect(customer)
            else:
                messages.success(request, saved_message)
                return redirect(f"{customer.get_absolute_url()}#{anchor}")
    else:
        form = form_class(instance=instance)
    return render(
        request,
        "customers/child_form.html",
        {"form": form, "customer": customer, "title": title, "anchor": anchor},
    )


def _stale_record_message(conflict: RecordConflict) -> str:
    if conflict.current is None:
        return str(conflict)
    return _(
        "Someone else saved this record first. Nothing of yours was saved; open it again to "
        "see what they saved, then make your change."
    )


def _child_delete(request, *, customer, instance, delete, anchor, title, deleted_message):
    if request.method == "POST":
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = None
        try:
            delete(instance, actor=request.user, channel=Channel.MANUAL, expected_version=version)
        except RecordConflict:
            messages.error(
                request,
                _(
                    "Someone else changed this record after you opened it; it was not "
                    "deleted. Look at it again before deleting it."
                ),
            )
        except CardArchived as error:
            messages.error(request, str(error))
        else:
            messages.success(request, deleted_message)
        return redirect(f"{customer.get_absolute_url()}#{anchor}")
    return render(
        request,
        "customers/confirm_delete.html",
        {"customer": customer, "object": instance, "title": title, "anchor": anchor},
    )


def _save_contact(contact, **kwargs):
    return contact_save(contact=contact, **kwargs)


def _delete_contact(contact, **kwargs):
    return contact_delete(contact=contact, **kwargs)


def _save_incident(incident, **kwargs):
    return credit_incident_save(incident=incident, **kwargs)


def _delete_incident(incident, **kwargs):
    return credit_incident_delete(incident=incident, **kwargs)


@permission_required("customers.add_contact", raise_exception=True)
def contact_create(request, pk):
    customer = customer_get_for_user(request.user, pk)
    if refused := _refuse_archived(request, customer):
        return refused
    return _child_form(
        request,
        customer=customer,
        instance=customer.contacts.model(customer=customer),
        form_class=ContactForm,
        save=_save_contact,
        anchor="basic",
        title=_("New contact"),
        saved_message=_("The contact was added."),
    )


@permission_required("customers.change_contact", raise_exception=True)
def contact_edit(request, pk, contact_pk):
    customer = customer_get_for_user(request.user, pk)
    contact = get_object_or_404(customer.contacts, pk=contact_pk)
    if refused := _refuse_archived(request, customer):
        return refused
    return _child_form(
        request,
        customer=customer,
        instance=contact,
        form_class=ContactForm,
        save=_save_contact,
        anchor="basic",
        title=_("Edit contact"),
        saved_message=_("The contact was saved."),
    )


@permission_required("customers.delete_contact", raise_exception=True)
def contact_delete_view(request, pk, contact_pk):
    customer = customer_get_for_user(request.user, pk)
    contact = get_object_or_404(customer.contacts, pk=contact_pk)
    if refused := _refuse_archived(request, customer):
        return refused
    return _child_delete(
        request,
        customer=customer,
        instance=contact,
        delete=_delete_contact,
        anchor="basic",
        title=_("Delete contact"),
        deleted_message=_("The contact was deleted."),
    )


@permission_required("customers.add_creditincident", raise_exception=True)
def incident_create(request, pk):
    customer = customer_get_for_user(request.user, pk)
    if refused := _refuse_archived(request, customer):
        return refused
    return _child_form(
        request,
        customer=customer,
        instance=customer.credit_incidents.model(customer=customer),
        form_class=CreditIncidentForm,
        save=_save_incident,
        anchor="transactions",
        title=_("New credit incident"),
        saved_message=_("The credit incident was recorded."),
    )


@permission_required("customers.change_creditincident", raise_exception=True)
def incident_edit(request, pk, incident_pk):
    customer = customer_get_for_user(request.user, pk)
    incident = get_object_or_404(customer.credit_incidents, pk=incident_pk)
    if refused := _refuse_archived(request, customer):
        return refused
    return _child_form(
        request,
        customer=customer,
        instance=incident,
        form_class=CreditIncidentForm,
        save=_save_incident,
        anchor="transactions",
        title=_("Edit credit incident"),
        saved_message=_("The credit incident was saved."),
    )


@permission_required("customers.delete_creditincident", raise_exception=True)
def incident_delete(request, pk, incident_pk):
    customer = customer_get_for_user(request.user, pk)
    incident = get_object_or_404(customer.credit_incidents, pk=incident_pk)
    if refused := _refuse_archived(request, customer):
        return refused
    return _child_delete(
        request,
        customer=customer,
        instance=incident,
        delete=_delete_incident,
        anchor="transactions",
        title=_("Delete credit incident"),
        deleted_message=_("The credit incident was deleted."),
    )
