"""The investigations API: managers commission, record deliveries with proposals (filed in
the one review queue beside the visits' proposals) and store report files; everybody reads
the investigations of the customers in their scope (another salesperson's: 404); bad input
is a 4xx naming the field, and stores nothing. The agencies: read by all, written by
managers."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from customers.models import Channel, FieldProvenance
from investigations.models import Agency, Investigation
from review.models import Proposal
from tests.customers.factories import CustomerFactory
from tests.customers.test_api import as_user
from tests.investigations.factories import PDF, AgencyFactory, InvestigationFactory, pdf_upload
from tests.visits.factories import ProposalFactory, VisitFactory, VisitReportFactory

pytestmark = pytest.mark.django_db

INVESTIGATIONS = "/api/v1/investigations/"
AGENCIES = "/api/v1/agencies/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def detail(pk) -> str:
    return f"{INVESTIGATIONS}{pk}/"


@pytest.fixture
def mine(salesperson):
    return CustomerFactory(salesperson=salesperson, credit_rating="A", credit_limit=Decimal("1000"))


@pytest.fixture
def theirs(other_salesperson):
    return CustomerFactory(salesperson=other_salesperson)


@pytest.fixture
def agency():
    return AgencyFactory(code="HX", name="华信征信")


@pytest.fixture
def investigation(mine, agency, manager):
    return InvestigationFactory(
        customer=mine, agency=agency, requested_by=manager, requested_on=days(-10)
    )


def a_delivery(**overrides) -> dict:
    return {
        "delivered_on": days(-1).isoformat(),
        "findings": "拖欠供应商货款两次",
        "credit_rating": "BB",
        "risk_level": "high",
        "recommended_credit_limit": "500.00",
        "proposals": [
            {"field": "credit_rating", "value": "BB"},
            {"field": "credit_limit", "value": "500.00"},
        ],
        **overrides,
    }


# Commissioning ------------------------------------------------------------------------------


def test_a_manager_commissions_an_investigation(manager, mine, agency):
    response = as_user(manager).post(
        INVESTIGATIONS,
        {"customer": mine.pk, "agency": "HX", "cost": "2800.00", "scope": "付款能力"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["customer"] == mine.pk
    assert body["agency"] == "HX"
    assert body["status"] == "requested"
    assert body["requested_on"] == timezone.localdate().isoformat()
    assert body["cost"] == "2800.00"
    assert body["requested_by"] == "manager"
    assert body["report"] is None
    assert body["proposals"] == []


def test_a_salesperson_cannot_commission(salesperson, mine, agency):
    response = as_user(salesperson).post(
        INVESTIGATIONS, {"customer": mine.pk, "agency": "HX"}, format="json"
    )
    assert response.status_code == 403
    assert not Investigation.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"agency": "NOPE"}, "agency"),
        ({"agency": "OLD"}, "agency"),
        ({"customer": 999999}, "customer"),
        ({"cost": "-1"}, "cost"),
        ({"requested_on": "2026-02-30"}, "requested_on"),
        ({"requested_on": "future"}, "requested_on"),
        ({"scope": "长" * 2001}, "scope"),
    ],
)
def test_a_bad_commission_names_the_field(manager, mine, agency, payload, field):
    AgencyFactory(code="OLD", is_active=False)
    if payload.get("requested_on") == "future":
        payload = {"requested_on": days(1).isoformat()}
    response = as_user(manager).post(
        INVESTIGATIONS, {"customer": mine.pk, "agency": "HX", **payload}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Investigation.objects.exists()


# Reading ------------------------------------------------------------------------------------


def test_a_salesperson_lists_and_reads_only_their_customers_investigations(
    salesperson, investigation, theirs, manager
):
    other = InvestigationFactory(customer=theirs, requested_by=manager)
    client = as_user(salesperson)
    assert [item["id"] for item in client.get(INVESTIGATIONS).json()["results"]] == [
        investigation.pk
    ]
    assert client.get(detail(investigation.pk)).status_code == 200
    assert client.get(detail(other.pk)).status_code == 404
    assert client.post(f"{detail(other.pk)}deliver/", a_delivery(), format="json").status_code in (
        403,
        404,
    )


def test_managers_list_everything_with_filters(manager, investigation, theirs):
    other = InvestigationFactory(
        customer=theirs, agency=AgencyFactory(code="ZX"), requested_on=days(-400)
    )
    client = as_user(manager)

    def ids(**query):
        return sorted(item["id"] for item in client.get(INVESTIGATIONS, query).json()["results"])

    assert ids() == sorted([investigation.pk, other.pk])
    assert ids(agency="ZX") == [other.pk]
    assert ids(status="requested", date_from=days(-30).isoformat()) == [investigation.pk]
    response = client.get(INVESTIGATIONS, {"date_from": "yesterday"})
    assert response.status_code == 400
    assert "date_from" in response.json()


def test_the_list_takes_a_fixed_number_of_queries(manager, django_assert_max_num_queries):
    client = as_user(manager)
    InvestigationFactory.create_batch(2, requested_by=manager)
    with django_assert_max_num_queries(10) as few:
        client.get(INVESTIGATIONS)
    InvestigationFactory.create_batch(10, requested_by=manager)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(INVESTIGATIONS).json()["results"]) == 12


def test_anonymous_is_refused(investigation):
    assert APIClient().get(INVESTIGATIONS).status_code in (401, 403)
    assert APIClient().get(detail(investigation.pk)).status_code in (401, 403)


def test_a_wrong_method_is_refused(manager, investigation):
    client = as_user(manager)
    assert client.delete(detail(investigation.pk)).status_code == 405
    assert client.get(f"{detail(investigation.pk)}deliver/").status_code == 405


# Delivery and the one review queue ----------------------------------------------------------


def test_the_delivery_files_proposals_in_the_queue_beside_a_visits(
    manager, salesperson, investigation, mine
):
    visit = VisitFactory(report=VisitReportFactory(salesperson=salesperson), customer=mine)
    from_visit = ProposalFactory(source=visit)
    response = as_user(manager).post(
        f"{detail(investigation.pk)}deliver/", a_delivery(), format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "delivered"
    assert (body["risk_level"], body["credit_rating"]) == ("high", "BB")
    assert [(p["field"], p["value"], p["status"]) for p in body["proposals"]] == [
        ("credit_rating", "BB", "pending"),
        ("credit_limit", "500.00", "pending"),
    ]
    queue = as_user(manager).get("/api/v1/proposals/", {"status": "pending"}).json()["results"]
    assert [(item["id"], item["channel"]) for item in queue] == [
        (from_visit.pk, "visit"),
        (body["proposals"][0]["id"], "investigation"),
        (body["proposals"][1]["id"], "investigation"),
    ]
    source = queue[1]["source"]
    assert source["type"] == "investigations.investigation"
    assert source["title"].startswith("Investigation by 华信征信, delivered ")
    assert source["url"] == investigation.get_absolute_url()
    # The salesperson sees them too, on their own customer.
    mine_queue = as_user(salesperson).get("/api/v1/proposals/", {"status": "pending"}).json()
    assert len(mine_queue["results"]) == 3


def test_accepting_writes_the_card_through_its_door(manager, investigation, mine):
    client = as_user(manager)
    version = client.get(f"/api/v1/customers/{mine.pk}/").json()["version"]
    body = client.post(f"{detail(investigation.pk)}deliver/", a_delivery(), format="json").json()
    rating, limit = (p["id"] for p in body["proposals"])
    assert client.post(f"/api/v1/proposals/{limit}/accept/", {}, format="json").status_code == 200
    card = client.get(f"/api/v1/customers/{mine.pk}/").json()
    assert card["credit_limit"] == "500.00"
    assert card["version"] == version + 1
    provenance = FieldProvenance.objects.get(customer=mine, field_name="credit_limit")
    assert (provenance.channel, provenance.source, provenance.verified) == (
        Channel.INVESTIGATION,
        investigation,
        True,
    )
    assert client.get(detail(investigation.pk)).json()["status"] == "delivered"
    assert client.post(f"/api/v1/proposals/{rating}/reject/", {}, format="json").status_code == 200
    assert client.get(detail(investigation.pk)).json()["status"] == "reviewed"
    assert client.get(f"/api/v1/customers/{mine.pk}/").json()["credit_rating"] == "A"


def test_a_credit_incident_is_proposed_with_its_fields(manager, investigation):
    incident = {"occurred_on": "2025-06-01", "kind": "default", "amount": "8000.00"}
    response = as_user(manager).post(
        f"{detail(investigation.pk)}deliver/",
        a_delivery(proposals=[{"field": "credit_incident", "value": incident}]),
        format="json",
    )
    assert response.status_code == 200
    assert Proposal.objects.get().value == incident


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"delivered_on": None}, "delivered_on"),
        ({"delivered_on": "before"}, "delivered_on"),
        ({"risk_level": "extreme"}, "risk_level"),
        ({"recommended_credit_limit": "-5"}, "recommended_credit_limit"),
        ({"proposals": [{"field": "phone", "value": "1"}]}, "proposals"),
        ({"proposals": [{"field": "credit_limit", "value": "lots"}]}, "proposals"),
        ({"proposals": [{"field": "credit_incident", "value": {"kind": "x"}}]}, "proposals"),
    ],
)
def test_a_bad_delivery_names_the_field_and_stores_nothing(manager, investigation, payload, field):
    if payload.get("delivered_on") == "before":
        payload = {"delivered_on": days(-11).isoformat()}
    response = as_user(manager).post(
        f"{detail(investigation.pk)}deliver/", a_delivery(**payload), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    investigation.refresh_from_db()
    assert investigation.status == Investigation.Status.REQUESTED
    assert not Proposal.objects.exists()


def test_a_second_delivery_is_a_conflict(manager, investigation):
    client = as_user(manager)
    client.post(f"{detail(investigation.pk)}deliver/", a_delivery(), format="json")
    response = client.post(f"{detail(investigation.pk)}deliver/", a_delivery(), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "delivered"
    assert Proposal.objects.count() == 2


def test_a_salesperson_cannot_record_a_delivery(salesperson, investigation):
    response = as_user(salesperson).post(
        f"{detail(investigation.pk)}deliver/", a_delivery(), format="json"
    )
    assert response.status_code == 403
    investigation.refresh_from_db()
    assert investigation.status == Investigation.Status.REQUESTED


# The report file ----------------------------------------------------------------------------


def test_a_report_is_uploaded_and_downloaded(manager, salesperson, investigation):
    response = as_user(manager).post(
        f"{detail(investigation.pk)}report/", {"report": pdf_upload()}, format="multipart"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["report_content_type"] == "application/pdf"
    assert body["report_size"] == len(PDF)
    assert body["report"].endswith(f"{detail(investigation.pk)}report/")
    download = as_user(salesperson).get(f"{detail(investigation.pk)}report/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_an_oversized_report_is_refused_and_nothing_stored(
    manager, investigation, settings, tmp_path
):
    settings.INVESTIGATION_REPORT_MAX_MB = 1
    response = as_user(manager).post(
        f"{detail(investigation.pk)}report/",
        {"report": pdf_upload(content=PDF + b"0" * 2 * 1_048_576)},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json() == {"report": ["The file is 2.0 MB; at most 1 MB are accepted."]}
    investigation.refresh_from_db()
    assert not investigation.report
    assert not list(tmp_path.rglob("*"))


def test_a_report_of_the_wrong_type_is_refused_and_nothing_stored(manager, investigation, tmp_path):
    response = as_user(manager).post(
        f"{detail(investigation.pk)}report/",
        {"report": pdf_upload(name="report.pdf", content=b"GIF89a not accepted")},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json() == {"report": ["Upload the agency's report as a PDF, JPEG or PNG file."]}
    assert not list(tmp_path.rglob("*"))


def test_a_missing_report_is_named(manager, investigation):
    response = as_user(manager).post(f"{detail(investigation.pk)}report/", {}, format="multipart")
    assert response.status_code == 400
    assert "report" in response.json()
    assert as_user(manager).get(f"{detail(investigation.pk)}report/").status_code == 404


def test_a_salesperson_cannot_upload_a_report(salesperson, investigation):
    response = as_user(salesperson).post(
        f"{detail(investigation.pk)}report/", {"report": pdf_upload()}, format="multipart"
    )
    assert response.status_code == 403


# Agencies -----------------------------------------------------------------------------------


def test_everybody_reads_the_agencies_and_managers_write_them(manager, salesperson, agency):
    assert [a["code"] for a in as_user(salesperson).get(AGENCIES).json()["results"]] == ["HX"]
    refused = as_user(salesperson).post(AGENCIES, {"code": "DB", "name": "邓白氏"}, format="json")
    assert refused.status_code == 403
    created = as_user(manager).post(
        AGENCIES, {"code": "DB", "name": "邓白氏", "contact": "刘", "phone": "021-1"}, format="json"
    )
    assert created.status_code == 201
    changed = as_user(manager).patch(
        f"{AGENCIES}{created.json()['id']}/", {"is_active": False}, format="json"
    )
    assert changed.json()["is_active"] is False
    assert not Agency.objects.get(code="DB").is_active


def test_an_agency_in_use_is_not_deleted(manager, investigation, agency):
    response = as_user(manager).delete(f"{AGENCIES}{agency.pk}/")
    assert response.status_code == 409
    assert Agency.objects.filter(pk=agency.pk).exists()
