"""Writes of the daily visit reports. A salesperson keeps one report a day: while it is a
draft they add, change and remove visits and their proposed card changes; submitting hands
the proposals to the review queue and marks the report late when it comes after the
deadline (`report_deadline`). A submitted report is no longer its author's to change. It
stays submitted until a manager has decided every proposal it made; then it counts as
reviewed."""

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_sales
from archive_crm.uploads import upload_content_type
from customers.models import Channel, Customer
from review.models import Proposal
from review.services import proposal_create, proposals_file
from visits.models import Visit, VisitPhoto, VisitReport

VISIT_FIELDS = (
    "customer",
    "time",
    "kind",
    "purpose",
    "summary",
    "situation",
    "next_steps",
    "follow_up_on",
    "latitude",
    "longitude",
)


class ReportClosed(Exception):
    """The report was submitted: its author can no longer change it."""


def report_deadline(day: datetime.date) -> datetime.datetime:
    """When the report of `day` is due: `VISIT_REPORT_DEADLINE_DAYS` days later at
    `VISIT_REPORT_DEADLINE_TIME` (default: the next day at 10:00), in the company's time
    zone. A report submitted after it is late."""
    hours, minutes = (int(part) for part in settings.VISIT_REPORT_DEADLINE_TIME.split(":"))
    due = day + datetime.timedelta(days=settings.VISIT_REPORT_DEADLINE_DAYS)
    return timezone.make_aware(datetime.datetime.combine(due, datetime.time(hours, minutes)))


def _own_draft(report: VisitReport, actor) -> VisitReport:
    """The report, locked, when `actor` is its author and it is still a draft."""
    current = VisitReport.objects.select_for_update().get(pk=report.pk)
    if actor is None or current.salesperson_id != actor.pk:
        raise PermissionDenied(_("Only its author changes a visit report."))
    if not current.is_draft:
        raise ReportClosed(_("This report was submitted and can no longer be changed."))
    return current


def report_open(*, salesperson, day: datetime.date) -> VisitReport:
    """The salesperson's report of `day`, created as a draft the first time (one per day)."""
    if not is_sales(salesperson):
        raise PermissionDenied(_("Only sales staff keep visit reports."))
    try:
        with transaction.atomic():
            report, _created = VisitReport.objects.get_or_create(salesperson=salesperson, date=day)
    except IntegrityError:  # created by a second request of the same person at once
        report = VisitReport.objects.get(salesperson=salesperson, date=day)
    return report


def report_create(
    *, salesperson, day: datetime.date, visits: Iterable[Mapping[str, Any]] = ()
) -> VisitReport:
    """A new draft report for `day` with its visits (each with `proposals`, see
    `visit_add`), all or nothing; a second report for the same day is refused."""
    if not is_sales(salesperson):
        raise PermissionDenied(_("Only sales staff keep visit reports."))
    with transaction.atomic():
        if VisitReport.objects.filter(salesperson=salesperson, date=day).exists():
            raise ValidationError(
                {"date": _("There is already a report for this day.")}, code="unique"
            )
        report = VisitReport.objects.create(salesperson=salesperson, date=day)
        errors = {}
        for position, visit in enumerate(visits):
            data = dict(visit)
            proposals = data.pop("proposals", ())
            try:
                visit_add(report=report, data=data, proposals=proposals, actor=salesperson)
            except ValidationError as error:
                errors[position] = error
        if errors:
            raise ValidationError({"visits": _visit_errors(errors)})
    return report


def _visit_errors(errors: Mapping[int, ValidationError]) -> list:
    """Per-visit errors as a list in visit order, by field (None for good visits)."""
    return [
        ValidationError(
            _("Visit %(number)s: %(errors)s")
            % {"number": position + 1, "errors": "; ".join(error.messages)}
        )
        for position, error in sorted(errors.items())
    ]


def _checked_visit(visit: Visit, actor) -> Visit:
    if not Customer.objects.visible_to(actor).filter(pk=visit.customer_id).exists():
        raise ValidationError({"customer": _("This customer is not one of yours.")})
    visit.full_clean(exclude=["report", "customer"])
    return visit


def visit_add(
    *,
    report: VisitReport,
    data: Mapping[str, Any],
    proposals: Iterable[Mapping[str, Any]] = (),
    actor,
) -> Visit:
    """Add a visit to a draft report of `actor`'s, with its proposed card changes (each
    `{"field": …, "value": …}`, see `review.services.proposal_create`). The customer must be
    one of the salesperson's; anything refused stores nothing."""
    unknown = set(data) - set(VISIT_FIELDS)
    if unknown:
        raise ValueError(f"Not visit fields: {sorted(unknown)}")
    with transaction.atomic():
        report = _own_draft(report, actor)
        visit = _checked_visit(Visit(report=report, **data), actor)
        if visit.latitude is not None and visit.checked_in_at is None:
            visit.checked_in_at = timezone.now()
        visit.save()
        for proposal in proposals:
            proposal_add(
                visit=visit, field=proposal.get("field"), value=proposal.get("value"), actor=actor
            )
        _touch(report)
    return visit


def visit_update(*, visit: Visit, changes: Mapping[str, Any], actor) -> Visit:
    """Change a visit of a draft report (its author only)."""
    unknown = set(changes) - set(VISIT_FIELDS)
    if unknown:
        raise ValueError(f"Not visit fields: {sorted(unknown)}")
    with transaction.atomic():
        report = _own_draft(visit.report, actor)
        current = Visit.objects.select_for_update().get(pk=visit.pk)
        moved = "customer" in changes and changes["customer"].pk != current.customer_id
        if moved and _proposals_of(current).exists():
            raise ValidationError(
                {"customer": _("Withdraw the proposed changes before changing the customer.")}
            )
        for name, value in changes.items():
            setattr(current, name, value)
        if "latitude" in changes and current.latitude is not None:
            current.checked_in_at = timezone.now()
        _checked_visit(current, actor).save()
        _touch(report)
    return current


def visit_delete(*, visit: Visit, actor) -> None:
    """Remove a visit from a draft report, with its proposals and photos."""
    with transaction.atomic():
        report = _own_draft(visit.report, actor)
        _proposals_of(visit).delete()
        for photo in visit.photos.all():
            photo.file.delete(save=False)
        visit.delete()
        _touch(report)


def _proposals_of(visit: Visit):
    return Proposal.objects.filter(
        source_type__app_label="visits", source_type__model="visit", source_id=visit.pk
    )


def proposal_add(*, visit: Visit, field: str, value: Any, actor) -> Proposal:
    """Propose a card change from a visit of a draft report; it goes to the review queue
    when the report is submitted."""
    with transaction.atomic():
        _own_draft(visit.report, actor)
        return proposal_create(
            customer=visit.customer,
            field=field,
            value=value,
            channel=Channel.VISIT,
            source=visit,
            actor=actor,
        )


def proposal_withdraw(*, proposal: Proposal, actor) -> None:
    """Take back a proposal of a draft report's visit."""
    with transaction.atomic():
        visit = proposal.source
        if not isinstance(visit, Visit):
            raise ValueError("Not a visit's proposal.")
        _own_draft(visit.report, actor)
        proposal.delete()


def report_submit(*, report: VisitReport, actor) -> VisitReport:
    """Submit a draft report (its author only): its proposals go to the review queue, and
    the report is late when submitted after `report_deadline`. It is submitted until a
    manager has decided its last proposal (`report_follow_review`); "reviewed" says that
    its proposals were decided, so a report without any stays submitted."""
    with transaction.atomic():
        report = _own_draft(report, actor)
        now = timezone.now()
        report.submitted_at = now
        report.late = now > report_deadline(report.date)
        for visit in report.visits.all():
            proposals_file(source=visit)
        report.status = VisitReport.Status.SUBMITTED
        report.version += 1
        report.save(update_fields=["submitted_at", "late", "status", "version", "updated_at"])
    return report


def report_follow_review(*, proposal: Proposal) -> None:
    """After a decision: the proposal's report counts as reviewed once none of its
    proposals is pending."""
    visit = proposal.source
    if not isinstance(visit, Visit):
        return
    report = VisitReport.objects.select_for_update().get(pk=visit.report_id)
    if report.status != VisitReport.Status.SUBMITTED:
        return
    pending = Proposal.objects.pending().filter(
        source_type=proposal.source_type,
        source_id__in=report.visits.values("pk"),
    )
    if not pending.exists():
        report.status = VisitReport.Status.REVIEWED
        report.save(update_fields=["status", "updated_at"])


def proposal_decided_received(sender, *, proposal, **kwargs) -> None:
    """Receiver of `review.signals.proposal_decided`."""
    report_follow_review(proposal=proposal)


def _touch(report: VisitReport) -> None:
    # Another tab of the same author sees the report changed (its version).
    VisitReport.objects.filter(pk=report.pk).update(
        version=report.version + 1, updated_at=timezone.now()
    )
    report.version += 1


def photo_add(*, visit: Visit, upload, kind: str, actor) -> VisitPhoto:
    """Attach a photo or a scanned document (JPEG, PNG or PDF, told by its first bytes, at
    most `VISIT_PHOTO_MAX_BYTES`) to a visit of a draft report, stored through Django's
    storage API."""
    content_type = upload_content_type(
        upload, field="file", max_bytes=settings.VISIT_PHOTO_MAX_BYTES
    )
    if content_type is None:
        raise ValidationError({"file": _("Upload a JPEG or PNG photo or a PDF document.")})
    with transaction.atomic():
        _own_draft(visit.report, actor)
        photo = VisitPhoto(visit=visit, kind=kind, content_type=content_type, size=upload.size)
        photo.full_clean(exclude=["file", "visit"])
        photo.file.save(upload.name, upload, save=False)
        photo.save()
    return photo
