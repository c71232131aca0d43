"""The admin of the proposed card changes: read-only rows, decided only by the actions, which
go through the review services (the card's update door, its history and provenance) and
say which proposals were refused and why."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.models import Channel, Contact, Customer, FieldProvenance
from customers.services import card_update, customer_archive
from review.models import Proposal
from review.services import proposal_reject
from tests.customers.factories import CustomerFactory
from visits.models import Visit
from visits.services import report_create, report_submit

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 30)
CREDIT_CODE = "91350100M000100Y43"
CHANGELIST = reverse("admin:review_proposal_changelist")


def change_url(proposal) -> str:
    return reverse("admin:review_proposal_change", args=[proposal.pk])


def filed(salesperson, customer, *proposals, day=DAY) -> list[Proposal]:
    """`proposals` ((field, value) pairs) made at a visit to `customer` and filed by
    submitting the report, through the visit services."""
    report = report_create(
        salesperson=salesperson,
        day=day,
        visits=[
            {
                "customer": customer,
                "kind": Visit.Kind.VISIT,
                "summary": "老板换了手机号",
                "proposals": [{"field": field, "value": value} for field, value in proposals],
            }
        ],
    )
    report_submit(report=report, actor=salesperson)
    return list(Proposal.objects.filter(customer=customer).order_by("pk"))


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def manager_client(client, manager):
    manager.is_staff = True
    manager.save(update_fields=["is_staff"])
    client.force_login(manager)
    return client


def act(client, action: str, proposals):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [proposal.pk for proposal in proposals]},
    )


def shown_messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_proposal_list_runs_a_constant_number_of_queries(admin_client, manager, salesperson):
    filed(salesperson, CustomerFactory(salesperson=salesperson), ("phone", "0755-1"))
    admin_client.get(CHANGELIST)  # Django's caches filled, as on a running server
    with CaptureQueriesContext(connection) as few:
        admin_client.get(CHANGELIST)

    for number in range(1, 5):
        customer = CustomerFactory(salesperson=salesperson)
        phone, contact, incident = filed(
            salesperson,
            customer,
            ("phone", f"0755-2{number}"),
            ("contact", {"name": "陈静", "role": "采购经理", "mobile": "13800000000"}),
            (
                "credit_incident",
                {"occurred_on": "2026-11-28", "kind": "late_payment", "amount": "800.00"},
            ),
            day=DAY - datetime.timedelta(days=number),
        )
        proposal_reject(proposal=incident, actor=manager, comment="重复")

    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(CHANGELIST)
    assert len(many) == len(few)
    assert len(response.context["cl"].result_list) == 13
    page = response.content.decode()
    assert "Name: 陈静 · Role: 采购经理 · Mobile: 13800000000" in page
    assert "Visit report" in page


def test_proposals_are_filtered_by_status_and_channel_and_found_by_customer(
    admin_client, manager, salesperson
):
    customer = CustomerFactory(salesperson=salesperson, code="K001")
    phone, limit = filed(salesperson, customer, ("phone", "0755-2"), ("credit_limit", "5000"))
    proposal_reject(proposal=limit, actor=manager)
    filed(
        salesperson,
        CustomerFactory(salesperson=salesperson, code="K002"),
        ("phone", "0755-3"),
        day=DAY - datetime.timedelta(days=1),
    )

    def listed(**params) -> list[int]:
        response = admin_client.get(CHANGELIST, params)
        return sorted(row.pk for row in response.context["cl"].result_list)

    assert listed(status__exact=Proposal.Status.REJECTED) == [limit.pk]
    assert listed(channel=Channel.VISIT, q="K001") == [phone.pk, limit.pk]
    assert listed(channel=Channel.CUSTOMER_FORM) == []
    page = admin_client.get(CHANGELIST).content.decode()
    assert "Customer form" in page and "Investigation" in page  # the channels by name


def test_the_proposal_page_is_read_only(admin_client, salesperson):
    customer = CustomerFactory(salesperson=salesperson, phone="0755-1")
    (proposal,) = filed(salesperson, customer, ("phone", "0755-2"))

    page = admin_client.get(change_url(proposal))
    assert page.status_code == 200
    assert "0755-2" in page.content.decode()
    assert admin_client.get(reverse("admin:review_proposal_add")).status_code == 403
    response = admin_client.post(
        change_url(proposal), {"status": Proposal.Status.ACCEPTED, "_save": "Save"}
    )
    assert response.status_code == 403
    response = admin_client.post(
        reverse("admin:review_proposal_delete", args=[proposal.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (Proposal.Status.PENDING, None)
    customer.refresh_from_db()
    assert (customer.phone, customer.version) == ("0755-1", 1)


def test_a_drafts_proposals_are_not_listed(admin_client, salesperson):
    customer = CustomerFactory(salesperson=salesperson)
    report_create(
        salesperson=salesperson,
        day=DAY,
        visits=[{"customer": customer, "proposals": [{"field": "phone", "value": "0755-9"}]}],
    )
    (draft,) = Proposal.objects.all()

    assert list(admin_client.get(CHANGELIST).context["cl"].result_list) == []
    assert admin_client.get(change_url(draft)).status_code == 302  # "does not exist"


def test_accepting_selected_writes_through_the_card_service(manager_client, manager, salesperson):
    customer = CustomerFactory(salesperson=salesperson, phone="0755-1")
    phone, contact = filed(
        salesperson,
        customer,
        ("phone", "0755-2"),
        ("contact", {"name": "陈静", "role": "采购经理", "mobile": "13800000000"}),
    )

    response = act(manager_client, "accept_selected", [phone, contact])

    assert response.status_code == 302
    assert shown_messages(response) == ["2 changes accepted and written to the cards."]
    customer.refresh_from_db()
    assert (customer.phone, customer.version) == ("0755-2", 2)
    provenance = FieldProvenance.objects.get(customer=customer, field_name="phone")
    assert (provenance.channel, provenance.verified, provenance.recorded_by) == (
        Channel.VISIT,
        True,
        manager,
    )
    change = customer.history.latest("history_id")
    assert (change.history_channel, change.history_user, change.phone) == (
        Channel.VISIT,
        manager,
        "0755-2",
    )
    assert Contact.objects.filter(customer=customer, name="陈静", mobile="13800000000").exists()
    for proposal in (phone, contact):
        proposal.refresh_from_db()
        assert (proposal.status, proposal.decided_by) == (Proposal.Status.ACCEPTED, manager)


def test_rejecting_selected_leaves_the_card_as_it_was(manager_client, manager, salesperson):
    customer = CustomerFactory(salesperson=salesperson, phone="0755-1")
    (phone,) = filed(salesperson, customer, ("phone", "0755-2"))

    response = act(manager_client, "reject_selected", [phone])

    assert shown_messages(response) == ["1 change rejected."]
    phone.refresh_from_db()
    assert (phone.status, phone.decided_by) == (Proposal.Status.REJECTED, manager)
    customer.refresh_from_db()
    assert (customer.phone, customer.version) == ("0755-1", 1)
    assert not FieldProvenance.objects.filter(customer=customer, field_name="phone").exists()


def test_refused_decisions_are_told_one_by_one_and_the_others_are_decided(
    admin_client, admin_user, manager, salesperson
):
    stale_card = CustomerFactory(salesperson=salesperson, phone="0755-1", name="改过的客户")
    (stale,) = filed(salesperson, stale_card, ("phone", "0755-2"))
    card_update(
        customer=stale_card,
        changes={"phone": "0755-3"},
        actor=manager,
        channel=Channel.MANUAL,
        expected_version=1,
    )
    decided_card = CustomerFactory(salesperson=salesperson, name="已审的客户")
    (decided,) = filed(
        salesperson, decided_card, ("credit_limit", "50000"), day=DAY - datetime.timedelta(days=1)
    )
    proposal_reject(proposal=decided, actor=manager)
    taken_card = CustomerFactory(salesperson=salesperson, name="代码被占的客户")
    (taken,) = filed(
        salesperson, taken_card, ("credit_code", CREDIT_CODE), day=DAY - datetime.timedelta(days=2)
    )
    CustomerFactory(credit_code=CREDIT_CODE)
    archived_card = CustomerFactory(salesperson=salesperson, name="已归档的客户")
    (archived,) = filed(
        salesperson,
        archived_card,
        ("development_potential", Customer.Level.HIGH),
        day=DAY - datetime.timedelta(days=3),
    )
    customer_archive(customer=archived_card, actor=manager, channel=Channel.MANUAL)
    good_card = CustomerFactory(salesperson=salesperson, credit_limit=Decimal("1000.00"))
    (good,) = filed(
        salesperson, good_card, ("credit_limit", "20000"), day=DAY - datetime.timedelta(days=4)
    )

    response = act(admin_client, "accept_selected", [stale, decided, taken, archived, good])

    assert response.status_code == 302
    shown = shown_messages(response)
    assert len(shown) == 5
    assert shown[-1] == "1 change accepted and written to the card."
    refused = dict(zip((stale, decided, taken, archived), shown[:4], strict=True))
    assert refused[stale].startswith(f"Not decided: {stale_card}, Phone.")
    assert "its value is now “0755-3”" in refused[stale]
    assert refused[stale].endswith("Open the review queue to confirm it.")
    assert refused[decided].endswith("This change was rejected already.")
    assert refused[taken].endswith("Another customer has this credit code.")
    assert refused[archived].startswith(f"Not decided: {archived_card}, Development potential.")
    for proposal, status in (
        (stale, Proposal.Status.PENDING),
        (decided, Proposal.Status.REJECTED),
        (taken, Proposal.Status.PENDING),
        (archived, Proposal.Status.PENDING),
        (good, Proposal.Status.ACCEPTED),
    ):
        proposal.refresh_from_db()
        assert proposal.status == status
    stale_card.refresh_from_db()
    taken_card.refresh_from_db()
    archived_card.refresh_from_db()
    good_card.refresh_from_db()
    assert (stale_card.phone, stale_card.version) == ("0755-3", 2)
    assert (taken_card.credit_code, taken_card.version) == ("", 1)
    assert archived_card.development_potential == ""
    assert (good_card.credit_limit, good.decided_by) == (Decimal("20000.00"), admin_user)


def test_a_staff_salesperson_sees_only_proposals_on_their_customers_and_decides_none(
    client, salesperson, other_salesperson
):
    salesperson.is_staff = True
    salesperson.save(update_fields=["is_staff"])
    client.force_login(salesperson)
    (own,) = filed(salesperson, CustomerFactory(salesperson=salesperson), ("phone", "020-1"))
    (other,) = filed(
        other_salesperson, CustomerFactory(salesperson=other_salesperson), ("phone", "020-2")
    )

    changelist = client.get(CHANGELIST)
    assert [row.pk for row in changelist.context["cl"].result_list] == [own.pk]
    assert changelist.context["action_form"] is None  # nothing to decide with
    assert client.get(change_url(own)).status_code == 200
    assert client.get(change_url(other)).status_code == 302

    act(client, "accept_selected", [own, other])

    assert set(Proposal.objects.values_list("status", flat=True)) == {Proposal.Status.PENDING}


def test_a_manager_sees_every_salespersons_proposals_and_may_decide_them(
    manager_client, salesperson, other_salesperson
):
    proposals = [
        *filed(salesperson, CustomerFactory(salesperson=salesperson), ("phone", "020-1")),
        *filed(
            other_salesperson, CustomerFactory(salesperson=other_salesperson), ("phone", "020-2")
        ),
    ]

    changelist = manager_client.get(CHANGELIST)

    assert {row.pk for row in changelist.context["cl"].result_list} == {p.pk for p in proposals}
    actions = [name for name, _label in changelist.context["action_form"].fields["action"].choices]
    assert actions == ["", "accept_selected", "reject_selected"]
