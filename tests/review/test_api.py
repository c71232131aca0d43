"""The review API (SPEC 4): every channel's proposed card changes once handed in, with the
card's current value beside the proposed one; managers accept (through the card's update
door) or reject them."""

import datetime

import pytest
from django.utils import timezone

from customers.models import Channel, Customer, FieldProvenance
from customers.services import customer_archive
from review.models import Proposal
from review.services import card_value, proposal_create
from tests.accounts.factories import UserFactory
from tests.customers.factories import CustomerFactory, RegionFactory, customer_type, ownership
from tests.customers.test_api import VALID_CREDIT_CODE, as_user
from visits.models import VisitReport
from visits.services import report_create, report_submit

pytestmark = pytest.mark.django_db

PROPOSALS = "/api/v1/proposals/"
DAY = datetime.date(2026, 12, 2)


def accept(proposal) -> str:
    return f"{PROPOSALS}{proposal.pk}/accept/"


def reject(proposal) -> str:
    return f"{PROPOSALS}{proposal.pk}/reject/"


def card(client, customer) -> dict:
    return client.get(f"/api/v1/customers/{customer.pk}/").json()


def filed(salesperson, customer, *proposals, submitted=True, day=DAY) -> list[Proposal]:
    """A visit report of `salesperson` on `customer` proposing each (field, value),
    submitted unless told otherwise; its proposals in order."""
    report = report_create(
        salesperson=salesperson,
        day=day,
        visits=[
            {
                "customer": customer,
                "summary": "拜访",
                "proposals": [{"field": f, "value": v} for f, v in proposals],
            }
        ],
    )
    if submitted:
        report_submit(report=report, actor=salesperson)
    return list(Proposal.objects.filter(customer=customer).order_by("pk"))


@pytest.fixture
def mine(salesperson):
    return CustomerFactory(salesperson=salesperson, phone="0755-1")


# Listing -----------------------------------------------------------------------------------


def test_filed_proposals_are_listed_with_current_and_proposed_values(manager, salesperson, mine):
    phone, contact = filed(
        salesperson, mine, ("phone", "0755-2"), ("contact", {"name": "王芳", "role": "采购"})
    )

    response = as_user(manager).get(PROPOSALS, {"status": "pending"})

    assert response.status_code == 200
    first, second = response.json()["results"]
    assert {key: first[key] for key in ("id", "customer", "field")} == {
        "id": phone.pk,
        "customer": mine.pk,
        "field": "phone",
    }
    assert (first["current_value"], first["proposed_value"], first["base_value"]) == (
        "0755-1",
        "0755-2",
        "0755-1",
    )
    assert (first["channel"], first["status"], first["card_changed"]) == (
        "visit",
        "pending",
        False,
    )
    visit = VisitReport.objects.get().visits.get()
    source = first["source"]
    assert {key: source[key] for key in ("type", "id", "url", "author")} == {
        "type": "visits.visit",
        "id": visit.pk,
        "url": visit.get_absolute_url(),
        "author": salesperson.get_full_name() or "sales1",
    }
    # What the visits channel's describer tells of a visit: a title and the visit's notes.
    assert source["title"]
    assert "拜访" in [note["text"] for note in source["notes"]]
    assert (first["proposed_by"], first["decided_by"], first["field_label"]) == (
        "sales1",
        None,
        "phone",
    )
    assert first["filed_at"] is not None
    assert (second["id"], second["field"], second["current_value"]) == (contact.pk, "contact", None)
    assert second["proposed_value"] == {"name": "王芳", "role": "采购"}


def test_a_drafts_proposals_are_not_listed_nor_decided(manager, salesperson, mine):
    (draft,) = filed(salesperson, mine, ("phone", "0755-2"), submitted=False)
    client = as_user(manager)

    assert client.get(PROPOSALS).json()["results"] == []
    assert client.get(f"{PROPOSALS}{draft.pk}/").status_code == 404
    assert client.post(accept(draft)).status_code == 404
    mine.refresh_from_db()
    assert (mine.phone, mine.version) == ("0755-1", 1)


def test_proposals_of_every_channel_are_listed_and_filtered(manager, salesperson, mine):
    (visit,) = filed(salesperson, mine, ("phone", "0755-2"))
    other = CustomerFactory(salesperson=salesperson)
    form = proposal_create(
        customer=other,
        field="address",
        value="深圳市南山区",
        channel=Channel.CUSTOMER_FORM,
        source=other,
        actor=None,
        filed=True,
    )
    client = as_user(manager)

    def ids(**query):
        return [item["id"] for item in client.get(PROPOSALS, query).json()["results"]]

    assert ids() == [visit.pk, form.pk]
    assert ids(channel="customer_form") == [form.pk]
    assert ids(customer=mine.pk) == [visit.pk]
    assert ids(field="address") == [form.pk]
    client.post(accept(visit))
    assert ids(status="pending") == [form.pk]
    assert ids(status="accepted") == [visit.pk]


def test_a_salesperson_sees_proposals_on_their_own_customers_only(
    salesperson, other_salesperson, mine
):
    (own,) = filed(salesperson, mine, ("phone", "0755-2"))
    theirs = CustomerFactory(salesperson=other_salesperson)
    (foreign,) = filed(other_salesperson, theirs, ("phone", "0755-3"))
    client = as_user(salesperson)

    assert [item["id"] for item in client.get(PROPOSALS).json()["results"]] == [own.pk]
    assert client.get(f"{PROPOSALS}{own.pk}/").status_code == 200
    assert client.get(f"{PROPOSALS}{foreign.pk}/").status_code == 404


def test_anonymous_and_users_without_a_role_see_nothing(client, salesperson, mine):
    (proposal,) = filed(salesperson, mine, ("phone", "0755-2"))
    assert client.get(PROPOSALS).status_code in (401, 403)
    assert client.post(accept(proposal)).status_code in (401, 403)
    nobody = as_user(UserFactory(username="nobody"))
    assert nobody.get(PROPOSALS).json()["results"] == []
    assert nobody.post(accept(proposal)).status_code == 403
    assert Proposal.objects.get().status == Proposal.Status.PENDING


def test_proposals_cannot_be_created_changed_or_deleted_directly(manager, salesperson, mine):
    (proposal,) = filed(salesperson, mine, ("phone", "0755-2"))
    client = as_user(manager)
    assert client.post(PROPOSALS, {"customer": mine.pk, "field": "phone"}).status_code == 405
    assert client.patch(f"{PROPOSALS}{proposal.pk}/", {"status": "accepted"}).status_code == 405
    assert client.delete(f"{PROPOSALS}{proposal.pk}/").status_code == 405
    assert Proposal.objects.get().status == Proposal.Status.PENDING


@pytest.mark.parametrize("page_size", [2, 50])
def test_proposal_list_query_count_is_constant(
    manager, salesperson, page_size, django_assert_num_queries
):
    north, south = RegionFactory(code="N"), RegionFactory(code="S")
    for n in range(6):
        customer = CustomerFactory(
            salesperson=salesperson,
            region=north if n % 2 else south,
            customer_type=customer_type("ordinary"),
            ownership=ownership(),
        )
        filed(
            salesperson,
            customer,
            ("phone", f"1{n}"),
            ("region", "N" if n % 2 == 0 else "S"),
            ("customer_type", "government"),
            ("ownership", None),
            day=DAY - datetime.timedelta(days=n),
        )
    client = as_user(manager)
    # Token, role groups, count, the page with customers, their reference data, proposers,
    # deciders and source types, and the visits they came from with their reports.
    with django_assert_num_queries(5):
        response = client.get(PROPOSALS, {"page_size": page_size})
    results = response.json()["results"]
    assert len(results) == min(page_size, 24)
    for item in results:
        customer = Customer.objects.get(pk=item["customer"])
        assert item["current_value"] == card_value(customer, item["field"])
    assert card_value(customer, "ownership") == "private"


# Deciding ----------------------------------------------------------------------------------


def test_accepting_writes_the_card_and_the_customers_api_shows_it(manager, salesperson, mine):
    (proposal,) = filed(salesperson, mine, ("phone", "0755-2"))
    client = as_user(manager)
    before = card(client, mine)

    response = client.post(accept(proposal), {"comment": "已核实"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["decided_by"], body["comment"]) == (
        proposal.pk,
        "accepted",
        "manager",
        "已核实",
    )
    assert body["current_value"] == "0755-2"
    after = card(client, mine)
    assert after["phone"] == "0755-2"
    assert after["version"] > before["version"]
    provenance = FieldProvenance.objects.get(customer=mine, field_name="phone")
    assert (provenance.channel, provenance.verified) == (Channel.VISIT, True)
    # Its only proposal decided, the report counts as reviewed.
    assert VisitReport.objects.get().status == VisitReport.Status.REVIEWED


def test_accepting_a_new_contact_adds_it_to_the_card(manager, salesperson, mine):
    (proposal,) = filed(salesperson, mine, ("contact", {"name": "王芳", "phone": "139"}))
    response = as_user(manager).post(accept(proposal))
    assert response.status_code == 200
    assert list(mine.contacts.values_list("name", "phone")) == [("王芳", "139")]


def test_rejecting_leaves_the_card_unchanged(manager, salesperson, mine):
    (proposal,) = filed(salesperson, mine, ("phone", "0755-2"))
    client = as_user(manager)
    before = card(client, mine)

    response = client.post(reject(proposal), {"comment": "号码不对"}, format="json")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["comment"]) == ("rejected", "号码不对")
    assert card(client, mine) == before
    assert not FieldProvenance.objects.filter(customer=mine, field_name="phone").exists()


def test_a_salesperson_calling_accept_or_reject_gets_403(salesperson, mine):
    (proposal,) = filed(salesperson, mine, ("phone", "0755-2"))
    client = as_user(salesperson)

    assert client.post(accept(proposal)).status_code == 403
    assert client.post(reject(proposal)).status_code == 403
    proposal.refresh_from_db()
    mine.refresh_from_db()
    assert (proposal.status, mine.phone, mine.version) == ("pending", "0755-1", 1)


def test_deciding_a_decided_proposal_is_409(manager, salesperson, mine):
    (proposal,) = filed(salesperson, mine, ("phone", "0755-2"))
    client = as_user(manager)
    client.post(accept(proposal))
    version = Customer.objects.get(pk=mine.pk).version

    again = client.post(accept(proposal))
    rejected = client.post(reject(proposal))

    assert [again.status_code, rejected.status_code] == [409, 409]
    assert (again.json()["code"], again.json()["status"]) == ("decided", "accepted")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ACCEPTED
    assert Customer.objects.get(pk=mine.pk).version == version


def test_accepting_over_a_changed_card_is_409_with_its_value_until_confirmed(
    manager, salesperson, mine
):
    (proposal,) = filed(salesperson, mine, ("phone", "0755-2"))
    client = as_user(manager)
    edited = client.patch(
        f"/api/v1/customers/{mine.pk}/", {"phone": "0755-3", "version": 1}, format="json"
    )
    assert edited.status_code == 200
    listed = client.get(f"{PROPOSALS}{proposal.pk}/").json()
    assert (listed["current_value"], listed["card_changed"]) == ("0755-3", True)

    stale = client.post(accept(proposal))

    assert stale.status_code == 409
    assert {k: stale.json()[k] for k in ("code", "current_value", "proposed_value")} == {
        "code": "stale",
        "current_value": "0755-3",
        "proposed_value": "0755-2",
    }
    assert (card(client, mine)["phone"], card(client, mine)["version"]) == ("0755-3", 2)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.PENDING

    confirmed = client.post(accept(proposal), {"confirm": True}, format="json")

    assert confirmed.status_code == 200
    assert (card(client, mine)["phone"], card(client, mine)["version"]) == ("0755-2", 3)


def test_a_card_rule_refusal_on_accept_is_400_and_changes_nothing(manager, salesperson, mine):
    (proposal,) = filed(salesperson, mine, ("credit_code", VALID_CREDIT_CODE))
    CustomerFactory(credit_code=VALID_CREDIT_CODE)  # took the code since

    response = as_user(manager).post(accept(proposal))

    assert response.status_code == 400
    assert list(response.json()) == ["credit_code"]
    proposal.refresh_from_db()
    mine.refresh_from_db()
    assert (proposal.status, mine.credit_code, mine.version) == ("pending", "", 1)


def test_accepting_on_an_archived_card_is_409(manager, salesperson, mine):
    (proposal,) = filed(salesperson, mine, ("phone", "0755-2"))
    customer_archive(customer=mine, actor=manager)

    response = as_user(manager).post(accept(proposal))

    assert (response.status_code, response.json()["code"]) == (409, "archived")
    proposal.refresh_from_db()
    mine.refresh_from_db()
    assert (proposal.status, mine.phone) == ("pending", "0755-1")


def test_a_bad_decision_body_is_400(manager, salesperson, mine):
    (proposal,) = filed(salesperson, mine, ("phone", "0755-2"))
    response = as_user(manager).post(
        accept(proposal), {"confirm": "perhaps", "comment": "x" * 501}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"confirm", "comment"}
    assert Proposal.objects.get().status == Proposal.Status.PENDING


def test_accepting_the_last_proposal_of_a_report_marks_it_reviewed(manager, salesperson, mine):
    phone, address = filed(salesperson, mine, ("phone", "0755-2"), ("address", "新地址"))
    client = as_user(manager)
    report_url = f"/api/v1/visit-reports/{VisitReport.objects.get().pk}/"

    client.post(accept(phone))
    assert client.get(report_url).json()["status"] == "submitted"
    client.post(reject(address))
    assert client.get(report_url).json()["status"] == "reviewed"


# Schema ------------------------------------------------------------------------------------


def test_the_schema_documents_the_review_api(client):
    client.force_login(UserFactory(role="manager"))
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert "get" in paths["/api/v1/proposals/"]
    assert "get" in paths["/api/v1/proposals/{id}/"]
    for decision in ("accept", "reject"):
        responses = paths[f"/api/v1/proposals/{{id}}/{decision}/"]["post"]["responses"]
        assert {"200", "400", "403", "404", "409"} <= set(responses)
        assert responses["409"]["content"]["application/json"]["schema"]["$ref"].endswith(
            "/ProposalConflict"
        )


def test_timestamps_are_in_the_companys_time(manager, salesperson, mine):
    (proposal,) = filed(salesperson, mine, ("phone", "0755-2"))
    body = as_user(manager).get(f"{PROPOSALS}{proposal.pk}/").json()
    assert body["filed_at"].endswith("+08:00")
    assert datetime.datetime.fromisoformat(body["filed_at"]) <= timezone.now()
