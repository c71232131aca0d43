"""The demo's visit reports: three weeks of each salesperson's working days on their rounds
(some late, some missing, today's begun), and proposals decided or waiting in the queue, one
of them on a card changed since; all written by the services, and written once."""

import datetime
import math
import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from classification.services.routes import plan_for
from customers.models import Channel, Customer, FieldProvenance
from review.models import Proposal
from review.services import card_value
from visits.models import Visit, VisitReport
from visits.services import report_deadline

pytestmark = pytest.mark.django_db

SALESPEOPLE = ("sales1", "sales2")


@pytest.fixture
def demo():
    call_command("seed_demo", customers=120, sales=0, stdout=StringIO())


def working_days(today) -> list[datetime.date]:
    """Mondays to Fridays of the three weeks before `today`."""
    days = (today - datetime.timedelta(days=back) for back in range(21, 0, -1))
    return [day for day in days if day.weekday() < 5]


def _km(a, b) -> float:
    north = math.radians(float(b[0]) - float(a[0]))
    east = math.radians(float(b[1]) - float(a[1])) * math.cos(math.radians(float(a[0])))
    return 6371 * math.hypot(north, east)


def test_each_salesperson_reported_most_working_days_some_late_some_missing(demo):
    today = timezone.localdate()
    now = timezone.now()
    days = working_days(today)

    for username in SALESPEOPLE:
        reports = {
            report.date: report
            for report in VisitReport.objects.filter(salesperson__username=username)
        }
        past = [reports[day] for day in days if day in reports]
        assert len(past) >= 0.75 * len(days)  # most working days
        assert len(past) < len(days)  # and a day or two with nothing filed
        assert set(reports) == {*(report.date for report in past), today}  # no weekends
        for report in past:
            assert report.status != VisitReport.Status.DRAFT
            assert report.submitted_at <= now
            assert report.late == (report.submitted_at > report_deadline(report.date))
        late = [report for report in past if report.late]
        assert 1 <= len(late) <= len(past) / 3  # some late, most on time
        draft = reports[today]
        assert draft.status == VisitReport.Status.DRAFT
        assert draft.visits.count() == 1


def test_visits_follow_the_rounds_with_misses_check_ins_and_follow_ups(demo):
    today = timezone.localdate()
    missed = 0
    for username in SALESPEOPLE:
        salesperson = get_user_model().objects.get(username=username)
        own = set(Customer.objects.filter(salesperson=salesperson).values_list("pk", flat=True))
        for report in VisitReport.objects.filter(salesperson=salesperson).exclude(date=today):
            due = {c.pk for planned in plan_for(salesperson, report.date) for c in planned.stops}
            visited = set(report.visits.values_list("customer", flat=True))
            # The stops due that day; on a day without any, calls to their own customers.
            assert visited and visited <= (due or own)
            missed += len(due - visited)
    assert missed > 0  # coverage shows misses

    visits = Visit.objects.select_related("customer", "report")
    assert all(re.search(r"[\u4e00-\u9fff]", visit.purpose + visit.summary) for visit in visits)
    assert visits.exclude(next_steps="").exists()
    assert visits.filter(follow_up_on__gt=today).exists()  # follow-ups coming up
    checked_in = visits.filter(latitude__isnull=False).exclude(report__date=today)
    assert checked_in.exists()
    for visit in checked_in:
        customer = visit.customer
        distance = _km((visit.latitude, visit.longitude), (customer.latitude, customer.longitude))
        assert distance < 1
        assert timezone.localtime(visit.checked_in_at).date() == visit.report.date


def test_proposals_were_decided_by_the_manager_and_a_few_wait_one_on_a_changed_card(demo):
    accepted = Proposal.objects.filter(status=Proposal.Status.ACCEPTED)
    rejected = Proposal.objects.filter(status=Proposal.Status.REJECTED)
    pending = list(Proposal.objects.pending().select_related("customer"))

    assert accepted.exists() and rejected.exists()
    assert {p.decided_by.username for p in (*accepted, *rejected)} == {"manager"}
    assert rejected.exclude(comment="").count() == rejected.count()
    assert len(pending) >= 2
    assert {p.field for p in Proposal.objects.all()} >= {"phone", "credit_incident"}
    stale = [p for p in pending if card_value(p.customer, p.field) != p.base_value]
    assert len(stale) == 1
    # Accepted through the card's door: provenance "visit report", verified, by the manager.
    visits = accepted.filter(channel=Channel.VISIT)
    for proposal in visits.exclude(field__in=("contact", "credit_incident")):
        provenance = FieldProvenance.objects.get(
            customer=proposal.customer, field_name=proposal.field
        )
        assert (provenance.channel, provenance.verified) == (Channel.VISIT, True)
        assert card_value(proposal.customer, proposal.field) == proposal.value
    # Filed when their report was handed in; a report is reviewed once none waits.
    for proposal in Proposal.objects.filter(channel=Channel.VISIT):
        report = proposal.source.report
        assert proposal.filed_at == report.submitted_at
        waiting = report.status == VisitReport.Status.SUBMITTED
        assert (
            waiting
            == Proposal.objects.pending()
            .filter(channel=Channel.VISIT, source_id__in=report.visits.values("pk"))
            .exists()
        )


def test_a_second_run_adds_no_reports_and_decides_nothing_again():
    call_command("seed_demo", customers=60, sales=0, stdout=StringIO())
    reports = list(VisitReport.objects.values_list("pk", "status", "submitted_at", "late"))
    visits = Visit.objects.count()
    proposals = list(Proposal.objects.values_list("pk", "status", "filed_at", "decided_at"))
    out = StringIO()

    call_command("seed_demo", customers=60, sales=0, stdout=out)

    assert list(VisitReport.objects.values_list("pk", "status", "submitted_at", "late")) == (
        reports
    )
    assert Visit.objects.count() == visits
    assert list(Proposal.objects.values_list("pk", "status", "filed_at", "decided_at")) == (
        proposals
    )
    assert f"visit reports {len(reports)} (0 new)" in out.getvalue()
