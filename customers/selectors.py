"""Reads of the customer archive that depend on who asks."""

from dataclasses import dataclass
from itertools import pairwise

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext

from accounts.roles import person_name
from customers.models import CARD_SECTIONS, Customer, FieldProvenance

LIST_RELATED = ("customer_type", "ownership", "region", "grade", "route", "salesperson")


def customers_visible_to(user):
    """The customers `user` may see and change, with what a list row shows."""
    return Customer.objects.visible_to(user).select_related(*LIST_RELATED)


def customer_get_for_user(user, pk) -> Customer:
    """One customer within the user's scope; outside it the customer does not exist (404)."""
    return get_object_or_404(customers_visible_to(user), pk=pk)


@dataclass(frozen=True)
class Duplicate:
    """Another card that looks like the one being created. `customer` is None when the card
    is outside the user's scope: the user learns only what matched, and asks a manager."""

    matches: tuple[str, ...]  # "name", "credit_code", "phone"
    customer: Customer | None


def customer_find_duplicates(
    *, user, name: str = "", credit_code: str = "", phone: str = "", exclude_pk=None
) -> list[Duplicate]:
    """Other cards in the whole archive with the same name, credit code or phone: the
    duplicate warning on create. The search ignores scope, because a duplicate belonging to
    a colleague is exactly what must be caught; what it shows keeps to the scope (a card
    the user may not see is reported by what matched, without any of its data). Two
    queries."""
    given = {
        "name": name.strip().lower(),
        "credit_code": credit_code.strip(),
        "phone": phone.strip(),
    }
    lookups = {"name": "name__iexact", "credit_code": "credit_code", "phone": "phone"}
    condition = Q()
    for key, value in given.items():
        if value:
            condition |= Q(**{lookups[key]: value})
    if not condition:
        return []
    queryset = Customer.objects.filter(condition).select_related("salesperson")
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    found = list(queryset.order_by("pk")[:10])
    visible = set(
        Customer.objects.visible_to(user)
        .filter(pk__in=[customer.pk for customer in found])
        .values_list("pk", flat=True)
    )

    def matches(customer: Customer) -> tuple[str, ...]:
        theirs = {
            "name": customer.name.lower(),
            "credit_code": customer.credit_code,
            "phone": customer.phone,
        }
        return tuple(key for key, value in given.items() if value and theirs[key] == value)

    return [
        Duplicate(matches(customer), customer if customer.pk in visible else None)
        for customer in found
    ]


@dataclass(frozen=True)
class Completeness:
    overall: int  # percent
    sections: dict[str, int]  # percent per section of CARD_SECTIONS


def customer_completeness(customer: Customer) -> Completeness:
    """Share of the card's meaningful fields that are filled, per section and overall."""
    filled_total = fields_total = 0
    sections = {}
    for section, fields in CARD_SECTIONS.items():
        filled = sum(1 for field in fields if getattr(customer, field) not in (None, ""))
        sections[section] = round(100 * filled / len(fields))
        filled_total += filled
        fields_total += len(fields)
    return Completeness(overall=round(100 * filled_total / fields_total), sections=sections)


def customer_provenance(customer: Customer) -> dict[str, FieldProvenance]:
    """Each field's provenance, keyed by field name (one query)."""
    return {
        p.field_name: p
        for p in FieldProvenance.objects.filter(customer=customer).select_related("recorded_by")
    }


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: object
    new: object


@dataclass(frozen=True)
class TimelineEntry:
    when: object
    user: object
    channel: str
    channel_label: str
    kind: str  # "+" created, "~" changed, "-" deleted
    reason: str
    changes: list[FieldChange]


def customer_timeline(customer: Customer, *, limit: int = 50) -> list[TimelineEntry]:
    """The card's history, newest first: who changed which fields from what to what, when,
    and through which channel. Two queries plus one per kind of related value shown."""
    records = list(
        customer.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    tracked = history_tracked_fields(Customer)
    entries = []
    pairs = list(pairwise(records))
    if len(records) <= limit and records:
        pairs.append((records[-1], None))
    for new, old in pairs:
        entries.append(
            TimelineEntry(
                when=new.history_date,
                user=new.history_user,
                channel=new.history_channel,
                channel_label=new.get_history_channel_display(),
                kind=new.history_type,
                reason=new.history_change_reason or "",
                changes=history_changes(tracked, new, old),
            )
        )
    history_changes_in_words(Customer, [entry.changes for entry in entries])
    return entries


def history_tracked_fields(model, *, exclude=()) -> list[models.Field]:
    """The fields of `model` that its history records and that a change shows: every
    recorded field but the primary key, the version and `exclude`."""
    recorded = {f.name for f in model.history.model._meta.get_fields()}
    return [
        f
        for f in model._meta.get_fields()
        if hasattr(f, "attname")
        and f.name in recorded
        and f.name not in {"id", "version", *exclude}
    ]


def history_changes(fields, new, old) -> list[FieldChange]:
    """What changed from one historical record of an object (`old`) to the next (`new`):
    each of `fields` whose value differs. Without `old` (the object's first record kept),
    each filled field, from nothing."""
    changes = []
    for field in fields:
        new_value = getattr(new, field.attname)
        old_value = getattr(old, field.attname) if old is not None else None
        if old is None and new_value in (None, ""):
            continue
        if old is not None and new_value == old_value:
            continue
        changes.append(FieldChange(field.name, str(field.verbose_name), old_value, new_value))
    return changes


def history_changes_in_words(model, change_lists) -> None:
    """Replace, in each list of `model`'s changes, foreign-key ids, choice codes and flags
    with what people read: the related record's name (a user's person name), the choice's
    label, yes or no. One query per kind of related record among them."""
    change_lists = list(change_lists)
    by_field: dict[str, set] = {}
    for changes in change_lists:
        for change in changes:
            field = model._meta.get_field(change.field)
            if field.is_relation:
                by_field.setdefault(change.field, set()).update(
                    v for v in (change.old, change.new) if v is not None
                )
    names = {}
    for field_name, ids in by_field.items():
        related = model._meta.get_field(field_name).related_model
        name = person_name if related is get_user_model() else str
        names[field_name] = {
            obj.pk: name(obj) for obj in related._default_manager.filter(pk__in=ids)
        }
    flags = {True: gettext("Yes"), False: gettext("No")}
    for changes in change_lists:
        resolved = []
        for change in changes:
            field = model._meta.get_field(change.field)
            old, new = change.old, change.new
            if field.is_relation:
                old = names[change.field].get(old, old) if old is not None else None
                new = names[change.field].get(new, new) if new is not None else None
            elif field.choices:
                display = dict(field.flatchoices)
                old, new = display.get(old, old), display.get(new, new)
            elif isinstance(field, models.BooleanField):
                old, new = flags.get(old, old), flags.get(new, new)
            resolved.append(FieldChange(change.field, change.label, old, new))
        changes[:] = resolved
