"""Two managers recording the same delivery at once, each request on its own database
connection (PostgreSQL: SQLite serialises every write, so the race cannot happen there).

The first manager's request is held inside its transaction after it has read and locked the
investigation; the second one starts then. With the investigation locked, the second waits
for the first to commit and is told that the delivery was recorded; without the lock it
would record it again and file its proposals twice."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from investigations.models import Investigation
from review.models import Proposal
from tests.accounts.factories import UserFactory
from tests.concurrency import race
from tests.customers.factories import CustomerFactory
from tests.customers.test_api import as_user
from tests.investigations.factories import InvestigationFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks between connections: PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def delivering(user, investigation, rating):
    client = as_user(user)
    body = {
        "delivered_on": timezone.localdate().isoformat(),
        "risk_level": "medium",
        "credit_rating": rating,
        "proposals": [{"field": "credit_rating", "value": rating}],
    }
    url = f"/api/v1/investigations/{investigation.pk}/deliver/"
    return lambda: client.post(url, body, format="json")


def test_two_managers_recording_a_delivery_at_once_record_it_once(
    monkeypatch, manager, salesperson
):
    investigation = InvestigationFactory(
        customer=CustomerFactory(salesperson=salesperson),
        requested_by=manager,
        requested_on=timezone.localdate() - datetime.timedelta(days=5),
    )
    other_manager = UserFactory(role="manager", username="manager2")

    first, second = race(
        monkeypatch,
        first=delivering(manager, investigation, "BB"),
        second=delivering(other_manager, investigation, "AA"),
        pause=(Investigation, "full_clean"),
    )

    assert (first.status_code, second.status_code) == (200, 409)
    assert second.json()["code"] == "delivered"
    investigation.refresh_from_db()
    assert (investigation.status, investigation.credit_rating) == ("delivered", "BB")
    assert list(Proposal.objects.values_list("value", flat=True)) == ["BB"]
