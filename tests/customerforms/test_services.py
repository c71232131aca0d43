"""The rules of the customer data form links: random tokens of which only the hash is kept,
the scope of who may send, expiry and states, what a submission turns into, and that a link
that no longer works stores nothing."""

import base64
import datetime
import hashlib
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from customerforms.models import FORM_FIELDS, FormLink, FormSubmission, token_hash
from customerforms.services import (
    LinkClosed,
    LinkStateConflict,
    form_submit,
    link_create,
    link_open,
    link_reopen,
    link_revoke,
)
from customers.models import Channel, Customer
from customers.services import customer_archive
from review.describers import describe_source
from review.models import Proposal
from tests.customerforms.factories import FormLinkFactory, FormSubmissionFactory
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

VALID_CREDIT_CODE = "91350100M000100Y43"


@pytest.fixture
def customer(salesperson):
    return CustomerFactory(
        code="C-MINE", name="苏州百货有限公司", phone="0512-1111", salesperson=salesperson
    )


def token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def stored() -> tuple[int, int, int]:
    return FormSubmission.objects.count(), Proposal.objects.count(), Customer.history.count()


# Tokens ------------------------------------------------------------------------------------


def test_a_links_token_is_256_random_bits(manager, customer):
    tokens = [token_of(link_create(customer=customer, actor=manager).url) for _ in range(20)]

    assert len(set(tokens)) == 20
    assert len({token[:8] for token in tokens}) == 20  # no common part, not even a prefix
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
        assert len(base64.urlsafe_b64decode(token + "=")) == 32


def test_a_links_token_comes_from_the_system_randomness_alone(manager, customer, monkeypatch):
    asked = []

    def token_urlsafe(nbytes):
        asked.append(nbytes)
        return "R" * 43

    monkeypatch.setattr("customerforms.services.secrets.token_urlsafe", token_urlsafe)

    url = link_create(customer=customer, actor=manager).url

    assert asked == [32]
    assert token_of(url) == "R" * 43


def test_only_the_tokens_hash_is_stored(manager, customer):
    issued = link_create(customer=customer, actor=manager)
    token = token_of(issued.url)

    link = FormLink.objects.get()
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    row = FormLink.objects.values().get()
    assert all(token not in str(value) for value in row.values())


def test_the_url_is_the_public_forms_and_made_absolute_by_the_caller(manager, customer):
    issued = link_create(customer=customer, actor=manager, url_of=lambda p: f"https://crm{p}")

    assert issued.url.startswith("https://crm/forms/f/")
    assert issued.emailed is None


# Creating ----------------------------------------------------------------------------------


def test_a_link_works_for_the_default_days_unless_told(manager, customer, settings):
    settings.CUSTOMER_FORM_EXPIRY_DAYS = 7
    before = timezone.now()

    default = link_create(customer=customer, actor=manager).link
    longer = link_create(customer=customer, actor=manager, expires_in_days=30).link

    assert before + datetime.timedelta(days=7) <= default.expires_at
    assert default.expires_at <= timezone.now() + datetime.timedelta(days=7)
    assert (longer.expires_at - longer.created_at).days in (29, 30)
    assert default.state == FormLink.State.SENT


@pytest.mark.parametrize("days", [0, -1, 91])
def test_an_expiry_outside_the_bounds_is_refused(manager, customer, days):
    with pytest.raises(ValidationError) as refused:
        link_create(customer=customer, actor=manager, expires_in_days=days)

    assert "expires_in_days" in refused.value.message_dict
    assert not FormLink.objects.exists()


def test_the_shared_fields_are_kept_in_the_forms_order_and_must_be_on_the_form(manager, customer):
    link = link_create(customer=customer, actor=manager, shared_fields=["phone", "name"]).link
    assert link.shared_fields == ["name", "phone"]

    with pytest.raises(ValidationError) as refused:
        link_create(customer=customer, actor=manager, shared_fields=["credit_limit"])
    assert "credit_limit" in refused.value.message_dict["shared_fields"][0]
    assert FormLink.objects.count() == 1


def test_a_salesperson_sends_the_form_to_their_own_customers_only(
    salesperson, other_salesperson, customer
):
    assert link_create(customer=customer, actor=salesperson).link.created_by == salesperson

    with pytest.raises(ValidationError) as refused:
        link_create(customer=customer, actor=other_salesperson)

    assert list(refused.value.message_dict) == ["customer"]
    assert FormLink.objects.count() == 1


def test_an_archived_card_is_not_sent_the_form(manager, customer):
    customer_archive(customer=customer, actor=manager)

    with pytest.raises(ValidationError) as refused:
        link_create(customer=customer, actor=manager)

    assert list(refused.value.message_dict) == ["customer"]
    assert not FormLink.objects.exists()


def test_a_note_longer_than_1000_characters_or_a_bad_email_is_refused(manager, customer):
    with pytest.raises(ValidationError) as refused:
        link_create(customer=customer, actor=manager, note="x" * 1001, email="not-an-address")

    assert set(refused.value.message_dict) == {"note", "email"}
    assert not FormLink.objects.exists()


def test_the_link_is_emailed_when_an_address_is_given(manager, customer):
    issued = link_create(
        customer=customer,
        actor=manager,
        email="info@example.com",
        note="请核对贵公司的资料",
        url_of=lambda path: f"https://crm.example.com{path}",
    )

    assert issued.emailed is True
    assert issued.link.emailed_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["info@example.com"]
    assert issued.url in message.body
    assert "请核对贵公司的资料" in message.body
    assert customer.name in message.body
    assert "&" not in message.subject and "\n" not in message.subject


def test_a_mail_server_refusal_leaves_the_link_to_be_passed_on_by_hand(
    manager, customer, monkeypatch
):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr("customerforms.services.send_mail", refuse)

    issued = link_create(customer=customer, actor=manager, email="info@example.com")

    assert issued.emailed is False
    assert FormLink.objects.get().emailed_at is None


def test_a_new_link_revokes_the_one_it_replaces(manager, customer):
    old = link_create(customer=customer, actor=manager).link

    new = link_create(customer=customer, actor=manager, replaces=old).link

    old.refresh_from_db()
    assert old.state == FormLink.State.REVOKED
    assert old.revoked_by == manager
    assert new.replaces == old
    assert new.state == FormLink.State.SENT


def test_a_link_replaces_only_a_link_of_its_own_customer(manager, customer):
    elsewhere = FormLinkFactory()

    with pytest.raises(ValidationError) as refused:
        link_create(customer=customer, actor=manager, replaces=elsewhere)

    assert list(refused.value.message_dict) == ["replaces"]
    elsewhere.refresh_from_db()
    assert elsewhere.state == FormLink.State.SENT
    assert FormLink.objects.count() == 1


# States ------------------------------------------------------------------------------------


def links_in_every_state(customer) -> dict[str, FormLink]:
    now = timezone.now()
    return {
        FormLink.State.SENT: FormLinkFactory(customer=customer),
        FormLink.State.OPENED: FormLinkFactory(customer=customer, opened_at=now),
        FormLink.State.SUBMITTED: FormLinkFactory(
            customer=customer, opened_at=now, submitted_at=now
        ),
        FormLink.State.EXPIRED: FormLinkFactory(
            customer=customer, opened_at=now, expires_at=now - datetime.timedelta(seconds=1)
        ),
        FormLink.State.REVOKED: FormLinkFactory(
            customer=customer, submitted_at=now, revoked_at=now
        ),
    }


def test_the_state_reads_the_same_in_python_and_in_the_database(customer):
    links = links_in_every_state(customer)

    for state, link in links.items():
        assert link.state == state
        assert list(FormLink.objects.in_state(state)) == [link]


def test_opening_marks_the_first_visit_only(customer):
    link = FormLinkFactory(customer=customer)

    link_open(link=link)
    first = FormLink.objects.get().opened_at
    link_open(link=FormLink.objects.get())

    assert first is not None
    assert FormLink.objects.get().opened_at == first
    assert FormLink.objects.get().state == FormLink.State.OPENED


@pytest.mark.parametrize("state", ["submitted", "expired", "revoked"])
def test_a_closed_link_is_not_opened(customer, state):
    link = links_in_every_state(customer)[state]
    opened_at = link.opened_at

    with pytest.raises(LinkClosed):
        link_open(link=link)

    link.refresh_from_db()
    assert link.opened_at == opened_at


# Submitting --------------------------------------------------------------------------------


def submitted_values(**values):
    """What the form sends when the customer fills in `values` and leaves the rest empty."""
    empty = {
        name: None if name in ("founded_on", "registered_capital", "total_assets") else ""
        for name in FORM_FIELDS
    }
    return {**empty, **values}


def test_each_changed_field_becomes_a_filed_proposal_of_the_customer_form(customer):
    link = FormLinkFactory(customer=customer)

    submission = form_submit(
        link=link,
        values=submitted_values(
            phone="0512-2222",
            website="https://example.com",
            founded_on=datetime.date(2001, 5, 1),
            registered_capital=Decimal("5000000"),
            enterprise_scale="medium",
        ),
        client_address="203.0.113.7",
        user_agent="Mozilla/5.0",
    )

    proposals = {p.field: p for p in Proposal.objects.all()}
    assert proposals.keys() == {
        "phone",
        "website",
        "founded_on",
        "registered_capital",
        "enterprise_scale",
    }
    assert proposals["founded_on"].value == "2001-05-01"
    assert proposals["registered_capital"].value == "5000000.00"
    assert proposals["phone"].base_value == "0512-1111"
    for proposal in proposals.values():
        assert proposal.channel == Channel.CUSTOMER_FORM
        assert proposal.source == submission
        assert proposal.proposed_by is None
        assert proposal.filed_at is not None
        assert proposal.status == Proposal.Status.PENDING
    assert submission.changed_fields == [
        "phone",
        "website",
        "founded_on",
        "registered_capital",
        "enterprise_scale",
    ]
    assert submission.values["founded_on"] == "2001-05-01"
    assert (submission.client_address, submission.user_agent) == ("203.0.113.7", "Mozilla/5.0")
    link.refresh_from_db()
    assert link.state == FormLink.State.SUBMITTED
    assert Customer.objects.get().phone == "0512-1111"  # the card waits for the review


def test_unchanged_and_unshared_empty_fields_make_no_proposal(customer):
    link = FormLinkFactory(customer=customer, shared_fields=["name", "address"])

    form_submit(
        link=link,
        values=submitted_values(name=customer.name, address=customer.address, phone=customer.phone),
    )

    assert not Proposal.objects.exists()
    assert FormSubmission.objects.get().changed_fields == []


def test_clearing_a_shared_value_proposes_to_clear_it(customer):
    link = FormLinkFactory(customer=customer, shared_fields=["name", "phone"])

    form_submit(link=link, values=submitted_values(name=customer.name, phone=""))

    proposal = Proposal.objects.get()
    assert (proposal.field, proposal.value, proposal.base_value) == ("phone", "", "0512-1111")


def test_a_credit_code_is_compared_and_proposed_as_the_card_stores_it(customer):
    Customer.objects.filter(pk=customer.pk).update(credit_code=VALID_CREDIT_CODE)
    link = FormLinkFactory(customer=customer)

    form_submit(link=link, values=submitted_values(credit_code=VALID_CREDIT_CODE.lower()))

    assert not Proposal.objects.exists()


def test_a_value_the_card_refuses_stores_nothing(customer):
    link = FormLinkFactory(customer=customer)
    before = stored()

    with pytest.raises(ValidationError) as refused:
        form_submit(
            link=link,
            values=submitted_values(phone="0512-3333", credit_code="91350100M000100Y44"),
        )

    assert list(refused.value.message_dict) == ["credit_code"]
    assert stored() == before
    link.refresh_from_db()
    assert link.state == FormLink.State.SENT


@pytest.mark.parametrize("state", ["submitted", "expired", "revoked"])
def test_a_closed_link_stores_nothing(customer, state):
    link = links_in_every_state(customer)[state]
    before = stored()

    with pytest.raises(LinkClosed):
        form_submit(link=link, values=submitted_values(phone="0512-9999"))

    assert stored() == before


def test_a_link_is_used_once(customer):
    link = FormLinkFactory(customer=customer)
    form_submit(link=link, values=submitted_values(phone="0512-2222"))
    before = stored()

    with pytest.raises(LinkClosed):
        form_submit(link=link, values=submitted_values(phone="0512-3333"))

    assert stored() == before


def test_the_link_of_an_archived_card_stores_nothing(manager, customer):
    link = FormLinkFactory(customer=customer)
    customer_archive(customer=customer, actor=manager)
    before = stored()

    with pytest.raises(LinkClosed):
        form_submit(link=link, values=submitted_values(phone="0512-9999"))

    assert stored() == before


# Revoking and reopening --------------------------------------------------------------------


def test_whoever_may_send_a_link_revokes_it(salesperson, customer):
    link = FormLinkFactory(customer=customer)

    link_revoke(link=link, actor=salesperson)

    link.refresh_from_db()
    assert (link.state, link.revoked_by) == (FormLink.State.REVOKED, salesperson)


def test_another_salesperson_cannot_revoke_a_link(other_salesperson, customer):
    link = FormLinkFactory(customer=customer)

    with pytest.raises(PermissionDenied):
        link_revoke(link=link, actor=other_salesperson)

    link.refresh_from_db()
    assert link.state == FormLink.State.SENT


@pytest.mark.parametrize("state", ["submitted", "revoked"])
def test_a_used_or_revoked_link_is_not_revoked(manager, customer, state):
    link = links_in_every_state(customer)[state]

    with pytest.raises(LinkStateConflict):
        link_revoke(link=link, actor=manager)


@pytest.mark.parametrize("state", ["submitted", "expired"])
def test_a_manager_reopens_a_submitted_or_expired_link_until_a_new_expiry(manager, customer, state):
    link = links_in_every_state(customer)[state]

    link_reopen(link=link, actor=manager, expires_in_days=3)

    link.refresh_from_db()
    assert link.state == FormLink.State.OPENED
    assert link.reopened_by == manager
    assert link.expires_at > timezone.now() + datetime.timedelta(days=2)
    form_submit(link=link, values=submitted_values(phone="0512-7777"))
    assert Proposal.objects.get().value == "0512-7777"


@pytest.mark.parametrize("state", ["sent", "opened", "revoked"])
def test_only_a_submitted_or_expired_link_is_reopened(manager, customer, state):
    link = links_in_every_state(customer)[state]

    with pytest.raises(LinkStateConflict):
        link_reopen(link=link, actor=manager)


def test_a_salesperson_does_not_reopen_a_link(salesperson, customer):
    link = links_in_every_state(customer)["expired"]

    with pytest.raises(PermissionDenied):
        link_reopen(link=link, actor=salesperson)

    link.refresh_from_db()
    assert link.state == FormLink.State.EXPIRED


# In the review queue -----------------------------------------------------------------------


def test_the_queue_describes_a_submission_by_its_time_without_an_author(customer):
    submission = FormSubmissionFactory(
        link=FormLinkFactory(customer=customer, note="请核对", submitted_at=timezone.now())
    )

    described = describe_source(submission, customer)

    assert str(described.title).startswith("Customer form submitted on ")
    assert described.author == ""
    assert described.url == f"/customers/{customer.pk}/#customer-forms"
    assert ("Note to the customer", "请核对") in described.notes


def test_token_hash_is_sha256_hex():
    assert token_hash("abc") == hashlib.sha256(b"abc").hexdigest()
