"""Pages: the commissioned investigations and the managers' risk view. Managers commission
investigations, record what the agencies delivered and keep the agencies; a salesperson
reads the investigations of their own customers (another's do not exist for them: 404).
Every write goes through `investigations.services`; these views translate between HTTP and
them."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import is_manager, manager_required
from archive_crm.forms import add_service_error
from archive_crm.pagination import ListPaginator
from classification.lifecycle import months_before
from customers.models import Customer
from investigations.filters import InvestigationFilter
from investigations.forms import AgencyForm, CommissionForm, DeliveryForm, ReportForm
from investigations.models import Agency, Investigation
from investigations.selectors import (
    customers_at_high_risk,
    customers_with_incidents,
    customers_with_overdue_follow_ups,
    investigation_get_for_user,
    investigation_proposals,
    investigations_list,
    investigations_of_customer,
    key_customers_not_investigated,
    top_grade,
)
from investigations.services import (
    InvestigationDelivered,
    agency_create,
    agency_update,
    investigation_commission,
    investigation_deliver,
    investigation_report_attach,
)

PAGE_SIZE = 25


def stale_months() -> int:
    """How long a key customer may go without an investigation before the risk view lists
    it (`INVESTIGATION_STALE_MONTHS`, default 12)."""
    return getattr(settings, "INVESTIGATION_STALE_MONTHS", 12)


def report_limit_mb() -> int:
    return getattr(settings, "INVESTIGATION_REPORT_MAX_MB", 10)


# The list and one investigation ------------------------------------------------------------


@require_GET
def investigation_list(request):
    """The investigations the user may see, newest request first, filtered by state,
    agency, period and the customers' classification."""
    filterset = InvestigationFilter(request.GET, queryset=investigations_list(request.user))
    if not is_manager(request.user):
        del filterset.form.fields["salesperson"]
    filterset.form.fields["customer"].widget = filterset.form.fields["customer"].hidden_widget()
    investigations = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = ListPaginator(investigations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "investigations/list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "can_commission": is_manager(request.user),
            "filters_open": any(
                request.GET.get(name) for name in filterset.form.fields if name != "customer"
            ),
        },
    )


def _detail_page(request, investigation: Investigation, *, report_form=None, status=200):
    manager = is_manager(request.user)
    return render(
        request,
        "investigations/detail.html",
        {
            "investigation": investigation,
            "proposal_rows": investigation_proposals(investigation),
            "can_deliver": manager and investigation.is_requested,
            "can_attach": manager and investigation.status != Investigation.Status.REVIEWED,
            "report_form": report_form or ReportForm(),
            "report_limit_mb": report_limit_mb(),
        },
        status=status,
    )


@require_GET
def investigation_detail(request, pk):
    """One investigation: what was asked, what the agency found, its report file and the
    card changes it proposed with what became of them."""
    return _detail_page(request, investigation_get_for_user(request.user, pk))


@require_POST
@manager_required
def report_upload(request, pk):
    """Attach or replace the agency's report file; a refused file is told on the page and
    nothing is stored."""
    investigation = investigation_get_for_user(request.user, pk)
    form = ReportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            investigation_report_attach(
                investigation=investigation, upload=form.cleaned_data["report"], actor=request.user
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The agency's report was stored."))
            return redirect(investigation)
    return _detail_page(request, investigation, report_form=form, status=400)


@require_GET
def report_file(request, pk):
    """The agency's report, for those who may read the investigation (the files are not
    public: they are served here, not from the media folder)."""
    investigation = investigation_get_for_user(request.user, pk)
    if not investigation.report:
        raise Http404(_("No report was stored for this investigation."))
    response = FileResponse(
        investigation.report.open("rb"),
        content_type=investigation.report_content_type,
        filename=investigation.report.name.rpartition("/")[2],
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


# Commissioning and delivery ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@manager_required
def investigation_create(request):
    """Commission an investigation; from a card or the risk view the customer is chosen
    already (`?customer=<id>`)."""
    if request.method == "POST":
        form = CommissionForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                investigation = investigation_commission(
                    customer=form.cleaned_data["customer"],
                    agency=form.cleaned_data["agency"],
                    requested_on=form.cleaned_data["requested_on"],
                    cost=form.cleaned_data["cost"],
                    scope=form.cleaned_data["scope"],
                    actor=request.user,
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The investigation was commissioned."))
                return redirect(investigation)
    else:
        initial = {"requested_on": timezone.localdate()}
        chosen = request.GET.get("customer", "")
        customer = (
            Customer.objects.visible_to(request.user).active().filter(pk=chosen).first()
            if chosen.isdigit()
            else None
        )
        if customer is not None:
            initial["customer"] = customer.code
        form = CommissionForm(initial=initial, user=request.user)
    return render(request, "investigations/commission.html", {"form": form})


@require_http_methods(["GET", "POST"])
@manager_required
def investigation_deliver_view(request, pk):
    """Record what the agency delivered, with its report file and the card changes to
    propose; they go to the review queue at once."""
    investigation = investigation_get_for_user(request.user, pk)
    if not investigation.is_requested:
        messages.warning(request, _("The delivery of this investigation was recorded already."))
        return redirect(investigation)
    if request.method == "POST":
        form = DeliveryForm(request.POST, request.FILES, instance=investigation)
        if form.is_valid():
            try:
                investigation_deliver(
                    investigation=investigation,
                    findings=form.findings_data(),
                    proposals=form.proposals(),
                    report=form.cleaned_data["report"],
                    actor=request.user,
                )
            except InvestigationDelivered as delivered:
                messages.warning(request, str(delivered))
                return redirect(investigation)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The delivery was recorded."))
                return redirect(investigation)
        investigation = investigation_get_for_user(request.user, pk)  # as saved, not as typed
    else:
        form = DeliveryForm(instance=investigation, initial={"delivered_on": timezone.localdate()})
    return render(
        request,
        "investigations/deliver.html",
        {
            "investigation": investigation,
            "form": form,
            "card_rating": investigation.customer.get_credit_rating_display(),
            "card_limit": investigation.customer.credit_limit,
            "report_limit_mb": report_limit_mb(),
        },
    )


# The risk view -----------------------------------------------------------------------------


@require_GET
@manager_required
def risk_view(request):
    """The customers whose credit deserves a look, by reason: credit problems (unresolved
    first), a high risk found by their latest investigation, follow-ups overdue, and the
    top grade's customers not investigated for `INVESTIGATION_STALE_MONTHS` months. Each
    row commissions an investigation in one click. A fixed number of queries."""
    today = timezone.localdate()
    months = stale_months()
    grade = top_grade()
    user = request.user
    return render(
        request,
        "investigations/risk.html",
        {
            "incidents": customers_with_incidents(user),
            "high_risk": customers_at_high_risk(user),
            "follow_ups": customers_with_overdue_follow_ups(user, today=today),
            "stale": key_customers_not_investigated(
                user, grade=grade, since=months_before(today, months)
            ),
            "top_grade": grade,
            "stale_months": months,
            "today": today,
        },
    )


# Agencies ----------------------------------------------------------------------------------


@require_GET
@manager_required
def agency_list(request):
    return render(
        request,
        "investigations/agencies.html",
        {"agencies": Agency.objects.order_by("-is_active", "order", "code")},
    )


@require_http_methods(["GET", "POST"])
@manager_required
def agency_edit(request, pk=None):
    """A new agency, or changes to one (only the fields changed are written)."""
    agency = get_object_or_404(Agency, pk=pk) if pk is not None else None
    form = AgencyForm(request.POST or None, instance=agency)
    if request.method == "POST" and form.is_valid():
        try:
            if agency is None:
                agency_create(data=form.cleaned_data, actor=request.user)
            else:
                changes = {name: form.cleaned_data[name] for name in form.changed_data}
                agency_update(agency=agency, changes=changes, actor=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The agency was saved."))
            return redirect("investigations:agency_list")
    return render(request, "investigations/agency_form.html", {"form": form, "agency": agency})


# Panels on other apps' pages ---------------------------------------------------------------


def card_investigations_panel(request, customer) -> dict:
    """The card's investigations, newest first, and for a manager the button that
    commissions one."""
    investigations, total = investigations_of_customer(customer)
    return {
        "investigations": investigations,
        "investigation_total": total,
        "can_commission": is_manager(request.user) and not customer.is_archived,
    }
