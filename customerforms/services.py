"""Writes of the customer data forms. A manager or the customer's salesperson creates a link
(`link_create`): a random token, shown once as the form's address and optionally e-mailed,
of which only the hash is kept. The customer opens the form (`link_open`) and sends it
(`form_submit`): the submission is kept, every field that differs from the card becomes a
proposal in the review queue, and the link is used up. A link can be revoked by whoever may
send it (`link_revoke`); a manager may reopen a submitted or expired one (`link_reopen`).

A link that is used, expired or revoked, or whose card was archived, stores nothing more."""

import datetime
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_manager
from customerforms.conf import company_name, expiry_days_default, expiry_days_max
from customerforms.models import FORM_FIELDS, FormLink, FormSubmission, token_hash
from customerforms.selectors import when_in_words
from customers.models import Channel, Customer
from customers.validators import normalize_credit_code
from review.services import proposal_create, to_json

logger = logging.getLogger(__name__)

# 256 random bits: the address cannot be guessed, and nothing about the customer is in it.
TOKEN_BYTES = 32
USER_AGENT_LENGTH = FormSubmission._meta.get_field("user_agent").max_length


class LinkClosed(Exception):
    """The link no longer opens the form: it was submitted, it expired or was revoked, or
    its card was archived."""

    def __init__(self, link: FormLink):
        self.link = link
        super().__init__(_("This link no longer opens the form."))


class LinkStateConflict(Exception):
    """The link's state does not allow what was asked (revoking a used link, reopening an
    open one)."""


@dataclass(frozen=True)
class IssuedLink:
    """A new link and its address, which exists only here: the database keeps its hash."""

    link: FormLink
    url: str
    # Whether the address was e-mailed: None when no address was given, False when the
    # e-mail could not be sent (the creator then passes the link on by hand).
    emailed: bool | None


def link_public_path(token: str) -> str:
    return reverse("customerforms:public", args=[token])


def link_accepts_answers(link: FormLink) -> bool:
    """Whether the customer can fill in the form by `link` now: sent or opened, not
    expired, and its card not archived."""
    return link.is_open and not link.customer.is_archived


def _expiry(days: int | None) -> datetime.datetime:
    days = expiry_days_default() if days is None else days
    if not 1 <= days <= expiry_days_max():
        raise ValidationError(
            {"expires_in_days": _("Give between 1 and %(max)s days.") % {"max": expiry_days_max()}},
            code="range",
        )
    return timezone.now() + datetime.timedelta(days=days)


def _in_scope(customer: Customer, actor) -> Customer:
    """The customer, when `actor` may see it (the one scoping rule) and its card is open."""
    found = Customer.objects.visible_to(actor).filter(pk=customer.pk).first()
    if found is None:
        raise ValidationError({"customer": _("This customer is not one of yours.")})
    if found.is_archived:
        raise ValidationError(
            {"customer": _("An archived card cannot be sent the data form; restore it first.")}
        )
    return found


def link_create(
    *,
    customer: Customer,
    actor,
    expires_in_days: int | None = None,
    note: str = "",
    shared_fields=(),
    email: str = "",
    replaces: FormLink | None = None,
    url_of: Callable[[str], str] = str,
) -> IssuedLink:
    """A new link to the data form of `customer`, by a manager or the customer's
    salesperson. It works for `expires_in_days` (`CUSTOMER_FORM_EXPIRY_DAYS` by default,
    at most `CUSTOMER_FORM_MAX_EXPIRY_DAYS`); the form shows the customer the card's
    values of `shared_fields` only (none by default: it starts empty). A link that
    `replaces` an earlier one of the customer revokes it. With an `email`, the address
    (made absolute by `url_of`) is e-mailed once the link is saved."""
    expires_at = _expiry(expires_in_days)
    unknown = sorted(set(shared_fields) - set(FORM_FIELDS))
    if unknown:
        raise ValidationError(
            {
                "shared_fields": _("These fields are not on the form: %(fields)s.")
                % {"fields": ", ".join(unknown)}
            },
            code="unknown",
        )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        customer = _in_scope(customer, actor)
        link = FormLink(
            customer=customer,
            token_hash=token_hash(token),
            note=note.strip(),
            shared_fields=[name for name in FORM_FIELDS if name in set(shared_fields)],
            email=email.strip(),
            expires_at=expires_at,
            created_by=actor,
        )
        link.full_clean(exclude=["customer", "created_by", "replaces", "token_hash"])
        if replaces is not None:
            link.replaces = _replaced(replaces, customer=customer, actor=actor)
        link.save()
    url = url_of(link_public_path(token))
    return IssuedLink(link=link, url=url, emailed=_email(link, url) if link.email else None)


def _replaced(link: FormLink, *, customer: Customer, actor) -> FormLink:
    """The link a new one replaces, revoked unless it was used already."""
    current = FormLink.objects.select_for_update().get(pk=link.pk)
    if current.customer_id != customer.pk:
        raise ValidationError({"replaces": _("That link is another customer's.")})
    if current.state not in (FormLink.State.REVOKED, FormLink.State.SUBMITTED):
        _revoke(current, actor)
    return current


def _email(link: FormLink, url: str) -> bool:
    """Send the link's address to its e-mail address; False when the mail server refused."""
    context = {
        "company": company_name(),
        "customer": link.customer.name,
        "note": link.note,
        "url": url,
        "expires": when_in_words(link.expires_at),
    }
    subject = _("%(company)s: please check your company's data") % context
    try:
        send_mail(
            subject=str(subject),
            message=render_to_string("customerforms/email.txt", context),
            from_email=None,
            recipient_list=[link.email],
        )
    except OSError:  # smtplib's errors included
        logger.exception("The customer form link %s could not be e-mailed.", link.pk)
        return False
    link.emailed_at = timezone.now()
    FormLink.objects.filter(pk=link.pk).update(emailed_at=link.emailed_at)
    return True


def link_open(*, link: FormLink) -> FormLink:
    """Note the first visit of a link that still opens the form: it is opened from now
    on. A link that no longer opens it raises `LinkClosed` and is left as it is."""
    if not link_accepts_answers(link):
        raise LinkClosed(link)
    if link.opened_at is None:
        now = timezone.now()
        FormLink.objects.filter(pk=link.pk, opened_at__isnull=True).update(opened_at=now)
        link.opened_at = now
    return link


def _differs(link: FormLink, customer: Customer, field: str, value) -> bool:
    """Whether the customer's `value` for `field` is a change to the card. A field the
    form showed empty (not shared) and left empty says nothing; any other value counts
    when it differs from the card's current one."""
    if field not in link.shared_fields and value in (None, ""):
        return False
    return value != getattr(customer, field)


def _as_stored(field: str, value):
    if field == "credit_code" and isinstance(value, str):
        return normalize_credit_code(value)
    return value


def form_submit(
    *,
    link: FormLink,
    values: Mapping[str, Any],
    client_address: str | None = None,
    user_agent: str = "",
) -> FormSubmission:
    """Keep what the customer sent by `link` (the form's fields, `FORM_FIELDS`, as model
    values), and turn every field that differs from the card (`_differs`) into a filed
    proposal of the channel customer_form, the submission as its source, for a manager to
    review. Each value is checked as the card would check it; any refusal raises one
    ValidationError by field and stores nothing. The link is used up: a second
    submission, or one by a link that no longer opens the form, raises `LinkClosed` and
    stores nothing."""
    unknown = set(values) - set(FORM_FIELDS)
    if unknown:
        raise ValueError(f"Not fields of the customer form: {sorted(unknown)}")
    values = {field: _as_stored(field, value) for field, value in values.items()}
    with transaction.atomic():
        link = FormLink.objects.select_for_update().select_related("customer").get(pk=link.pk)
        if not link_accepts_answers(link):
            raise LinkClosed(link)
        customer = link.customer
        changed = [
            field
            for field in FORM_FIELDS
            if field in values and _differs(link, customer, field, values[field])
        ]
        now = timezone.now()
        submission = FormSubmission.objects.create(
            link=link,
            values={field: to_json(value) for field, value in values.items()},
            changed_fields=changed,
            client_address=client_address or None,
            user_agent=user_agent[:USER_AGENT_LENGTH],
            submitted_at=now,
        )
        errors: dict[str, list] = {}
        for field in changed:
            try:
                proposal_create(
                    customer=customer,
                    field=field,
                    value=to_json(values[field]),
                    channel=Channel.CUSTOMER_FORM,
                    source=submission,
                    actor=None,
                    filed=True,
                )
            except ValidationError as error:
                errors.update(
                    error.error_dict if hasattr(error, "error_dict") else {field: [error]}
                )
        if errors:
            raise ValidationError(errors)
        link.submitted_at = now
        link.save(update_fields=["submitted_at"])
    return submission


def _locked_in_scope(link: FormLink, actor) -> FormLink:
    current = (
        FormLink.objects.select_for_update()
        .filter(customer__in=Customer.objects.visible_to(actor))
        .filter(pk=link.pk)
        .first()
    )
    if current is None:
        raise PermissionDenied(_("This customer is not one of yours."))
    return current


def _revoke(link: FormLink, actor) -> None:
    link.revoked_at = timezone.now()
    link.revoked_by = actor
    link.save(update_fields=["revoked_at", "revoked_by"])


def link_revoke(*, link: FormLink, actor) -> FormLink:
    """Withdraw a link that was not used (by a manager or the customer's salesperson): it
    no longer opens the form. A used or revoked link raises `LinkStateConflict`."""
    with transaction.atomic():
        link = _locked_in_scope(link, actor)
        if link.state == FormLink.State.REVOKED:
            raise LinkStateConflict(_("This link was revoked already."))
        if link.state == FormLink.State.SUBMITTED:
            raise LinkStateConflict(_("This link was used already: the customer sent the form."))
        _revoke(link, actor)
    return link


def link_reopen(*, link: FormLink, actor, expires_in_days: int | None = None) -> FormLink:
    """Let a submitted or expired link open the form again (managers), until a new expiry
    (`expires_in_days`, as for a new link): the customer uses the address they were sent.
    What was submitted before stays, with its proposals. Any other state raises
    `LinkStateConflict`."""
    if not is_manager(actor):
        raise PermissionDenied(_("Only managers reopen a customer form link."))
    expires_at = _expiry(expires_in_days)
    with transaction.atomic():
        link = _locked_in_scope(link, actor)
        if link.state not in (FormLink.State.SUBMITTED, FormLink.State.EXPIRED):
            raise LinkStateConflict(_("Only a submitted or expired link can be reopened."))
        _in_scope(link.customer, actor)
        link.submitted_at = None
        link.expires_at = expires_at
        link.reopened_at = timezone.now()
        link.reopened_by = actor
        link.save(update_fields=["submitted_at", "expires_at", "reopened_at", "reopened_by"])
    return link
