"""Pages: a salesperson's daily visit reports, made for a phone first. Today's report opens
in one tap from the home page; a visit is picked from the day's route stops, a search of the
salesperson's own customers, or a prospect met on the spot; each visit is saved on its own,
and may propose card updates and carry photos. A salesperson reads and writes only their own
reports (another's does not exist for them: 404); a manager reads any report, read-only.
Every write goes through `visits.services`; these views translate between HTTP and them."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.roles import is_manager, is_sales
from archive_crm.pagination import ListPaginator
from classification.services.routes import plan_for
from customers.models import Channel
from customers.selectors import customer_find_duplicates
from customers.services import customer_create
from review.selectors import card_value_in_words
from visits.forms import NEW_PROSPECT, PhotoForm, ProposalForm, VisitForm, VisitNotesForm
from visits.models import Visit, VisitReport
from visits.selectors import (
    DECIDED_DAYS,
    FOLLOW_UP_DAYS,
    check_in_distance,
    customers_matching,
    follow_ups_due,
    photo_get_for_user,
    proposal_get_for_user,
    proposals_decided,
    proposals_of_visits,
    report_get_for_user,
    report_visits,
    reports_for_home,
    reports_of,
    visit_get_for_user,
    visits_of_customer,
)
from visits.services import (
    ReportClosed,
    photo_add,
    proposal_add,
    proposal_withdraw,
    report_deadline,
    report_open,
    report_submit,
    visit_add,
    visit_delete,
    visit_update,
)

PAGE_SIZE_DEFAULT = 20
PAGE_SIZE_MIN = 5
PAGE_SIZE_MAX = 100


# Who may do what ---------------------------------------------------------------------------


def _is_author(request, report: VisitReport) -> bool:
    return report.salesperson_id == request.user.pk


def _require_author(request, report: VisitReport) -> None:
    """Writes are the author's: a manager reads a report and changes nothing (403)."""
    if not _is_author(request, report):
        raise PermissionDenied(_("Only its author changes a visit report."))


def _closed(request, report: VisitReport, error: Exception | None = None):
    """The answer to a change of a submitted report: the report, with the reason."""
    messages.error(request, error or _("This report was submitted and can no longer be changed."))
    if request.htmx:
        return HttpResponseClientRedirect(report.get_absolute_url())
    return redirect(report)


def _deadline_facts(report: VisitReport, now) -> dict:
    deadline = report_deadline(report.date)
    return {"deadline": deadline, "overdue": report.is_draft and now > deadline}


# Today's report and the list ---------------------------------------------------------------


@require_GET
def today(request):
    """Today's report of the salesperson, opened as a draft the first time."""
    report = report_open(salesperson=request.user, day=timezone.localdate())
    return redirect(report)


def _page_size(request) -> int:
    try:
        size = int(request.GET.get("page_size", PAGE_SIZE_DEFAULT))
    except ValueError:
        return PAGE_SIZE_DEFAULT
    return min(max(size, PAGE_SIZE_MIN), PAGE_SIZE_MAX)


@require_GET
def report_list(request):
    """The salesperson's own reports, newest first, with their state and counts."""
    page = ListPaginator(reports_of(request.user), _page_size(request)).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    for report in page:
        report.facts = _deadline_facts(report, now)
    return render(
        request,
        "visits/report_list.html",
        {"page": page, "reports": page.object_list, "can_open_today": is_sales(request.user)},
    )


# A report ----------------------------------------------------------------------------------


@require_GET
def report_detail(request, pk):
    """A report with its visits, their proposed card updates and photos. Its author
    changes it while it is a draft; a manager reads it."""
    report = report_get_for_user(request.user, pk)
    visits = report_visits(report)
    return render(
        request,
        "visits/report.html",
        {
            "report": report,
            "visits": visits,
            "proposal_count": sum(len(visit.proposal_rows) for visit in visits),
            "can_edit": report.is_draft and _is_author(request, report),
            "is_author": _is_author(request, report),
            **_deadline_facts(report, timezone.now()),
        },
    )


@require_POST
def report_submit_view(request, pk):
    report = report_get_for_user(request.user, pk)
    _require_author(request, report)
    try:
        report = report_submit(report=report, actor=request.user)
    except ReportClosed as error:
        return _closed(request, report, error)
    if report.late:
        messages.warning(
            request, _("The report was submitted after its deadline: it is marked late.")
        )
    else:
        messages.success(request, _("The report was submitted."))
    return redirect(report)


# A visit -----------------------------------------------------------------------------------


def _picker_context(request, report: VisitReport, form: VisitForm) -> dict:
    """What the customer picker shows: the customer picked so far on top, then the day's
    route stops in visiting order (those visited already marked)."""
    plan = plan_for(request.user, report.date)
    visited = set(report.visits.values_list("customer_id", flat=True))
    for item in plan:
        for stop in item.stops:
            stop.visited = stop.pk in visited
    picked = str(form["customer"].value() or "")
    picked_customer = form.customers.filter(pk=picked).first() if picked.isdigit() else None
    return {
        "plan": plan,
        "today": timezone.localdate(),
        "picked": picked,
        "picked_customer": picked_customer,
        "can_add_prospect": form.can_add_prospect,
    }


def _prospect_create(form: VisitForm, report: VisitReport, user):
    """The prospect met on the spot, as a new card of the salesperson's (numbered
    automatically), coming from the visit report."""
    try:
        return customer_create(
            data=form.prospect_data(), actor=user, channel=Channel.VISIT, source=report
        )
    except ValidationError as error:
        form.add_prospect_error(error)
        raise _Refused from error


class _Refused(Exception):
    """A form error was recorded on the form: undo the writes and show it again."""


def _editable_or_redirect(request, report: VisitReport):
    """None when the user may change `report`, else the answer to give."""
    _require_author(request, report)
    if not report.is_draft:
        return _closed(request, report)
    return None


@require_http_methods(["GET", "POST"])
def visit_create(request, pk):
    """A new visit on a draft report: the customer, then what happened."""
    report = report_get_for_user(request.user, pk)
    refused = _editable_or_redirect(request, report)
    if refused:
        return refused
    duplicates = []
    if request.method == "POST":
        form = VisitForm(request.POST, user=request.user)
        if form.is_valid():
            duplicates = _prospect_duplicates(request, form)
            if not duplicates:
                try:
                    visit = _visit_save(request, form, report)
                except ReportClosed as error:
                    return _closed(request, report, error)
                if visit is not None:
                    messages.success(
                        request,
                        _("Visit saved. Propose card updates or add photos below."),
                    )
                    return redirect("visits:visit", visit.pk)
    else:
        initial = {}
        if report.date == timezone.localdate():
            initial["time"] = timezone.localtime().strftime("%H:%M")
        form = VisitForm(user=request.user, initial=initial)
    return render(
        request,
        "visits/visit_new.html",
        {
            "report": report,
            "form": form,
            "duplicates": duplicates,
            **_picker_context(request, report, form),
        },
    )


def _prospect_duplicates(request, form: VisitForm) -> list:
    """Cards that look like the new prospect (same name or phone), unless the salesperson
    said it is a new customer anyway."""
    if not form.is_prospect or form.cleaned_data["prospect_anyway"]:
        return []
    data = form.prospect_data()
    return customer_find_duplicates(user=request.user, name=data["name"], phone=data["phone"])


def _visit_save(request, form: VisitForm, report: VisitReport, visit: Visit | None = None):
    """Add the visit (or save the changes to `visit`), first creating the new prospect
    when one was typed: all or nothing. Returns the visit, or None with the refusals on
    the form."""
    try:
        with transaction.atomic():
            customer = form.cleaned_data["customer"]
            if customer == NEW_PROSPECT:
                customer = _prospect_create(form, report, request.user)
            if visit is None:
                return visit_add(
                    report=report,
                    data={**form.visit_data(), "customer": customer},
                    actor=request.user,
                )
            changes = form.visit_changes()
            if customer.pk != visit.customer_id:
                changes["customer"] = customer
            return visit_update(visit=visit, changes=changes, actor=request.user)
    except ValidationError as error:
        form.add_service_error(error)
    except _Refused:
        pass
    return None


@require_http_methods(["GET", "POST"])
def visit_detail(request, pk):
    """A visit of a draft report, to change, with its proposed card updates and photos.
    Anyone else who may read the report reads the visit on the report's page."""
    visit = visit_get_for_user(request.user, pk)
    report = visit.report
    if not (report.is_draft and _is_author(request, report)):
        if request.method == "POST":
            return _editable_or_redirect(request, report)
        return redirect(visit)
    duplicates = []
    if request.method == "POST":
        form = VisitForm(request.POST, instance=visit, user=request.user)
        if form.is_valid():
            duplicates = _prospect_duplicates(request, form)
            if not duplicates:
                try:
                    saved = _visit_save(request, form, report, visit)
                except ReportClosed as error:
                    return _closed(request, report, error)
                if saved is not None:
                    messages.success(request, _("Visit saved."))
                    return redirect("visits:visit", visit.pk)
        visit = visit_get_for_user(request.user, pk)  # as saved, not as typed
    else:
        form = VisitForm(instance=visit, user=request.user)
    return _visit_page(request, visit, form=form, duplicates=duplicates)


def _visit_page(
    request, visit: Visit, *, form=None, proposal_form=None, photo_form=None, duplicates=()
):
    report = visit.report
    form = form or VisitForm(instance=visit, user=request.user)
    return render(
        request,
        "visits/visit.html",
        {
            "report": report,
            "visit": visit,
            "form": form,
            "duplicates": duplicates,
            "distance": check_in_distance(visit),
            "photos": list(visit.photos.all()),
            "photo_form": photo_form or PhotoForm(prefix="photo"),
            "photo_limit_mb": settings.VISIT_PHOTO_MAX_BYTES // 1_048_576,
            **_proposals_context(request, visit, proposal_form),
            **_picker_context(request, report, form),
        },
    )


def _proposals_context(request, visit: Visit, form: ProposalForm | None = None) -> dict:
    form = form or ProposalForm(
        customer=visit.customer,
        field=request.GET.get("proposal-field", ""),
        day=visit.report.date,
        value_url=reverse("visits:proposal_value", args=[visit.pk]),
        prefix="proposal",
    )
    return {
        "visit": visit,
        "proposal_form": form,
        "proposal_rows": proposals_of_visits([visit]).get(visit.pk, []),
        "current_value": card_value_in_words(visit.customer, form.chosen) if form.chosen else "",
    }


@require_POST
def visit_delete_view(request, pk):
    visit = visit_get_for_user(request.user, pk)
    report = visit.report
    _require_author(request, report)
    try:
        visit_delete(visit=visit, actor=request.user)
    except ReportClosed as error:
        return _closed(request, report, error)
    messages.success(request, _("The visit was removed from the report."))
    return redirect(report)


@require_POST
def visit_autosave(request, pk):
    """Save the visit's notes as they are typed (the page sends them every few seconds):
    only the notes that were sent. Answers JSON: when it was saved, or the errors."""
    visit = visit_get_for_user(request.user, pk)
    _require_author(request, visit.report)
    form = VisitNotesForm(request.POST, instance=visit)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    try:
        if form.changes():
            visit_update(visit=visit, changes=form.changes(), actor=request.user)
    except ReportClosed as error:
        return JsonResponse({"error": str(error)}, status=409)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse({"saved_at": timezone.localtime().strftime("%H:%M")})


# Proposed card updates ---------------------------------------------------------------------


@require_GET
def proposal_value(request, pk):
    """The inputs for a new value of the chosen card field, with the card's current value
    beside them (the proposal form asks for it when a field is chosen)."""
    visit = visit_get_for_user(request.user, pk)
    _require_author(request, visit.report)
    return render(request, "visits/_proposal_value.html", _proposals_context(request, visit))


@require_POST
def proposal_create(request, pk):
    visit = visit_get_for_user(request.user, pk)
    report = visit.report
    _require_author(request, report)
    value_url = reverse("visits:proposal_value", args=[visit.pk])
    form = ProposalForm(
        request.POST,
        customer=visit.customer,
        day=report.date,
        value_url=value_url,
        prefix="proposal",
    )
    # Without script, the page asks for the field first, then shows its inputs.
    choosing = "choose" in request.POST
    if not choosing and form.is_valid():
        try:
            proposal_add(
                visit=visit,
                field=form.chosen,
                value=form.proposal_value(),
                actor=request.user,
            )
        except ReportClosed as error:
            return _closed(request, report, error)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            if request.htmx:
                context = _proposals_context(request, visit)
                context["added"] = True
                return render(request, "visits/_proposals.html", context)
            messages.success(request, _("The proposed update was added."))
            return redirect(reverse("visits:visit", args=[visit.pk]) + "#proposals")
    if choosing:
        form = ProposalForm(
            customer=visit.customer,
            field=form.chosen,
            day=report.date,
            value_url=value_url,
            prefix="proposal",
        )
    if request.htmx:
        return render(request, "visits/_proposals.html", _proposals_context(request, visit, form))
    return _visit_page(request, visit, proposal_form=form)


@require_POST
def proposal_withdraw_view(request, pk):
    proposal = proposal_get_for_user(request.user, pk)
    visit = proposal.source
    _require_author(request, visit.report)
    try:
        proposal_withdraw(proposal=proposal, actor=request.user)
    except ReportClosed as error:
        return _closed(request, visit.report, error)
    if request.htmx:
        context = _proposals_context(request, visit)
        context["withdrawn"] = True
        return render(request, "visits/_proposals.html", context)
    messages.success(request, _("The proposed update was withdrawn."))
    return redirect(reverse("visits:visit", args=[visit.pk]) + "#proposals")


# Photos ------------------------------------------------------------------------------------


@require_POST
def photo_upload(request, pk):
    visit = visit_get_for_user(request.user, pk)
    report = visit.report
    _require_author(request, report)
    form = PhotoForm(request.POST, request.FILES, prefix="photo")
    if form.is_valid():
        try:
            photo_add(
                visit=visit,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                actor=request.user,
            )
        except ReportClosed as error:
            return _closed(request, report, error)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The photo was added."))
            return redirect(reverse("visits:visit", args=[visit.pk]) + "#photos")
    return _visit_page(request, visit, photo_form=form)


@require_GET
def photo_file(request, pk):
    """A visit's photo or scan, for those who may read its report (the files are not
    public: they are served here, not from the media folder)."""
    photo = photo_get_for_user(request.user, pk)
    response = FileResponse(
        photo.file.open("rb"),
        content_type=photo.content_type,
        filename=photo.file.name.rpartition("/")[2],
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


# Customers to pick from --------------------------------------------------------------------


@require_GET
def customer_search(request):
    """The user's own active customers matching what is typed (code, name or phone), at
    most 20, as the picker's options."""
    query = request.GET.get("q", "")
    return render(
        request,
        "visits/_customer_options.html",
        {"customers": customers_matching(request.user, query), "query": query.strip()},
    )


# Panels on other apps' pages ---------------------------------------------------------------


def home_report_panel(request) -> dict:
    """A salesperson's home: today's report (opened in one tap) and earlier drafts still
    to submit."""
    day = timezone.localdate()
    today_report, earlier = reports_for_home(request.user, day)
    now = timezone.now()
    for draft in earlier:
        draft.facts = _deadline_facts(draft, now)
    return {"report": today_report, "deadline": report_deadline(day), "earlier_drafts": earlier}


def home_follow_ups_panel(request) -> dict:
    visits, total = follow_ups_due(request.user, timezone.localdate())
    return {
        "follow_ups": visits,
        "follow_up_total": total,
        "follow_up_days": FOLLOW_UP_DAYS,
        "today": timezone.localdate(),
    }


def home_decided_panel(request) -> dict:
    return {"decided": proposals_decided(request.user), "decided_days": DECIDED_DAYS}


def card_visits_panel(request, customer) -> dict:
    """The card's visit history, newest first, and its next follow-up: the one the latest
    visit asked for (a later visit answers an earlier follow-up)."""
    visits, total = visits_of_customer(request.user, customer)
    latest = visits[0] if visits else None
    return {
        "visits": visits,
        "visit_total": total,
        "next_follow_up": latest if latest and latest.follow_up_on else None,
        "can_open_reports": is_manager(request.user),
        "today": timezone.localdate(),
    }


urlpatterns = [
    path("today/", today, name="today"),
    path("reports/", report_list, name="report_list"),
    path("reports/<int:pk>/", report_detail, name="report"),
    path("reports/<int:pk>/submit/", report_submit_view, name="report_submit"),
    path("reports/<int:pk>/visits/new/", visit_create, name="visit_create"),
    path("visits/<int:pk>/", visit_detail, name="visit"),
    path("visits/<int:pk>/delete/", visit_delete_view, name="visit_delete"),
    path("visits/<int:pk>/autosave/", visit_autosave, name="visit_autosave"),
    path("visits/<int:pk>/proposals/", proposal_create, name="proposal_create"),
    path("visits/<int:pk>/proposals/value/", proposal_value, name="proposal_value"),
    path("proposals/<int:pk>/withdraw/", proposal_withdraw_view, name="proposal_withdraw"),
    path("visits/<int:pk>/photos/", photo_upload, name="photo_upload"),
    path("photos/<int:pk>/", photo_file, name="photo"),
    path("customers/search/", customer_search, name="customer_search"),
]
