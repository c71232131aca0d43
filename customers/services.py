"""Writes to the customer archive. Every change to a card goes through `card_update` (or
`customer_create` for a new card): it validates, refuses a stale version, records the
history with user and channel, and keeps each field's provenance."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_manager
from customers.models import (
    CARD_FIELDS,
    Channel,
    Contact,
    CreditIncident,
    Customer,
    FieldProvenance,
)


class CardConflict(Exception):
    """The card was saved by someone else since the caller read it."""

    def __init__(self, *, customer: Customer, expected_version: int):
        self.customer = customer
        self.expected_version = expected_version
        super().__init__(
            _(
                "This card was changed by someone else (version %(current)s, you edited "
                "version %(expected)s). Reload it and apply your changes again."
            )
            % {"current": customer.version, "expected": expected_version}
        )


class CardArchived(Exception):
    """Archived cards are read-only until restored."""


def _verified_default(actor, channel: str) -> bool:
    # A manager's own edit counts as verified; what arrives from salespeople, customers,
    # imports and agencies is verified when a manager accepts it in review.
    return (
        channel in {Channel.MANUAL, Channel.ADMIN, Channel.API}
        and actor is not None
        and is_manager(actor)
    )


def _record_provenance(
    *,
    customer: Customer,
    fields: Iterable[str],
    actor,
    channel: str,
    source: models.Model | None,
    verified: bool,
) -> None:
    now = timezone.now()
    source_type = ContentType.objects.get_for_model(source) if source is not None else None
    source_id = source.pk if source is not None else None
    fields = list(fields)
    existing = {
        p.field_name: p
        for p in FieldProvenance.objects.filter(customer=customer, field_name__in=fields)
    }
    values = {
        "channel": channel,
        "source_type": source_type,
        "source_id": source_id,
        "recorded_at": now,
        "recorded_by": actor if actor and actor.is_authenticated else None,
        "verified": verified,
    }
    to_update, to_create = [], []
    for field in fields:
        if field in existing:
            provenance = existing[field]
            for key, value in values.items():
                setattr(provenance, key, value)
            to_update.append(provenance)
        else:
            to_create.append(FieldProvenance(customer=customer, field_name=field, **values))
    FieldProvenance.objects.bulk_create(to_create)
    FieldProvenance.objects.bulk_update(to_update, list(values))


def _is_filled(value: Any) -> bool:
    return value not in (None, "")


def _save_with_history(instance: models.Model, *, actor, channel: str, reason: str = "") -> None:
    instance._history_user = actor if actor and actor.is_authenticated else None
    instance._history_channel = channel
    instance._change_reason = reason
    instance.save()


def customer_create(
    *,
    data: Mapping[str, Any],
    actor,
    channel: str = Channel.MANUAL,
    source: models.Model | None = None,
    verified: bool | None = None,
) -> Customer:
    """Create a card from card fields (`CARD_FIELDS`); history and provenance start here."""
    unknown = set(data) - set(CARD_FIELDS)
    if unknown:
        raise ValueError(f"Not card fields: {sorted(unknown)}")
    customer = Customer(**data)
    customer.full_clean()
    with transaction.atomic():
        _save_with_history(customer, actor=actor, channel=channel)
        _record_provenance(
            customer=customer,
            fields=[field for field, value in data.items() if _is_filled(value)],
            actor=actor,
            channel=channel,
            source=source,
            verified=_verified_default(actor, channel) if verified is None else verified,
        )
    return customer


def card_update(
    *,
    customer: Customer,
    changes: Mapping[str, Any],
    actor,
    channel: str,
    expected_version: int,
    source: models.Model | None = None,
    verified: bool | None = None,
    reason: str = "",
) -> Customer:
    """Apply field changes to a card: the one door for every channel.

    The write is refused with `CardConflict` when the card's version is no longer
    `expected_version` (optimistic locking: the version check and bump is one conditional
    UPDATE, so two concurrent writers cannot both pass it), with `ValidationError` when the
    result is invalid, and with `CardArchived` when the card is archived. Fields whose value
    does not change are ignored; if nothing changes, nothing is written. Returns the card as
    saved, with its new version.
    """
    unknown = set(changes) - set(CARD_FIELDS)
    if unknown:
        raise ValueError(f"Not card fields: {sorted(unknown)}")
    with transaction.atomic():
        current = Customer.objects.get(pk=customer.pk)
        if current.version != expected_version:
            raise CardConflict(customer=current, expected_version=expected_version)
        if current.is_archived:
            raise CardArchived(_("An archived card cannot be changed; restore it first."))
        changed = [
            field
            for field, value in changes.items()
            if getattr(current, _attname(field)) != _raw(value)
        ]
        if not changed:
            return current
        for field in changed:
            setattr(current, field, changes[field])
        current.full_clean()
        # Claim the version with one conditional UPDATE: of two writers that read the same
        # version, exactly one passes; the other gets the conflict.
        claimed = Customer.objects.filter(pk=current.pk, version=expected_version).update(
            version=models.F("version") + 1
        )
        if not claimed:
            raise CardConflict(
                customer=Customer.objects.get(pk=current.pk), expected_version=expected_version
            )
        current.version = expected_version + 1
        _save_with_history(current, actor=actor, channel=channel, reason=reason)
        _record_provenance(
            customer=current,
            fields=changed,
            actor=actor,
            channel=channel,
            source=source,
            verified=_verified_default(actor, channel) if verified is None else verified,
        )
    return current


def _attname(field: str) -> str:
    return Customer._meta.get_field(field).attname


def _raw(value: Any) -> Any:
    """A model instance compares by its primary key, as the card stores it."""
    return value.pk if isinstance(value, models.Model) else value


def customer_archive(*, customer: Customer, actor, channel: str = Channel.MANUAL) -> Customer:
    """Archive a card (nothing deletes one). Archiving an archived card changes nothing."""
    return _set_status(customer=customer, actor=actor, channel=channel, archived=True)


def customer_restore(*, customer: Customer, actor, channel: str = Channel.MANUAL) -> Customer:
    """Bring an archived card back to the active archive."""
    return _set_status(customer=customer, actor=actor, channel=channel, archived=False)


def _set_status(*, customer: Customer, actor, channel: str, archived: bool) -> Customer:
    status = Customer.Status.ARCHIVED if archived else Customer.Status.ACTIVE
    with transaction.atomic():
        current = Customer.objects.select_for_update().get(pk=customer.pk)
        if current.status == status:
            return current
        current.status = status
        current.archived_at = timezone.now() if archived else None
        current.version += 1
        _save_with_history(current, actor=actor, channel=channel)
    return current


def contact_save(*, contact: Contact, actor, channel: str = Channel.MANUAL) -> Contact:
    """Create or update a contact; making it primary demotes the customer's other primary."""
    contact.full_clean(validate_constraints=False)
    with transaction.atomic():
        if contact.is_primary:
            for other in Contact.objects.filter(
                customer_id=contact.customer_id, is_primary=True
            ).exclude(pk=contact.pk):
                other.is_primary = False
                _save_with_history(other, actor=actor, channel=channel)
        _save_with_history(contact, actor=actor, channel=channel)
    return contact


def contact_delete(*, contact: Contact, actor, channel: str = Channel.MANUAL) -> None:
    contact._history_user = actor
    contact._history_channel = channel
    contact.delete()


def credit_incident_save(
    *, incident: CreditIncident, actor, channel: str = Channel.MANUAL
) -> CreditIncident:
    incident.full_clean()
    _save_with_history(incident, actor=actor, channel=channel)
    return incident


def credit_incident_delete(
    *, incident: CreditIncident, actor, channel: str = Channel.MANUAL
) -> None:
    incident._history_user = actor
    incident._history_channel = channel
    incident.delete()
