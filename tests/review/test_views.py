"""The review queue page: managers only; every filed, pending proposal grouped by its visit,
the card's value and the proposed one in words, the visit's notes; accept, reject, confirm
a replacement and accept all, written through the review services only."""

import datetime
import json
import math
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from customers.models import Channel, Customer, FieldProvenance
from customers.services import card_update
from review.models import Proposal
from review.services import proposal_create, proposal_reject
from tests.customers.factories import ContactFactory, CustomerFactory, RegionFactory
from visits.models import Visit, VisitReport
from visits.services import report_create, report_submit

pytestmark = pytest.mark.django_db

QUEUE = reverse("review:queue")
DAY = datetime.date(2026, 11, 30)


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def filed_visit(salesperson, customer, proposals, *, day=DAY, **visit) -> Visit:
    """A submitted report of `day` with one visit to `customer` proposing `proposals`."""
    report = report_create(
        salesperson=salesperson,
        day=day,
        visits=[{"customer": customer, "proposals": proposals, **visit}],
    )
    report_submit(report=report, actor=salesperson)
    return report.visits.get()


def item_html(response, proposal: Proposal) -> str:
    """The part of the page that shows one proposal."""
    html = response.content.decode()
    match = re.search(rf'<li [^>]*id="proposal-{proposal.pk}".*?</li>', html, re.S)
    assert match, f"proposal {proposal.pk} is not on the page"
    return match.group(0)


def post(client, proposal_ids, decision, **data):
    return client.post(QUEUE, {"proposal": proposal_ids, "decision": decision, **data})


# Who may see it ---------------------------------------------------------------------------


def test_the_queue_is_for_managers_only(client, manager, salesperson):
    customer = CustomerFactory(salesperson=salesperson, phone="1")
    filed_visit(salesperson, customer, [{"field": "phone", "value": "2"}])
    proposal = Proposal.objects.get()

    assert client.get(QUEUE).url.startswith(reverse("login"))
    client.force_login(salesperson)
    assert client.get(QUEUE).status_code == 403
    assert post(client, [proposal.pk], "accept").status_code == 403
    customer.refresh_from_db()
    assert (customer.phone, customer.version) == ("1", 1)
    assert Proposal.objects.get().status == Proposal.Status.PENDING
    client.force_login(manager)
    assert client.get(QUEUE).status_code == 200
    assert client.put(QUEUE).status_code == 405


# What it shows ----------------------------------------------------------------------------


def test_the_queue_shows_the_cards_value_and_the_proposed_one_in_words(manager_client, salesperson):
    south = RegionFactory(code="S", name="华南", name_en="South China")
    RegionFactory(code="E", name="华东", name_en="East China")
    customer = CustomerFactory(
        salesperson=salesperson,
        region=south,
        development_potential=Customer.Level.LOW,
        latitude=Decimal("22.543100"),
        longitude=Decimal("114.057900"),
    )
    filed_visit(
        salesperson,
        customer,
        [
            {"field": "development_potential", "value": "high"},
            {"field": "region", "value": "E"},
            {"field": "founded_on", "value": "2020-05-01"},
            {
                "field": "contact",
                "value": {"name": "周经理", "role": "采购", "is_primary": True},
            },
        ],
        purpose="新品推介",
        summary="老板说下月扩店",
        situation="资金紧张",
        next_steps="周五送样品",
        latitude=Decimal("22.544100"),
        longitude=Decimal("114.057900"),
    )
    potential, region, founded, contact = Proposal.objects.order_by("pk")

    response = manager_client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    html = item_html(response, potential)
    assert ">Low<" in html and ">High<" in html
    html = item_html(response, region)
    assert ">South China<" in html and ">East China<" in html
    html = item_html(response, founded)
    assert "May 1, 2020" in html
    html = item_html(response, contact)
    assert "周经理" in html and "Primary contact" in html and ">Yes<" in html
    assert 'data-testid="changed-since"' not in response.content.decode()
    page = response.content.decode()
    # The source: which report, who, the visit's notes, and how far from the customer.
    assert salesperson.get_full_name() in page
    assert "report of Nov. 30, 2026" in page
    for note in ("新品推介", "老板说下月扩店", "资金紧张", "周五送样品"):
        assert note in page
    metres = 2 * 6371008.8 * math.asin(math.sin(math.radians(0.001) / 2))
    assert f"checked in {round(metres)} m from the customer" in page  # 111 m north


def test_the_queue_groups_each_visits_changes_and_filters_them(
    manager_client, salesperson, other_salesperson
):
    mine = CustomerFactory(salesperson=salesperson, name="甲商店")
    theirs = CustomerFactory(salesperson=other_salesperson, name="乙超市")
    filed_visit(
        salesperson, mine, [{"field": "phone", "value": "1"}, {"field": "email", "value": "a@b.cn"}]
    )
    filed_visit(other_salesperson, theirs, [{"field": "phone", "value": "2"}])
    draft = report_create(
        salesperson=salesperson,
        day=DAY + datetime.timedelta(days=1),
        visits=[{"customer": mine, "proposals": [{"field": "industry", "value": "零售"}]}],
    )
    form = proposal_create(
        customer=theirs,
        field="website",
        value="https://example.cn",
        channel=Channel.CUSTOMER_FORM,
        source=ContactFactory(customer=theirs, name="表单联系人"),
        actor=None,
        filed=True,
    )

    def groups(**query):
        response = manager_client.get(QUEUE, query)
        return [
            re.findall(r'data-field="(\w+)"', group)
            for group in response.content.decode().split('data-testid="review-group"')[1:]
        ]

    assert groups() == [["phone", "email"], ["phone"], ["website"]]
    assert groups(channel=Channel.VISIT) == [["phone", "email"], ["phone"]]
    assert groups(channel=Channel.CUSTOMER_FORM) == [["website"]]
    assert groups(salesperson=other_salesperson.pk) == [["phone"], ["website"]]
    assert groups(q="甲商") == [["phone", "email"]]
    assert groups(q=theirs.code) == [["phone"], ["website"]]
    # A draft's proposal waits for its report; a source the queue knows nothing about is
    # shown by its own name.
    assert "industry" not in manager_client.get(QUEUE).content.decode()
    assert draft.status == VisitReport.Status.DRAFT
    assert "表单联系人" in manager_client.get(QUEUE, {"channel": form.channel}).content.decode()


def test_the_queue_runs_a_constant_number_of_queries_whatever_the_page_size(
    manager_client, salesperson, django_assert_num_queries
):
    RegionFactory(code="E", name="华东")
    for offset in range(30):
        customer = CustomerFactory(salesperson=salesperson)
        filed_visit(
            salesperson,
            customer,
            [{"field": "phone", "value": f"0{offset}"}, {"field": "region", "value": "E"}],
            day=DAY - datetime.timedelta(days=offset),
            latitude=Decimal("22.5"),
            longitude=Decimal("114.0"),
        )
    manager_client.get(QUEUE)  # the content types are cached from here on

    counts = {}
    for size in (10, 25):
        # session, user, roles; the salespeople for the filter; count, groups, proposals,
        # visits (with report and salesperson), the regions proposed.
        with django_assert_num_queries(9) as captured:
            response = manager_client.get(QUEUE, {"page_size": size})
        counts[size] = len(captured.captured_queries)
        assert response.content.decode().count('data-testid="review-group"') == size
    assert counts[10] == counts[25]


# Deciding ---------------------------------------------------------------------------------


def test_accepting_writes_the_card_with_the_visit_as_provenance(
    manager_client, manager, salesperson
):
    customer = CustomerFactory(salesperson=salesperson, phone="0755-1")
    visit = filed_visit(salesperson, customer, [{"field": "phone", "value": "0755-2"}])
    proposal = Proposal.objects.get()

    response = post(manager_client, [proposal.pk], "accept", comment="电话核实过")

    assert response.status_code == 302 and response.url == QUEUE
    customer.refresh_from_db()
    assert (customer.phone, customer.version) == ("0755-2", 2)
    provenance = FieldProvenance.objects.get(customer=customer, field_name="phone")
    assert (provenance.channel, provenance.verified, provenance.source) == (
        Channel.VISIT,
        True,
        visit,
    )
    change = customer.history.order_by("-history_id").first()
    assert (change.history_channel, change.phone, change.history_user) == (
        Channel.VISIT,
        "0755-2",
        manager,
    )
    proposal.refresh_from_db()
    assert (proposal.status, proposal.comment, proposal.decided_by) == (
        Proposal.Status.ACCEPTED,
        "电话核实过",
        manager,
    )
    assert "Accepted: Phone." in manager_client.get(QUEUE).content.decode()


def test_rejecting_leaves_the_card_unchanged(manager_client, manager, salesperson):
    customer = CustomerFactory(salesperson=salesperson, phone="0755-1")
    filed_visit(salesperson, customer, [{"field": "phone", "value": "0755-2"}])
    proposal = Proposal.objects.get()
    history = customer.history.count()

    response = post(manager_client, [proposal.pk], "reject", comment="号码不对")

    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.phone, customer.version, customer.history.count()) == ("0755-1", 1, history)
    assert not FieldProvenance.objects.filter(customer=customer, field_name="phone").exists()
    proposal.refresh_from_db()
    assert (proposal.status, proposal.comment) == (Proposal.Status.REJECTED, "号码不对")
    assert str(proposal.pk) not in re.findall(
        r'id="proposal-(\d+)"', manager_client.get(QUEUE).content.decode()
    )


def test_a_card_changed_since_the_proposal_is_replaced_only_once_the_reviewer_confirms(
    manager_client, manager, salesperson
):
    customer = CustomerFactory(salesperson=salesperson, credit_limit=Decimal("100.00"))
    filed_visit(salesperson, customer, [{"field": "credit_limit", "value": "500"}])
    proposal = Proposal.objects.get()
    customer = card_update(
        customer=customer,
        changes={"credit_limit": Decimal("300.00")},
        actor=manager,
        channel=Channel.MANUAL,
        expected_version=customer.version,
    )

    # The page shows the new value, the one the proposal was made on, and asks to confirm.
    html = item_html(manager_client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="en"), proposal)
    assert ">300.00<" in html and ">500.00<" in html and "“100.00”" in html
    assert ">Visit report<" in html
    assert 'value="confirm"' in html and 'value="accept"' not in html
    assert 'name="seen" value="&quot;300.00&quot;"' in html

    # A plain accept (a page shown before the card changed) overwrites nothing.
    response = post(manager_client, [proposal.pk], "accept")
    assert response.status_code == 409
    assert "its value is now “300.00”" in item_html(response, proposal)
    customer.refresh_from_db()
    assert (customer.credit_limit, customer.version) == (Decimal("300.00"), 2)

    # The card changes again after the page was shown: confirming what was seen is refused.
    card_update(
        customer=customer,
        changes={"credit_limit": Decimal("350.00")},
        actor=manager,
        channel=Channel.MANUAL,
        expected_version=customer.version,
    )
    response = post(manager_client, [proposal.pk], "confirm", seen=json.dumps("300.00"))
    assert response.status_code == 409
    html = item_html(response, proposal)
    assert "its value is now “350.00”" in html and 'value="&quot;350.00&quot;"' in html
    customer.refresh_from_db()
    assert (customer.credit_limit, customer.version) == (Decimal("350.00"), 3)

    response = post(manager_client, [proposal.pk], "confirm", seen=json.dumps("350.00"))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.credit_limit, customer.version) == (Decimal("500.00"), 4)
    assert Proposal.objects.get().status == Proposal.Status.ACCEPTED


def test_a_decided_proposal_is_told_and_changes_nothing(manager_client, manager, salesperson):
    customer = CustomerFactory(salesperson=salesperson, phone="1")
    filed_visit(salesperson, customer, [{"field": "phone", "value": "2"}])
    proposal = Proposal.objects.get()
    proposal_reject(proposal=proposal, actor=manager)

    response = post(manager_client, [proposal.pk], "accept")

    assert response.status_code == 409
    assert "This change was rejected already." in response.content.decode()
    customer.refresh_from_db()
    assert (customer.phone, customer.version) == ("1", 1)
    assert Proposal.objects.get().status == Proposal.Status.REJECTED


def test_a_change_the_card_refuses_says_why_and_changes_nothing(manager_client, salesperson):
    customer = CustomerFactory(salesperson=salesperson, phone="1")
    filed_visit(salesperson, customer, [{"field": "phone", "value": "2"}])
    proposal = Proposal.objects.get()
    Customer.objects.filter(pk=customer.pk).update(status=Customer.Status.ARCHIVED)

    response = post(manager_client, [proposal.pk], "accept")

    assert response.status_code == 409
    assert 'data-testid="review-note"' in response.content.decode()
    customer.refresh_from_db()
    assert customer.phone == "1"
    assert Proposal.objects.get().status == Proposal.Status.PENDING


def test_accept_all_accepts_a_visits_changes_and_leaves_a_changed_card_to_confirm(
    manager_client, manager, salesperson
):
    customer = CustomerFactory(salesperson=salesperson, phone="1", email="old@a.cn")
    filed_visit(
        salesperson,
        customer,
        [
            {"field": "phone", "value": "2"},
            {"field": "email", "value": "new@a.cn"},
            {
                "field": "credit_incident",
                "value": {"occurred_on": "2026-11-20", "kind": "late_payment", "amount": "500"},
            },
        ],
    )
    phone, email, incident = Proposal.objects.order_by("pk")
    Customer.objects.filter(pk=customer.pk).update(phone="3")  # changed since
    html = manager_client.get(QUEUE).content.decode()
    assert "Accept all 3 changes" in html

    response = post(manager_client, [phone.pk, email.pk, incident.pk], "accept_all")

    assert response.status_code == 409
    assert "2 changes accepted." in response.content.decode()
    assert "its value is now “3”" in item_html(response, phone)
    customer.refresh_from_db()
    assert (customer.phone, customer.email) == ("3", "new@a.cn")
    assert list(customer.credit_incidents.values_list("kind", "amount")) == [
        ("late_payment", Decimal("500.00"))
    ]
    statuses = dict(Proposal.objects.values_list("field", "status"))
    assert statuses == {
        "phone": Proposal.Status.PENDING,
        "email": Proposal.Status.ACCEPTED,
        "credit_incident": Proposal.Status.ACCEPTED,
    }
    assert VisitReport.objects.get().status == VisitReport.Status.SUBMITTED


def test_accept_all_decides_only_the_changes_the_reviewer_saw(manager_client, salesperson):
    customer = CustomerFactory(salesperson=salesperson)
    filed_visit(
        salesperson,
        customer,
        [{"field": "phone", "value": "2"}, {"field": "email", "value": "x@a.cn"}],
    )
    phone, email = Proposal.objects.order_by("pk")

    assert post(manager_client, [phone.pk], "accept_all").status_code == 302

    assert dict(Proposal.objects.values_list("field", "status")) == {
        "phone": Proposal.Status.ACCEPTED,
        "email": Proposal.Status.PENDING,
    }


# The manager's home page ------------------------------------------------------------------


def test_the_managers_home_shows_what_waits_for_review(client, manager, salesperson):
    customer = CustomerFactory(salesperson=salesperson)
    filed_visit(salesperson, customer, [{"field": "phone", "value": "2"}])
    filed_visit(
        salesperson,
        customer,
        [{"field": "email", "value": "y@a.cn"}],
        day=DAY + datetime.timedelta(days=1),
    )
    first = Proposal.objects.order_by("filed_at").first()
    Proposal.objects.filter(pk=first.pk).update(
        filed_at=datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC)
    )

    client.force_login(manager)
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'data-testid="home-review-count">2<', html)
    assert "The oldest has waited since 12/01/2026 5:30 p.m." in html
    assert f'href="{QUEUE}"' in html

    client.force_login(salesperson)
    assert 'data-testid="home-review"' not in client.get(reverse("home")).content.decode()


def test_a_source_without_a_describer_is_shown_by_its_name(manager_client, salesperson):
    customer = CustomerFactory(salesperson=salesperson)
    source = ContactFactory(customer=customer, name="王五")
    proposal_create(
        customer=customer,
        field="phone",
        value="8",
        channel=Channel.INVESTIGATION,
        source=source,
        actor=None,
        filed=True,
    )
    html = manager_client.get(QUEUE).content.decode()
    assert re.search(r'data-testid="review-source">\s*<span>王五</span>', html)
