"""The audit page of card changes: every historical record of the cards, their contacts and
their credit incidents, newest first, with who, channel, the customer and each field's old
and new value; filtered by user, channel, period and customer; for managers and admins only;
a fixed number of queries whatever the page size."""

import datetime
import re

import pytest
from django.utils import timezone

from customers.models import Channel, Contact, CreditIncident, Customer
from customers.services import card_update, contact_save, credit_incident_save, customer_create
from tests.accounts.factories import UserFactory
from tests.audit.conftest import day
from tests.customers.factories import RegionFactory, customer_type

pytestmark = pytest.mark.django_db

CHANGES = "/audit/changes/"


def rows(response) -> list[tuple]:
    return [
        (entry.subject, entry.kind, entry.customer_code, entry.who, entry.channel)
        for entry in response.context["entries"]
    ]


def changes_of(entry) -> list[tuple]:
    return [(change.field, change.old, change.new) for change in entry.changes]


def test_every_change_of_cards_contacts_and_incidents_newest_first(
    client, manager, salesperson, admin_user, history
):
    client.force_login(manager)
    response = client.get(CHANGES)

    assert response.status_code == 200
    manager_name, sales_name = manager.get_full_name(), salesperson.get_full_name()
    assert rows(response) == [
        ("card", "+", "KH900", admin_user.get_full_name(), "api"),
        ("contact", "-", "KH001", manager_name, "manual"),
        ("credit_incident", "+", "KH001", manager_name, "investigation"),
        ("contact", "~", "KH001", manager_name, "manual"),
        ("contact", "+", "KH001", manager_name, "manual"),
        ("card", "~", "KH001", sales_name, "visit"),
        ("card", "+", "KH001", manager_name, "manual"),
    ]
    _api, deleted, incident, role, added, visit, created = response.context["entries"]
    assert changes_of(visit) == [("region", "苏州市", "杭州市"), ("phone", "0512-1", "0512-2")]
    assert changes_of(role) == [("role", "采购", "采购经理")]
    assert ("name", None, "陈静") in changes_of(added)
    assert ("customer", None, history["card"].pk) not in changes_of(added)
    assert deleted.changes == [] and deleted.record == "陈静"
    assert ("kind", None, "Late payment") in changes_of(incident)
    assert {("code", None, "KH001"), ("salesperson", None, sales_name)} <= set(changes_of(created))
    html = response.content.decode()
    assert re.search(r"<del>0512-1</del>\s*→\s*<ins>0512-2</ins>", html)
    assert re.search(r"<del>苏州市</del>\s*→\s*<ins>杭州市</ins>", html)
    assert f'href="/customers/{history["card"].pk}/"' in html
    assert "7 changes" in html


def test_each_filter_narrows_the_changes(client, manager, salesperson, admin_user, history):
    client.force_login(manager)

    def listed(query: str) -> list[tuple]:
        return [row[:3] for row in rows(client.get(CHANGES + query))]

    assert listed(f"?user={salesperson.username}") == [("card", "~", "KH001")]
    assert listed(f"?user={admin_user.username}") == [("card", "+", "KH900")]
    assert listed("?channel=investigation") == [("credit_incident", "+", "KH001")]
    five, four = day(5).date().isoformat(), day(4).date().isoformat()
    assert listed(f"?date_from={five}&date_to={four}") == [
        ("credit_incident", "+", "KH001"),
        ("contact", "~", "KH001"),
    ]
    assert listed(f"?date_from={day(2).date().isoformat()}") == [("card", "+", "KH900")]
    assert listed(f"?date_to={day(10).date().isoformat()}") == [("card", "+", "KH001")]
    assert listed("?q=kh900") == [("card", "+", "KH900")]
    assert len(listed("?q=超艺")) == 6
    assert listed("?q=超艺&channel=manual&user=" + manager.username) == [
        ("contact", "-", "KH001"),
        ("contact", "~", "KH001"),
        ("contact", "+", "KH001"),
        ("card", "+", "KH001"),
    ]
    assert listed("?q=nobody-has-this") == []


def test_a_refused_filter_lists_nothing_and_says_why(client, manager, history):
    client.force_login(manager)
    response = client.get(CHANGES + "?date_from=2026-03-02&date_to=2026-03-01")
    assert response.status_code == 200
    assert response.context["entries"] == []
    assert "The period ends before it starts." in response.content.decode()
    assert response.context["filters_open"]
    assert rows(client.get(CHANGES + "?channel=telepathy")) == []


def test_an_admin_sees_the_page_and_a_salesperson_is_refused(
    client, salesperson, admin_user, history
):
    client.force_login(salesperson)
    assert client.get(CHANGES).status_code == 403
    client.force_login(admin_user)
    assert client.get(CHANGES).status_code == 200


def test_anonymous_visitors_are_sent_to_the_login(client, history):
    response = client.get(CHANGES)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_page_changes_nothing(client, manager, history):
    client.force_login(manager)
    assert client.post(CHANGES).status_code == 405


def test_the_navigation_offers_the_audit_to_managers_only(client, manager, salesperson):
    client.force_login(manager)
    assert 'href="/audit/changes/"' in client.get("/").content.decode()
    client.force_login(salesperson)
    assert 'href="/audit/changes/"' not in client.get("/").content.decode()


def _batch(number: int, *, actor, salesperson) -> None:
    """Five records: a card created, its phone and region changed, a contact added and
    changed, a credit incident recorded."""
    card = customer_create(
        data={
            "code": f"Q{number:03d}",
            "name": f"批量客户{number}",
            "phone": "1",
            "salesperson": salesperson,
            "customer_type": customer_type(),
            "region": RegionFactory(),
        },
        actor=actor,
    )
    card_update(
        customer=card,
        changes={"phone": "2", "region": RegionFactory()},
        actor=actor,
        channel=Channel.VISIT,
        expected_version=card.version,
    )
    contact = contact_save(contact=Contact(customer=card, name="联系人"), actor=actor)
    contact.role = "经理"
    contact_save(contact=contact, actor=actor, expected_version=contact.version)
    credit_incident_save(
        incident=CreditIncident(
            customer=card,
            occurred_on=timezone.localdate() - datetime.timedelta(days=3),
            kind=CreditIncident.Kind.DISPUTE,
        ),
        actor=actor,
    )


# The session, the user and their role; the count and the page; per kind of record on the
# page its records and the records before them (a credit incident only created has none);
# the region, salesperson and customer type named in the values; the customers; the users
# of the filter's menu.
PAGE_QUERIES = 15


def test_a_page_takes_the_same_queries_for_5_and_for_50_changes(
    client, manager, salesperson, django_assert_num_queries
):
    client.force_login(manager)
    _batch(0, actor=manager, salesperson=salesperson)
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(CHANGES + "?page_size=50")
    assert len(response.context["entries"]) == 5
    for number in range(1, 10):
        _batch(number, actor=UserFactory(role="manager"), salesperson=salesperson)
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(CHANGES + "?page_size=50")
    assert len(response.context["entries"]) == 50
    assert Customer.history.count() + Contact.history.count() + CreditIncident.history.count() == 50


def test_the_pages_follow_each_other_without_gaps_or_repeats(client, manager, salesperson):
    client.force_login(manager)
    for number in range(6):
        _batch(number, actor=manager, salesperson=salesperson)
    first = client.get(CHANGES)
    second = client.get(CHANGES + "?page=2")
    assert (len(first.context["entries"]), len(second.context["entries"])) == (25, 5)
    seen = [
        (entry.subject, entry.when, entry.customer_code)
        for response in (first, second)
        for entry in response.context["entries"]
    ]
    assert len(set(seen)) == 30
    assert [when for _subject, when, _code in seen] == sorted(
        (when for _subject, when, _code in seen), reverse=True
    )
    assert "Page 1 of 2" in first.content.decode()
