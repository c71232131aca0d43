"""The managers' risk view: the customers of each reason, in the order that needs attention
first, each with one click to commission an investigation, in a fixed number of queries."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from investigations.models import Investigation
from tests.customers.factories import CreditIncidentFactory, CustomerFactory, grade
from tests.investigations.factories import InvestigationFactory
from tests.visits.factories import VisitFactory, VisitReportFactory

pytestmark = pytest.mark.django_db

RISK = "/investigations/risk/"


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def listed(html: str, testid: str) -> list[str]:
    """The customer codes of one section, in order."""
    start = html.index(f'data-testid="{testid}"')
    section = html[start : html.index("</section>", start)]
    return re.findall(r'<span class="muted">([^<]+)</span></td>', section)


class World:
    def __init__(self, salesperson, manager):
        def customer(code, **fields):
            return CustomerFactory(code=code, name=f"客户{code}", salesperson=salesperson, **fields)

        def investigation(of, requested, delivered=None, risk=""):
            status = Investigation.Status.DELIVERED if delivered else Investigation.Status.REQUESTED
            return InvestigationFactory(
                customer=of,
                requested_by=manager,
                requested_on=days(requested),
                delivered_on=days(delivered) if delivered else None,
                risk_level=risk,
                status=status,
            )

        # Credit problems: unresolved ones first, then by the latest problem.
        one_open = customer("I1")
        CreditIncidentFactory(customer=one_open, occurred_on=days(-300))
        two_open = customer("I2")
        CreditIncidentFactory.create_batch(2, customer=two_open, occurred_on=days(-500))
        resolved = customer("I3")
        CreditIncidentFactory(customer=resolved, occurred_on=days(-30), resolved_on=days(-20))
        archived = customer("I4", status=Customer.Status.ARCHIVED)
        CreditIncidentFactory(customer=archived, occurred_on=days(-30))
        customer("CLEAN")
        # High risk: by the latest delivered investigation only.
        high = customer("H1")
        investigation(high, -100, -90, "low")
        investigation(high, -40, -30, "high")
        investigation(high, -5)  # requested again, not delivered: the finding stands
        was_high = customer("H2")
        investigation(was_high, -100, -90, "high")
        investigation(was_high, -40, -30, "medium")
        recent_high = customer("H3")
        investigation(recent_high, -15, -10, "high")
        # Follow-ups: the latest visit asked for one that is past.
        overdue = customer("F1")
        VisitFactory(
            report=VisitReportFactory(date=days(-20)), customer=overdue, follow_up_on=days(-5)
        )
        long_overdue = customer("F2")
        VisitFactory(
            report=VisitReportFactory(date=days(-40)), customer=long_overdue, follow_up_on=days(-30)
        )
        followed = customer("F3")
        VisitFactory(
            report=VisitReportFactory(date=days(-20)), customer=followed, follow_up_on=days(-5)
        )
        VisitFactory(report=VisitReportFactory(date=days(-2)), customer=followed)
        soon = customer("F4")
        VisitFactory(report=VisitReportFactory(date=days(-2)), customer=soon, follow_up_on=days(3))
        # The top grade's customers not investigated for 12 months.
        key = grade("key")
        customer("K1", grade=key)
        stale = customer("K2", grade=key)
        investigation(stale, -500, -480, "low")
        fresh = customer("K3", grade=key)
        investigation(fresh, -40)
        customer("G1", grade=grade("general"))


@pytest.fixture
def world(salesperson, manager):
    return World(salesperson, manager)


def test_each_reason_lists_its_customers_in_order(client, manager, world):
    client.force_login(manager)
    html = client.get(RISK).content.decode()
    assert listed(html, "risk-incidents") == ["I2", "I1", "I3"]
    assert listed(html, "risk-high") == ["H3", "H1"]
    assert listed(html, "risk-follow-ups") == ["F2", "F1"]
    assert listed(html, "risk-stale") == ["K1", "K2"]
    assert "Key customer: no investigation for 12 months" in html


def test_each_row_commissions_an_investigation_for_its_customer(client, manager, world):
    client.force_login(manager)
    html = client.get(RISK).content.decode()
    for code in ("I1", "H1", "F1", "K1"):
        pk = Customer.objects.get(code=code).pk
        assert f'href="{reverse("investigations:create")}?customer={pk}"' in html
    response = client.get(reverse("investigations:create"), {"customer": pk})
    assert 'value="K1"' in response.content.decode()


def test_an_investigation_in_progress_is_shown(client, manager, world):
    client.force_login(manager)
    html = client.get(RISK).content.decode()
    start = html.index('data-testid="risk-high"')
    assert "in progress" in html[start : html.index("</section>", start)]


def test_the_stale_months_are_a_setting(client, manager, world, settings):
    settings.INVESTIGATION_STALE_MONTHS = 24
    client.force_login(manager)
    html = client.get(RISK).content.decode()
    assert listed(html, "risk-stale") == ["K1"]
    assert "no investigation for 24 months" in html


def test_a_salesperson_has_no_risk_view(client, salesperson):
    client.force_login(salesperson)
    assert client.get(RISK).status_code == 403


def test_the_sections_are_limited_and_say_how_many_there_are(client, manager, salesperson):
    for number in range(23):
        CustomerFactory(code=f"KX{number:02d}", salesperson=salesperson, grade=grade("key"))
    client.force_login(manager)
    html = client.get(RISK).content.decode()
    assert len(listed(html, "risk-stale")) == 20
    assert "The first 20 of 23 customers." in html


def test_the_risk_view_takes_a_fixed_number_of_queries(
    client, manager, salesperson, django_assert_max_num_queries
):
    client.force_login(manager)
    World(salesperson, manager)
    with django_assert_max_num_queries(10) as few:
        client.get(RISK)
    for number in range(10):
        customer = CustomerFactory(salesperson=salesperson, grade=grade("key"))
        CreditIncidentFactory(customer=customer)
        InvestigationFactory(
            customer=customer,
            requested_by=manager,
            requested_on=days(-400),
            delivered_on=days(-390),
            risk_level="high",
            status=Investigation.Status.DELIVERED,
        )
        VisitFactory(
            report=VisitReportFactory(date=days(-10 - number)),
            customer=customer,
            follow_up_on=days(-1),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(RISK)
    html = response.content.decode()
    assert len(listed(html, "risk-high")) == 12
    assert len(listed(html, "risk-stale")) == 12
