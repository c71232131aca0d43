"""The investigations' rules: only managers commission and record deliveries; the states
requested → delivered → reviewed; the report file's type and size; the proposals of a
delivery in the one review queue, accepted through the card's door."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from customers.models import Channel, CreditIncident, Customer, FieldProvenance
from investigations.models import Investigation, RiskLevel
from investigations.services import (
    InvestigationDelivered,
    agency_create,
    agency_delete,
    agency_update,
    investigation_commission,
    investigation_deliver,
    investigation_report_attach,
)
from review.models import Proposal
from review.services import proposal_accept, proposal_reject
from tests.customers.factories import CustomerFactory
from tests.investigations.factories import (
    PDF,
    AgencyFactory,
    InvestigationFactory,
    pdf_upload,
)
from tests.visits.factories import PNG, png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


@pytest.fixture
def customer(salesperson):
    return CustomerFactory(salesperson=salesperson, credit_rating="A", credit_limit=Decimal("1000"))


@pytest.fixture
def investigation(customer, manager):
    return InvestigationFactory(customer=customer, requested_by=manager, requested_on=days(-10))


FINDINGS = {
    "delivered_on": None,
    "findings": "拖欠供应商货款两次",
    "credit_rating": "BB",
    "risk_level": RiskLevel.HIGH,
    "recommended_credit_limit": Decimal("500.00"),
}


def findings(**overrides) -> dict:
    return {**FINDINGS, "delivered_on": today(), **overrides}


def deliver(investigation, manager, *, proposals=(), report=None, **overrides):
    return investigation_deliver(
        investigation=investigation,
        findings=findings(**overrides),
        proposals=proposals,
        report=report,
        actor=manager,
    )


# Commissioning ------------------------------------------------------------------------------


def test_a_manager_commissions_an_investigation(customer, manager):
    agency = AgencyFactory()
    investigation = investigation_commission(
        customer=customer,
        agency=agency,
        requested_on=today(),
        cost=Decimal("2500"),
        scope=" 付款能力 ",
        actor=manager,
    )
    investigation.refresh_from_db()
    assert investigation.status == Investigation.Status.REQUESTED
    assert investigation.cost == Decimal("2500.00")
    assert investigation.scope == "付款能力"
    assert investigation.requested_by == manager


def test_a_salesperson_cannot_commission(customer, salesperson):
    with pytest.raises(PermissionDenied):
        investigation_commission(
            customer=customer, agency=AgencyFactory(), requested_on=today(), actor=salesperson
        )
    assert not Investigation.objects.exists()


@pytest.mark.parametrize(
    ("problem", "field"),
    [
        ("inactive_agency", "agency"),
        ("archived_card", "customer"),
        ("future", "requested_on"),
        ("negative_cost", "cost"),
    ],
)
def test_a_bad_commission_is_refused_by_field(customer, manager, problem, field):
    agency = AgencyFactory(is_active=problem != "inactive_agency")
    if problem == "archived_card":
        Customer.objects.filter(pk=customer.pk).update(status=Customer.Status.ARCHIVED)
        customer.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        investigation_commission(
            customer=customer,
            agency=agency,
            requested_on=days(1) if problem == "future" else today(),
            cost=Decimal("-1") if problem == "negative_cost" else Decimal("0"),
            actor=manager,
        )
    assert field in refused.value.message_dict
    assert not Investigation.objects.exists()


# Delivery and its states --------------------------------------------------------------------


def test_delivery_records_the_findings_and_files_the_proposals(investigation, manager):
    deliver(
        investigation,
        manager,
        proposals=[
            {"field": "credit_rating", "value": "BB"},
            {"field": "credit_limit", "value": "500.00"},
            {
                "field": "credit_incident",
                "value": {"occurred_on": "2025-06-01", "kind": "default", "amount": "8000"},
            },
        ],
    )
    investigation.refresh_from_db()
    assert investigation.status == Investigation.Status.DELIVERED
    assert investigation.delivered_on == today()
    assert (investigation.credit_rating, investigation.risk_level) == ("BB", "high")
    proposals = Proposal.objects.pending().filter(customer=investigation.customer).order_by("pk")
    assert [(p.field, p.channel, p.source) for p in proposals] == [
        ("credit_rating", "investigation", investigation),
        ("credit_limit", "investigation", investigation),
        ("credit_incident", "investigation", investigation),
    ]
    assert [p.base_value for p in proposals] == ["A", "1000.00", None]
    assert all(p.proposed_by == manager and p.filed_at for p in proposals)


def test_a_delivery_is_recorded_once(investigation, manager):
    deliver(investigation, manager)
    with pytest.raises(InvestigationDelivered):
        deliver(investigation, manager, findings="又一次")
    investigation.refresh_from_db()
    assert investigation.findings == FINDINGS["findings"]


def test_a_salesperson_cannot_record_a_delivery(investigation, salesperson):
    with pytest.raises(PermissionDenied):
        deliver(investigation, salesperson)
    investigation.refresh_from_db()
    assert investigation.status == Investigation.Status.REQUESTED


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"delivered_on": None}, "delivered_on"),
        ({"delivered_on": "before"}, "delivered_on"),
        ({"delivered_on": "future"}, "delivered_on"),
        ({"risk_level": ""}, "risk_level"),
        ({"recommended_credit_limit": Decimal("-5")}, "recommended_credit_limit"),
        ({"cost": Decimal("-5")}, "cost"),
    ],
)
def test_a_bad_delivery_is_refused_by_field_and_stores_nothing(
    investigation, manager, overrides, field
):
    if overrides.get("delivered_on") == "before":
        overrides = {"delivered_on": investigation.requested_on - datetime.timedelta(days=1)}
    if overrides.get("delivered_on") == "future":
        overrides = {"delivered_on": days(1)}
    with pytest.raises(ValidationError) as refused:
        investigation_deliver(
            investigation=investigation,
            findings={**findings(), **overrides},
            proposals=[{"field": "credit_rating", "value": "BB"}],
            report=pdf_upload(),
            actor=manager,
        )
    assert field in refused.value.message_dict
    investigation.refresh_from_db()
    assert investigation.status == Investigation.Status.REQUESTED
    assert not investigation.report
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    "proposal",
    [
        {"field": "phone", "value": "0755-1"},  # not an investigation's to propose
        {"field": "credit_rating", "value": "ZZZ"},
        {"field": "credit_limit", "value": "-1"},
        {"field": "credit_incident", "value": {"kind": "default"}},  # no date
    ],
)
def test_a_bad_proposal_refuses_the_whole_delivery(investigation, manager, tmp_path, proposal):
    with pytest.raises(ValidationError) as refused:
        deliver(
            investigation,
            manager,
            proposals=[{"field": "credit_rating", "value": "BB"}, proposal],
            report=pdf_upload(),
        )
    assert "proposals" in refused.value.message_dict
    investigation.refresh_from_db()
    assert investigation.status == Investigation.Status.REQUESTED
    assert not Proposal.objects.exists()
    assert not list(tmp_path.rglob("*.pdf"))


def test_reviewed_once_no_proposal_is_pending(investigation, manager):
    deliver(
        investigation,
        manager,
        proposals=[
            {"field": "credit_rating", "value": "BB"},
            {"field": "credit_limit", "value": "500"},
        ],
    )
    first, second = Proposal.objects.order_by("pk")
    proposal_accept(proposal=first, actor=manager)
    investigation.refresh_from_db()
    assert investigation.status == Investigation.Status.DELIVERED
    proposal_reject(proposal=second, actor=manager)
    investigation.refresh_from_db()
    assert investigation.status == Investigation.Status.REVIEWED


def test_a_delivery_without_proposals_stays_delivered(investigation, manager):
    deliver(investigation, manager)
    investigation.refresh_from_db()
    assert investigation.status == Investigation.Status.DELIVERED


def test_accepting_writes_the_card_through_its_door_with_the_investigation_as_provenance(
    investigation, manager
):
    customer = investigation.customer
    version = Customer.objects.get(pk=customer.pk).version
    deliver(
        investigation,
        manager,
        proposals=[
            {"field": "credit_limit", "value": "500"},
            {
                "field": "credit_incident",
                "value": {"occurred_on": "2025-06-01", "kind": "default", "amount": "8000"},
            },
        ],
    )
    limit, incident = Proposal.objects.order_by("pk")
    proposal_accept(proposal=limit, actor=manager)
    proposal_accept(proposal=incident, actor=manager)
    card = Customer.objects.get(pk=customer.pk)
    assert card.credit_limit == Decimal("500.00")
    assert card.version == version + 1
    provenance = FieldProvenance.objects.get(customer=card, field_name="credit_limit")
    assert (provenance.channel, provenance.source, provenance.verified) == (
        Channel.INVESTIGATION,
        investigation,
        True,
    )
    assert card.history.first().history_channel == Channel.INVESTIGATION
    recorded = CreditIncident.objects.get(customer=card)
    assert (recorded.kind, recorded.amount) == ("default", Decimal("8000.00"))
    assert recorded.history.first().history_channel == Channel.INVESTIGATION


# The report file -----------------------------------------------------------------------------


def test_a_pdf_or_an_image_is_stored_as_the_report(investigation, manager):
    investigation_report_attach(investigation=investigation, upload=pdf_upload(), actor=manager)
    investigation.refresh_from_db()
    assert investigation.report_content_type == "application/pdf"
    assert investigation.report_size == len(PDF)
    assert investigation.report.read() == PDF
    investigation_report_attach(investigation=investigation, upload=png_upload(), actor=manager)
    investigation.refresh_from_db()
    assert investigation.report_content_type == "image/png"
    assert investigation.report.read() == PNG


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", b"MZ\x90\x00 an executable"),  # the name says PDF, the bytes do not
        ("report.exe", PDF),  # the bytes say PDF, the name does not
        ("report.png", PDF),
        ("report.txt", b"plain text"),
    ],
)
def test_a_file_of_another_type_is_refused_and_nothing_is_stored(
    investigation, manager, tmp_path, name, content
):
    with pytest.raises(ValidationError) as refused:
        investigation_report_attach(
            investigation=investigation,
            upload=SimpleUploadedFile(name, content, content_type="application/pdf"),
            actor=manager,
        )
    assert refused.value.message_dict == {
        "report": ["Upload the agency's report as a PDF, JPEG or PNG file."]
    }
    investigation.refresh_from_db()
    assert not investigation.report
    assert not list(tmp_path.rglob("*"))


def test_a_file_too_big_is_refused_and_nothing_is_stored(
    investigation, manager, settings, tmp_path
):
    settings.INVESTIGATION_REPORT_MAX_MB = 1
    upload = pdf_upload(content=PDF + b"0" * 1_048_576)
    with pytest.raises(ValidationError) as refused:
        investigation_report_attach(investigation=investigation, upload=upload, actor=manager)
    assert refused.value.message_dict == {
        "report": ["The file is 1.0 MB; at most 1 MB are accepted."]
    }
    investigation.refresh_from_db()
    assert not investigation.report
    assert not list(tmp_path.rglob("*"))


def test_the_report_limit_defaults_to_10_mb(investigation, manager, settings):
    del settings.INVESTIGATION_REPORT_MAX_MB
    investigation_report_attach(
        investigation=investigation,
        upload=pdf_upload(content=PDF + b"0" * (10 * 1_048_576 - len(PDF))),
        actor=manager,
    )
    with pytest.raises(ValidationError):
        investigation_report_attach(
            investigation=investigation,
            upload=pdf_upload(content=PDF + b"0" * 10 * 1_048_576),
            actor=manager,
        )


def test_a_replaced_report_file_is_deleted(
    investigation, manager, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        investigation_report_attach(investigation=investigation, upload=pdf_upload(), actor=manager)
    with django_capture_on_commit_callbacks(execute=True):
        investigation_report_attach(investigation=investigation, upload=png_upload(), actor=manager)
    assert [path.suffix for path in tmp_path.rglob("*.*")] == [".png"]


def test_a_reviewed_investigations_report_is_kept(investigation, manager):
    deliver(investigation, manager, proposals=[{"field": "credit_rating", "value": "BB"}])
    proposal_accept(proposal=Proposal.objects.get(), actor=manager)
    with pytest.raises(ValidationError) as refused:
        investigation_report_attach(investigation=investigation, upload=pdf_upload(), actor=manager)
    assert "report" in refused.value.message_dict


def test_a_salesperson_cannot_store_a_report(investigation, salesperson):
    with pytest.raises(PermissionDenied):
        investigation_report_attach(
            investigation=investigation, upload=pdf_upload(), actor=salesperson
        )


# Agencies ------------------------------------------------------------------------------------


def test_managers_keep_the_agencies(manager, salesperson):
    agency = agency_create(data={"code": "XY", "name": "信用调查所"}, actor=manager)
    agency_update(agency=agency, changes={"is_active": False}, actor=manager)
    agency.refresh_from_db()
    assert not agency.is_active
    with pytest.raises(PermissionDenied):
        agency_create(data={"code": "Z", "name": "Z"}, actor=salesperson)


def test_an_agency_in_use_is_not_deleted(investigation, manager):
    with pytest.raises(ValidationError):
        agency_delete(agency=investigation.agency, actor=manager)
    assert investigation.agency.__class__.objects.filter(pk=investigation.agency_id).exists()
