"""The same form sent twice at once (two windows, a double tap), each request on its own
database connection (PostgreSQL: SQLite serialises every write, so the race cannot happen
there). The first request is held inside its transaction after it has locked the link and
begun to check the values; the second starts then, waits for the lock, finds the link used
and answers 410: one submission, one set of proposals."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from customerforms.models import FormLink, FormSubmission
from customers.models import Customer
from review.models import Proposal
from tests.concurrency import race
from tests.customerforms.factories import link_with_token
from tests.customerforms.test_public import form_data
from tests.customers.factories import CustomerFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks between connections: PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_form_sent_twice_at_once_is_kept_once(monkeypatch, salesperson):
    cache.clear()
    customer = CustomerFactory(salesperson=salesperson, phone="0512-1")
    _link, path = link_with_token(customer=customer)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(path)

    first, second = race(
        monkeypatch,
        first=lambda: browser.post(path, form_data(page, phone="0512-2")),
        second=lambda: browser.post(path, form_data(page, phone="0512-3")),
        pause=(Customer, "clean_fields"),
    )

    assert (first.status_code, second.status_code) == (302, 410)
    assert FormSubmission.objects.count() == 1
    assert list(Proposal.objects.values_list("value", flat=True)) == ["0512-2"]
    assert FormLink.objects.get().state == FormLink.State.SUBMITTED
