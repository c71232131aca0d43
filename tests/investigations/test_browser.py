"""A manager's investigation in a real browser, on a phone and on a desktop: from the risk
view, one tap commissions an investigation of the customer; the delivery is recorded with
the agency's PDF and the proposals ticked from the findings; they wait in the review queue,
and accepting them writes the card. Nothing scrolls sideways on a 390 px phone."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Customer
from investigations.models import Investigation
from review.models import Proposal
from tests.customers.factories import CreditIncidentFactory, CustomerFactory
from tests.investigations.factories import PDF, AgencyFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_from_the_risk_view_to_the_card(
    page, log_in, manager, salesperson, tmp_path, settings, screen
):
    settings.MEDIA_ROOT = tmp_path
    customer = CustomerFactory(
        code="SZ001",
        name="苏州第一百货",
        salesperson=salesperson,
        credit_rating="A",
        credit_limit=Decimal("200000"),
    )
    CreditIncidentFactory(customer=customer, occurred_on=datetime.date(2025, 5, 1))
    AgencyFactory(code="HX", name="华信征信")
    report = tmp_path / "agency-report.pdf"
    report.write_bytes(PDF)
    page.set_viewport_size(screen)
    log_in(manager)

    page.goto("/investigations/risk/")
    assert page_width(page) <= screen["width"]
    page.locator('[data-testid="risk-incidents"] [data-testid="commission"]').first.click()
    assert page.input_value("#id_customer") == "SZ001"
    page.select_option("#id_agency", label="华信征信")
    page.fill("#id_cost", "3500")
    page.fill("#id_scope", "付款能力与涉诉情况")
    page.click('[data-testid="commission-form"] button[type=submit]')
    page.wait_for_selector('[data-testid="record-delivery"]')
    assert page_width(page) <= screen["width"]

    page.click('[data-testid="record-delivery"]')
    page.select_option("#id_risk_level", "high")
    page.select_option("#id_credit_rating", "B")
    page.fill("#id_recommended_credit_limit", "0")
    page.fill("#id_findings", "多家供应商反映长期拖欠货款")
    page.set_input_files("#id_report", str(report))
    assert page.is_checked("#id_propose_credit_rating")
    assert page.is_checked("#id_propose_credit_limit")
    assert page_width(page) <= screen["width"]
    page.click('[data-testid="delivery-form"] button[type=submit]')
    page.wait_for_selector('[data-testid="report-file"]')
    investigation = Investigation.objects.get()
    assert investigation.status == Investigation.Status.DELIVERED
    assert Proposal.objects.pending().count() == 2

    page.goto("/review/?channel=investigation")
    assert "Investigation by 华信征信, delivered" in page.inner_text(
        '[data-testid="review-source"]'
    )
    assert page_width(page) <= screen["width"]
    for _ in range(2):
        page.locator("button[value=accept]").first.click()
        page.wait_for_load_state()
    card = Customer.objects.get(pk=customer.pk)
    assert (card.credit_rating, card.credit_limit) == ("B", Decimal("0.00"))
    investigation.refresh_from_db()
    assert investigation.status == Investigation.Status.REVIEWED

    page.goto(f"/customers/{customer.pk}/#tab-transactions")
    assert page.locator('[data-testid="card-investigations"]').count() == 1
    assert timezone.localdate().isoformat() in page.inner_html(
        '[data-testid="card-investigations"]'
    )
