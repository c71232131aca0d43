"""`manage.py seed_demo`: realistic, valid, idempotent demo data, and the demo logins; the
demo gives every page something true to show (rounds today, routes to optimise, pinned
grades, prospects) and the README's examples work on it."""

import math
import re
from collections import defaultdict
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone
from rest_framework.test import APIClient

from classification.models import Region, Route, VisitFrequency
from classification.services.grading import regrade_preview
from classification.services.routes import plan_for, route_optimise_preview
from customerforms.models import FormLink, FormSubmission
from customers.models import (
    Channel,
    Contact,
    CreditIncident,
    Customer,
    FieldProvenance,
    GradeHistory,
)
from demo.seeding import DEMO_USERS, demo_leaves, demo_password
from investigations.models import Investigation
from review.models import Proposal
from sales.models import SalesRecord
from visits.models import Visit, VisitReport

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", "--password", "demo-pass-123", *args, stdout=out)
    return out.getvalue()


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            get_user_model(),
            Region,
            Route,
            Customer,
            Contact,
            CreditIncident,
            FieldProvenance,
            GradeHistory,
            SalesRecord,
            Customer.history.model,
            Contact.history.model,
            VisitReport,
            Visit,
            Proposal,
        )
    }


def state():
    """What a second run could change: the routes' schedules, the cards' planning, route
    order, grades and versions, and the visit reports and the decisions on their proposals."""
    return {
        "reports": list(
            VisitReport.objects.order_by("pk").values_list(
                "pk", "status", "submitted_at", "late", "version"
            )
        ),
        "proposals": list(
            Proposal.objects.order_by("pk").values_list("pk", "status", "filed_at", "decided_at")
        ),
        "routes": list(
            Route.objects.order_by("code").values_list(
                "code",
                "salesperson_id",
                "visit_frequency",
                "first_visit_on",
                "start_latitude",
                "start_longitude",
            )
        ),
        "customers": list(
            Customer.objects.order_by("code").values_list(
                "code",
                "version",
                "status",
                "route_id",
                "route_position",
                "latitude",
                "longitude",
                "visit_frequency",
                "planned_first_deal_on",
                "grade_id",
                "grade_pinned",
                "grade_pin_reason",
            )
        ),
    }


def test_seeding_twice_changes_nothing_the_second_time_and_prints_the_logins():
    first = seed("--customers", "40")
    after_first, state_first = counts(), state()
    second = seed("--customers", "40")

    assert counts() == after_first
    assert state() == state_first
    assert after_first["Customer"] == 40
    assert after_first["Region"] == 1 + 6 + len(demo_leaves())
    assert after_first["Route"] == 2 * len(demo_leaves())
    assert "(40 new)" in first and "(0 new)" in second
    assert "grades changed by the regrade 0, grades pinned 0," in second
    assert f"visit reports {after_first['VisitReport']} (0 new)" in second
    for output in (first, second):
        for demo in DEMO_USERS:
            assert f"  {demo.username:<10} demo-pass-123" in output


def test_the_default_is_300_customers():
    seed()

    assert Customer.objects.count() == 300


def test_more_customers_are_added_to_the_existing_ones():
    seed("--customers", "10")
    names = dict(Customer.objects.values_list("code", "name"))

    seed("--customers", "15")

    assert Customer.objects.count() == 15
    assert {
        code: name for code, name in Customer.objects.values_list("code", "name") if code in names
    } == names


def _delete_customers():
    # The demo's visit reports, data form links, investigations and proposals hold on to
    # their customers.
    VisitReport.objects.all().delete()
    Proposal.objects.all().delete()
    FormSubmission.objects.all().delete()
    FormLink.objects.all().delete()
    Investigation.objects.all().delete()
    Customer.objects.all().delete()


def test_the_same_seed_gives_the_same_customers_and_another_seed_others():
    seed("--customers", "5", "--seed", "7", "--sales", "0")
    names = list(Customer.objects.values_list("name", flat=True))
    _delete_customers()

    seed("--customers", "5", "--seed", "7", "--sales", "0")
    assert list(Customer.objects.values_list("name", flat=True)) == names
    _delete_customers()

    seed("--customers", "5", "--seed", "8", "--sales", "0")
    assert list(Customer.objects.values_list("name", flat=True)) != names


def test_demo_customers_are_valid_cards_with_history_contacts_and_classification():
    seed("--customers", "60")
    customers = list(Customer.objects.select_related("route", "region"))

    for customer in customers:
        customer.full_clean()  # credit codes, choices and limits all valid
        if customer.is_archived:
            assert customer.route is None  # taken off its route when its trading stopped
        else:
            assert customer.region == customer.route.region
            assert customer.salesperson_id == customer.route.salesperson_id
    for contact in Contact.objects.all():
        contact.full_clean()
    for incident in CreditIncident.objects.all():
        incident.full_clean()
    # Graded from their sales by the regrade the seed runs: nothing is left to change.
    assert regrade_preview().changes == []
    graded = Customer.objects.filter(grade__isnull=False).count()
    assert graded > 0
    created = Customer.history.filter(history_type="+")
    assert created.count() == created.filter(history_channel=Channel.IMPORT).count() == 60
    # Graded every quarter for two years, then today: a history the analyses can read.
    assert Customer.history.filter(history_channel=Channel.REGRADE).count() >= graded
    open_periods = GradeHistory.objects.filter(valid_to__isnull=True)
    grades = dict(Customer.objects.values_list("pk", "grade_id"))
    assert all(period.grade_id == grades[period.customer_id] for period in open_periods)
    assert {pk for pk, grade in grades.items() if grade} <= {p.customer_id for p in open_periods}
    oldest = GradeHistory.objects.order_by("valid_from").first().valid_from
    assert (timezone.localdate() - oldest).days == 730
    regraded = GradeHistory.objects.values("customer").annotate(n=Count("pk")).filter(n__gt=1)
    assert regraded.exists()
    per_customer = Customer.objects.annotate(
        contacts_count=Count("contacts"),
        primary_count=Count("contacts", filter=Q(contacts__is_primary=True)),
    )
    assert {c.contacts_count for c in per_customer} <= {1, 2, 3}
    assert {c.primary_count for c in per_customer} == {1}
    assert Customer.objects.exclude(credit_code="").count() > 20
    assert Customer.objects.exclude(service_area="").count() > 10
    assert Customer.objects.filter(trading_since__isnull=True).exists()
    assert set(Route.objects.values_list("salesperson__username", flat=True)) == {
        "sales1",
        "sales2",
    }
    assert Region.objects.get(code="CN-GD-SZ").parent.parent == Region.objects.get(code="CN")


def _km(a, b) -> float:
    # Equirectangular: plenty at city scale.
    north = math.radians(float(b[0]) - float(a[0]))
    east = math.radians(float(b[1]) - float(a[1])) * math.cos(math.radians(float(a[0])))
    return 6371 * math.hypot(north, east)


def test_routes_have_a_schedule_a_start_and_stops_numbered_along_real_streets():
    seed("--customers", "120", "--sales", "0")
    routes = list(Route.objects.select_related("region"))
    centres = {place.code: place.centre for place in demo_leaves()}

    today = timezone.localdate()
    for route in routes:
        assert route.first_visit_on is not None
        assert 0 < (today - route.first_visit_on).days <= 31  # recent, the rounds going on
        assert _km((route.start_latitude, route.start_longitude), centres[route.region.code]) < 1
    assert {route.visit_frequency for route in routes} == {
        VisitFrequency.WEEKLY,
        VisitFrequency.FORTNIGHTLY,
        VisitFrequency.MONTHLY,
    }
    positions = defaultdict(list)
    for customer in Customer.objects.filter(route__isnull=False).select_related("route"):
        assert customer.latitude is not None and customer.longitude is not None
        route = customer.route
        assert _km((customer.latitude, customer.longitude), centres[route.region.code]) < 15
        positions[route.pk].append(customer.route_position)
    assert len(positions) == len(routes)
    for stops in positions.values():
        assert sorted(stops) == list(range(1, len(stops) + 1))
    # Some customers keep a visit frequency of their own.
    assert Customer.objects.filter(route__isnull=False).exclude(visit_frequency="").exists()
    # Addresses name the customer's city and a street of it.
    customer = Customer.objects.filter(region__code="CN-GD-GZ").first()
    assert customer.address.startswith("广东省广州市")
    assert re.search(r"(路|大道|街)\d+号$", customer.address)


def test_every_salesperson_has_stops_today_and_the_optimiser_shortens_the_routes():
    seed("--customers", "120", "--sales", "0")
    today = timezone.localdate()

    for username in ("sales1", "sales2"):
        plan = plan_for(get_user_model().objects.get(username=username), today)
        assert sum(len(planned.stops) for planned in plan) > 0

    previews = [route_optimise_preview(route=route) for route in Route.objects.all()]
    assert all(not preview.skipped_without_coordinates for preview in previews)
    shorter = [p for p in previews if p.distance_after_km < p.distance_before_km - 0.1]
    assert len(shorter) > len(previews) / 2


def test_grades_are_computed_with_a_few_pinned_and_prospects_plan_their_first_deal():
    seed("--customers", "300", "--sales", "12000")

    pinned = Customer.objects.filter(grade_pinned=True)
    assert pinned.count() >= 3
    assert not pinned.filter(grade_pin_reason="").exists()
    assert (
        GradeHistory.objects.filter(
            source=GradeHistory.Source.PIN, changed_by__username="manager"
        ).count()
        == pinned.count()
    )
    assert Customer.objects.filter(grade__isnull=False).values("grade").distinct().count() == 3
    assert CreditIncident.objects.filter(resolved_on__isnull=True).exists()
    prospects = Customer.objects.active().filter(trading_since__isnull=True)
    planned = prospects.filter(planned_first_deal_on__isnull=False)
    assert planned.exists() and planned.count() < prospects.count()
    assert not planned.filter(planned_first_deal_on__lt=timezone.localdate()).exists()
    assert not SalesRecord.objects.filter(customer__in=prospects).exists()


def test_the_readmes_api_example_finds_customers_in_the_demo():
    seed("--customers", "60", "--sales", "0")
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    example = next(
        line for line in readme.splitlines() if "curl" in line and "/api/v1/customers/" in line
    )
    query = re.search(r"q=([^\"'&\s]+)", example).group(1)
    page_size = re.search(r"page_size=(\d+)", example).group(1)
    client = APIClient()
    token = client.post(
        "/api/v1/auth/token/", {"username": "manager", "password": "demo-pass-123"}
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = client.get("/api/v1/customers/", {"q": query, "page_size": page_size})

    assert query == "贸易"
    results = response.json()["results"]
    assert 0 < len(results) <= int(page_size)
    assert all(query in customer["name"] for customer in results)


def test_seeding_again_keeps_the_demo_users_signed_in(client):
    call_command("seed_demo", customers=5, sales=0, stdout=StringIO())
    signed_in = client.post("/accounts/login/", {"username": "sales1", "password": demo_password()})
    assert signed_in.status_code == 302
    assert client.get("/").status_code == 200
    call_command("seed_demo", customers=5, sales=0, stdout=StringIO())
    response = client.get("/")
    assert response.status_code == 200  # not sent to the login page
