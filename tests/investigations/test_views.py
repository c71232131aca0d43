"""The investigation pages: the list, one investigation, commissioning, recording the
delivery with its report and proposals, the report upload, the agencies, the card panel and
the review queue's description. Every endpoint: managers work, a salesperson reads the
investigations of their own customers only (another's: 404) and writes nothing (403),
anonymous visitors go to the login page, a wrong method is refused."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import formats, timezone

from customers.models import Customer
from investigations.models import Agency, Investigation
from investigations.services import investigation_deliver, investigation_report_attach
from review.models import Proposal
from tests.customers.factories import CustomerFactory
from tests.investigations.factories import (
    PDF,
    AgencyFactory,
    InvestigationFactory,
    pdf_upload,
)
from tests.visits.factories import png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def html_of(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def customer(salesperson):
    return CustomerFactory(
        code="C-MINE",
        name="苏州百货",
        salesperson=salesperson,
        credit_rating="A",
        credit_limit=Decimal("1000"),
    )


@pytest.fixture
def theirs(other_salesperson):
    return CustomerFactory(code="C-THEIRS", name="杭州商行", salesperson=other_salesperson)


@pytest.fixture
def agency():
    return AgencyFactory(code="HX", name="华信征信")


@pytest.fixture
def investigation(customer, agency, manager):
    return InvestigationFactory(
        customer=customer, agency=agency, requested_by=manager, requested_on=days(-10)
    )


@pytest.fixture
def delivered(investigation, manager):
    investigation_deliver(
        investigation=investigation,
        findings={"delivered_on": days(-1), "risk_level": "high", "credit_rating": "BB"},
        proposals=[{"field": "credit_rating", "value": "BB"}],
        report=pdf_upload(),
        actor=manager,
    )
    investigation.refresh_from_db()
    return investigation


def delivery_post(**overrides) -> dict:
    return {
        "delivered_on": days(-1).isoformat(),
        "cost": "3200.00",
        "findings": "拖欠供应商货款两次",
        "credit_rating": "BB",
        "risk_level": "high",
        "recommended_credit_limit": "500.00",
        "propose_credit_rating": "on",
        "propose_credit_limit": "on",
        "incident_occurred_on": "",
        "incident_kind": "",
        "incident_amount": "",
        "incident_description": "",
        **overrides,
    }


# Every endpoint's security -------------------------------------------------------------------

# name, needs an investigation, the method that works, a method that is refused, managers only
ENDPOINTS = [
    ("investigations:list", False, "get", "post", False),
    ("investigations:detail", True, "get", "post", False),
    ("investigations:report_file", True, "get", "post", False),
    ("investigations:create", False, "get", "put", True),
    ("investigations:create", False, "post", "put", True),
    ("investigations:deliver", True, "get", "put", True),
    ("investigations:deliver", True, "post", "put", True),
    ("investigations:report_upload", True, "post", "get", True),
    ("investigations:risk", False, "get", "post", True),
    ("investigations:agency_list", False, "get", "post", True),
    ("investigations:agency_create", False, "get", "put", True),
    ("investigations:agency_create", False, "post", "put", True),
]
READS = [endpoint for endpoint in ENDPOINTS if not endpoint[4]]
MANAGERS = [endpoint for endpoint in ENDPOINTS if endpoint[4]]


def url_of(name, on_investigation, investigation) -> str:
    return reverse(name, args=[investigation.pk]) if on_investigation else reverse(name)


@pytest.fixture
def with_report(investigation, manager):
    investigation_report_attach(investigation=investigation, upload=pdf_upload(), actor=manager)
    return investigation


@pytest.mark.parametrize(("name", "on", "method", "wrong", "managers"), ENDPOINTS)
def test_anonymous_visitors_are_sent_to_the_login_page(
    client, with_report, name, on, method, wrong, managers
):
    response = getattr(client, method)(url_of(name, on, with_report))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "on", "method", "wrong", "managers"), ENDPOINTS)
def test_a_wrong_method_is_refused(client, manager, with_report, name, on, method, wrong, managers):
    client.force_login(manager)
    assert getattr(client, wrong)(url_of(name, on, with_report)).status_code == 405


@pytest.mark.parametrize(("name", "on", "method", "wrong", "managers"), MANAGERS)
def test_a_salesperson_cannot_commission_or_record_anything(
    client, salesperson, with_report, name, on, method, wrong, managers
):
    client.force_login(salesperson)
    response = getattr(client, method)(url_of(name, on, with_report), delivery_post())
    assert response.status_code == 403
    with_report.refresh_from_db()
    assert with_report.status == Investigation.Status.REQUESTED
    assert Investigation.objects.count() == 1
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(("name", "on", "method", "wrong", "managers"), READS)
def test_the_customers_salesperson_reads(
    client, salesperson, with_report, name, on, method, wrong, managers
):
    client.force_login(salesperson)
    assert getattr(client, method)(url_of(name, on, with_report)).status_code == 200


@pytest.mark.parametrize("name", ["investigations:detail", "investigations:report_file"])
def test_another_salesperson_gets_404(client, other_salesperson, with_report, name):
    client.force_login(other_salesperson)
    assert client.get(reverse(name, args=[with_report.pk])).status_code == 404


def test_the_list_leaves_out_another_salespersons_customers(
    client, salesperson, investigation, theirs, manager
):
    InvestigationFactory(customer=theirs, requested_by=manager)
    client.force_login(salesperson)
    html = html_of(client.get(reverse("investigations:list")))
    assert "苏州百货" in html
    assert "杭州商行" not in html
    assert "Commission an investigation" not in html


# The list ----------------------------------------------------------------------------------


def test_the_list_filters_by_state_agency_and_period(client, manager, investigation, delivered):
    other = AgencyFactory(code="ZX", name="中信评估")
    old = InvestigationFactory(agency=other, requested_on=days(-400), requested_by=manager)
    client.force_login(manager)

    def listed(**query):
        html = html_of(client.get(reverse("investigations:list"), query))
        return sorted(int(pk) for pk in re.findall(r'data-investigation="(\d+)"', html))

    assert listed() == sorted([investigation.pk, old.pk])
    assert listed(status="delivered") == [investigation.pk]
    assert listed(status="requested") == [old.pk]
    assert listed(agency="ZX") == [old.pk]
    assert listed(date_from=days(-30).isoformat()) == [investigation.pk]
    assert listed(date_to=days(-30).isoformat()) == [old.pk]
    assert listed(customer=str(old.customer_id)) == [old.pk]


def test_a_bad_filter_is_told_and_lists_nothing(client, manager, investigation):
    client.force_login(manager)
    response = client.get(reverse("investigations:list"), {"date_from": "2026-02-30"})
    assert response.status_code == 200
    assert "Enter a valid date." in html_of(response)
    assert 'data-investigation="' not in html_of(response)


def test_the_list_takes_a_fixed_number_of_queries(client, manager, django_assert_max_num_queries):
    client.force_login(manager)
    InvestigationFactory.create_batch(3, requested_by=manager)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("investigations:list"))
    InvestigationFactory.create_batch(20, requested_by=manager)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("investigations:list"))
    assert html_of(response).count('data-investigation="') == 23


# One investigation -------------------------------------------------------------------------


def test_the_page_shows_the_findings_the_report_and_the_proposals_in_words(
    client, salesperson, delivered
):
    client.force_login(salesperson)
    html = html_of(client.get(delivered.get_absolute_url()))
    assert "Investigation by 华信征信" in html
    assert "Delivered" in html and "High" in html
    assert reverse("investigations:report_file", args=[delivered.pk]) in html
    assert 'data-field="credit_rating"' in html
    assert "Pending" in html
    assert "Record the delivery" not in html  # a salesperson reads only
    assert "Store the report" not in html and "Replace the report" not in html


def test_the_report_file_is_served_to_those_who_may_read(client, salesperson, delivered):
    client.force_login(salesperson)
    response = client.get(reverse("investigations:report_file", args=[delivered.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


def test_no_report_file_is_404(client, manager, investigation):
    client.force_login(manager)
    assert (
        client.get(reverse("investigations:report_file", args=[investigation.pk])).status_code
        == 404
    )


# Commissioning -----------------------------------------------------------------------------


def test_from_a_card_the_customer_is_chosen_already(client, manager, customer, agency):
    client.force_login(manager)
    response = client.get(reverse("investigations:create"), {"customer": customer.pk})
    html = html_of(response)
    assert 'name="customer" value="C-MINE"' in html
    assert "华信征信" in html


def test_a_manager_commissions_from_the_page(client, manager, customer, agency):
    client.force_login(manager)
    response = client.post(
        reverse("investigations:create"),
        {
            "customer": "c-mine",
            "agency": agency.pk,
            "requested_on": today().isoformat(),
            "cost": "2800",
            "scope": "付款能力",
        },
    )
    investigation = Investigation.objects.get()
    assert response["Location"] == investigation.get_absolute_url()
    assert (investigation.customer, investigation.cost) == (customer, Decimal("2800.00"))
    assert investigation.requested_by == manager


def test_a_bad_commission_keeps_what_was_typed(client, manager, customer, agency):
    inactive = AgencyFactory(code="OLD", is_active=False)
    client.force_login(manager)
    response = client.post(
        reverse("investigations:create"),
        {
            "customer": "NOPE",
            "agency": inactive.pk,
            "requested_on": days(1).isoformat(),
            "cost": "-3",
            "scope": "付款能力与诉讼",
        },
    )
    html = html_of(response)
    assert response.status_code == 200
    assert "No active customer of yours has the code “NOPE”." in html
    assert "Select a valid choice." in html  # an inactive agency is not offered
    assert "Ensure this value is greater than or equal to 0." in html
    assert "付款能力与诉讼" in html and 'value="NOPE"' in html
    assert not Investigation.objects.exists()


def test_a_future_request_is_refused_on_its_field(client, manager, customer, agency):
    client.force_login(manager)
    response = client.post(
        reverse("investigations:create"),
        {
            "customer": "C-MINE",
            "agency": agency.pk,
            "requested_on": days(1).isoformat(),
            "cost": "1",
        },
    )
    assert "A request cannot be dated in the future." in html_of(response)
    assert not Investigation.objects.exists()


# Recording the delivery --------------------------------------------------------------------


def test_the_delivery_form_offers_the_proposals_ticked_with_the_cards_values(
    client, manager, investigation
):
    client.force_login(manager)
    html = html_of(client.get(reverse("investigations:deliver", args=[investigation.pk])))
    assert re.search(r'name="propose_credit_rating"[^>]* checked', html)
    assert re.search(r'name="propose_credit_limit"[^>]* checked', html)
    assert not re.search(r'name="propose_incident"[^>]* checked', html)
    assert "1,000.00" in html  # the card's credit limit now
    assert f'value="{today().isoformat()}"' in html


def test_recording_the_delivery_files_the_proposals_and_stores_the_report(
    client, manager, investigation
):
    client.force_login(manager)
    response = client.post(
        reverse("investigations:deliver", args=[investigation.pk]),
        {
            **delivery_post(
                propose_incident="on",
                incident_occurred_on="2025-06-01",
                incident_kind="default",
                incident_amount="8000",
                incident_description="拖欠货款",
            ),
            "report": pdf_upload(),
        },
    )
    assert response["Location"] == investigation.get_absolute_url()
    investigation.refresh_from_db()
    assert investigation.status == Investigation.Status.DELIVERED
    assert investigation.cost == Decimal("3200.00")
    assert investigation.report.read() == PDF
    proposals = Proposal.objects.pending().order_by("pk")
    assert [(p.field, p.value) for p in proposals] == [
        ("credit_rating", "BB"),
        ("credit_limit", "500.00"),
        (
            "credit_incident",
            {
                "occurred_on": "2025-06-01",
                "kind": "default",
                "amount": "8000",
                "description": "拖欠货款",
            },
        ),
    ]


def test_unticked_proposals_are_not_made(client, manager, investigation):
    client.force_login(manager)
    post = delivery_post()
    del post["propose_credit_rating"], post["propose_credit_limit"]
    client.post(reverse("investigations:deliver", args=[investigation.pk]), post)
    investigation.refresh_from_db()
    assert investigation.status == Investigation.Status.DELIVERED
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"credit_rating": ""}, "Enter what the agency found, or untick its proposal."),
        ({"credit_rating": "A"}, "The card has this value already: untick this proposal."),
        ({"propose_incident": "on"}, "Required for the credit incident you propose."),
        ({"delivered_on": ""}, "This field is required."),
        ({"risk_level": ""}, "This field is required."),
    ],
)
def test_a_bad_delivery_keeps_what_was_typed_and_stores_nothing(
    client, manager, investigation, tmp_path, overrides, message
):
    client.force_login(manager)
    response = client.post(
        reverse("investigations:deliver", args=[investigation.pk]),
        {**delivery_post(findings="律师函两封", **overrides), "report": pdf_upload()},
    )
    html = html_of(response)
    assert response.status_code == 200
    assert message in html
    assert "律师函两封" in html
    investigation.refresh_from_db()
    assert investigation.status == Investigation.Status.REQUESTED
    assert not Proposal.objects.exists()
    assert not list(tmp_path.rglob("*.pdf"))


def test_a_delivery_with_a_wrong_file_is_refused_with_a_message(
    client, manager, investigation, tmp_path
):
    client.force_login(manager)
    fake = pdf_upload(name="report.pdf", content=b"<html>not a report</html>")
    response = client.post(
        reverse("investigations:deliver", args=[investigation.pk]),
        {**delivery_post(), "report": fake},
    )
    assert "Upload the agency&#x27;s report as a PDF, JPEG or PNG file." in html_of(response)
    investigation.refresh_from_db()
    assert investigation.status == Investigation.Status.REQUESTED
    assert not Proposal.objects.exists()
    assert not list(tmp_path.rglob("*"))


def test_a_delivery_is_recorded_once_from_the_page(client, manager, delivered):
    client.force_login(manager)
    response = client.get(reverse("investigations:deliver", args=[delivered.pk]))
    assert response["Location"] == delivered.get_absolute_url()
    response = client.post(reverse("investigations:deliver", args=[delivered.pk]), delivery_post())
    assert "The delivery of this investigation was recorded already." in messages_of(response)
    assert Proposal.objects.count() == 1


# The report upload -------------------------------------------------------------------------


def test_a_report_is_uploaded_from_the_page(client, manager, investigation):
    client.force_login(manager)
    response = client.post(
        reverse("investigations:report_upload", args=[investigation.pk]),
        {"report": png_upload("scan.png")},
    )
    assert response["Location"] == investigation.get_absolute_url()
    investigation.refresh_from_db()
    assert investigation.report_content_type == "image/png"


def test_an_oversized_report_is_refused_with_a_message(
    client, manager, investigation, settings, tmp_path
):
    settings.INVESTIGATION_REPORT_MAX_MB = 1
    client.force_login(manager)
    response = client.post(
        reverse("investigations:report_upload", args=[investigation.pk]),
        {"report": pdf_upload(content=PDF + b"0" * 2 * 1_048_576)},
    )
    assert response.status_code == 400
    assert "The file is 2.0 MB; at most 1 MB are accepted." in html_of(response)
    investigation.refresh_from_db()
    assert not investigation.report
    assert not list(tmp_path.rglob("*"))


def test_a_report_of_the_wrong_type_is_refused_with_a_message(
    client, manager, investigation, tmp_path
):
    client.force_login(manager)
    response = client.post(
        reverse("investigations:report_upload", args=[investigation.pk]),
        {"report": pdf_upload(name="report.docx", content=b"PK\x03\x04 a word file")},
    )
    assert response.status_code == 400
    assert "Upload the agency&#x27;s report as a PDF, JPEG or PNG file." in html_of(response)
    assert not list(tmp_path.rglob("*"))


# Agencies ----------------------------------------------------------------------------------


def test_a_manager_adds_and_changes_an_agency(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("investigations:agency_create"),
        {
            "code": "DB",
            "name": "邓白氏",
            "contact": "刘",
            "phone": "021-1",
            "order": "0",
            "is_active": "on",
        },
    )
    assert response["Location"] == reverse("investigations:agency_list")
    agency = Agency.objects.get(code="DB")
    client.post(
        reverse("investigations:agency_edit", args=[agency.pk]),
        {"code": "DB", "name": "邓白氏中国", "contact": "刘", "phone": "021-1", "order": "0"},
    )
    agency.refresh_from_db()
    assert (agency.name, agency.is_active) == ("邓白氏中国", False)
    assert "邓白氏中国" in html_of(client.get(reverse("investigations:agency_list")))


def test_a_taken_agency_code_is_refused(client, manager, agency):
    client.force_login(manager)
    response = client.post(
        reverse("investigations:agency_create"), {"code": "HX", "name": "另一家", "order": "0"}
    )
    assert "already exists" in html_of(response)
    assert Agency.objects.count() == 1


# The card and the review queue -------------------------------------------------------------


def test_the_card_lists_the_investigations_and_offers_managers_to_commission(
    client, manager, salesperson, delivered, customer
):
    client.force_login(manager)
    html = html_of(client.get(customer.get_absolute_url()))
    assert 'data-testid="card-investigations"' in html
    assert f'data-investigation="{delivered.pk}"' in html
    assert f"{reverse('investigations:create')}?customer={customer.pk}" in html
    client.force_login(salesperson)
    html = html_of(client.get(customer.get_absolute_url()))
    assert f'data-investigation="{delivered.pk}"' in html
    assert 'data-testid="card-commission"' not in html


def test_an_archived_card_offers_no_investigation(client, manager, customer):
    Customer.objects.filter(pk=customer.pk).update(status=Customer.Status.ARCHIVED)
    client.force_login(manager)
    html = html_of(client.get(customer.get_absolute_url()))
    assert "No investigation commissioned yet." in html
    assert 'data-testid="card-commission"' not in html


def test_the_card_panel_queries_do_not_grow_with_the_investigations(
    client, manager, customer, django_assert_max_num_queries
):
    client.force_login(manager)
    InvestigationFactory(customer=customer, requested_by=manager)
    with django_assert_max_num_queries(60) as few:
        client.get(customer.get_absolute_url())
    InvestigationFactory.create_batch(8, customer=customer, requested_by=manager)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = html_of(client.get(customer.get_absolute_url()))
    assert html.count('data-investigation="') == 5
    assert "The latest 5 of 9 investigations" in html


def test_the_review_queue_names_the_investigation_with_a_link(client, manager, delivered):
    client.force_login(manager)
    html = html_of(client.get(reverse("review:queue")))
    day = formats.date_format(delivered.delivered_on, "DATE_FORMAT")
    assert f"Investigation by 华信征信, delivered {day}" in html
    assert f'href="{delivered.get_absolute_url()}"' in html


def test_accepting_in_the_queue_makes_the_investigation_reviewed(client, manager, delivered):
    client.force_login(manager)
    proposal = Proposal.objects.get()
    client.post(reverse("review:queue"), {"decision": "accept", "proposal": proposal.pk})
    delivered.refresh_from_db()
    assert delivered.status == Investigation.Status.REVIEWED
    assert Customer.objects.get(pk=delivered.customer_id).credit_rating == "BB"
