"""Pages for managers and admins: every change made to the cards, and the sign-in events.
Reads go through `audit.selectors`; these pages change nothing."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.roles import manager_required
from archive_crm.db import analysis_reads
from audit.forms import PAGE_SIZE_DEFAULT, ChangeFilterForm, SignInFilterForm
from audit.selectors import (
    card_changes,
    card_changes_page,
    lockouts_now,
    sign_in_events,
    sign_in_events_page,
)


def _filters(form_class, request):
    """The page's filter form and what it asks for ({} when it is refused, with the rows
    then none)."""
    form = form_class(request.GET)
    cleaned = form.cleaned_data if form.is_valid() else {}
    folded = [name for name in form.fields if name != form.main_field]
    return form, cleaned, bool(form.errors or any(request.GET.get(name) for name in folded))


@require_GET
@manager_required
@analysis_reads()
def change_list(request):
    """Every recorded change of every card, its contacts and its credit incidents, newest
    first, with what each field was and became; filtered by who, channel, period and
    customer."""
    form, cleaned, filters_open = _filters(ChangeFilterForm, request)
    rows = card_changes(
        user=cleaned.get("user"),
        channel=cleaned.get("channel", ""),
        date_from=cleaned.get("date_from"),
        date_to=cleaned.get("date_to"),
        customer=cleaned.get("q", ""),
    )
    if form.errors:
        rows = rows.none()
    page, entries = card_changes_page(
        rows,
        page_number=request.GET.get("page"),
        page_size=cleaned.get("page_size") or PAGE_SIZE_DEFAULT,
    )
    return render(
        request,
        "audit/changes.html",
        {"filters": form, "filters_open": filters_open, "page_obj": page, "entries": entries},
    )


@require_GET
@manager_required
@analysis_reads()
def sign_in_list(request):
    """Sign-ins, sign-outs, failed sign-ins and lockouts, newest first, filtered by
    username, kind and period; the lockouts running now above them."""
    form, cleaned, filters_open = _filters(SignInFilterForm, request)
    rows = sign_in_events(
        username=cleaned.get("username", ""),
        kind=cleaned.get("kind", ""),
        date_from=cleaned.get("date_from"),
        date_to=cleaned.get("date_to"),
    )
    if form.errors:
        rows = rows.none()
    page = sign_in_events_page(
        rows,
        page_number=request.GET.get("page"),
        page_size=cleaned.get("page_size") or PAGE_SIZE_DEFAULT,
    )
    return render(
        request,
        "audit/sign_ins.html",
        {
            "filters": form,
            "filters_open": filters_open,
            "page_obj": page,
            "lockouts": lockouts_now(),
        },
    )
