"""Writes to the customer archive. Every change to a card goes through `card_update` (or
`customer_create` for a new card): it validates, refuses a stale version, records the
history with user and channel, and keeps each field's provenance."""

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connections, models, router, transaction
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_manager, person_name, salespeople
from classification.models import Region
from customers.models import (
    CARD_FIELDS,
    Channel,
    CodeSequence,
    Contact,
    CreditIncident,
    Customer,
    FieldProvenance,
    GradeHistory,
)
from customers.validators import normalize_credit_code


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


def _restricted(actor) -> bool:
    """Whether `actor` is a person with a salesperson's rights only (not a manager, not the
    system): such a person works on their own customers and routes alone."""
    return actor is not None and actor.is_authenticated and not is_manager(actor)


def _refuse_breaking_card_rules(
    customer: Customer,
    *,
    fields: Iterable[str],
    actor,
    new: bool,
    sales_ids=None,
    subtrees: dict[int, set[int]] | None = None,
) -> None:
    """The card's rules about who and where, checked for the `fields` being set (all given
    fields of a new card, the changed ones of an edit), whatever the channel:

    - the salesperson is a member of the sales group (`sales_ids`, when given, is the set of
      those among the cards' salespeople, read once for a batch; `subtrees`, when given,
      keeps each route region's subtree for the batch);
    - a salesperson may not change an existing card's code, nor give the card to somebody
      else;
    - a customer's route belongs to its region or to a region above it;
    - a salesperson puts customers on their own routes only, and a customer on a route that
      a salesperson rides is that salesperson's customer: moving it to another salesperson's
      route means assigning it to them too (a customer whose salesperson differs from the
      route's would drop out of both salespeople's plans).

    Raises a ValidationError naming the field."""
    fields = set(fields)
    errors: dict[str, Any] = {}
    if "salesperson" in fields and customer.salesperson_id is not None:
        if sales_ids is None:
            sales_ids = set(
                salespeople().filter(pk=customer.salesperson_id).values_list("pk", flat=True)
            )
        if customer.salesperson_id not in sales_ids:
            errors["salesperson"] = _(
                "%(user)s is not a member of the sales group; only sales staff can be "
                "assigned customers."
            ) % {"user": person_name(customer.salesperson)}
    if _restricted(actor) and not new:
        if "code" in fields:
            errors["code"] = _("Only a manager can change a customer's code.")
        if "salesperson" in fields and customer.salesperson_id != actor.pk:
            errors["salesperson"] = _("Sales staff can only assign customers to themselves.")
    if customer.route_id is not None and fields & {"route", "region", "salesperson"}:
        route = customer.route
        subtrees = {} if subtrees is None else subtrees
        if route.region_id not in subtrees:
            subtrees[route.region_id] = Region.objects.subtree_ids(route.region)
        if customer.region_id not in subtrees[route.region_id]:
            errors["route"] = _(
                "Only customers of the route's region (%(region)s) can be put on it."
            ) % {"region": route.region}
        elif "route" in fields and _restricted(actor) and route.salesperson_id != actor.pk:
            errors["route"] = _("You can put customers only on the routes you visit.")
        elif route.salesperson_id is not None and route.salesperson_id != customer.salesperson_id:
            errors["route"] = _(
                "%(route)s is visited by %(rider)s: assign the customer to %(rider)s as well, "
                "or choose a route of its own salesperson."
            ) % {"route": route, "rider": person_name(route.salesperson)}
    if errors:
        raise ValidationError(errors)


def _user_or_none(actor):
    """The acting user to record, or None for the system (commands, seeds, anonymous)."""
    return actor if actor is not None and actor.is_authenticated else None


def _verified_default(actor, channel: str) -> bool:
    # A manager's own edit counts as verified; what arrives from salespeople, customers,
    # imports and agencies is verified when a manager accepts it in review.
    return (
        channel in {Channel.MANUAL, Channel.ADMIN, Channel.API}
        and actor is not None
        and is_manager(actor)
    )


def _provenance_values(*, actor, channel: str, source: models.Model | None, verified: bool):
    return {
        "channel": channel,
        "source_type": ContentType.objects.get_for_model(source) if source is not None else None,
        "source_id": source.pk if source is not None else None,
        "recorded_at": timezone.now(),
        "recorded_by": _user_or_none(actor),
        "verified": verified,
    }


def _record_provenance(
    *,
    customer: Customer,
    fields: Iterable[str],
    actor,
    channel: str,
    source: models.Model | None,
    verified: bool,
) -> None:
    fields = list(fields)
    existing = {
        p.field_name: p
        for p in FieldProvenance.objects.filter(customer=customer, field_name__in=fields)
    }
    values = _provenance_values(actor=actor, channel=channel, source=source, verified=verified)
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


def _save_with_history(
    instance: models.Model, *, actor, channel: str, reason: str = "", update_fields=None
) -> None:
    """Save with the history's user, channel and reason. An existing row is saved with
    `update_fields`: only what the caller changed, so that columns other code wrote since
    the row was read are not put back."""
    instance._history_user = _user_or_none(actor)
    instance._history_channel = channel
    instance._change_reason = reason
    instance.save(update_fields=update_fields)


def _new_card(
    *,
    data: Mapping[str, Any],
    actor,
    validate_unique: bool = True,
    sales_ids=None,
    subtrees: dict[int, set[int]] | None = None,
):
    """A validated, unsaved card from card fields (`CARD_FIELDS`), and the fields it was
    given. A card that a salesperson creates, through any channel, is theirs: its
    salesperson is the creator, whatever was asked (forms and the API do not offer sales
    staff another choice). The card's rules: `_refuse_breaking_card_rules`."""
    unknown = set(data) - set(CARD_FIELDS)
    if unknown:
        raise ValueError(f"Not card fields: {sorted(unknown)}")
    data = _normalized(data)
    if _restricted(actor):
        if _raw(data.get("salesperson")) not in (None, actor.pk):
            raise ValidationError(
                {"salesperson": _("Sales staff can only assign customers to themselves.")}
            )
        data = {**data, "salesperson": actor}
    customer = Customer(**data)
    _validated(
        customer,
        exclude=_loaded_references(data),
        validate_unique=validate_unique,
        validate_constraints=validate_unique,
    )
    _refuse_breaking_card_rules(
        customer, fields=data, actor=actor, new=True, sales_ids=sales_ids, subtrees=subtrees
    )
    return customer, data


def customer_code_next() -> str:
    """The next free automatic customer code: `CUSTOMER_CODE_PREFIX` and a number padded to
    `CUSTOMER_CODE_WIDTH` digits (KH00001, KH00002, ...), skipping codes already typed by
    hand. The sequence row stays locked until the caller's transaction ends, so concurrent
    creations take different numbers; the first use continues after the highest code of
    that shape already in the archive. Call it inside a transaction."""
    prefix, width = settings.CUSTOMER_CODE_PREFIX, settings.CUSTOMER_CODE_WIDTH
    sequence = CodeSequence.objects.select_for_update().filter(prefix=prefix).first()
    if sequence is None:
        highest = (
            Customer.objects.filter(code__regex=rf"^{re.escape(prefix)}[0-9]+$")
            .annotate(length=Length("code"))
            .order_by("-length", "-code")
            .values_list("code", flat=True)
            .first()
        )
        CodeSequence.objects.get_or_create(
            prefix=prefix,
            defaults={"last_number": int(highest[len(prefix) :]) if highest else 0},
        )
        sequence = CodeSequence.objects.select_for_update().get(prefix=prefix)
    number = sequence.last_number
    while True:
        number += 1
        code = f"{prefix}{number:0{width}d}"
        if not Customer.objects.filter(code=code).exists():
            break
    sequence.last_number = number
    sequence.save(update_fields=["last_number"])
    return code


def customer_create(
    *,
    data: Mapping[str, Any],
    actor,
    channel: str = Channel.MANUAL,
    source: models.Model | None = None,
    verified: bool | None = None,
) -> Customer:
    """Create a card from card fields (`CARD_FIELDS`); history and provenance start here.
    A card given no code is numbered (`customer_code_next`). The card's rules are
    `_new_card`'s; a code or credit code that a concurrent writer takes first is refused
    with the same ValidationError as one taken before."""
    customer = None
    try:
        with transaction.atomic():
            if not (data.get("code") or "").strip():
                data = {**data, "code": customer_code_next()}
            customer, data = _new_card(data=data, actor=actor)
            _save_with_history(customer, actor=actor, channel=channel)
            _record_provenance(
                customer=customer,
                fields=[field for field, value in data.items() if _is_filled(value)],
                actor=actor,
                channel=channel,
                source=source,
                verified=_verified_default(actor, channel) if verified is None else verified,
            )
    except IntegrityError:
        # Another writer took the code or the credit code after the check (the insert
        # waited for it to commit); checking again, now that this write is rolled back,
        # sees it and names the field.
        if customer is not None:
            _validated(customer, exclude=_loaded_references(data))
        raise
    return customer


class CardsInvalid(Exception):
    """Some cards given to `customers_create_bulk` are invalid; none was created."""

    def __init__(self, errors: Mapping[int, ValidationError]):
        self.errors = dict(errors)  # position among the cards given -> its errors
        super().__init__(_("%(count)s of the new cards are invalid.") % {"count": len(self.errors)})


def customers_create_bulk(
    *,
    cards: Sequence[Mapping[str, Any]],
    actor,
    channel: str,
) -> list[Customer]:
    """Create many cards at once (imports): each is held to `customer_create`'s rules and
    starts its history (one record, channel `channel`, user `actor`) and the provenance of
    its filled fields, in a bounded number of statements per `_CHUNK` cards instead of
    about ten per card.

    Codes and credit codes must be new and differ among the cards; they are checked for
    all the cards with one query per chunk, and again when a concurrent writer takes one
    of them before these are saved. Raises `CardsInvalid` with every bad card's position
    and errors, and then creates nothing."""
    customers, given, errors = [], [], {}
    # Whether the cards' salespeople are sales staff, read once for the batch (a
    # salesperson's own cards are theirs, see `_new_card`).
    assigned = {_raw(data.get("salesperson")) for data in cards}
    if _restricted(actor):
        assigned.add(actor.pk)
    sales_ids = set(salespeople().filter(pk__in=assigned - {None}).values_list("pk", flat=True))
    subtrees: dict[int, set[int]] = {}
    for position, data in enumerate(cards):
        try:
            customer, data = _new_card(
                data=data,
                actor=actor,
                validate_unique=False,
                sales_ids=sales_ids,
                subtrees=subtrees,
            )
        except ValidationError as error:
            errors[position] = error
            customer = None
        customers.append(customer)
        given.append(data)
    _refuse_taken_keys(customers, errors)
    if errors:
        raise CardsInvalid(errors)
    try:
        with transaction.atomic():
            now = timezone.now()
            _cards_insert(customers, given=set().union(*given), now=now)
            ids = [customer.pk for customer in customers]
            for chunk in _chunks(ids):
                _history_snapshot(chunk, actor=actor, channel=channel, when=now, kind="+")
            filled: dict[str, list[int]] = {}
            for customer, data in zip(customers, given, strict=True):
                for field, value in data.items():
                    if _is_filled(value):
                        filled.setdefault(field, []).append(customer.pk)
            _provenance_upsert(
                filled,
                actor=actor,
                channel=channel,
                verified=_verified_default(actor, channel),
                when=now,
            )
    except IntegrityError:
        # Another writer took some of the codes or credit codes after the check above (the
        # insert waited for it to commit); checking again, now that this write is rolled
        # back, sees them.
        _refuse_taken_keys(customers, errors)
        if errors:
            raise CardsInvalid(errors) from None
        raise
    return customers


def _refuse_taken_keys(
    customers: list[Customer | None],
    errors: dict[int, ValidationError],
    *,
    changed: list[list[str]] | None = None,
):
    """Add to `errors` each card whose code or credit code another card has, saved or
    among these; the messages are those that validating each card alone would give. New
    cards are checked for both keys; saved cards (given `changed`, each card's changed
    fields) for the keys they change."""
    constraint = next(
        c for c in Customer._meta.constraints if c.name == "customer_credit_code_unique"
    )
    for field, message in (
        ("code", None),
        ("credit_code", constraint.get_violation_error_message()),
    ):
        keys = [
            getattr(customer, field)
            if customer and (changed is None or field in changed[position])
            else ""
            for position, customer in enumerate(customers)
        ]
        wanted = sorted({key for key in keys if key})
        taken = set()
        for start in range(0, len(wanted), _CHUNK):
            taken.update(
                Customer.objects.filter(
                    **{f"{field}__in": wanted[start : start + _CHUNK]}
                ).values_list(field, flat=True)
            )
        seen = set()
        for position, key in enumerate(keys):
            if not key:
                continue
            if key in taken or key in seen:
                found = (
                    ValidationError(message, code="unique")
                    if message
                    else customers[position].unique_error_message(Customer, [field])
                )
                errors[position] = ValidationError(
                    {field: [found]} | (errors[position].error_dict if position in errors else {})
                )
            seen.add(key)


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
    `expected_version` (optimistic locking: the row is locked for the check and the write,
    so two concurrent writers cannot both pass it), with `ValidationError` when the result
    is invalid or breaks the card's rules (`_refuse_breaking_card_rules`), and with
    `CardArchived` when the card is archived. Fields whose value does not change are
    ignored; only the changed columns are written, and if nothing changes, nothing is.
    Returns the card as saved, with its new version.
    """
    unknown = set(changes) - set(CARD_FIELDS)
    if unknown:
        raise ValueError(f"Not card fields: {sorted(unknown)}")
    customer, _changed = _card_apply(
        customer=customer,
        changes=_normalized(changes),
        actor=actor,
        channel=channel,
        expected_version=expected_version,
        source=source,
        verified=verified,
        reason=reason,
    )
    return customer


def _card_apply(
    *, customer, changes, actor, channel, expected_version, source, verified, reason
) -> tuple[Customer, list[str]]:
    """card_update's work, for any field of the card (callers decide which they allow).
    Returns the card as saved and the fields that changed."""
    with transaction.atomic():
        # The row stays locked until the write commits: what other code writes meanwhile
        # with `.update()` (the sale dates of a sales load, the route order) waits, and then
        # stays, since only the changed columns are saved.
        current = Customer.objects.select_for_update().get(pk=customer.pk)
        changed = _card_changes_checked(
            current, changes, actor=actor, expected_version=expected_version
        )
        if not changed:
            return current, changed
        current.version = expected_version + 1
        _save_with_history(
            current,
            actor=actor,
            channel=channel,
            reason=reason,
            update_fields=[*changed, "version", "updated_at"],
        )
        _record_provenance(
            customer=current,
            fields=changed,
            actor=actor,
            channel=channel,
            source=source,
            verified=_verified_default(actor, channel) if verified is None else verified,
        )
    return current, changed


def _card_changes_checked(
    current: Customer,
    changes: Mapping[str, Any],
    *,
    actor,
    expected_version: int,
    sales_ids=None,
    subtrees: dict[int, set[int]] | None = None,
    validate_unique: bool = True,
) -> list[str]:
    """The rules of the update door, for one locked, saved card: refuse a stale version
    (`CardConflict`) or an archived card (`CardArchived`), set the values that differ, and
    hold the result to validation and the card's rules (`ValidationError`). Returns the
    fields that changed (none: nothing was set). `sales_ids`, `subtrees` and
    `validate_unique=False` are for a batch that reads them, and checks unique keys, once
    (`cards_update_bulk`)."""
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
        return changed
    for field in changed:
        setattr(current, field, changes[field])
    # The values the card keeps passed validation when they were saved: the changed ones
    # are validated (with the model's own `clean` and the unique checks they take part in).
    kept = [field.name for field in Customer._meta.concrete_fields if field.name not in changed]
    _validated(
        current,
        exclude=[*kept, *_loaded_references(changes)],
        validate_unique=validate_unique,
        validate_constraints=validate_unique,
    )
    _refuse_breaking_card_rules(
        current,
        fields=changed,
        actor=actor,
        new=False,
        sales_ids=sales_ids,
        subtrees=subtrees,
    )
    return changed


def cards_update_bulk(
    *,
    updates: Sequence[tuple[int, int, Mapping[str, Any]]],
    actor,
    channel: str,
) -> list[list[str]]:
    """`card_update` for many cards at once (imports): `updates` holds, for each card, its
    primary key, the version the caller read and the changes. Each card is held to the
    same rules as through `card_update` (`_card_changes_checked`: stale version, archived
    card, validation, the card's rules; codes and credit codes checked for the batch at
    once), and each changed card gets a new version, one history record (channel
    `channel`, user `actor`) and the provenance of its changed fields, in a bounded number
    of statements per `_CHUNK` cards. The cards are locked in key order for the check and
    the write.

    Returns, for each update, the fields it changed. Raises `CardsInvalid` with every bad
    card's position and errors, and then writes nothing."""
    for _pk, _version, changes in updates:
        unknown = set(changes) - set(CARD_FIELDS)
        if unknown:
            raise ValueError(f"Not card fields: {sorted(unknown)}")
    if not updates:
        return []
    with transaction.atomic():
        current: dict[int, Customer] = {}
        for chunk in _chunks(sorted({pk for pk, _version, _changes in updates})):
            current.update(
                (card.pk, card)
                for card in Customer.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
            )
        assigned = {_raw(changes.get("salesperson")) for _pk, _version, changes in updates}
        sales_ids = set(salespeople().filter(pk__in=assigned - {None}).values_list("pk", flat=True))
        subtrees: dict[int, set[int]] = {}
        errors: dict[int, ValidationError] = {}
        changed_fields: list[list[str]] = []
        cards: list[Customer | None] = []
        for position, (pk, expected_version, changes) in enumerate(updates):
            card = current.get(pk)
            changed: list[str] = []
            try:
                if card is None:
                    raise ValidationError(_("This card no longer exists."))
                changed = _card_changes_checked(
                    card,
                    _normalized(changes),
                    actor=actor,
                    expected_version=expected_version,
                    sales_ids=sales_ids,
                    subtrees=subtrees,
                    validate_unique=False,
                )
            except ValidationError as error:
                errors[position] = error
            except (CardConflict, CardArchived) as error:
                errors[position] = ValidationError(str(error))
            changed_fields.append(changed)
            cards.append(card if changed else None)
        _refuse_taken_keys(cards, errors, changed=changed_fields)
        if errors:
            raise CardsInvalid(errors)
        written = [card for card in cards if card is not None]
        if not written:
            return changed_fields
        now = timezone.now()
        for card in written:
            card.version += 1
            card.updated_at = now
        # The cards stay locked until the transaction ends, so the columns written here that
        # a card did not change still hold its saved values.
        fields = sorted({field for changed in changed_fields for field in changed})
        _cards_write(written, [*fields, "version", "updated_at"])
        ids = [card.pk for card in written]
        for chunk in _chunks(ids):
            _history_snapshot(chunk, actor=actor, channel=channel, when=now)
        by_field: dict[str, list[int]] = {}
        for card, changed in zip(cards, changed_fields, strict=True):
            for field in changed:
                by_field.setdefault(field, []).append(card.pk)
        _provenance_upsert(
            by_field,
            actor=actor,
            channel=channel,
            verified=_verified_default(actor, channel),
            when=now,
        )
    return changed_fields


def _validated(customer: Customer, **options) -> None:
    """`full_clean`, with a taken credit code reported on the credit code field (Django
    reports a conditional unique constraint for the whole card)."""
    try:
        customer.full_clean(**options)
    except ValidationError as error:
        errors = error.update_error_dict({})
        whole = errors.pop(NON_FIELD_ERRORS, [])
        taken = [e for e in whole if getattr(e, "code", None) == "credit_code_taken"]
        if taken:
            errors.setdefault("credit_code", []).extend(taken)
        rest = [e for e in whole if e not in taken]
        if rest:
            errors[NON_FIELD_ERRORS] = rest
        raise ValidationError(errors) from error


def _normalized(values: Mapping[str, Any]) -> Mapping[str, Any]:
    """Card values as stored: a credit code typed in lower case or with spaces is the same
    code (`normalize_credit_code`)."""
    if isinstance(values.get("credit_code"), str):
        return {**values, "credit_code": normalize_credit_code(values["credit_code"])}
    return values


def _loaded_references(values: Mapping[str, Any]) -> list[str]:
    """Foreign keys given as saved instances: they exist, so validation need not look each
    one up again (a query per reference per card, which bulk imports cannot afford)."""
    return [
        field
        for field, value in values.items()
        if isinstance(value, models.Model) and value.pk is not None
    ]


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
        _save_with_history(
            current,
            actor=actor,
            channel=channel,
            update_fields=["status", "archived_at", "version", "updated_at"],
        )
    return current


# Contacts and credit incidents -------------------------------------------------------------
# They are part of the card: an archived card keeps them as they are, and each carries a
# version of its own, so that two people editing the same contact never silently overwrite
# each other (a contact edit does not make the rest of the card stale). Every write locks
# the card's row first, so writes to one card's contacts and incidents run one after the
# other: the archived check holds until the commit, and two concurrent "make primary"
# requests end with the later one primary instead of a constraint failure.


class RecordConflict(Exception):
    """A contact or credit incident was changed or deleted by someone else since the caller
    read it. `current` is the saved record, None when it is gone."""

    def __init__(self, *, record: models.Model, current, expected_version: int):
        self.record = record
        self.current = current
        self.expected_version = expected_version
        if current is None:
            message = _("This %(record)s was deleted by someone else.") % {
                "record": record._meta.verbose_name
            }
        else:
            message = _(
                "This %(record)s was changed by someone else (version %(current)s, you edited "
                "version %(expected)s). Reload it and apply your changes again."
            ) % {
                "record": record._meta.verbose_name,
                "current": current.version,
                "expected": expected_version,
            }
        super().__init__(message)


def _lock_card_of(record: models.Model) -> None:
    """Lock the record's card for the rest of the transaction; refuse an archived one."""
    card = Customer.objects.select_for_update().only("status").get(pk=record.customer_id)
    if card.is_archived:
        raise CardArchived(_("An archived card cannot be changed; restore it first."))


def _record_fields(model) -> list[str]:
    return [
        field.name
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name != "version"
    ]


def _card_part_save(record, *, actor, channel: str, expected_version: int | None, then=None):
    """Create `record`, or save the fields it changes against the saved row whose version
    must still be `expected_version` (required for an existing record). `then(record)` runs
    inside the same transaction before the save (e.g. demoting the other primary contact).
    Returns the record as saved."""
    model = type(record)
    with transaction.atomic():
        _lock_card_of(record)
        if record.pk is None:
            if then:
                then(record)
            _save_with_history(record, actor=actor, channel=channel)
            return record
        if expected_version is None:
            raise ValueError("An update of an existing record names the version it was made on.")
        current = model.objects.select_for_update().filter(pk=record.pk).first()
        if current is None or current.version != expected_version:
            raise RecordConflict(record=record, current=current, expected_version=expected_version)
        if current.customer_id != record.customer_id:
            raise ValidationError(
                {"customer": _("A record cannot move to another customer.")}, code="moved"
            )
        changed = [
            name
            for name in _record_fields(model)
            if getattr(record, model._meta.get_field(name).attname)
            != getattr(current, model._meta.get_field(name).attname)
        ]
        if not changed:
            return current
        if then:
            then(record)
        record.version = current.version + 1
        _save_with_history(
            record, actor=actor, channel=channel, update_fields=[*changed, "version"]
        )
    return record


def _card_part_delete(record, *, actor, channel: str, expected_version: int | None) -> None:
    """Delete `record`; with `expected_version`, only if nobody changed it since."""
    model = type(record)
    with transaction.atomic():
        _lock_card_of(record)
        current = model.objects.select_for_update().filter(pk=record.pk).first()
        if current is None:
            return
        if expected_version is not None and current.version != expected_version:
            raise RecordConflict(record=record, current=current, expected_version=expected_version)
        current._history_user = _user_or_none(actor)
        current._history_channel = channel
        current.delete()


def contact_save(
    *, contact: Contact, actor, channel: str = Channel.MANUAL, expected_version: int | None = None
) -> Contact:
    """Create a contact, or save what changed in one against `expected_version`. Making it
    primary demotes the customer's other primary contact."""
    # The one-primary constraint is kept here, by the demotion, not refused up front.
    contact.full_clean(validate_constraints=False)

    def demote_other_primary(contact: Contact) -> None:
        if not contact.is_primary:
            return
        for other in Contact.objects.filter(
            customer_id=contact.customer_id, is_primary=True
        ).exclude(pk=contact.pk):
            other.is_primary = False
            other.version += 1
            _save_with_history(
                other, actor=actor, channel=channel, update_fields=["is_primary", "version"]
            )

    return _card_part_save(
        contact,
        actor=actor,
        channel=channel,
        expected_version=expected_version,
        then=demote_other_primary,
    )


def contact_delete(
    *, contact: Contact, actor, channel: str = Channel.MANUAL, expected_version: int | None = None
) -> None:
    _card_part_delete(contact, actor=actor, channel=channel, expected_version=expected_version)


def credit_incident_save(
    *,
    incident: CreditIncident,
    actor,
    channel: str = Channel.MANUAL,
    expected_version: int | None = None,
) -> CreditIncident:
    """Record a credit incident, or save what changed in one against `expected_version`."""
    incident.full_clean()
    return _card_part_save(
        incident, actor=actor, channel=channel, expected_version=expected_version
    )


def credit_incident_delete(
    *,
    incident: CreditIncident,
    actor,
    channel: str = Channel.MANUAL,
    expected_version: int | None = None,
) -> None:
    _card_part_delete(incident, actor=actor, channel=channel, expected_version=expected_version)


# Grades ------------------------------------------------------------------------------------
# The grade is not one of the card fields `card_update` accepts (a salesperson's edit, an
# import or the API must not set it); it changes only through the two doors below, which keep
# the same rules: history with user and channel, provenance, a bumped version, and a grade
# history period (`GradeHistory`) that is closed and opened, never rewritten.

GRADE_FIELDS = ("grade", "grade_pinned", "grade_pin_reason")
# Ids per statement: well inside the SQLite and PostgreSQL parameter limits.
_CHUNK = 5000


class GradesChanged(Exception):
    """A bulk grade write found cards that no longer match what the caller previewed."""


def card_set_grade(
    *,
    customer: Customer,
    grade,
    pinned: bool,
    reason: str,
    actor,
    expected_version: int,
    channel: str = Channel.MANUAL,
    on_date=None,
) -> Customer:
    """Set a card's grade and its pin (grade, `grade_pinned`, `grade_pin_reason`) with the
    same optimistic locking, history and provenance as `card_update`. When the grade itself
    changes, the open grade history period is closed on `on_date` (default: today) and a new
    one opened (source "pin" when pinning, "manual" otherwise)."""
    on_date = on_date or timezone.localdate()
    with transaction.atomic():
        current, changed = _card_apply(
            customer=customer,
            changes={"grade": grade, "grade_pinned": pinned, "grade_pin_reason": reason},
            actor=actor,
            channel=channel,
            expected_version=expected_version,
            source=None,
            verified=None,
            reason=reason,
        )
        if "grade" in changed:
            source = GradeHistory.Source.PIN if pinned else GradeHistory.Source.MANUAL
            _grade_periods_move(
                {current.pk: current.grade_id},
                actor=actor,
                on_date=on_date,
                source=source,
                reason=reason,
            )
    return current


def cards_set_grades(
    *,
    grades: Mapping[int, Any],
    actor,
    channel: str,
    on_date,
    expected: Mapping[int, int | None] | None = None,
    reason: str = "",
    progress=None,
) -> int:
    """Set the grades of many cards at once (the regrade): `grades` maps customer pk to its
    new `GradeLevel` (or None for no grade). In a bounded number of statements, whatever the
    number of cards (one per kind of write and per 5,000 cards; the provenance and grade
    history inserts are batched by the database backend): each card's grade is set and its
    version bumped, one history record per card (channel `channel`, user `actor`) snapshots
    the new state, the grade's provenance says `channel`, verified, and the open grade history
    period is closed on `on_date` and a new one opened (source "regrade").

    Refused with `GradesChanged` (and nothing written) when a card is archived, pinned, gone,
    or, given `expected` (pk -> grade pk the caller saw), no longer has that grade.

    `progress`, if given, is called as `progress(done, total)` after each chunk of cards
    whose history is written."""
    ids = sorted(grades)
    if not ids:
        return 0
    targets = {pk: (grade.pk if grade is not None else None) for pk, grade in grades.items()}
    now = timezone.now()
    with transaction.atomic():
        found = {}
        for chunk in _chunks(ids):
            found.update(
                (pk, (grade_id, status, pinned))
                # Locked in key order, as every bulk writer locks cards: no two wait on
                # each other.
                for pk, grade_id, status, pinned in Customer.objects.select_for_update()
                .filter(pk__in=chunk)
                .order_by("pk")
                .values_list("pk", "grade_id", "status", "grade_pinned")
            )
        stale = [
            pk
            for pk in ids
            if pk not in found
            or found[pk][1] != Customer.Status.ACTIVE
            or found[pk][2]
            or (expected is not None and found[pk][0] != expected.get(pk))
        ]
        if stale:
            raise GradesChanged(
                _("%(count)s customers changed since the grades were computed.")
                % {"count": len(stale)}
            )
        by_target: dict[int | None, list[int]] = {}
        for pk in ids:
            by_target.setdefault(targets[pk], []).append(pk)
        for target, pks in by_target.items():
            for chunk in _chunks(pks):
                Customer.objects.filter(pk__in=chunk).update(
                    grade_id=target, version=models.F("version") + 1, updated_at=now
                )
        written = 0
        for chunk in _chunks(ids):
            _history_snapshot(chunk, actor=actor, channel=channel, when=now, reason=reason)
            written += len(chunk)
            if progress is not None:
                progress(written, len(ids))
        _provenance_upsert({"grade": ids}, actor=actor, channel=channel, verified=True, when=now)
        _grade_periods_move(
            targets, actor=actor, on_date=on_date, source=GradeHistory.Source.REGRADE, reason=reason
        )
    return len(ids)


def _chunks(ids: list[int]):
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _grade_periods_move(
    targets: Mapping[int, int | None], *, actor, on_date, source: str, reason: str
) -> None:
    """Close each card's open grade period on `on_date` and open one with its new grade.

    The past is never rewritten: `on_date` may not be in the future, nor before the start of
    a card's open period (that would end the period before it began and put today's grade
    on an old day); such a change is refused with a ValidationError and nothing moves."""
    ids = sorted(targets)
    today = timezone.localdate()
    if on_date > today:
        raise ValidationError(
            _("A grade cannot be set for a day to come (%(day)s); today is %(today)s.")
            % {"day": on_date, "today": today},
            code="future",
        )
    for chunk in _chunks(ids):
        latest = (
            GradeHistory.objects.filter(
                customer_id__in=chunk, valid_to__isnull=True, valid_from__gt=on_date
            )
            .order_by("-valid_from")
            .values_list("valid_from", flat=True)
            .first()
        )
        if latest is not None:
            raise ValidationError(
                _(
                    "The grade history already runs from %(start)s; a grade change cannot be "
                    "dated %(day)s, before it. Date it %(start)s or later."
                )
                % {"start": latest, "day": on_date},
                code="backdated",
            )
    for chunk in _chunks(ids):
        GradeHistory.objects.filter(customer_id__in=chunk, valid_to__isnull=True).update(
            valid_to=on_date
        )
    changed_by = _user_or_none(actor)
    GradeHistory.objects.bulk_create(
        [
            GradeHistory(
                customer_id=pk,
                grade_id=targets[pk],
                valid_from=on_date,
                source=source,
                reason=reason,
                changed_by=changed_by,
            )
            for pk in ids
        ]
    )


def _history_snapshot(
    ids: list[int], *, actor, channel: str, when, reason: str = "", kind: str = "~"
) -> None:
    """One history record per card, copied from the saved row by one INSERT ... SELECT.
    (`bulk_create` of the historical model would split into batches of a dozen rows on SQLite,
    whose parameter limit Django assumes to be 999, so the statement count would grow with the
    number of cards.)"""
    historical = Customer.history.model
    connection = connections[router.db_for_write(historical)]
    quote = connection.ops.quote_name
    tracked = list(historical.tracked_fields)
    columns = [quote(historical._meta.get_field(field.name).column) for field in tracked]
    sources = [quote(Customer._meta.get_field(field.name).column) for field in tracked]
    extra = {
        "history_date": historical._meta.get_field("history_date").get_db_prep_value(
            when, connection
        ),
        "history_type": kind,
        "history_change_reason": reason or None,
        "history_user": getattr(_user_or_none(actor), "pk", None),
        "history_channel": channel,
    }
    columns += [quote(historical._meta.get_field(name).column) for name in extra]
    placeholders = ", ".join(["%s"] * len(ids))
    # Identifiers come from the model definitions; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(historical._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(sources)}, {', '.join(['%s'] * len(extra))} "
        f"FROM {quote(Customer._meta.db_table)} WHERE {quote(Customer._meta.pk.column)} "
        f"IN ({placeholders})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*extra.values(), *ids])


def _provenance_upsert(
    by_field: Mapping[str, Sequence[int]], *, actor, channel: str, verified: bool, when
) -> None:
    """Record, for each field, that `channel` and `actor` set it on the cards of the given
    primary keys (no source record): one INSERT ... SELECT per field and `_CHUNK` cards,
    replacing the provenance a card had for that field. (Building a model instance per card
    and field, as `bulk_create` does, cost more than the rest of a large import.)"""
    connection = connections[router.db_for_write(FieldProvenance)]
    quote = connection.ops.quote_name
    meta = FieldProvenance._meta
    set_values = {
        "channel": channel,
        "source_type": None,
        "source_id": None,
        "recorded_at": meta.get_field("recorded_at").get_db_prep_value(when, connection),
        "recorded_by": getattr(_user_or_none(actor), "pk", None),
        "verified": verified,
    }
    columns = [quote(meta.get_field(name).column) for name in ("customer", "field_name")]
    columns += [quote(meta.get_field(name).column) for name in set_values]
    updates = ", ".join(f"{column} = excluded.{column}" for column in columns[2:])
    with connection.cursor() as cursor:
        for field, ids in by_field.items():
            for chunk in _chunks(list(ids)):
                placeholders = ", ".join(["%s"] * len(chunk))
                # Identifiers come from the model definitions; every value is a parameter.
                cursor.execute(
                    f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
                    f"SELECT {quote(Customer._meta.pk.column)}, "
                    f"{', '.join(['%s'] * (len(columns) - 1))} "
                    f"FROM {quote(Customer._meta.db_table)} "
                    f"WHERE {quote(Customer._meta.pk.column)} IN ({placeholders}) "
                    f"ON CONFLICT ({columns[0]}, {columns[1]}) DO UPDATE SET {updates}",
                    [field, *set_values.values(), *chunk],
                )


def _cards_write(cards: Sequence[Customer], fields: Sequence[str]) -> None:
    """Write `fields` of saved cards as they are set on the instances: one UPDATE ... FROM
    a list of values per batch of cards. (Django's `bulk_update` builds a CASE per field and
    card, which cost most of a large import's time.)"""
    connection = connections[router.db_for_write(Customer)]
    quote = connection.ops.quote_name
    table = quote(Customer._meta.db_table)
    pk = Customer._meta.pk
    written = [Customer._meta.get_field(name) for name in fields]
    names = ", ".join(quote(field.column) for field in [pk, *written])
    # PostgreSQL reads a list of values as text unless told the columns' types.
    typed = connection.vendor == "postgresql"
    assignments = ", ".join(
        f"{quote(field.column)} = "
        + (
            f"CAST(v.{quote(field.column)} AS {field.db_type(connection)})"
            if typed
            else f"v.{quote(field.column)}"
        )
        for field in written
    )
    limit = connection.features.max_query_params
    per_statement = min(_CHUNK, limit // (len(written) + 1)) if limit else _CHUNK
    row = "(" + ", ".join(["%s"] * (len(written) + 1)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(cards), per_statement):
            batch = cards[start : start + per_statement]
            params = []
            for card in batch:
                params.append(card.pk)
                params.extend(
                    field.get_db_prep_save(getattr(card, field.attname), connection)
                    for field in written
                )
            # Identifiers come from the model definitions; every value is a parameter.
            cursor.execute(
                f"WITH v ({names}) AS (VALUES {', '.join([row] * len(batch))}) "  # noqa: S608
                f"UPDATE {table} SET {assignments} FROM v "
                f"WHERE {table}.{quote(pk.column)} = v.{quote(pk.column)}",
                params,
            )


def _cards_insert(customers: Sequence[Customer], *, given: set[str], now) -> None:
    """Insert new cards and set their primary keys: one INSERT per batch of cards. The
    fields in `given` are read from each card; every other field holds its default on every
    new card, so it is prepared for the database once for all of them (Django's
    `bulk_create` prepares every field of every card, which cost most of a large import's
    time). Automatic timestamps are `now`."""
    connection = connections[router.db_for_write(Customer)]
    quote = connection.ops.quote_name
    pk = Customer._meta.pk
    fields = [field for field in Customer._meta.concrete_fields if field is not pk]
    first = customers[0]
    constant = {}
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for customer in customers:
                setattr(customer, field.attname, now)
        if field.name not in given:
            constant[field.attname] = field.get_db_prep_save(
                getattr(first, field.attname), connection
            )
    varying = [field for field in fields if field.attname not in constant]
    template = [constant.get(field.attname) for field in fields]
    slots = [fields.index(field) for field in varying]
    limit = connection.features.max_query_params
    per_statement = min(_CHUNK, limit // len(fields)) if limit else _CHUNK
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    columns = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        for start in range(0, len(customers), per_statement):
            batch = customers[start : start + per_statement]
            params = []
            for customer in batch:
                values = list(template)
                for slot, field in zip(slots, varying, strict=True):
                    values[slot] = field.get_db_prep_save(
                        getattr(customer, field.attname), connection
                    )
                params.extend(values)
            # Identifiers come from the model definitions; every value is a parameter.
            cursor.execute(
                f"INSERT INTO {quote(Customer._meta.db_table)} ({columns}) "  # noqa: S608
                f"VALUES {', '.join([row] * len(batch))} RETURNING {quote(pk.column)}",
                params,
            )
            for customer, (key,) in zip(batch, cursor.fetchall(), strict=True):
                customer.pk = key
                customer._state.adding = False
                customer._state.db = connection.alias
