"""The home page: a salesperson's round of the day and follow-ups, what needs a manager's
attention, the panel registry that brings them from the apps above accounts, and a constant
number of queries."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.home import register_home_panel
from classification.models import VisitFrequency
from classification.services.grading import regrade_preview
from customers.models import CreditIncident, Customer
from tests.customers.factories import (
    CreditIncidentFactory,
    CustomerFactory,
    RegionFactory,
    RouteFactory,
)
from tests.sales.factories import SalesRecordFactory

pytestmark = pytest.mark.django_db

HOME = "/"


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def codes(html: str, attribute: str = "data-customer") -> list[str]:
    return re.findall(rf'{attribute}="([^"]+)"', html)


def section(html: str, testid: str) -> str:
    """The HTML of the element carrying `data-testid=testid`, up to its closing tag."""
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def region():
    return RegionFactory(code="SZ", name="苏州")


@pytest.fixture
def todays_route(region, salesperson):
    """A weekly route of the salesperson, due today."""
    return RouteFactory(
        code="SZ-1",
        name="苏州一线",
        region=region,
        salesperson=salesperson,
        visit_frequency=VisitFrequency.WEEKLY,
        first_visit_on=days(-14),
    )


def stop(route, code, position, **fields):
    return CustomerFactory(
        code=code, route=route, route_position=position, salesperson=route.salesperson, **fields
    )


# A salesperson's home -------------------------------------------------------------------------


def test_salesperson_sees_todays_stops_in_route_order_with_links(
    client, salesperson, todays_route, region
):
    third = stop(todays_route, "C3", 3)
    first = stop(todays_route, "C1", 1, phone="0512-1234567")
    stop(todays_route, "C2", 2)
    # Due on its own monthly frequency, which does not fall today.
    stop(todays_route, "C4", 4, visit_frequency=VisitFrequency.MONTHLY)
    RouteFactory(  # another route of theirs, not due today
        code="SZ-2", region=region, salesperson=salesperson, first_visit_on=days(-13)
    )
    client.force_login(salesperson)

    html = client.get(HOME).content.decode()

    today_panel = section(html, "home-today")
    assert codes(today_panel) == ["C1", "C2", "C3"]
    assert 'data-route="SZ-1"' in today_panel
    assert 'data-route="SZ-2"' not in today_panel
    assert f'href="{first.get_absolute_url()}"' in today_panel
    assert f'href="{third.get_absolute_url()}"' in today_panel
    assert 'href="tel:0512-1234567"' in today_panel
    assert f'href="{reverse("classification:plan")}"' in today_panel
    assert "3 stops due" in today_panel


def test_salesperson_without_a_round_today_is_told_so(client, salesperson):
    client.force_login(salesperson)
    html = client.get(HOME).content.decode()
    assert "No rounds are planned for today." in section(html, "home-today")


def test_salesperson_sees_only_their_own_stops(
    client, salesperson, other_salesperson, todays_route, region
):
    stop(todays_route, "MINE", 1)
    theirs = RouteFactory(
        code="SZ-9", region=region, salesperson=other_salesperson, first_visit_on=days(-7)
    )
    stop(theirs, "THEIRS", 1)
    client.force_login(salesperson)
    assert codes(section(client.get(HOME).content.decode(), "home-today")) == ["MINE"]


def test_follow_ups_list_first_deals_planned_in_the_next_14_days(
    client, salesperson, other_salesperson
):
    CustomerFactory(code="LATER", salesperson=salesperson, planned_first_deal_on=days(14))
    CustomerFactory(code="TODAY", salesperson=salesperson, planned_first_deal_on=today())
    CustomerFactory(code="TOO-LATE", salesperson=salesperson, planned_first_deal_on=days(15))
    CustomerFactory(code="PAST", salesperson=salesperson, planned_first_deal_on=days(-1))
    CustomerFactory(
        code="SOLD",
        salesperson=salesperson,
        planned_first_deal_on=days(3),
        first_sale_on=days(-30),
    )
    CustomerFactory(
        code="ARCHIVED",
        salesperson=salesperson,
        planned_first_deal_on=days(3),
        status=Customer.Status.ARCHIVED,
    )
    CustomerFactory(code="THEIRS", salesperson=other_salesperson, planned_first_deal_on=days(3))
    client.force_login(salesperson)

    html = client.get(HOME).content.decode()

    follow_ups = html[html.index('data-testid="home-follow-ups"') :]
    first_deals = section(follow_ups, "home-first-deals")
    assert codes(first_deals) == ["TODAY", "LATER"]
    assert "First deals planned in the next 14 days" in first_deals
    assert 'data-testid="home-visit-follow-ups"' in follow_ups
    assert "No next steps from visit reports are due." in follow_ups


def test_salesperson_does_not_get_the_managers_panels(client, salesperson):
    client.force_login(salesperson)
    html = client.get(HOME).content.decode()
    for testid in ("home-figures", "home-not-visited", "home-grade-changes", "home-incidents"):
        assert f'data-testid="{testid}"' not in html


# A manager's home -----------------------------------------------------------------------------


def test_manager_sees_customers_not_visited_for_long(client, manager, region, salesperson):
    running = RouteFactory(code="RUN", region=region, first_visit_on=days(-100))
    starting_soon = RouteFactory(code="SOON", region=region, first_visit_on=days(60))
    starting_late = RouteFactory(code="LATE", region=region, first_visit_on=days(61))
    unscheduled = RouteFactory(code="NODATE", region=region, first_visit_on=None)
    inactive = RouteFactory(code="OFF", region=region, first_visit_on=days(-7), is_active=False)
    CustomerFactory(code="A-ON-RUNNING", route=running, salesperson=salesperson)
    CustomerFactory(code="B-ON-SOON", route=starting_soon, salesperson=salesperson)
    CustomerFactory(code="C-LATE", route=starting_late, salesperson=salesperson)
    CustomerFactory(code="D-NODATE", route=unscheduled, salesperson=salesperson)
    CustomerFactory(code="E-INACTIVE", route=inactive, salesperson=salesperson)
    CustomerFactory(code="F-NO-ROUTE", route=None, salesperson=None)
    CustomerFactory(code="G-ARCHIVED", route=None, status=Customer.Status.ARCHIVED)
    client.force_login(manager)

    panel = section(client.get(HOME).content.decode(), "home-not-visited")

    assert codes(panel) == ["C-LATE", "D-NODATE", "E-INACTIVE", "F-NO-ROUTE"]
    assert 'data-testid="home-not-visited-count">4<' in panel
    assert f"starts on {days(61):%Y-%m-%d}" in panel
    assert "has no first visit date" in panel
    assert "is inactive" in panel
    assert "On no route" in panel
    assert "No salesperson" in panel


def test_manager_sees_how_many_grade_changes_wait_with_a_link_to_the_regrade(client, manager):
    for code in ("G1", "G2"):
        SalesRecordFactory(customer=CustomerFactory(code=code), date=days(-10))
    waiting = len(regrade_preview().changes)
    assert waiting == 2
    client.force_login(manager)

    panel = section(client.get(HOME).content.decode(), "home-grade-changes")

    assert f'data-testid="home-grade-changes-count">{waiting}<' in panel
    assert "A regrade now would change the grades of 2 customers" in panel
    assert f'href="{reverse("classification:regrade")}"' in panel


def test_manager_sees_open_credit_incidents_newest_first_with_links(client, manager):
    older = CreditIncidentFactory(occurred_on=days(-300), amount=Decimal("1200.50"))
    newer = CreditIncidentFactory(occurred_on=days(-20))
    CreditIncidentFactory(occurred_on=days(-10), resolved_on=days(-5))
    client.force_login(manager)

    panel = section(client.get(HOME).content.decode(), "home-incidents")

    assert codes(panel, "data-incident") == [str(newer.pk), str(older.pk)]
    assert 'data-testid="home-incidents-count">2<' in panel
    card = reverse("customers:detail", args=[older.customer.pk])
    assert f'href="{card}#transactions"' in panel
    assert "1,200.50" in panel
    assert CreditIncident.objects.filter(resolved_on__isnull=True).count() == 2


def test_manager_sees_the_archive_counted(client, manager, salesperson):
    CustomerFactory(code="SOLD", salesperson=salesperson, first_sale_on=days(-90))
    CustomerFactory(code="PROSPECT", salesperson=salesperson)
    CustomerFactory(code="NOBODY", salesperson=None, first_sale_on=days(-90))
    CustomerFactory(code="GONE", status=Customer.Status.ARCHIVED)
    client.force_login(manager)

    html = client.get(HOME).content.decode()

    figures = dict(re.findall(r'data-testid="figure-(\w+)">(\d+)<', html))
    assert figures == {"active": "3", "prospects": "1", "unassigned": "1", "archived": "1"}


def test_manager_does_not_get_a_salespersons_round_or_follow_ups(client, manager):
    client.force_login(manager)
    html = client.get(HOME).content.decode()
    assert 'data-testid="home-today"' not in html
    assert 'data-testid="home-follow-ups"' not in html


def test_an_admin_gets_the_managers_panels(client, admin_user):
    client.force_login(admin_user)
    html = client.get(HOME).content.decode()
    assert 'data-testid="home-grade-changes"' in html
    assert 'data-testid="home-today"' not in html


# In Chinese -----------------------------------------------------------------------------------

ENGLISH_HEADINGS = (
    "Today's round",
    "Follow-ups due",
    "First deals planned",
    "From visit reports",
    "Customers not visited for long",
    "Grade changes waiting",
    "Open credit incidents",
    "Active customers",
    "Open the day plan",
    "Review the regrade",
)


def test_salespersons_home_in_chinese(client, salesperson, todays_route):
    stop(todays_route, "C1", 1)
    CustomerFactory(code="P1", salesperson=salesperson, planned_first_deal_on=days(2))
    client.force_login(salesperson)

    html = client.get(HOME, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()

    for chinese in ("今日拜访", "1 个站点待拜访", "打开当日计划", "待跟进", "来自访问日报"):
        assert chinese in html
    assert "未来 14 天内计划的首次交易" in html
    assert [english for english in ENGLISH_HEADINGS if english in html] == []


def test_managers_home_in_chinese(client, manager):
    CreditIncidentFactory(occurred_on=days(-3))
    CustomerFactory(code="F-NO-ROUTE")
    client.force_login(manager)

    html = client.get(HOME, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()

    for chinese in ("久未拜访的客户", "不在任何路线上", "待处理的等级变化", "未解决的信用问题"):
        assert chinese in html
    assert "在档客户" in html
    assert [english for english in ENGLISH_HEADINGS if english in html] == []


# Queries --------------------------------------------------------------------------------------


def populate(size: int, salesperson, region) -> None:
    """`size` customers of the salesperson, each on today's round, planning a first deal,
    with sales in the grading window and an open credit incident; as many not on a route."""
    route = RouteFactory(
        code=f"Q{size}", region=region, salesperson=salesperson, first_visit_on=days(-7)
    )
    for number in range(size):
        customer = stop(route, f"Q{size}-{number:03d}", number + 1, planned_first_deal_on=days(1))
        SalesRecordFactory(customer=customer, date=days(-5))
        CreditIncidentFactory(customer=customer, occurred_on=days(-number - 1))
        CustomerFactory(code=f"N{size}-{number:03d}", salesperson=salesperson)


def home_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200
    return len(queries)


# The session, the user and their groups (3), then each panel's fixed queries: the round
# (2), the first deals (2), today's report (1), the visits' follow-ups (1) and the decided
# proposals (1); or the figures (1), not visited (2), the regrade preview (3), the
# incidents (2) and the changes waiting for review (1).
MAX_QUERIES = {"sales": 3 + 2 + 2 + 1 + 1 + 1, "manager": 3 + 1 + 2 + 3 + 2 + 1}


@pytest.mark.parametrize("size", [5, 50])
@pytest.mark.parametrize("role", ["sales", "manager"])
def test_home_page_takes_a_fixed_number_of_queries(
    client, salesperson, manager, region, django_assert_max_num_queries, size, role
):
    populate(size, salesperson, region)
    user = salesperson if role == "sales" else manager
    client.force_login(user)
    with django_assert_max_num_queries(MAX_QUERIES[role]):
        html = client.get(HOME).content.decode()
    # The panels really show what was counted: their queries did not skip the work.
    if role == "sales":
        assert len(codes(section(html, "home-today"))) == size
    else:
        assert f'data-testid="home-incidents-count">{size}<' in html
        assert f'data-testid="home-not-visited-count">{size}<' in html


@pytest.mark.parametrize("role", ["sales", "manager"])
def test_home_page_queries_do_not_grow_with_the_customers(
    client, salesperson, manager, region, role
):
    user = salesperson if role == "sales" else manager
    populate(5, salesperson, region)
    few = home_queries(client, user)
    populate(50, salesperson, region)
    assert home_queries(client, user) == few


# The registry ---------------------------------------------------------------------------------


def test_a_home_panel_must_name_known_roles_and_a_known_place():
    with pytest.raises(ImproperlyConfigured):
        register_home_panel("x", template="x.html", roles=["director"])
    with pytest.raises(ImproperlyConfigured):
        register_home_panel("x", template="x.html", roles=[])
    with pytest.raises(ImproperlyConfigured):
        register_home_panel("x", template="x.html", roles=["sales"], place="sidebar")
