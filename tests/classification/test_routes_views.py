import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from classification.models import Region, Route
from customers.models import Customer
from tests.accounts.factories import UserFactory
from tests.customers.factories import (
    ContactFactory,
    CustomerFactory,
    RegionFactory,
    RouteFactory,
    grade,
)

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"classification:{name}", args=args)


def codes(route) -> list[str]:
    return list(
        Customer.objects.filter(route=route)
        .order_by("route_position")
        .values_list("code", flat=True)
    )


def put_on(route, *customers):
    for position, customer in enumerate(customers, 1):
        Customer.objects.filter(pk=customer.pk).update(route=route, route_position=position)


@pytest.fixture
def region():
    return RegionFactory(code="SZ", name="深圳")


@pytest.fixture
def own_route(region, salesperson):
    """The salesperson's route: two of their customers and one of a colleague's."""
    route = RouteFactory(code="R-OWN", name="南山线", region=region, salesperson=salesperson)
    put_on(
        route,
        CustomerFactory(code="MINE-1", name="我的一", region=region, salesperson=salesperson),
        CustomerFactory(code="THEIRS", name="别人的", region=region),
        CustomerFactory(code="MINE-2", name="我的二", region=region, salesperson=salesperson),
    )
    return route


@pytest.fixture
def other_route(region, other_salesperson):
    return RouteFactory(code="R-OTHER", region=region, salesperson=other_salesperson)


# Permissions ----------------------------------------------------------------------------------


def test_salesperson_lists_only_their_routes_and_counts_only_their_customers(
    client, salesperson, own_route, other_route
):
    client.force_login(salesperson)
    response = client.get(url("route_list"))
    assert response.status_code == 200
    assert [route.code for route in response.context["routes"]] == ["R-OWN"]
    assert response.context["routes"][0].stop_count == 2


def test_manager_lists_every_route_with_its_stop_count(client, manager, own_route, other_route):
    client.force_login(manager)
    routes = client.get(url("route_list")).context["routes"]
    assert [(route.code, route.stop_count) for route in routes] == [
        ("R-OTHER", 0),
        ("R-OWN", 3),
    ]


def test_salesperson_sees_only_their_customers_on_their_route(client, salesperson, own_route):
    client.force_login(salesperson)
    for name in ("route_detail", "route_sheet"):
        response = client.get(url(name, own_route.pk))
        assert response.status_code == 200
        assert [stop.code for stop in response.context["stops"]] == ["MINE-1", "MINE-2"]
        assert "THEIRS" not in response.content.decode()


def test_another_salespersons_route_does_not_exist_for_a_salesperson(
    client, salesperson, other_route
):
    client.force_login(salesperson)
    for name in ("route_detail", "route_sheet"):
        assert client.get(url(name, other_route.pk)).status_code == 404


def test_a_user_without_a_role_sees_no_routes(client, own_route):
    client.force_login(UserFactory(username="nobody"))
    assert list(client.get(url("route_list")).context["routes"]) == []
    assert client.get(url("route_detail", own_route.pk)).status_code == 404


def manager_only_requests(route, customer, region):
    return [
        ("get", url("route_create")),
        ("post", url("route_create")),
        ("get", url("route_edit", route.pk)),
        ("post", url("route_edit", route.pk)),
        ("post", url("route_delete", route.pk)),
        ("get", url("route_optimise", route.pk)),
        ("post", url("route_optimise", route.pk)),
        ("post", url("route_reorder", route.pk)),
        ("post", url("route_stop_add", route.pk)),
        ("post", url("route_stop_remove", route.pk, customer.pk)),
        ("post", url("route_stop_move", route.pk, customer.pk)),
        ("get", url("region_list")),
        ("get", url("region_create")),
        ("post", url("region_create")),
        ("get", url("region_edit", region.pk)),
        ("post", url("region_edit", region.pk)),
        ("post", url("region_delete", region.pk)),
    ]


def test_manager_only_actions_are_forbidden_to_a_salesperson_and_change_nothing(
    client, salesperson, own_route, region
):
    customer = Customer.objects.get(code="MINE-1")
    client.force_login(salesperson)
    for method, address in manager_only_requests(own_route, customer, region):
        data = {"customer": customer.pk, "direction": "down", "code": "X", "name": "X"}
        response = getattr(client, method)(address, data)
        assert response.status_code == 403, address
    assert codes(own_route) == ["MINE-1", "THEIRS", "MINE-2"]
    assert Route.objects.filter(code="X").count() == Region.objects.filter(code="X").count() == 0


def test_anonymous_users_are_sent_to_log_in(client, own_route, region):
    customer = Customer.objects.get(code="MINE-1")
    addresses = [
        url("route_list"),
        url("route_detail", own_route.pk),
        url("route_sheet", own_route.pk),
        url("plan"),
    ] + [address for _m, address in manager_only_requests(own_route, customer, region)]
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 302, address
        assert response["Location"].startswith("/accounts/login/"), address


@pytest.mark.parametrize(
    ("name", "method"),
    [("route_stop_add", "get"), ("route_reorder", "get"), ("route_list", "post")],
)
def test_wrong_methods_are_refused(client, manager, own_route, name, method):
    client.force_login(manager)
    response = getattr(client, method)(url(name, *([own_route.pk] if name != "route_list" else [])))
    assert response.status_code == 405


# Managing stops --------------------------------------------------------------------------------


def test_manager_adds_a_customer_of_the_region_at_the_end(
    client, manager, own_route, region, salesperson
):
    free = CustomerFactory(
        code="FREE", region=RegionFactory(code="SZ-NS", parent=region), salesperson=salesperson
    )
    CustomerFactory(code="COLLEAGUES", region=region)  # another salesperson's customer
    elsewhere = CustomerFactory(
        code="ELSEWHERE", region=RegionFactory(code="GZ"), salesperson=salesperson
    )
    client.force_login(manager)

    detail = client.get(url("route_detail", own_route.pk))
    assert [c.code for c in detail.context["candidates"]] == ["FREE"]

    response = client.post(url("route_stop_add", own_route.pk), {"customer": free.pk})
    assert response.status_code == 302
    assert codes(own_route) == ["MINE-1", "THEIRS", "MINE-2", "FREE"]

    response = client.post(
        url("route_stop_add", own_route.pk), {"customer": elsewhere.pk}, follow=True
    )
    assert "Only customers of the route&#x27;s region" in response.content.decode()
    assert codes(own_route) == ["MINE-1", "THEIRS", "MINE-2", "FREE"]


def test_manager_moves_removes_and_sets_positions(client, manager, own_route):
    mine1, theirs, mine2 = (Customer.objects.get(code=c) for c in ("MINE-1", "THEIRS", "MINE-2"))
    client.force_login(manager)

    client.post(url("route_stop_move", own_route.pk, mine2.pk), {"direction": "up"})
    assert codes(own_route) == ["MINE-1", "MINE-2", "THEIRS"]
    client.post(url("route_stop_move", own_route.pk, mine1.pk), {"direction": "up"})  # first
    assert codes(own_route) == ["MINE-1", "MINE-2", "THEIRS"]

    client.post(
        url("route_reorder", own_route.pk),
        {f"position-{mine1.pk}": 3, f"position-{mine2.pk}": 9, f"position-{theirs.pk}": 1},
    )
    assert codes(own_route) == ["THEIRS", "MINE-1", "MINE-2"]

    response = client.post(
        url("route_reorder", own_route.pk),
        {f"position-{mine1.pk}": 1, f"position-{theirs.pk}": 2},
        follow=True,
    )
    assert "nothing was changed" in response.content.decode().lower()
    assert codes(own_route) == ["THEIRS", "MINE-1", "MINE-2"]

    client.post(url("route_stop_remove", own_route.pk, theirs.pk))
    assert codes(own_route) == ["MINE-1", "MINE-2"]
    assert list(
        Customer.objects.filter(route=own_route)
        .order_by("route_position")
        .values_list("route_position", flat=True)
    ) == [1, 2]


def test_optimise_preview_shows_distances_and_apply_writes_the_order(client, manager, region):
    route = RouteFactory(
        code="R-GEO",
        region=region,
        start_latitude=Decimal("22.5"),
        start_longitude=Decimal("114.0"),
    )
    longitudes = {"A": "114.05", "B": "114.01", "C": "114.04", "D": "114.02", "E": "114.03"}
    put_on(
        route,
        *(
            CustomerFactory(
                code=code, region=region, latitude=Decimal("22.5"), longitude=Decimal(lon)
            )
            for code, lon in longitudes.items()
        ),
    )
    client.force_login(manager)

    page = client.get(url("route_optimise", route.pk))
    preview = page.context["preview"]
    assert [c.code for c in preview.proposed_order] == list("BDECA")
    body = page.content.decode()
    assert f"{preview.distance_before_km:.2f} km" in body
    assert f"{preview.distance_after_km:.2f} km" in body

    stale = client.post(url("route_optimise", route.pk), {"current": "1,2,3"})
    assert stale.status_code == 302
    assert codes(route) == list("ABCDE")

    client.post(url("route_optimise", route.pk), {"current": page.context["current_ids"]})
    assert codes(route) == list("BDECA")


def test_manager_creates_and_edits_a_route(client, manager, salesperson, region):
    client.force_login(manager)
    data = {
        "code": "R-NEW",
        "name": "新线",
        "region": region.pk,
        "salesperson": salesperson.pk,
        "start_latitude": "22.5",
        "start_longitude": "114.05",
        "visit_frequency": "monthly",
        "first_visit_on": "2026-01-31",
        "order": 0,
        "is_active": "on",
    }
    response = client.post(url("route_create"), data)
    route = Route.objects.get(code="R-NEW")
    assert response["Location"] == url("route_detail", route.pk)
    assert (route.salesperson, route.visit_frequency, route.first_visit_on) == (
        salesperson,
        "monthly",
        datetime.date(2026, 1, 31),
    )

    refused = client.post(url("route_edit", route.pk), {**data, "salesperson": manager.pk})
    assert refused.status_code == 200
    assert "salesperson" in refused.context["form"].errors
    route.refresh_from_db()
    assert route.salesperson == salesperson


def test_deleting_a_route_in_use_shows_why_and_keeps_it(client, manager, own_route):
    client.force_login(manager)
    response = client.post(url("route_delete", own_route.pk), follow=True)
    assert "still has 3 customer(s) on it" in response.content.decode()
    assert Route.objects.filter(pk=own_route.pk).exists()


# Regions ---------------------------------------------------------------------------------------


def test_region_pages_create_and_refuse_a_cycle(client, manager, region):
    child = RegionFactory(code="SZ-NS", name="南山", parent=region)
    client.force_login(manager)

    tree = client.get(url("region_list"))
    assert tree.status_code == 200
    depths = {node.region.code: node.depth for node in tree.context["tree"]}
    assert (depths["SZ"], depths["SZ-NS"]) == (0, 1)

    form = client.get(url("region_edit", region.pk)).context["form"]
    assert child not in form.fields["parent"].queryset

    client.post(
        url("region_create"), {"code": "SZ-FT", "name": "福田", "parent": region.pk, "order": 0}
    )
    assert Region.objects.get(code="SZ-FT").parent == region

    # The choice list hides descendants; the service refuses a forged post as well.
    response = client.post(
        url("region_edit", region.pk),
        {"code": "SZ", "name": "深圳", "parent": child.pk, "order": 0},
    )
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    region.refresh_from_db()
    assert region.parent is None

    response = client.post(url("region_delete", region.pk), follow=True)
    assert "still used by" in response.content.decode()
    assert Region.objects.filter(pk=region.pk).exists()


# Day plan and the card -------------------------------------------------------------------------


def test_my_plan_lists_due_routes_for_the_chosen_day(client, salesperson, own_route):
    Route.objects.filter(pk=own_route.pk).update(first_visit_on=datetime.date(2026, 1, 5))
    client.force_login(salesperson)

    due = client.get(url("plan"), {"date": "2026-01-12"})
    assert [(p.route.code, [c.code for c in p.stops]) for p in due.context["plan"]] == [
        ("R-OWN", ["MINE-1", "MINE-2"])
    ]
    assert client.get(url("plan"), {"date": "2026-01-13"}).context["plan"] == []
    bad = client.get(url("plan"), {"date": "13/01/2026"})
    assert bad.status_code == 200
    assert bad.context["date_error"]
    for edge in ("9999-12-31", "0001-01-01"):
        at_edge = client.get(url("plan"), {"date": edge})
        assert at_edge.status_code == 200
        assert at_edge.context["day"] == timezone.localdate()


def test_the_card_shows_the_route_and_the_next_visit(client, salesperson, own_route):
    today = timezone.localdate()
    Route.objects.filter(pk=own_route.pk).update(first_visit_on=today)
    customer = Customer.objects.get(code="MINE-2")
    client.force_login(salesperson)
    response = client.get(customer.get_absolute_url())
    card_route = response.context["card_route"]
    assert (card_route["route"], card_route["position"], card_route["next_visit"]) == (
        own_route,
        3,
        today,
    )
    assert 'data-testid="card-route"' in response.content.decode()


# Query counts ----------------------------------------------------------------------------------


def route_with_stops(region, count: int) -> Route:
    route = RouteFactory(code=f"R-{count}", region=region)
    customers = [
        CustomerFactory(
            code=f"Q{count}-{i:02d}",
            region=region,
            grade=grade("key") if i % 2 else None,
            latitude=Decimal("22.5"),
            longitude=Decimal("114.0") + Decimal(i) / 100,
        )
        for i in range(count)
    ]
    for customer in customers:
        ContactFactory(customer=customer, is_primary=True)
        ContactFactory(customer=customer, is_primary=False)
    put_on(route, *customers)
    return route


@pytest.mark.parametrize("name", ["route_detail", "route_sheet"])
def test_route_pages_take_the_same_queries_for_3_and_30_stops(client, manager, region, name):
    small, large = route_with_stops(region, 3), route_with_stops(region, 30)
    client.force_login(manager)
    client.get(url(name, small.pk))  # warm the session and the user's roles

    counts = []
    for route in (small, large):
        with CaptureQueriesContext(connection) as context:
            response = client.get(url(name, route.pk))
        assert response.status_code == 200
        assert len(response.context["stops"]) == route.customer_set.count()
        counts.append(len(context.captured_queries))
    assert counts[0] == counts[1]
    # Session, user, roles, route, stops, primary contacts (+ region subtree and candidates
    # on the detail page for a manager).
    assert counts[0] == {"route_detail": 8, "route_sheet": 6}[name]


def test_the_sheet_shows_contact_and_last_sale(client, manager, region):
    route = route_with_stops(region, 3)
    first = Customer.objects.get(code="Q3-00")
    Customer.objects.filter(pk=first.pk).update(last_sale_on=datetime.date(2026, 3, 1))
    contact = first.contacts.get(is_primary=True)
    client.force_login(manager)
    body = client.get(url("route_sheet", route.pk)).content.decode()
    assert "last sale 2026-03-01" in body
    assert contact.name in body
