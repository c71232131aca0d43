"""Two writers at once, each on its own database connection (PostgreSQL: SQLite serialises
every write, so the races below cannot happen there).

Each test holds the first writer inside its transaction at the point where the race used to
bite (after it has read the row) and starts the second writer then. With the row locked,
the second writer waits for the first to commit; without the lock it would slip in, and the
first writer's save would put back what it had read."""

import datetime
import threading

import pytest
from django.db import connection, transaction

from classification.services.grading import grade_pin
from classification.services.lifecycle import customer_sale_dates_refresh
from classification.services.routes import route_reorder
from customers.models import Channel, Contact, Customer
from customers.services import (
    CardArchived,
    CardConflict,
    RecordConflict,
    card_update,
    contact_save,
    customer_archive,
    customer_create,
)
from tests.concurrency import GRACE, Thread, race
from tests.customers.factories import (
    ContactFactory,
    CustomerFactory,
    RegionFactory,
    RouteFactory,
    grade,
)
from tests.sales.factories import SalesRecordFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks between connections: PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_card_edit_keeps_the_sale_dates_a_sales_load_wrote_meanwhile(monkeypatch, manager):
    customer = CustomerFactory(phone="1")
    assert customer.last_sale_on is None
    SalesRecordFactory(customer=customer, date=datetime.date(2026, 11, 2))

    race(
        monkeypatch,
        first=lambda: card_update(
            customer=customer,
            changes={"phone": "2"},
            actor=manager,
            channel=Channel.MANUAL,
            expected_version=1,
        ),
        second=lambda: customer_sale_dates_refresh(customer_ids=[customer.pk]),
    )

    customer.refresh_from_db()
    assert (customer.phone, customer.version) == ("2", 2)
    assert customer.last_sale_on == datetime.date(2026, 11, 2)
    assert customer.first_sale_on == datetime.date(2026, 11, 2)


def test_a_card_edit_keeps_the_stop_position_a_route_reorder_wrote_meanwhile(monkeypatch, manager):
    region = RegionFactory()
    route = RouteFactory(region=region)
    stops = [CustomerFactory(region=region, salesperson=None) for _n in range(3)]
    for position, stop in enumerate(stops, 1):
        Customer.objects.filter(pk=stop.pk).update(route=route, route_position=position)
    edited = stops[0]

    race(
        monkeypatch,
        first=lambda: card_update(
            customer=edited,
            changes={"phone": "2"},
            actor=manager,
            channel=Channel.MANUAL,
            expected_version=1,
        ),
        second=lambda: route_reorder(
            route=route, customer_ids=[s.pk for s in reversed(stops)], actor=manager
        ),
    )

    edited.refresh_from_db()
    assert (edited.phone, edited.route_position) == ("2", 3)


def test_pinning_a_grade_keeps_the_sale_dates_a_sales_load_wrote_meanwhile(monkeypatch, manager):
    customer = CustomerFactory()
    SalesRecordFactory(customer=customer, date=datetime.date(2026, 10, 1))

    race(
        monkeypatch,
        first=lambda: grade_pin(
            customer=customer, grade=grade("key"), reason="大客户", actor=manager
        ),
        second=lambda: customer_sale_dates_refresh(customer_ids=[customer.pk]),
    )

    customer.refresh_from_db()
    assert (customer.grade, customer.grade_pinned) == (grade("key"), True)
    assert customer.last_sale_on == datetime.date(2026, 10, 1)


def test_two_editors_of_one_card_one_wins_the_other_is_told(monkeypatch, manager, salesperson):
    customer = CustomerFactory(salesperson=salesperson, phone="1")

    def edit(phone, actor):
        return lambda: card_update(
            customer=customer,
            changes={"phone": phone},
            actor=actor,
            channel=Channel.MANUAL,
            expected_version=1,
        )

    with pytest.raises(CardConflict):
        race(monkeypatch, first=edit("2", manager), second=edit("3", salesperson))
    customer.refresh_from_db()
    assert (customer.phone, customer.version) == ("2", 2)


# Contacts and credit incidents -------------------------------------------------------------


def test_two_editors_of_one_contact_one_wins_the_other_is_told(monkeypatch, manager):
    contact = ContactFactory(name="李雷", role="采购")

    def edit(role):
        def save():
            mine = Contact.objects.get(pk=contact.pk)
            mine.role = role
            return contact_save(contact=mine, actor=manager, expected_version=1)

        return save

    with pytest.raises(RecordConflict):
        race(monkeypatch, first=edit("经理"), second=edit("财务"), pause=(Contact, "save"))
    contact.refresh_from_db()
    assert (contact.role, contact.version) == ("经理", 2)


def test_two_concurrent_make_primary_requests_leave_exactly_one_primary(monkeypatch, manager):
    customer = CustomerFactory()
    first, second = ContactFactory(customer=customer), ContactFactory(customer=customer)

    def make_primary(contact):
        def save():
            mine = Contact.objects.get(pk=contact.pk)
            mine.is_primary = True
            return contact_save(contact=mine, actor=manager, expected_version=1)

        return save

    race(
        monkeypatch,
        first=make_primary(first),
        second=make_primary(second),
        pause=(Contact, "save"),
    )

    primaries = list(customer.contacts.filter(is_primary=True).values_list("pk", flat=True))
    assert primaries == [second.pk]  # the later request wins, the earlier is demoted


def test_a_contact_added_while_the_card_is_archived_is_refused(manager):
    customer = CustomerFactory()
    archiving, archived = threading.Event(), threading.Event()

    def archive_and_hold():
        with transaction.atomic():
            customer_archive(customer=customer, actor=manager)
            archiving.set()
            archived.wait(GRACE)

    def add_contact():
        try:
            return contact_save(contact=Contact(customer=customer, name="新人"), actor=manager)
        finally:
            archived.set()

    holder = Thread(archive_and_hold)
    holder.start()
    assert archiving.wait(10)
    adder = Thread(add_contact)
    adder.start()
    holder.outcome()
    with pytest.raises(CardArchived):
        adder.outcome()
    assert not customer.contacts.exists()


def test_two_cards_created_at_once_without_codes_get_different_numbers(monkeypatch, manager):
    customer_create(data={"name": "先"}, actor=manager)  # the sequence is in use
    first, second = race(
        monkeypatch,
        first=lambda: customer_create(data={"name": "甲"}, actor=manager),
        second=lambda: customer_create(data={"name": "乙"}, actor=manager),
    )
    assert sorted([first.code, second.code]) == ["KH00002", "KH00003"]
