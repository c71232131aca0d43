"""Pages of the customer data forms. For staff: sending a link from the card (its address to
copy, as a QR code, and by e-mail), revoking and reopening links, and the card's panel of a
customer's links. For the customer, without an account: the form by its one-time link, and
the thanks. Every write goes through `customerforms.services`; these views translate between
HTTP and them."""

from functools import wraps
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from accounts.roles import is_manager, manager_required
from archive_crm.forms import add_service_error
from customerforms.conf import company_name, rate_per_address, rate_per_link
from customerforms.forms import CustomerDataForm, LinkCreateForm, ReopenForm
from customerforms.models import FormLink, token_hash
from customerforms.selectors import (
    link_by_token,
    link_get_for_user,
    links_of_customer,
    when_in_words,
)
from customerforms.services import (
    LinkClosed,
    LinkStateConflict,
    form_submit,
    link_accepts_answers,
    link_create,
    link_open,
    link_reopen,
    link_revoke,
)
from customers.models import Channel, Customer
from customers.selectors import customer_get_for_user


def _panel_url(customer: Customer) -> str:
    return f"{customer.get_absolute_url()}#customer-forms"


# Sending, revoking, reopening (staff) ------------------------------------------------------


def _qr_svg(url: str) -> str:
    """The address as a QR code: an inline SVG drawn here, no outside service."""
    svg = segno.make(url, error="m").svg_inline(
        scale=4, omitsize=True, svgclass="qr-code", lineclass="qr-code-line"
    )
    # segno writes the SVG from the code's modules only; no text of the page is in it.
    return mark_safe(svg)  # noqa: S308


@never_cache  # the answer holds the link's address, which is shown once
@require_http_methods(["GET", "POST"])
@permission_required("customerforms.add_formlink", raise_exception=True)
def link_create_view(request, pk):
    """Send the data form to a customer in the user's scope: how long the link works, a
    note, which of the card's values the form shows, an e-mail address. The answer shows
    the new link once, to copy or scan."""
    customer = customer_get_for_user(request.user, pk)
    if customer.is_archived:
        messages.error(
            request, _("An archived card cannot be sent the data form; restore it first.")
        )
        return redirect(customer)
    if request.method == "POST":
        form = LinkCreateForm(request.POST, customer=customer)
        if form.is_valid():
            data = form.cleaned_data
            try:
                issued = link_create(
                    customer=customer,
                    actor=request.user,
                    expires_in_days=data["expires_in_days"],
                    note=data["note"],
                    shared_fields=data["shared_fields"],
                    email=data["email"],
                    replaces=data["replaces"],
                    url_of=request.build_absolute_uri,
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                return _link_created(request, issued)
        replacing = form.cleaned_data.get("replaces")
    else:
        replacing = _replaced_link(request, customer)
        form = LinkCreateForm(initial=_as_sent(replacing), customer=customer)
    return render(
        request,
        "customerforms/link_create.html",
        {"customer": customer, "form": form, "replacing": replacing},
    )


def _replaced_link(request, customer: Customer) -> FormLink | None:
    """The customer's link named by `?replaces=<id>`: a new link replaces it."""
    pk = request.GET.get("replaces", "")
    return FormLink.objects.filter(customer=customer, pk=pk).first() if pk.isdigit() else None


def _as_sent(link: FormLink | None) -> dict:
    """A replacement starts as the link it replaces was sent."""
    if link is None:
        return {}
    return {
        "replaces": link.pk,
        "note": link.note,
        "shared_fields": link.shared_fields,
        "email": link.email,
    }


def _link_created(request, issued):
    link = issued.link
    if issued.emailed:
        messages.success(request, _("The link was e-mailed to %(email)s.") % {"email": link.email})
    elif issued.emailed is False:
        messages.warning(
            request,
            _("The e-mail to %(email)s could not be sent: copy the link below and pass it on.")
            % {"email": link.email},
        )
    return render(
        request,
        "customerforms/link_created.html",
        {
            "customer": link.customer,
            "link": link,
            "url": issued.url,
            "qr": _qr_svg(issued.url),
            "expires": when_in_words(link.expires_at),
            "panel_url": _panel_url(link.customer),
        },
    )


@require_POST
@permission_required("customerforms.change_formlink", raise_exception=True)
def link_revoke_view(request, pk):
    """Withdraw a link: it no longer opens the form."""
    link = link_get_for_user(request.user, pk)
    try:
        link_revoke(link=link, actor=request.user)
    except LinkStateConflict as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The link was revoked: it no longer opens the form."))
    return redirect(_panel_url(link.customer))


@require_POST
@manager_required
def link_reopen_view(request, pk):
    """Let a submitted or expired link open the form again, for some days (managers)."""
    link = link_get_for_user(request.user, pk)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(_panel_url(link.customer))
    try:
        link = link_reopen(
            link=link, actor=request.user, expires_in_days=form.cleaned_data["expires_in_days"]
        )
    except LinkStateConflict as refused:
        messages.error(request, str(refused))
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(
            request,
            _(
                "The link works again until %(when)s: the customer opens it with the address "
                "they were sent."
            )
            % {"when": when_in_words(link.expires_at)},
        )
    return redirect(_panel_url(link.customer))


def card_panel(request, customer: Customer) -> dict:
    """The card's panel: the customer's links with their state and dates, and what the
    user may do with each (one query, whatever the number of links)."""
    user = request.user
    links, total = links_of_customer(customer)
    open_card = not customer.is_archived
    can_send = open_card and user.has_perm("customerforms.add_formlink")
    can_revoke = user.has_perm("customerforms.change_formlink")
    can_reopen = open_card and is_manager(user)
    for link in links:
        state = link.state
        link.can_revoke = can_revoke and state not in (
            FormLink.State.REVOKED,
            FormLink.State.SUBMITTED,
        )
        link.can_reopen = can_reopen and state in (FormLink.State.SUBMITTED, FormLink.State.EXPIRED)
        link.can_replace = can_send and state != FormLink.State.SUBMITTED
    query = urlencode({"channel": Channel.CUSTOMER_FORM, "q": customer.code})
    return {
        "links": links,
        "link_total": total,
        "can_send": can_send,
        "reopen_form": ReopenForm() if can_reopen else None,
        "review_url": f"{reverse('review:queue')}?{query}" if is_manager(user) else "",
    }


# The public form (no account) --------------------------------------------------------------


def public_page(view):
    """A page of the public form: no login, never cached, not indexed by search engines,
    and its address (which holds the token) never passed on as a referrer to another site.
    Same-origin, not no-referrer: under no-referrer browsers send the form with the origin
    "null", which the CSRF check refuses."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return login_not_required(never_cache(wrapped))


def _rate_limited(request, token: str) -> bool:
    """Whether this client address (`CUSTOMER_FORM_RATE_PER_ADDRESS`) or this link
    (`CUSTOMER_FORM_RATE_PER_LINK`) made too many requests lately; both count this one.
    Guessing tokens is hopeless anyway; this keeps a script from hammering the form."""
    by_address = is_ratelimited(
        request,
        group="customerforms.address",
        key="ip",
        rate=rate_per_address(),
        increment=True,
    )
    by_link = is_ratelimited(
        request,
        group="customerforms.link",
        key=lambda group, request: token_hash(token),
        rate=rate_per_link(),
        increment=True,
    )
    return by_address or by_link


def _closed(request, link: FormLink):
    """The answer to a link that no longer opens the form (410): why, without any of the
    customer's data."""
    return render(
        request,
        "customerforms/public_closed.html",
        {"state": link.state, "expires": when_in_words(link.expires_at), "company": company_name()},
        status=410,
    )


@public_page
@ensure_csrf_cookie
@require_http_methods(["GET", "POST"])
def public_form(request, token):
    """The customer's data form by its one-time link. A GET shows it (the first one marks
    the link opened); a POST checks every value as the card would and keeps the
    submission, every change a proposal for review, and the link is used up. A form with
    errors comes back with everything typed. Unknown tokens get 404; used, expired and
    revoked links 410; too many requests 429: none of them stores anything."""
    if _rate_limited(request, token):
        return render(
            request, "customerforms/public_busy.html", {"company": company_name()}, status=429
        )
    link = link_by_token(token)
    if link is None:
        return render(
            request, "customerforms/public_unknown.html", {"company": company_name()}, status=404
        )
    if not link_accepts_answers(link):
        return _closed(request, link)
    if request.method == "POST":
        form = CustomerDataForm(request.POST, link=link)
        if form.is_valid():
            try:
                form_submit(
                    link=link,
                    values=form.cleaned_data,
                    client_address=request.META.get("REMOTE_ADDR"),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            except LinkClosed as closed:  # sent a moment ago from another window
                return _closed(request, closed.link)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                return redirect("customerforms:thanks")
    else:
        link_open(link=link)
        form = CustomerDataForm(link=link)
    return render(
        request,
        "customerforms/public_form.html",
        {
            "form": form,
            "company": company_name(),
            "customer_name": link.customer.name,
            "note": link.note,
            "expires": when_in_words(link.expires_at),
        },
    )


@public_page
@require_GET
def public_thanks(request):
    """After a submission: thanks, and what happens next."""
    return render(request, "customerforms/public_thanks.html", {"company": company_name()})
