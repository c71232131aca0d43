"""Reads of the review queue: the filed, pending proposals grouped by their source (a visit,
a customer's form), one page of groups at a time in a fixed number of queries, and the
values as a person reads them: choice labels, reference names, dates and numbers in the
reader's format, a new contact or credit incident as its fields, never the codes a
proposal stores."""

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page, Paginator
from django.db.models import Count, Min, Q, QuerySet
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.models import Channel, Contact, CreditIncident, Customer
from review.describers import SourceDescription, describe_source, source_querysets
from review.models import Proposal
from review.services import CONTACT, CREDIT_INCIDENT, card_value

EMPTY = "—"
RECORD_LABELS = {CONTACT: _("New contact"), CREDIT_INCIDENT: _("New credit incident")}
RECORD_MODELS = {CONTACT: Contact, CREDIT_INCIDENT: CreditIncident}


# Values in words ---------------------------------------------------------------------------


def field_label(field: str) -> str:
    """A proposable field's name for people: the card field's verbose name, or "New
    contact" / "New credit incident"."""
    if field in RECORD_LABELS:
        return str(RECORD_LABELS[field])
    return str(capfirst(Customer._meta.get_field(field).verbose_name))


def related_names(pairs) -> dict[str, dict[str, str]]:
    """The names (in the reader's language) of the reference data that `(field, code)`
    pairs point to, by field and code: one query per kind of reference data among them."""
    codes: dict[str, set[str]] = {}
    for field, value in pairs:
        if field in RECORD_LABELS or value in (None, ""):
            continue
        if Customer._meta.get_field(field).is_relation:
            codes.setdefault(field, set()).add(str(value))
    return {
        field: {
            item.code: str(item)
            for item in Customer._meta.get_field(field).related_model.objects.filter(code__in=found)
        }
        for field, found in codes.items()
    }


def _plain_in_words(model_field, value) -> str:
    if value in (None, ""):
        return EMPTY
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    kind = model_field.get_internal_type()
    if kind == "DateField":
        try:
            day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
        except (TypeError, ValueError):
            return str(value)
        return formats.date_format(day, "DATE_FORMAT")
    if kind == "DecimalField":
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        return formats.number_format(
            number, decimal_pos=model_field.decimal_places, use_l10n=True, force_grouping=True
        )
    if kind == "BooleanField":
        return gettext("Yes") if value else gettext("No")
    return str(value)


def value_in_words(field: str, value, names: dict[str, dict[str, str]] | None = None) -> str:
    """A proposal's value (as the API writes it) as a person reads it; "—" when empty.
    Reference data by name from `names` (see `related_names`); a new contact or credit
    incident as its fields in one line."""
    if value in (None, ""):
        return EMPTY
    if field in RECORD_MODELS:
        return " · ".join(f"{label}: {item}" for label, item in record_in_words(field, value))
    model_field = Customer._meta.get_field(field)
    if model_field.is_relation:
        return (names or {}).get(field, {}).get(str(value), str(value))
    return _plain_in_words(model_field, value)


def record_in_words(field: str, value) -> list[tuple[str, str]]:
    """A proposed new contact or credit incident as (label, value) pairs, in the model's
    field order, the empty ones left out."""
    model = RECORD_MODELS[field]
    if not isinstance(value, dict):
        return [(field_label(field), str(value))]
    known = [f.name for f in model._meta.concrete_fields if f.name in value]
    unknown = [name for name in value if name not in known]  # shown as they were stored
    pairs = []
    for name in known + unknown:
        item = value[name]
        if item in (None, ""):
            continue
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            pairs.append((name, str(item)))
            continue
        pairs.append((str(capfirst(model_field.verbose_name)), _plain_in_words(model_field, item)))
    return pairs


def card_value_in_words(customer: Customer, field: str) -> str:
    """The card's current value of `field` in words (a related name costs no query when it
    was selected with the customer); "" for a new contact or credit incident, which
    replaces nothing."""
    if field in RECORD_MODELS:
        return ""
    model_field = Customer._meta.get_field(field)
    value = getattr(customer, field)
    if model_field.is_relation:
        return str(value) if value is not None else EMPTY
    return _plain_in_words(model_field, value)


# The queue ---------------------------------------------------------------------------------


def proposals_pending(*, channel: str = "", salesperson=None, search: str = "") -> QuerySet:
    """The queue: filed proposals nobody has decided (`Proposal.objects.pending()`), of one
    channel, of one salesperson (the proposals they made and those on their customers), and
    on the customers whose code or name contains `search`."""
    proposals = Proposal.objects.pending()
    if channel:
        proposals = proposals.filter(channel=channel)
    if salesperson is not None:
        proposals = proposals.filter(
            Q(proposed_by=salesperson) | Q(customer__salesperson=salesperson)
        )
    if search.strip():
        term = search.strip()
        proposals = proposals.filter(
            Q(customer__code__icontains=term) | Q(customer__name__icontains=term)
        )
    return proposals


@dataclass
class QueueItem:
    proposal: Proposal
    label: str
    current: str  # the card's value now, in words
    proposed: str  # in words ("" for a new record, see `record`)
    record: list[tuple[str, str]]  # a new contact's or credit incident's fields
    changed: bool  # the card's value is no longer the one the proposal was made on
    was: str  # the card's value when proposed, in words (shown when changed)
    current_json: str  # the card's value now, as a confirmation names what it replaces
    note: str = ""  # why a decision just made could not be applied as shown

    @property
    def channel(self) -> str:
        """The channel that proposed it, in words."""
        value = self.proposal.channel
        return str(Channel(value).label) if value in Channel.values else value


@dataclass(frozen=True)
class QueueGroup:
    """The pending proposals of one source (a visit, a form) on one customer."""

    customer: Customer
    source: SourceDescription | None
    items: list[QueueItem]

    @property
    def proposal_ids(self) -> list[int]:
        return [item.proposal.pk for item in self.items]


def _item(proposal: Proposal, names: dict[str, dict[str, str]]) -> QueueItem:
    field, customer = proposal.field, proposal.customer
    if field in RECORD_MODELS:
        return QueueItem(
            proposal=proposal,
            label=field_label(field),
            current="",
            proposed="",
            record=record_in_words(field, proposal.value),
            changed=False,
            was="",
            current_json="null",
        )
    current = card_value(customer, field)
    return QueueItem(
        proposal=proposal,
        label=field_label(field),
        current=card_value_in_words(customer, field),
        proposed=value_in_words(field, proposal.value, names),
        record=[],
        changed=current != proposal.base_value,
        was=value_in_words(field, proposal.base_value, names),
        current_json=json.dumps(current),
    )


def queue_page(proposals: QuerySet, *, page_number, page_size: int) -> tuple[Page, list]:
    """One page of `proposals` grouped by source and customer, oldest filed first: the
    page counts groups, so that a visit's proposals are never split over two pages. A
    fixed number of queries whatever the page size: the count, the page's groups, their
    proposals with the card and its reference data, one per kind of source (their
    describers' querysets) and at most one per kind of reference data proposed."""
    groups = (
        proposals.order_by()
        .values("source_type_id", "source_id", "customer_id")
        .annotate(first_filed=Min("filed_at"), first_pk=Min("pk"))
        .order_by("first_filed", "first_pk")
    )
    page = Paginator(groups, page_size).get_page(page_number)
    keys = [(g["source_type_id"], g["source_id"], g["customer_id"]) for g in page.object_list]
    if not keys:
        return page, []
    in_page = Q()
    for source_type_id, source_id, customer_id in keys:
        in_page |= Q(source_type_id=source_type_id, source_id=source_id, customer_id=customer_id)
    rows = list(
        proposals.filter(in_page)
        .select_related("customer__customer_type", "customer__ownership", "customer__region")
        .prefetch_related(GenericPrefetch("source", source_querysets()))
        .order_by("pk")
    )
    names = related_names(
        [(p.field, p.value) for p in rows] + [(p.field, p.base_value) for p in rows]
    )
    by_key: dict[tuple, list[Proposal]] = {key: [] for key in keys}
    for proposal in rows:
        by_key[(proposal.source_type_id, proposal.source_id, proposal.customer_id)].append(proposal)
    result = []
    for key in keys:
        members = by_key[key]
        if not members:  # decided between the two queries
            continue
        first = members[0]
        result.append(
            QueueGroup(
                customer=first.customer,
                source=describe_source(first.source, first.customer),
                items=[_item(proposal, names) for proposal in members],
            )
        )
    return page, result


def queue_summary() -> dict:
    """How many proposals wait for review and since when (the oldest filing): one query."""
    return Proposal.objects.pending().aggregate(count=Count("pk"), oldest=Min("filed_at"))
