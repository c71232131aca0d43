"""The audit trail's retention (`prune_audit`): card history and sign-in records older than
AUDIT_RETENTION_DAYS go, except each card's, contact's and credit incident's newest record
before the retention, which keeps the first change after it readable; a record deleted
before the retention goes entirely; a dry run deletes nothing."""

import io

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.core.management import call_command
from django.utils import timezone

from audit.services import audit_prune
from customers.models import Channel, Contact, CreditIncident, Customer
from customers.selectors import customer_timeline
from customers.services import (
    card_update,
    contact_delete,
    contact_save,
    credit_incident_save,
    customer_create,
)
from tests.audit.conftest import date_last_record, day
from tests.customers.factories import customer_type

pytestmark = pytest.mark.django_db

RETENTION = 730


@pytest.fixture(autouse=True)
def _retention(settings):
    settings.AUDIT_RETENTION_DAYS = RETENTION


def kept(model) -> list[tuple]:
    return list(model.history.order_by("history_date").values_list("history_type", "history_date"))


@pytest.fixture
def old_and_new(manager, salesperson):
    """A card created 1000 days ago, changed 900 and 800 days ago and 10 days ago; a contact
    added 1000 days ago and never changed; another added then and deleted 900 days ago; a
    credit incident recorded 5 days ago; sign-ins, failures and a lockout counter 800 days
    and a day ago."""
    card = customer_create(
        data={
            "code": "KH001",
            "name": "苏州超艺传媒有限公司",
            "phone": "1",
            "salesperson": salesperson,
            "customer_type": customer_type(),
        },
        actor=manager,
    )
    date_last_record(Customer, day(1000))
    for phone, days_ago in (("2", 900), ("3", 800), ("4", 10)):
        card = card_update(
            customer=card,
            changes={"phone": phone},
            actor=manager,
            channel=Channel.MANUAL,
            expected_version=card.version,
        )
        date_last_record(Customer, day(days_ago))
    contact_save(contact=Contact(customer=card, name="陈静"), actor=manager)
    date_last_record(Contact, day(1000))
    gone = contact_save(contact=Contact(customer=card, name="李雷"), actor=manager)
    date_last_record(Contact, day(1000))
    contact_delete(contact=gone, actor=manager, expected_version=gone.version)
    date_last_record(Contact, day(900))
    credit_incident_save(
        incident=CreditIncident(
            customer=card, occurred_on=timezone.localdate(), kind=CreditIncident.Kind.OTHER
        ),
        actor=manager,
    )
    date_last_record(CreditIncident, day(5))
    for days_ago in (800, 1):
        for model in (AccessLog, AccessFailureLog):
            record = model.objects.create(username="sales1", ip_address="10.0.0.1")
            model.objects.filter(pk=record.pk).update(attempt_time=day(days_ago))
    attempt = AccessAttempt.objects.create(
        username="sales1", ip_address="10.0.0.1", user_agent="x", failures_since_start=2
    )
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=day(800))
    return card


EXPECTED = {
    "customers.HistoricalCustomer": 2,
    "customers.HistoricalContact": 2,
    "customers.HistoricalCreditIncident": 0,
    "axes.AccessLog": 1,
    "axes.AccessFailureLog": 1,
    "axes.AccessAttempt": 1,
}


def test_pruning_keeps_the_newest_record_before_the_retention_and_everything_after(old_and_new):
    result = audit_prune()

    assert result.counts == EXPECTED
    assert kept(Customer) == [("~", day(800)), ("~", day(10))]
    assert [(record.name, record.history_type) for record in Contact.history.all()] == [
        ("陈静", "+")
    ]
    assert kept(CreditIncident) == [("+", day(5))]
    assert list(AccessLog.objects.values_list("attempt_time", flat=True)) == [day(1)]
    assert list(AccessFailureLog.objects.values_list("attempt_time", flat=True)) == [day(1)]
    assert not AccessAttempt.objects.exists()


def test_the_first_change_kept_still_shows_what_it_replaced(client, manager, old_and_new):
    audit_prune()

    latest, baseline = customer_timeline(old_and_new)
    assert [(c.field, c.old, c.new) for c in latest.changes] == [("phone", "3", "4")]
    client.force_login(manager)
    entries = client.get("/audit/changes/?q=KH001").context["entries"]
    by_kind = {(entry.subject, entry.when): entry for entry in entries}
    change = by_kind["card", day(10)]
    assert ([(c.field, c.old, c.new) for c in change.changes], change.baseline) == (
        [("phone", "3", "4")],
        False,
    )
    assert by_kind["card", day(800)].baseline
    assert ("phone", None, "3") in [
        (c.field, c.old, c.new) for c in by_kind["card", day(800)].changes
    ]


def test_a_dry_run_counts_and_deletes_nothing(old_and_new):
    before = {
        "cards": Customer.history.count(),
        "contacts": Contact.history.count(),
        "sign-ins": AccessLog.objects.count(),
        "failures": AccessFailureLog.objects.count(),
        "attempts": AccessAttempt.objects.count(),
    }

    result = audit_prune(dry_run=True)

    assert result.counts == EXPECTED
    assert before == {
        "cards": Customer.history.count(),
        "contacts": Contact.history.count(),
        "sign-ins": AccessLog.objects.count(),
        "failures": AccessFailureLog.objects.count(),
        "attempts": AccessAttempt.objects.count(),
    }


def test_a_longer_retention_keeps_everything(settings, old_and_new):
    settings.AUDIT_RETENTION_DAYS = 2000
    assert sum(audit_prune().counts.values()) == 0
    assert Customer.history.count() == 4


def test_the_command_prints_the_counts_and_its_dry_run_changes_nothing(old_and_new):
    out = io.StringIO()
    call_command("prune_audit", "--dry-run", stdout=out)
    printed = out.getvalue()
    assert "Retention 730 days" in printed
    assert "customers.HistoricalCustomer\t2" in printed
    assert "Dry run: 7 records would be deleted; nothing changed." in printed
    assert Customer.history.count() == 4

    out = io.StringIO()
    call_command("prune_audit", stdout=out)
    assert "Deleted 7 records." in out.getvalue()
    assert Customer.history.count() == 2
    out = io.StringIO()
    call_command("prune_audit", stdout=out)
    assert "Deleted 0 records." in out.getvalue()


def test_the_command_documents_the_retention(capsys):
    with pytest.raises(SystemExit):
        call_command("prune_audit", "--help")
    shown = " ".join(capsys.readouterr().out.split())
    assert "older than AUDIT_RETENTION_DAYS (730 days by default)" in shown
    assert "the newest record older than the retention is kept" in shown


def test_a_retention_under_a_day_is_refused(old_and_new):
    with pytest.raises(ValueError, match="at least one day"):
        audit_prune(days=0)
    assert Customer.history.count() == 4
