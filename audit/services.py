"""The audit trail's retention: card history and sign-in records are kept for
`AUDIT_RETENTION_DAYS` days (730 by default), then pruned (`prune_audit`).

What stays of a card's history: every record newer than the retention, and, of each object
(a card, a contact, a credit incident), its newest record older than it. That record is the
object's state when the retention began: the first change kept is still shown against what
it replaced, and an object that has not changed since keeps its values on record. An object
deleted before the retention began (a contact, a credit incident) loses all its records.
Sign-in records (sign-ins and sign-outs, failed sign-ins, the lockout counters) older than
the retention go entirely."""

import datetime
from dataclasses import dataclass

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from customers.models import Contact, CreditIncident, Customer

HISTORIES = (Customer, Contact, CreditIncident)
SIGN_IN_RECORDS = (AccessLog, AccessFailureLog, AccessAttempt)


def retention_days() -> int:
    return settings.AUDIT_RETENTION_DAYS


def _history_prunable(historical, cutoff: datetime.datetime) -> QuerySet:
    """The historical records before `cutoff` that the retention lets go (module
    docstring)."""
    records = historical._default_manager
    newer_before_cutoff = records.filter(id=OuterRef("id"), history_date__lt=cutoff).filter(
        Q(history_date__gt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__gt=OuterRef("history_id"))
    )
    deleted_before_cutoff = records.filter(
        id=OuterRef("id"), history_type="-", history_date__lt=cutoff
    )
    return records.filter(history_date__lt=cutoff).filter(
        Exists(newer_before_cutoff) | Exists(deleted_before_cutoff)
    )


@dataclass(frozen=True)
class Pruned:
    cutoff: datetime.datetime
    counts: dict[str, int]  # by model label ("customers.HistoricalCustomer", "axes.AccessLog")
    dry_run: bool


def audit_prune(
    *, days: int | None = None, now: datetime.datetime | None = None, dry_run: bool = False
) -> Pruned:
    """Delete the card history and the sign-in records older than `days` (default
    `AUDIT_RETENTION_DAYS`) that the retention lets go, in one transaction; with `dry_run`,
    only count them. Returns the counts by model."""
    days = retention_days() if days is None else days
    if days < 1:
        raise ValueError("The retention is at least one day.")
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    doomed = {
        model.history.model._meta.label: _history_prunable(model.history.model, cutoff)
        for model in HISTORIES
    }
    doomed.update(
        {
            model._meta.label: model.objects.filter(attempt_time__lt=cutoff)
            for model in SIGN_IN_RECORDS
        }
    )
    with transaction.atomic():
        if dry_run:
            counts = {label: records.count() for label, records in doomed.items()}
        else:
            counts = {label: records.delete()[1].get(label, 0) for label, records in doomed.items()}
    return Pruned(cutoff=cutoff, counts=counts, dry_run=dry_run)
