"""The daily visit report: drafts, visits with proposed card changes, submission, lateness,
and the review that follows."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from customers.models import Channel, Customer, FieldProvenance
from review.models import Proposal
from review.services import ProposalDecided, ProposalStale, proposal_accept, proposal_reject
from tests.customers.factories import CustomerFactory
from visits.models import Visit, VisitReport
from visits.services import (
    ReportClosed,
    report_create,
    report_deadline,
    report_open,
    report_submit,
    visit_add,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 30)


def test_a_report_with_proposals_goes_to_review_when_submitted(salesperson, manager):
    customer = CustomerFactory(salesperson=salesperson, phone="0755-1")
    report = report_create(
        salesperson=salesperson,
        day=DAY,
        visits=[
            {
                "customer": customer,
                "kind": Visit.Kind.VISIT,
                "summary": "换了新电话",
                "proposals": [
                    {"field": "phone", "value": "0755-2"},
                    {
                        "field": "credit_incident",
                        "value": {
                            "occurred_on": "2026-11-29",
                            "kind": "late_payment",
                            "amount": "1200.00",
                            "description": "货款拖欠",
                        },
                    },
                ],
            }
        ],
    )
    assert report.status == VisitReport.Status.DRAFT
    assert not Proposal.objects.filed().exists()

    report_submit(report=report, actor=salesperson)
    report.refresh_from_db()
    assert (report.status, report.late) == (VisitReport.Status.SUBMITTED, True)
    phone, incident = Proposal.objects.pending().order_by("pk")
    assert (phone.base_value, phone.value, phone.channel) == ("0755-1", "0755-2", Channel.VISIT)

    proposal_accept(proposal=phone, actor=manager)
    customer.refresh_from_db()
    assert (customer.phone, customer.version) == ("0755-2", 2)
    provenance = FieldProvenance.objects.get(customer=customer, field_name="phone")
    assert (provenance.channel, provenance.verified, provenance.source) == (
        Channel.VISIT,
        True,
        report.visits.get(),
    )
    proposal_reject(proposal=incident, actor=manager, comment="未核实")
    assert not customer.credit_incidents.exists()
    report.refresh_from_db()
    assert report.status == VisitReport.Status.REVIEWED


def test_a_visit_to_another_salespersons_customer_stores_nothing(salesperson, other_salesperson):
    theirs = CustomerFactory(salesperson=other_salesperson)
    with pytest.raises(ValidationError):
        report_create(
            salesperson=salesperson,
            day=DAY,
            visits=[{"customer": theirs, "proposals": [{"field": "phone", "value": "1"}]}],
        )
    assert not VisitReport.objects.exists()
    assert not Proposal.objects.exists()


def test_a_submitted_report_is_closed_to_its_author(salesperson):
    report = report_open(salesperson=salesperson, day=DAY)
    report_submit(report=report, actor=salesperson)
    with pytest.raises(ReportClosed):
        visit_add(
            report=report,
            data={"customer": CustomerFactory(salesperson=salesperson)},
            actor=salesperson,
        )


def test_a_report_without_proposals_stays_submitted(salesperson):
    report = report_create(
        salesperson=salesperson,
        day=DAY,
        visits=[{"customer": CustomerFactory(salesperson=salesperson), "summary": "一切照旧"}],
    )
    report_submit(report=report, actor=salesperson)
    report.refresh_from_db()
    assert report.status == VisitReport.Status.SUBMITTED
    assert report.submitted_at is not None


def test_the_deadline_is_the_next_day_at_ten_in_the_companys_time(settings):
    deadline = report_deadline(DAY)
    assert (deadline.date(), deadline.hour, deadline.minute) == (datetime.date(2026, 12, 1), 10, 0)
    assert str(deadline.tzinfo) == settings.TIME_ZONE


def test_accepting_over_a_card_changed_meanwhile_needs_confirmation(salesperson, manager):
    customer = CustomerFactory(salesperson=salesperson, credit_limit=Decimal("100.00"))
    report = report_create(
        salesperson=salesperson,
        day=DAY,
        visits=[{"customer": customer, "proposals": [{"field": "credit_limit", "value": "500"}]}],
    )
    report_submit(report=report, actor=salesperson)
    proposal = Proposal.objects.get()
    Customer.objects.filter(pk=customer.pk).update(credit_limit=Decimal("300.00"))

    with pytest.raises(ProposalStale) as stale:
        proposal_accept(proposal=proposal, actor=manager)
    assert stale.value.current_value == "300.00"
    customer.refresh_from_db()
    assert customer.credit_limit == Decimal("300.00")

    proposal_accept(proposal=proposal, actor=manager, confirm=True)
    customer.refresh_from_db()
    assert customer.credit_limit == Decimal("500.00")
    with pytest.raises(ProposalDecided):
        proposal_accept(proposal=proposal, actor=manager)


def test_only_managers_decide(salesperson):
    customer = CustomerFactory(salesperson=salesperson)
    report = report_create(
        salesperson=salesperson,
        day=DAY,
        visits=[{"customer": customer, "proposals": [{"field": "phone", "value": "9"}]}],
    )
    report_submit(report=report, actor=salesperson)
    with pytest.raises(PermissionDenied):
        proposal_accept(proposal=Proposal.objects.get(), actor=salesperson)


def test_a_bad_proposed_value_is_refused_when_filed(salesperson):
    customer = CustomerFactory(salesperson=salesperson)
    with pytest.raises(ValidationError):
        report_create(
            salesperson=salesperson,
            day=DAY,
            visits=[{"customer": customer, "proposals": [{"field": "email", "value": "bad"}]}],
        )
    with pytest.raises(ValidationError):
        report_create(
            salesperson=salesperson,
            day=DAY,
            visits=[{"customer": customer, "proposals": [{"field": "code", "value": "X"}]}],
        )
    assert not VisitReport.objects.exists()
