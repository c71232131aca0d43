"""Two managers deciding the same proposal at once, each request on its own database
connection (PostgreSQL: SQLite serialises every write, so the race cannot happen there).

The first manager's request is held inside its transaction after it has read and locked the
proposal; the second one starts then. With the proposal locked, the second waits for the
first to commit and is told that the change was decided; without the lock it would apply the
change a second time."""

import datetime

import pytest
from django.db import connection

from customers.models import Contact, Customer
from review.models import Proposal
from tests.accounts.factories import UserFactory
from tests.concurrency import race
from tests.customers.factories import CustomerFactory
from tests.customers.test_api import as_user
from visits.services import report_create, report_submit

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks between connections: PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def proposed(salesperson, customer, field, value) -> Proposal:
    report = report_create(
        salesperson=salesperson,
        day=datetime.date(2026, 12, 2),
        visits=[{"customer": customer, "proposals": [{"field": field, "value": value}]}],
    )
    report_submit(report=report, actor=salesperson)
    return Proposal.objects.get()


def accepting(user, proposal, **body):
    client = as_user(user)
    return lambda: client.post(f"/api/v1/proposals/{proposal.pk}/accept/", body, format="json")


def test_two_managers_accepting_a_new_contact_at_once_add_it_once(
    monkeypatch, manager, salesperson
):
    customer = CustomerFactory(salesperson=salesperson)
    proposal = proposed(salesperson, customer, "contact", {"name": "王芳", "phone": "139"})
    other_manager = UserFactory(role="manager", username="manager2")

    first, second = race(
        monkeypatch,
        first=accepting(manager, proposal),
        second=accepting(other_manager, proposal),
        pause=(Contact, "full_clean"),
    )

    assert (first.status_code, second.status_code) == (200, 409)
    assert (second.json()["code"], second.json()["status"]) == ("decided", "accepted")
    assert list(customer.contacts.values_list("name", flat=True)) == ["王芳"]
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (Proposal.Status.ACCEPTED, manager)


def test_two_managers_confirming_a_change_over_an_edited_card_apply_it_once(
    monkeypatch, manager, salesperson
):
    customer = CustomerFactory(salesperson=salesperson, phone="0755-1")
    proposal = proposed(salesperson, customer, "phone", "0755-2")
    Customer.objects.filter(pk=customer.pk).update(phone="0755-3", version=2)
    other_manager = UserFactory(role="manager", username="manager2")

    first, second = race(
        monkeypatch,
        first=accepting(manager, proposal, confirm=True),
        second=accepting(other_manager, proposal, confirm=True),
    )

    assert (first.status_code, second.status_code) == (200, 409)
    assert second.json()["code"] == "decided"
    customer.refresh_from_db()
    assert (customer.phone, customer.version) == ("0755-2", 3)
    assert customer.history.filter(phone="0755-2").count() == 1
