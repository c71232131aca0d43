"""Proposed card changes: filed by a channel, decided by a manager. An accepted change is
written through the card's one update door (`card_update`, or `contact_save` /
`credit_incident_save` for a new contact or credit incident) with the proposal's channel,
its source as provenance and `verified` true; nothing else writes a card from here.

Values travel as the API writes them: codes for reference data, ISO dates, decimal strings.
`base_value` keeps the card's value at the time of the proposal: when the card has changed
since, accepting needs the reviewer's confirmation (`ProposalStale`), so nothing is
overwritten unseen."""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_manager
from customers.models import (
    CARD_SECTIONS,
    PLANNING_FIELDS,
    Channel,
    Contact,
    CreditIncident,
    Customer,
)
from customers.services import card_update, contact_save, credit_incident_save
from review.models import Proposal
from review.signals import proposal_decided

CONTACT = "contact"
CREDIT_INCIDENT = "credit_incident"
# The card fields a channel may propose: the four sections, the nature classification and
# the planning fields. Code, salesperson, route and grade are managers' decisions.
CARD_PROPOSABLE = (
    *(name for names in CARD_SECTIONS.values() for name in names),
    "customer_type",
    "ownership",
    "region",
    *PLANNING_FIELDS,
)
PROPOSABLE = (*CARD_PROPOSABLE, CONTACT, CREDIT_INCIDENT)
CONTACT_FIELDS = ("name", "role", "phone", "mobile", "email", "notes", "is_primary")
CREDIT_INCIDENT_FIELDS = ("occurred_on", "kind", "amount", "description")
# Channels whose proposals go through review (a manager's own edit is verified at once).
REVIEWED_CHANNELS = (Channel.VISIT, Channel.CUSTOMER_FORM, Channel.INVESTIGATION)


class ProposalDecided(Exception):
    """The proposal was accepted or rejected already."""

    def __init__(self, proposal: Proposal):
        self.proposal = proposal
        super().__init__(
            _("This change was accepted already.")
            if proposal.status == Proposal.Status.ACCEPTED
            else _("This change was rejected already.")
        )


class ProposalStale(Exception):
    """The card's field changed after the proposal was made: accepting needs confirmation."""

    def __init__(self, proposal: Proposal, current_value):
        self.proposal = proposal
        self.current_value = current_value
        super().__init__(
            _(
                "The card changed since this was proposed: its value is now “%(current)s”. "
                "Look at it and confirm to replace it."
            )
            % {"current": "—" if current_value in (None, "") else current_value}
        )


# Values: between the card and JSON ---------------------------------------------------------


def card_value(customer: Customer, field: str):
    """The card's value of `field` as a proposal holds it (codes, ISO dates, decimal
    strings); None for a new contact or credit incident, which replace nothing."""
    if field in (CONTACT, CREDIT_INCIDENT):
        return None
    model_field = Customer._meta.get_field(field)
    if model_field.is_relation:
        related = getattr(customer, field)
        return related.code if related is not None else None
    return to_json(getattr(customer, field))


def to_json(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _model_value(model: type[models.Model], field: str, value):
    """`value` as `model`'s `field` stores it, or a ValidationError naming the field."""
    model_field = model._meta.get_field(field)
    if model_field.is_relation:
        if value in (None, ""):
            return None
        found = model_field.related_model.objects.filter(code=str(value)).first()
        if found is None:
            raise ValidationError(
                {
                    field: _("No %(model)s has the code “%(code)s”.")
                    % {"model": model_field.related_model._meta.verbose_name, "code": value}
                },
                code="unknown",
            )
        return found
    if value is None:
        return "" if isinstance(model_field, models.CharField | models.TextField) else None
    if isinstance(model_field, models.DateField):
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            raise ValidationError(
                {field: _("Enter a date as YYYY-MM-DD.")}, code="invalid"
            ) from None
    if isinstance(model_field, models.DecimalField):
        try:
            number = Decimal(str(value))
            # As the card stores it: 630000 is 630000.00, and compares equal to it.
            return number.quantize(Decimal(1).scaleb(-model_field.decimal_places))
        except InvalidOperation:
            raise ValidationError({field: _("Enter a number.")}, code="invalid") from None
    if isinstance(model_field, models.BooleanField):
        return bool(value)
    return str(value) if not isinstance(value, str) else value.strip()


def _record(model, customer: Customer, value) -> models.Model:
    """A new contact or credit incident of `customer` from a proposal's value, validated."""
    allowed = CONTACT_FIELDS if model is Contact else CREDIT_INCIDENT_FIELDS
    if not isinstance(value, dict):
        raise ValidationError(
            _("Give the new record's fields: %(fields)s.") % {"fields": ", ".join(allowed)}
        )
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)}, code="unknown"
        )
    record = model(
        customer=customer, **{name: _model_value(model, name, v) for name, v in value.items()}
    )
    record.full_clean(exclude=["customer"], validate_constraints=False)
    return record


def _checked_card_value(customer: Customer, field: str, value):
    """The model value of a proposed card field, validated as the card would validate it
    (each field's own rules; the card's rules across fields are checked on acceptance)."""
    converted = _model_value(Customer, field, value)
    candidate = Customer.objects.get(pk=customer.pk)
    setattr(candidate, field, converted)
    others = [f.name for f in Customer._meta.concrete_fields if f.name != field]
    candidate.clean_fields(exclude=others)
    return converted


# Filing ------------------------------------------------------------------------------------


def proposal_create(
    *,
    customer: Customer,
    field: str,
    value: Any,
    channel: str,
    source: models.Model,
    actor,
    filed: bool = False,
) -> Proposal:
    """Propose `value` for `field` of `customer` (a card field of `CARD_PROPOSABLE`, or
    `contact` / `credit_incident` with the new record's fields). The value is checked now,
    as the card would check it; a person proposes only for customers in their scope. With
    `filed` the proposal goes to the queue at once, otherwise when its source is handed in
    (`proposals_file`)."""
    if field not in PROPOSABLE:
        raise ValidationError(
            {"field": _("“%(field)s” cannot be proposed.") % {"field": field}}, code="field"
        )
    if channel not in REVIEWED_CHANNELS:
        raise ValueError(f"Not a reviewed channel: {channel}")
    if (
        actor is not None
        and actor.is_authenticated
        and not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists()
    ):
        raise ValidationError({"customer": _("This customer is not one of yours.")})
    if customer.is_archived:
        raise ValidationError({"customer": _("An archived card cannot be changed.")})
    if field == CONTACT:
        _record(Contact, customer, value)
    elif field == CREDIT_INCIDENT:
        _record(CreditIncident, customer, value)
    else:
        value = to_json(_checked_card_value(customer, field, value))
        if value is not None and Customer._meta.get_field(field).is_relation:
            value = value.code
    return Proposal.objects.create(
        customer=customer,
        field=field,
        value=value,
        base_value=card_value(customer, field),
        channel=channel,
        source=source,
        proposed_by=actor if actor is not None and actor.is_authenticated else None,
        filed_at=timezone.now() if filed else None,
    )


def proposals_file(*, source: models.Model) -> int:
    """Hand in the draft proposals of `source` (its report or form was submitted): they go
    to the review queue. Returns how many."""
    return Proposal.objects.filter(
        source_type__app_label=source._meta.app_label,
        source_type__model=source._meta.model_name,
        source_id=source.pk,
        filed_at__isnull=True,
    ).update(filed_at=timezone.now())


# Deciding ----------------------------------------------------------------------------------


def _locked_pending(proposal: Proposal, actor) -> Proposal:
    if not is_manager(actor):
        raise PermissionDenied(_("Only managers review proposed changes."))
    current = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if current.status != Proposal.Status.PENDING:
        raise ProposalDecided(current)
    if current.filed_at is None:
        raise ValidationError(
            _("This change is part of a draft: it can be decided once it is handed in."),
            code="draft",
        )
    return current


_UNSEEN = object()


def proposal_accept(
    *, proposal: Proposal, actor, confirm: bool = False, seen=_UNSEEN, comment: str = ""
) -> Proposal:
    """Accept a filed, pending proposal (managers): the change is written through the
    card's update door with the proposal's channel, its source as provenance, verified.
    Raises `ProposalDecided` when it was decided already (two reviewers at once: the first
    wins, the second is told), `ProposalStale` with the card's current value when the field
    changed since the proposal and `confirm` is not given, or when `seen` (the current value
    the reviewer was shown when confirming) is no longer the card's value; and the card's
    own refusals (ValidationError, CardArchived) unchanged."""
    with transaction.atomic():
        proposal = _locked_pending(proposal, actor)
        customer = Customer.objects.select_for_update().get(pk=proposal.customer_id)
        if proposal.field == CONTACT:
            contact_save(
                contact=_record(Contact, customer, proposal.value),
                actor=actor,
                channel=proposal.channel,
            )
        elif proposal.field == CREDIT_INCIDENT:
            credit_incident_save(
                incident=_record(CreditIncident, customer, proposal.value),
                actor=actor,
                channel=proposal.channel,
            )
        else:
            current = card_value(customer, proposal.field)
            if current != proposal.base_value and not confirm:
                raise ProposalStale(proposal, current)
            if confirm and seen is not _UNSEEN and current != seen:
                raise ProposalStale(proposal, current)
            card_update(
                customer=customer,
                changes={proposal.field: _model_value(Customer, proposal.field, proposal.value)},
                actor=actor,
                channel=proposal.channel,
                expected_version=customer.version,
                source=proposal.source,
                verified=True,
            )
        _decide(proposal, Proposal.Status.ACCEPTED, actor=actor, comment=comment)
    return proposal


def proposal_reject(*, proposal: Proposal, actor, comment: str = "") -> Proposal:
    """Reject a filed, pending proposal (managers): the card is left as it is."""
    with transaction.atomic():
        proposal = _locked_pending(proposal, actor)
        _decide(proposal, Proposal.Status.REJECTED, actor=actor, comment=comment)
    return proposal


def _decide(proposal: Proposal, status: str, *, actor, comment: str) -> None:
    proposal.status = status
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.comment = comment.strip()
    proposal.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    # The channel that filed it may follow (a visit report is reviewed once none is left).
    proposal_decided.send(sender=Proposal, proposal=proposal)
