"""Reads of the audit pages: every recorded change of every card (the card itself, its
contacts and its credit incidents) and every sign-in event, newest first, one page at a time
in a fixed number of queries. The pages are for managers and admins, who see the whole
archive: nothing here is narrowed to one salesperson's customers."""

import datetime
from dataclasses import dataclass

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import (
    Case,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import person_name
from customers.models import Contact, CreditIncident, Customer
from customers.selectors import (
    FieldChange,
    history_changes,
    history_changes_in_words,
    history_tracked_fields,
)


class Subject(models.TextChoices):
    """What a change was made to: the card's own fields, or one of its records."""

    CARD = "card", _("Card")
    CONTACT = "contact", _("Contact")
    CREDIT_INCIDENT = "credit_incident", _("Credit incident")


# Each subject's model, and the column of its historical records naming the customer.
SUBJECT_MODELS = {
    Subject.CARD: Customer,
    Subject.CONTACT: Contact,
    Subject.CREDIT_INCIDENT: CreditIncident,
}
CUSTOMER_COLUMN = {
    Subject.CARD: "id",
    Subject.CONTACT: "customer_id",
    Subject.CREDIT_INCIDENT: "customer_id",
}


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day` in the company's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _period(column: str, date_from: datetime.date | None, date_to: datetime.date | None) -> Q:
    """`column` falls on a day from `date_from` to `date_to`, both included (either open)."""
    condition = Q()
    if date_from is not None:
        condition &= Q(**{f"{column}__gte": day_start(date_from)})
    if date_to is not None:
        condition &= Q(**{f"{column}__lt": day_start(date_to + datetime.timedelta(days=1))})
    return condition


# Card changes ------------------------------------------------------------------------------


def card_changes(
    *,
    user=None,
    channel: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    customer: str = "",
) -> QuerySet:
    """Every historical record of the cards, their contacts and their credit incidents, as
    rows of `subject`, `history_id` and `history_date`, newest first: made by `user`,
    through `channel`, between the two days (both included), on the customers whose code or
    name contains `customer`. One query to count, one for a page (`card_changes_page`)."""
    customers = None
    if customer.strip():
        term = customer.strip()
        customers = Customer.objects.filter(
            Q(code__icontains=term) | Q(name__icontains=term)
        ).values("pk")
    parts = []
    for subject, model in SUBJECT_MODELS.items():
        records = model.history.filter(_period("history_date", date_from, date_to))
        if user is not None:
            records = records.filter(history_user=user)
        if channel:
            records = records.filter(history_channel=channel)
        if customers is not None:
            records = records.filter(**{f"{CUSTOMER_COLUMN[subject]}__in": customers})
        parts.append(
            records.annotate(subject=Value(subject.value, output_field=models.CharField()))
            .values("subject", "history_id", "history_date")
            .order_by()
        )
    first, *others = parts
    return first.union(*others, all=True).order_by("-history_date", "-history_id", "subject")


@dataclass
class CardChange:
    """One historical record as the audit page shows it."""

    when: datetime.datetime
    who: str  # the person who made it, "" for the system
    channel: str
    channel_label: str
    kind: str  # "+" created, "~" changed, "-" deleted
    subject: str
    subject_label: str
    record: str  # the contact or credit incident it concerns ("" for the card)
    customer_pk: int
    customer_name: str
    customer_code: str
    reason: str
    changes: list[FieldChange]
    # A change whose earlier record is no longer kept (pruned): its values as they were
    # then, without what they replaced.
    baseline: bool


def _with_previous(historical) -> QuerySet:
    """The historical records, each with the id of the record of the same object just
    before it (`previous_id`, None for the first one kept)."""
    earlier = (
        historical._default_manager.filter(id=OuterRef("id"))
        .filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
        )
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    return historical._default_manager.annotate(previous_id=Subquery(earlier))


def card_changes_page(
    rows: QuerySet, *, page_number, page_size: int
) -> tuple[Page, list[CardChange]]:
    """One page of `card_changes`, each row with what changed from the object's record
    before it, values in words (`customers.selectors.history_changes_in_words`). A fixed
    number of queries whatever the page size: the count and the page, two per kind of
    object on it, one for the customers, one per kind of related record among the values."""
    page = Paginator(rows, page_size).get_page(page_number)
    rows_shown = list(page.object_list)
    wanted: dict[str, list[int]] = {}
    for row in rows_shown:
        wanted.setdefault(row["subject"], []).append(row["history_id"])
    found = {}
    changes_by_subject: dict[str, list[list[FieldChange]]] = {}
    for subject_value, ids in wanted.items():
        subject = Subject(subject_value)
        model = SUBJECT_MODELS[subject]
        historical = model.history.model
        records = list(
            _with_previous(historical).filter(history_id__in=ids).select_related("history_user")
        )
        previous = historical._default_manager.in_bulk(
            [record.previous_id for record in records if record.previous_id is not None]
        )
        tracked = history_tracked_fields(
            model, exclude=() if subject == Subject.CARD else ("customer",)
        )
        for record in records:
            before = previous.get(record.previous_id)
            changes = [] if record.history_type == "-" else history_changes(tracked, record, before)
            found[subject, record.history_id] = (record, before, changes)
            changes_by_subject.setdefault(subject, []).append(changes)
    for subject, change_lists in changes_by_subject.items():
        history_changes_in_words(SUBJECT_MODELS[subject], change_lists)
    customer_pks = {
        getattr(record, CUSTOMER_COLUMN[subject]) for (subject, _pk), (record, *_) in found.items()
    }
    customers = Customer.objects.only("pk", "code", "name").in_bulk(customer_pks)
    entries = []
    for row in rows_shown:
        subject = Subject(row["subject"])
        record, before, changes = found[subject, row["history_id"]]
        customer_pk = getattr(record, CUSTOMER_COLUMN[subject])
        customer = customers.get(customer_pk)
        entries.append(
            CardChange(
                when=record.history_date,
                who=person_name(record.history_user) if record.history_user else "",
                channel=record.history_channel,
                channel_label=record.get_history_channel_display(),
                kind=record.history_type,
                subject=subject.value,
                subject_label=subject.label,
                record="" if subject == Subject.CARD else str(record.instance),
                customer_pk=customer_pk,
                customer_name=customer.name if customer else "",
                customer_code=customer.code if customer else "",
                reason=record.history_change_reason or "",
                changes=changes,
                baseline=before is None and record.history_type == "~",
            )
        )
    return page, entries


# Sign-ins ----------------------------------------------------------------------------------


class SignInKind(models.TextChoices):
    LOGIN = "login", _("Signed in")
    LOGOUT = "logout", _("Signed out")
    FAILED = "failed", _("Failed sign-in")
    LOCKED_OUT = "locked_out", _("Locked out")


def sign_in_events(
    *,
    username: str = "",
    kind: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet:
    """Every sign-in, sign-out, failed sign-in and sign-in refused by a lockout that
    django-axes recorded (its access log, with each session's sign-out time, and its log of
    failures), as rows of `kind`, `at`, `username`, `ip_address` and `user_agent`, newest
    first: of the usernames containing `username`, of one kind, between the two days (both
    included). A failure that locked the username out, or was refused while it was, is a
    lockout. One query to count, one for a page."""
    text = models.CharField()
    columns = ("kind", "at", "username", "ip_address", "user_agent")
    parts = []
    if kind in ("", SignInKind.LOGIN):
        parts.append(
            AccessLog.objects.filter(_period("attempt_time", date_from, date_to)).annotate(
                kind=Value(SignInKind.LOGIN.value, output_field=text), at=F("attempt_time")
            )
        )
    if kind in ("", SignInKind.LOGOUT):
        parts.append(
            AccessLog.objects.filter(logout_time__isnull=False)
            .filter(_period("logout_time", date_from, date_to))
            .annotate(kind=Value(SignInKind.LOGOUT.value, output_field=text), at=F("logout_time"))
        )
    if kind in ("", SignInKind.FAILED, SignInKind.LOCKED_OUT):
        failures = AccessFailureLog.objects.filter(_period("attempt_time", date_from, date_to))
        if kind:
            failures = failures.filter(locked_out=kind == SignInKind.LOCKED_OUT)
        parts.append(
            failures.annotate(
                kind=Case(
                    When(locked_out=True, then=Value(SignInKind.LOCKED_OUT.value)),
                    default=Value(SignInKind.FAILED.value),
                    output_field=text,
                ),
                at=F("attempt_time"),
            )
        )
    if username.strip():
        parts = [part.filter(username__icontains=username.strip()) for part in parts]
    parts = [part.values(*columns).order_by() for part in parts]
    first, *others = parts
    events = first.union(*others, all=True) if others else first
    return events.order_by("-at", "kind")


def sign_in_events_page(rows: QuerySet, *, page_number, page_size: int) -> Page:
    """One page of `sign_in_events`, each row with its kind's label (two queries)."""
    page = Paginator(rows, page_size).get_page(page_number)
    labels = dict(SignInKind.choices)
    page.object_list = [{**row, "kind_label": labels[row["kind"]]} for row in page.object_list]
    return page


@dataclass(frozen=True)
class Lockout:
    username: str
    ip_address: str
    failures: int
    until: datetime.datetime | None  # None: until an admin lifts it


def lockouts_now(*, now: datetime.datetime | None = None, limit: int = 50) -> list[Lockout]:
    """The usernames locked out now, from which address, until when: as django-axes counts
    them (the lockout is per username and address), the failures within the cool-off time
    that reached the failure limit. One query."""
    now = now or timezone.now()
    cooloff = settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.all()
    if cooloff is not None:
        attempts = attempts.filter(attempt_time__gte=now - cooloff)
    attempts = (
        attempts.values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last")[:limit]
    )
    return [
        Lockout(
            username=attempt["username"] or "",
            ip_address=attempt["ip_address"] or "",
            failures=attempt["failures"],
            until=attempt["last"] + cooloff if cooloff is not None else None,
        )
        for attempt in attempts
    ]
