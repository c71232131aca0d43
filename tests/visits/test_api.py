"""The visit reports API (SPEC 4): a salesperson files the day's report with visits and
proposed card changes and submits it; they read only their own reports, managers all."""

import datetime

import pytest
from django.utils import timezone

from review.models import Proposal
from tests.accounts.factories import UserFactory
from tests.customers.factories import CustomerFactory
from tests.customers.test_api import as_user
from tests.visits.factories import VisitFactory, VisitReportFactory
from visits.models import Visit, VisitReport

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/visit-reports/"
PAST_DAY = datetime.date(2026, 11, 30)


def detail(report_id) -> str:
    return f"{REPORTS}{report_id}/"


def submit(report_id) -> str:
    return f"{REPORTS}{report_id}/submit/"


def nothing_stored() -> bool:
    return not (VisitReport.objects.exists() or Visit.objects.exists() or Proposal.objects.exists())


@pytest.fixture
def mine(salesperson):
    return CustomerFactory(salesperson=salesperson, phone="0755-1", email="")


@pytest.fixture
def theirs(other_salesperson):
    return CustomerFactory(salesperson=other_salesperson, phone="0755-9")


def a_report(customer, day=None, **visit) -> dict:
    return {
        "date": (day or timezone.localdate()).isoformat(),
        "visits": [
            {
                "customer": customer.pk,
                "kind": "visit",
                "summary": "店主说下月要扩店",
                "proposals": [{"field": "phone", "value": "0755-2"}],
                **visit,
            }
        ],
    }


# Filing and submitting ---------------------------------------------------------------------


def test_a_visit_note_longer_than_a_page_is_refused_and_nothing_is_stored(salesperson, mine):
    payload = {
        "date": timezone.localdate().isoformat(),
        "visits": [{"customer": mine.pk, "kind": "visit", "next_steps": "长" * 2001}],
    }
    response = as_user(salesperson).post(REPORTS, payload, format="json")
    assert response.status_code == 400
    assert "next_steps" in str(response.json()["visits"])
    assert not VisitReport.objects.exists()


def test_a_salesperson_files_a_draft_with_visits_and_proposals(salesperson, mine):
    payload = {
        "date": timezone.localdate().isoformat(),
        "visits": [
            {
                "customer": mine.pk,
                "kind": "visit",
                "summary": "换了新电话",
                "time": "09:00",
                "proposals": [
                    {"field": "phone", "value": "0755-2"},
                    {"field": "credit_limit", "value": "5000.00"},
                ],
            },
            {
                "customer": mine.pk,
                "kind": "phone",
                "summary": "约了下周送货",
                "time": "15:30",
                "purpose": "确认订单",
                "next_steps": "送样品",
                "follow_up_on": "2026-12-10",
                "latitude": "22.543096",
                "longitude": "114.057865",
            },
        ],
    }
    response = as_user(salesperson).post(REPORTS, payload, format="json")

    assert response.status_code == 201
    body = response.json()
    report = VisitReport.objects.get()
    assert (body["id"], body["status"], body["late"]) == (report.pk, "draft", False)
    assert body["salesperson"] == "sales1"
    first, second = body["visits"]
    visits = list(report.visits.order_by("pk"))
    assert [first["id"], second["id"]] == [visit.pk for visit in visits]
    assert [(p["field"], p["value"], p["status"]) for p in first["proposals"]] == [
        ("phone", "0755-2", "pending"),
        ("credit_limit", "5000.00", "pending"),
    ]
    assert [p["id"] for p in first["proposals"]] == list(
        Proposal.objects.order_by("pk").values_list("pk", flat=True)
    )
    assert second["proposals"] == []
    assert (second["time"], second["follow_up_on"], second["latitude"]) == (
        "15:30:00",
        "2026-12-10",
        "22.543096",
    )
    assert visits[1].checked_in_at is not None
    # A draft's proposals are its author's until the report is submitted.
    assert not Proposal.objects.filed().exists()
    mine.refresh_from_db()
    assert (mine.phone, mine.version) == ("0755-1", 1)


def test_submitting_hands_the_proposals_to_review_and_answers_submitted(salesperson, mine):
    client = as_user(salesperson)
    report_id = client.post(REPORTS, a_report(mine), format="json").json()["id"]

    response = client.post(submit(report_id))

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["late"]) == ("submitted", False)
    assert body["submitted_at"] is not None
    proposal = Proposal.objects.get()
    assert proposal.filed_at is not None
    assert body["visits"][0]["proposals"][0]["filed_at"] is not None


def test_a_report_without_proposals_is_submitted_too(salesperson, mine):
    client = as_user(salesperson)
    report_id = client.post(REPORTS, a_report(mine, proposals=[]), format="json").json()["id"]

    response = client.post(submit(report_id))

    assert (response.status_code, response.json()["status"]) == (200, "submitted")


def test_a_report_submitted_after_its_deadline_is_late(salesperson, mine):
    client = as_user(salesperson)
    created = client.post(REPORTS, a_report(mine, day=PAST_DAY), format="json").json()
    assert (created["late"], created["deadline"]) == (False, "2026-12-01T10:00:00+08:00")

    body = client.post(submit(created["id"])).json()

    assert (body["status"], body["late"]) == ("submitted", True)
    assert VisitReport.objects.get().late is True


def test_a_submitted_report_cannot_be_submitted_again(salesperson, mine):
    client = as_user(salesperson)
    report_id = client.post(REPORTS, a_report(mine), format="json").json()["id"]
    client.post(submit(report_id))
    version = VisitReport.objects.get().version

    response = client.post(submit(report_id))

    assert response.status_code == 409
    assert response.json()["code"] == "submitted"
    assert VisitReport.objects.get().version == version


# Refusals store nothing --------------------------------------------------------------------


def test_a_visit_to_another_salespersons_customer_is_refused_and_nothing_is_stored(
    salesperson, mine, theirs
):
    payload = a_report(mine)
    payload["visits"].append({"customer": theirs.pk, "kind": "visit", "summary": "顺路"})

    response = as_user(salesperson).post(REPORTS, payload, format="json")

    assert response.status_code == 400
    # The second visit (index 1) is named; the first was fine.
    assert response.json() == {
        "visits": {"1": {"customer": [f'Invalid pk "{theirs.pk}" - object does not exist.']}}
    }
    assert nothing_stored()


def test_a_bad_proposed_value_is_refused_naming_the_visit_and_nothing_is_stored(salesperson, mine):
    payload = a_report(mine, proposals=[{"field": "email", "value": "not-an-address"}])

    response = as_user(salesperson).post(REPORTS, payload, format="json")

    assert response.status_code == 400
    assert response.json() == {"visits": ["Visit 1: Enter a valid email address."]}
    assert nothing_stored()


def test_a_field_that_cannot_be_proposed_is_refused(salesperson, mine):
    payload = a_report(mine, proposals=[{"field": "salesperson", "value": "sales1"}])

    response = as_user(salesperson).post(REPORTS, payload, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "visits": {"0": {"proposals": {"0": {"field": ['"salesperson" is not a valid choice.']}}}}
    }
    assert nothing_stored()


def test_a_second_report_for_the_same_day_is_refused(salesperson, mine):
    client = as_user(salesperson)
    client.post(REPORTS, a_report(mine), format="json")

    response = client.post(REPORTS, a_report(mine), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["date"]
    assert VisitReport.objects.count() == 1
    assert Proposal.objects.count() == 1


def test_managers_cannot_file_reports(manager, mine):
    response = as_user(manager).post(REPORTS, a_report(mine), format="json")
    assert response.status_code == 403
    assert nothing_stored()


def test_anonymous_is_refused(client, mine):
    assert client.get(REPORTS).status_code in (401, 403)
    assert client.post(REPORTS, a_report(mine), content_type="application/json").status_code in (
        401,
        403,
    )
    assert nothing_stored()


def test_reports_cannot_be_replaced_or_deleted_through_the_api(salesperson):
    report = VisitReportFactory(salesperson=salesperson)
    client = as_user(salesperson)
    assert client.put(detail(report.pk), {"date": "2026-12-01"}, format="json").status_code == 405
    assert client.delete(detail(report.pk)).status_code == 405
    assert VisitReport.objects.filter(pk=report.pk).exists()


# Who reads what ----------------------------------------------------------------------------


def test_a_salesperson_lists_and_reads_only_their_own_reports(salesperson, other_salesperson):
    own = VisitReportFactory(salesperson=salesperson)
    foreign = VisitReportFactory(salesperson=other_salesperson)
    client = as_user(salesperson)

    listed = client.get(REPORTS).json()["results"]
    assert [item["id"] for item in listed] == [own.pk]
    assert client.get(REPORTS, {"salesperson": "sales2"}).json()["results"] == []
    assert client.get(detail(own.pk)).status_code == 200
    assert client.get(detail(foreign.pk)).status_code == 404


def test_a_salesperson_cannot_submit_or_change_another_salespersons_report(
    salesperson, other_salesperson, mine
):
    visit = VisitFactory(report__salesperson=other_salesperson)
    foreign = visit.report
    client = as_user(salesperson)

    submitted = client.post(submit(foreign.pk))
    added = client.post(
        f"{REPORTS}{foreign.pk}/visits/", {"customer": mine.pk, "kind": "visit"}, format="json"
    )
    removed = client.delete(f"{REPORTS}{foreign.pk}/visits/{visit.pk}/")

    assert [submitted.status_code, added.status_code, removed.status_code] == [404, 404, 404]
    foreign.refresh_from_db()
    assert (foreign.status, foreign.version) == (VisitReport.Status.DRAFT, 1)
    assert list(foreign.visits.all()) == [visit]


def test_managers_read_every_report_and_filter_them(manager, salesperson, other_salesperson):
    older = VisitReportFactory(salesperson=salesperson, date=datetime.date(2026, 11, 2))
    newer = VisitReportFactory(
        salesperson=salesperson,
        date=datetime.date(2026, 11, 20),
        status=VisitReport.Status.SUBMITTED,
    )
    theirs = VisitReportFactory(salesperson=other_salesperson, date=datetime.date(2026, 11, 20))
    client = as_user(manager)

    def ids(**query):
        return [item["id"] for item in client.get(REPORTS, query).json()["results"]]

    assert sorted(ids()) == sorted([older.pk, newer.pk, theirs.pk])
    assert ids(salesperson="sales1") == [newer.pk, older.pk]
    assert sorted(ids(date_from="2026-11-20")) == sorted([newer.pk, theirs.pk])
    assert ids(date_to="2026-11-19") == [older.pk]
    assert ids(status="submitted") == [newer.pk]
    assert client.get(detail(theirs.pk)).status_code == 200


def test_managers_cannot_submit_a_salespersons_report(manager, salesperson):
    report = VisitReportFactory(salesperson=salesperson)
    assert as_user(manager).post(submit(report.pk)).status_code == 403
    report.refresh_from_db()
    assert report.status == VisitReport.Status.DRAFT


@pytest.mark.parametrize("page_size", [2, 50])
def test_report_list_query_count_is_constant(
    manager, salesperson, page_size, django_assert_num_queries
):
    for day in range(1, 8):
        report = VisitReportFactory(salesperson=salesperson, date=datetime.date(2026, 11, day))
        for _visit in range(2):
            visit = VisitFactory(report=report)
            for field, value in (("phone", "1"), ("email", "a@example.com")):
                Proposal.objects.create(
                    customer=visit.customer, field=field, value=value, source=visit, channel="visit"
                )
    client = as_user(manager)
    # Token, role groups, count, the page with salespeople, its visits with their customers,
    # the visits' proposals.
    with django_assert_num_queries(6):
        response = client.get(REPORTS, {"page_size": page_size})
    results = response.json()["results"]
    assert len(results) == min(page_size, 7)
    assert all(len(visit["proposals"]) == 2 for item in results for visit in item["visits"])


# Visits of a draft -------------------------------------------------------------------------


def test_a_visit_is_added_to_a_draft_and_removed_from_it(salesperson, mine):
    client = as_user(salesperson)
    report_id = client.post(REPORTS, {"date": "2026-12-03", "visits": []}, format="json").json()[
        "id"
    ]

    added = client.post(
        f"{REPORTS}{report_id}/visits/",
        {"customer": mine.pk, "kind": "delivery", "proposals": [{"field": "fax", "value": "1"}]},
        format="json",
    )
    assert added.status_code == 400  # fax is no card field: nothing added
    assert not Visit.objects.exists()

    added = client.post(
        f"{REPORTS}{report_id}/visits/",
        {"customer": mine.pk, "kind": "delivery", "proposals": [{"field": "phone", "value": "8"}]},
        format="json",
    )
    assert added.status_code == 201
    visit = added.json()
    assert (visit["customer"], visit["kind"]) == (mine.pk, "delivery")
    assert [p["value"] for p in visit["proposals"]] == ["8"]
    assert client.get(detail(report_id)).json()["visits"][0]["id"] == visit["id"]

    removed = client.delete(f"{REPORTS}{report_id}/visits/{visit['id']}/")
    assert removed.status_code == 204
    assert not Visit.objects.exists()
    assert not Proposal.objects.exists()


def test_a_submitted_report_takes_no_more_visits(salesperson, mine):
    client = as_user(salesperson)
    created = client.post(REPORTS, a_report(mine), format="json").json()
    client.post(submit(created["id"]))
    visit_id = created["visits"][0]["id"]

    added = client.post(
        f"{REPORTS}{created['id']}/visits/", {"customer": mine.pk, "kind": "visit"}, format="json"
    )
    removed = client.delete(f"{REPORTS}{created['id']}/visits/{visit_id}/")

    assert [added.status_code, removed.status_code] == [409, 409]
    assert list(Visit.objects.values_list("pk", flat=True)) == [visit_id]


def test_a_visit_to_another_salespersons_customer_is_not_added(salesperson, theirs):
    report = VisitReportFactory(salesperson=salesperson)
    response = as_user(salesperson).post(
        f"{REPORTS}{report.pk}/visits/", {"customer": theirs.pk, "kind": "visit"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["customer"]
    assert not Visit.objects.exists()


# Schema ------------------------------------------------------------------------------------


def test_the_schema_documents_the_visit_reports_api(client):
    client.force_login(UserFactory(role="manager"))
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/visit-reports/"])
    create = paths["/api/v1/visit-reports/"]["post"]
    assert {"201", "400", "403"} <= set(create["responses"])
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/VisitReportCreate"
    )
    submit_path = paths["/api/v1/visit-reports/{id}/submit/"]["post"]
    assert {"200", "403", "404", "409"} <= set(submit_path["responses"])
    assert "/api/v1/visit-reports/{id}/visits/" in paths
    assert "/api/v1/visit-reports/{id}/visits/{visit_id}/" in paths
