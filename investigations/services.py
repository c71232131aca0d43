"""Writes of the commissioned investigations. Only managers commission them (the source
calls this channel costly) and record what the agency delivered: its findings, its report
file and the card changes they call for, which go to the review queue at once, filed, as
proposals of channel "investigation" with the investigation as their source. A manager then
accepts or rejects each there, as for every channel, and the card is written through its
one door (`card_update`, `credit_incident_save`). An investigation is reviewed once none of
its proposals is pending.

The agencies are reference data that managers keep."""

import datetime
import functools
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_manager
from archive_crm.uploads import MEGABYTE, upload_content_type
from classification.services.reference import reference_delete
from customers.models import Channel, Customer
from investigations.models import Agency, Investigation
from investigations.selectors import proposals_of
from review.models import Proposal
from review.selectors import field_label
from review.services import CREDIT_INCIDENT, proposal_create

AGENCY_FIELDS = ("code", "name", "name_en", "contact", "phone", "order", "is_active")
# What the agency's delivery records on the investigation.
FINDINGS_FIELDS = (
    "delivered_on",
    "cost",
    "findings",
    "credit_rating",
    "risk_level",
    "recommended_credit_limit",
)
# The card changes an investigation may propose: its credit status and its past credit
# problems (SPEC 2.3: "typically for credit status").
PROPOSABLE = ("credit_rating", "credit_limit", CREDIT_INCIDENT)
# An agency's report is a PDF or a scan, told by its first bytes and its name's extension.
REPORT_EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
}


class InvestigationDelivered(Exception):
    """The investigation's delivery was recorded already."""


def _require_manager(actor) -> None:
    if actor is None or not is_manager(actor):
        raise PermissionDenied(_("Only managers commission investigations."))


# Agencies ----------------------------------------------------------------------------------


def agency_create(*, data: Mapping[str, Any], actor) -> Agency:
    """A new agency (managers)."""
    _require_manager(actor)
    unknown = set(data) - set(AGENCY_FIELDS)
    if unknown:
        raise ValueError(f"Not agency fields: {sorted(unknown)}")
    agency = Agency(**data)
    agency.full_clean()
    agency.save()
    return agency


def agency_update(*, agency: Agency, changes: Mapping[str, Any], actor) -> Agency:
    """Change an agency (managers): only the changed columns, on the locked row. An agency
    no longer used is deactivated, and is then no longer offered for new investigations."""
    _require_manager(actor)
    unknown = set(changes) - set(AGENCY_FIELDS)
    if unknown:
        raise ValueError(f"Not agency fields: {sorted(unknown)}")
    with transaction.atomic():
        current = Agency.objects.select_for_update().get(pk=agency.pk)
        for name, value in changes.items():
            setattr(current, name, value)
        current.full_clean()
        current.save(update_fields=list(changes))
    return current


def agency_delete(*, agency: Agency, actor) -> None:
    """Delete an agency no investigation names; one in use is refused (deactivate it)."""
    _require_manager(actor)
    reference_delete(instance=agency)


# Commissioning -----------------------------------------------------------------------------


def investigation_commission(
    *,
    customer: Customer,
    agency: Agency,
    requested_on: datetime.date,
    cost: Decimal = Decimal("0"),
    scope: str = "",
    actor,
) -> Investigation:
    """Commission `agency` to investigate `customer` (managers only): an active agency, an
    active card, a request not dated in the future. The cost is what was agreed with the
    agency (at least 0); recording the delivery may correct it."""
    _require_manager(actor)
    errors = {}
    if not Customer.objects.visible_to(actor).filter(pk=customer.pk).exists():
        errors["customer"] = _("This customer is not one of yours.")
    elif customer.is_archived:
        errors["customer"] = _("An archived card cannot be investigated; restore it first.")
    if not agency.is_active:
        errors["agency"] = _("This agency is no longer active.")
    if requested_on > timezone.localdate():
        errors["requested_on"] = _("A request cannot be dated in the future.")
    if errors:
        raise ValidationError(errors)
    investigation = Investigation(
        customer=customer,
        agency=agency,
        requested_on=requested_on,
        cost=cost,
        scope=scope.strip(),
        requested_by=actor,
    )
    investigation.full_clean(exclude=["customer", "agency", "requested_by"])
    investigation.save()
    return investigation


# Delivery ----------------------------------------------------------------------------------


def report_content_type(upload) -> str:
    """The content type of an uploaded agency report, or a ValidationError on `report`
    saying why it is refused: larger than `INVESTIGATION_REPORT_MAX_MB` (default 10), or
    not a PDF, JPEG or PNG, told by its first bytes, whose name's extension agrees. Reads
    the first bytes only and stores nothing."""
    limit = getattr(settings, "INVESTIGATION_REPORT_MAX_MB", 10)
    content_type = upload_content_type(upload, field="report", max_bytes=limit * MEGABYTE)
    extension = PurePath(upload.name or "").suffix.lower()
    if content_type is None or extension not in REPORT_EXTENSIONS[content_type]:
        raise ValidationError(
            {"report": _("Upload the agency's report as a PDF, JPEG or PNG file.")},
            code="file_type",
        )
    return content_type


def _store_report(investigation: Investigation, upload, content_type: str) -> list[str]:
    """Store `upload` as the report of the locked `investigation` and return the fields to
    save; a replaced file is deleted once the new one is committed."""
    replaced = investigation.report.name
    investigation.report.save(upload.name, upload, save=False)
    investigation.report_content_type = content_type
    investigation.report_size = upload.size
    if replaced:
        storage = investigation.report.storage
        transaction.on_commit(functools.partial(storage.delete, replaced))
    return ["report", "report_content_type", "report_size"]


def _locked(investigation: Investigation) -> Investigation:
    return (
        Investigation.objects.select_related("customer")
        .select_for_update(of=("self",))
        .get(pk=investigation.pk)
    )


def investigation_report_attach(*, investigation: Investigation, upload, actor) -> Investigation:
    """Attach the agency's report file (or replace it) until the investigation is reviewed
    (managers): checked by `report_content_type`, stored through Django's storage API."""
    _require_manager(actor)
    content_type = report_content_type(upload)
    with transaction.atomic():
        current = _locked(investigation)
        if current.status == Investigation.Status.REVIEWED:
            raise ValidationError(
                {"report": _("This investigation was reviewed: its report is kept as it was.")},
                code="reviewed",
            )
        fields = _store_report(current, upload, content_type)
        current.save(update_fields=[*fields, "updated_at"])
    return current


def _findings_errors(investigation: Investigation) -> dict:
    """The delivery's own rules, named by field: the day it arrived (the model's
    constraints say the same for the database, without a field) and the risk level found."""
    errors = {}
    delivered_on = investigation.delivered_on
    if delivered_on is None:
        errors["delivered_on"] = _("Enter the day the agency's report arrived.")
    elif delivered_on < investigation.requested_on:
        errors["delivered_on"] = _("The report cannot arrive before it was requested.")
    elif delivered_on > timezone.localdate():
        errors["delivered_on"] = _("The report cannot arrive in the future.")
    if not investigation.risk_level:
        errors["risk_level"] = _("Enter the risk level the agency found.")
    return errors


def _proposals_add(
    investigation: Investigation, proposals: Iterable[Mapping[str, Any]], actor
) -> None:
    """File the proposals of a delivery (all or none): each refusal is named by its field."""
    errors = []
    for proposal in proposals:
        field = proposal.get("field")
        try:
            if field not in PROPOSABLE:
                raise ValidationError(
                    _(
                        "An investigation proposes a credit rating, a credit limit or a credit "
                        "incident."
                    )
                )
            proposal_create(
                customer=investigation.customer,
                field=field,
                value=proposal.get("value"),
                channel=Channel.INVESTIGATION,
                source=investigation,
                actor=actor,
                filed=True,
            )
        except ValidationError as error:
            label = field_label(field) if field in PROPOSABLE else str(field)
            errors.append(
                ValidationError(
                    _("%(field)s: %(errors)s")
                    % {"field": label, "errors": " ".join(error.messages)}
                )
            )
    if errors:
        raise ValidationError({"proposals": errors})


def investigation_deliver(
    *,
    investigation: Investigation,
    findings: Mapping[str, Any],
    proposals: Iterable[Mapping[str, Any]] = (),
    report=None,
    actor,
) -> Investigation:
    """Record what the agency delivered (managers): the findings (`FINDINGS_FIELDS`; the day
    it arrived is required, not before the request nor in the future), optionally its report
    file (see `report_content_type`), and the card changes it calls for, each
    `{"field": …, "value": …}` with a field of `PROPOSABLE`, filed in the review queue at
    once. All or nothing: a refusal stores nothing, not even the file. A delivery is
    recorded once (`InvestigationDelivered`)."""
    _require_manager(actor)
    unknown = set(findings) - set(FINDINGS_FIELDS)
    if unknown:
        raise ValueError(f"Not findings fields: {sorted(unknown)}")
    content_type = report_content_type(report) if report is not None else None
    with transaction.atomic():
        current = _locked(investigation)
        if current.status != Investigation.Status.REQUESTED:
            raise InvestigationDelivered(
                _("The delivery of this investigation was recorded already.")
            )
        for name, value in findings.items():
            setattr(current, name, value)
        current.findings = current.findings.strip()
        errors = _findings_errors(current)
        try:
            current.full_clean(
                exclude=["customer", "agency", "requested_by", "report"],
                validate_constraints=False,
            )
        except ValidationError as error:
            errors = {**error.message_dict, **errors}
        if errors:
            raise ValidationError(errors)
        _proposals_add(current, proposals, actor)
        current.status = Investigation.Status.DELIVERED
        fields = [*findings, "findings", "status", "updated_at"]
        if report is not None:
            fields += _store_report(current, report, content_type)
        current.save(update_fields=list(dict.fromkeys(fields)))
    return current


# Review ------------------------------------------------------------------------------------


def investigation_follow_review(*, proposal: Proposal) -> None:
    """After a decision: the proposal's investigation counts as reviewed once none of its
    proposals is pending. A delivery that proposed nothing stays delivered: "reviewed"
    says that its proposals were decided."""
    if proposal.channel != Channel.INVESTIGATION:
        return
    investigation = proposal.source
    if not isinstance(investigation, Investigation):
        return
    current = Investigation.objects.select_for_update().get(pk=investigation.pk)
    if current.status != Investigation.Status.DELIVERED:
        return
    if not proposals_of([current]).pending().exists():
        current.status = Investigation.Status.REVIEWED
        current.save(update_fields=["status", "updated_at"])


def proposal_decided_received(sender, *, proposal, **kwargs) -> None:
    """Receiver of `review.signals.proposal_decided`."""
    investigation_follow_review(proposal=proposal)
