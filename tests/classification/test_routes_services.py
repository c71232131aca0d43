import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from classification.models import VisitFrequency
from classification.routing import route_length
from classification.services.routes import (
    plan_for,
    route_add_customer,
    route_create,
    route_delete,
    route_optimise_apply,
    route_optimise_preview,
    route_planned_on,
    route_remove_customer,
    route_reorder,
    route_update,
)
from customers.models import Channel, Customer
from tests.customers.factories import CustomerFactory, RegionFactory, RouteFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def stops(route) -> list[tuple[str, int]]:
    return list(
        Customer.objects.filter(route=route)
        .order_by("route_position")
        .values_list("code", "route_position")
    )


def put_on(route, *customers):
    """Customers on the route in the given order, positions 1..n (set-up only)."""
    for position, customer in enumerate(customers, 1):
        Customer.objects.filter(pk=customer.pk).update(route=route, route_position=position)


@pytest.fixture
def route():
    return RouteFactory(code="SZ-1", region=RegionFactory(code="SZ", name="深圳"))


# Add, remove, reorder -------------------------------------------------------------------------


def test_added_customer_goes_last_and_the_card_history_records_the_route(route, manager):
    first = CustomerFactory(code="A", region=route.region)
    second = CustomerFactory(code="B", region=route.region)
    route_add_customer(route=route, customer=first, actor=manager)
    added = route_add_customer(route=route, customer=second, actor=manager)

    assert stops(route) == [("A", 1), ("B", 2)]
    assert (added.route_id, added.route_position, added.version) == (route.pk, 2, 2)
    latest = second.history.order_by("-history_id").first()
    assert (latest.route_id, latest.history_user, latest.history_channel) == (
        route.pk,
        manager,
        Channel.MANUAL,
    )
    assert latest.prev_record.route_id is None


def test_a_customer_of_a_sub_region_can_be_added(route, manager):
    district = RegionFactory(code="SZ-NS", parent=route.region)
    customer = CustomerFactory(code="A", region=district)
    route_add_customer(route=route, customer=customer, actor=manager)
    assert stops(route) == [("A", 1)]


@pytest.mark.parametrize("case", ["other_region", "other_route", "already"])
def test_adding_is_refused_outside_the_region_or_when_on_a_route(route, manager, case):
    other_route = RouteFactory(code="SZ-2", region=route.region)
    customer = CustomerFactory(code="A", region=route.region)
    if case == "other_region":
        customer = CustomerFactory(code="X", region=RegionFactory(code="GZ"))
    elif case == "other_route":
        put_on(other_route, customer)
    else:
        put_on(route, customer)
    customer.refresh_from_db()
    before = (customer.route_id, customer.route_position, customer.version)

    with pytest.raises(ValidationError):
        route_add_customer(route=route, customer=customer, actor=manager)

    customer.refresh_from_db()
    assert (customer.route_id, customer.route_position, customer.version) == before
    assert customer.history.count() == 1


def test_removing_renumbers_the_rest_and_records_the_change(route, manager):
    a, b, c = (CustomerFactory(code=code, region=route.region) for code in "ABC")
    for customer in (a, b, c):
        route_add_customer(route=route, customer=customer, actor=manager)

    removed = route_remove_customer(
        route=route, customer=Customer.objects.get(pk=a.pk), actor=manager
    )

    assert stops(route) == [("B", 1), ("C", 2)]
    removed.refresh_from_db()
    assert (removed.route_id, removed.route_position) == (None, None)
    latest = removed.history.order_by("-history_id").first()
    assert (latest.route_id, latest.prev_record.route_id, latest.history_user) == (
        None,
        route.pk,
        manager,
    )


def test_reorder_sets_positions_1_to_n_without_card_history(route, manager):
    a, b, c = (CustomerFactory(code=code, region=route.region) for code in "ABC")
    put_on(route, a, b, c)

    route_reorder(route=route, customer_ids=[c.pk, a.pk, b.pk], actor=manager)

    assert stops(route) == [("C", 1), ("A", 2), ("B", 3)]
    assert [customer.history.count() for customer in (a, b, c)] == [1, 1, 1]
    assert list(Customer.objects.filter(route=route).values_list("version", flat=True)) == [
        1,
        1,
        1,
    ]


@pytest.mark.parametrize("wrong", ["missing", "extra", "duplicate"])
def test_reorder_with_a_wrong_set_of_customers_is_refused_and_changes_nothing(
    route, manager, wrong
):
    a, b, c = (CustomerFactory(code=code, region=route.region) for code in "ABC")
    put_on(route, a, b, c)
    outsider = CustomerFactory(code="X")
    ids = {
        "missing": [c.pk, a.pk],
        "extra": [c.pk, a.pk, b.pk, outsider.pk],
        "duplicate": [c.pk, a.pk, a.pk],
    }[wrong]

    with pytest.raises(ValidationError):
        route_reorder(route=route, customer_ids=ids, actor=manager)

    assert stops(route) == [("A", 1), ("B", 2), ("C", 3)]


def test_reorder_takes_one_update_query(route, manager, django_assert_num_queries):
    customers = [CustomerFactory(code=f"C{i:02d}", region=route.region) for i in range(12)]
    put_on(route, *customers)
    with django_assert_num_queries(5, exact=False) as context:
        route_reorder(route=route, customer_ids=[c.pk for c in reversed(customers)], actor=manager)
    # Lock the route, read the current stops, one UPDATE (the savepoints aside).
    work = [q["sql"] for q in context.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(work) == 3
    assert work[2].startswith("UPDATE")
    assert [code for code, _ in stops(route)] == [f"C{i:02d}" for i in reversed(range(12))]


# Optimising -----------------------------------------------------------------------------------

# Along a line of longitude, visited zig-zag: the short order is obviously west to east.
POINTS = {
    "A": ("22.500000", "114.050000"),
    "B": ("22.500000", "114.010000"),
    "C": ("22.500000", "114.040000"),
    "D": ("22.500000", "114.020000"),
    "E": ("22.500000", "114.030000"),
}


def make_stops(route, codes, coordinates=POINTS):
    customers = []
    for code in codes:
        latitude, longitude = coordinates.get(code, (None, None))
        customers.append(
            CustomerFactory(
                code=code,
                region=route.region,
                latitude=Decimal(latitude) if latitude else None,
                longitude=Decimal(longitude) if longitude else None,
            )
        )
    put_on(route, *customers)
    return customers


def independent_lengths(route, current_codes, proposed_codes):
    start = (float(route.start_latitude), float(route.start_longitude))
    points = [tuple(float(v) for v in POINTS[code]) for code in current_codes]
    index = {code: i for i, code in enumerate(current_codes)}
    return (
        route_length(start, points, list(range(len(points)))),
        route_length(start, points, [index[code] for code in proposed_codes]),
    )


def test_preview_proposes_a_shorter_order_with_exact_distances(route):
    route = route_update(
        route=route,
        changes={"start_latitude": Decimal("22.5"), "start_longitude": Decimal("114.0")},
        actor=None,
    )
    make_stops(route, "ABCDE")

    preview = route_optimise_preview(route=route)

    assert [c.code for c in preview.current_order] == list("ABCDE")
    assert [c.code for c in preview.proposed_order] == list("BDECA")
    before, after = independent_lengths(route, list("ABCDE"), list("BDECA"))
    assert preview.distance_before_km == before
    assert preview.distance_after_km == after
    assert preview.distance_after_km < preview.distance_before_km
    assert preview.skipped_without_coordinates == []


def test_preview_never_proposes_a_longer_route_than_an_already_good_one(route):
    route = route_update(
        route=route,
        changes={"start_latitude": Decimal("22.5"), "start_longitude": Decimal("114.0")},
        actor=None,
    )
    make_stops(route, "BDECA")

    preview = route_optimise_preview(route=route)

    assert [c.code for c in preview.proposed_order] == list("BDECA")
    assert preview.distance_after_km == preview.distance_before_km


def test_without_a_start_point_the_first_stop_is_the_start(route):
    make_stops(route, "ECBAD")
    preview = route_optimise_preview(route=route)
    start = tuple(float(v) for v in POINTS["E"])
    points = [tuple(float(v) for v in POINTS[code]) for code in "ECBAD"]
    index = {code: i for i, code in enumerate("ECBAD")}
    proposed = [c.code for c in preview.proposed_order]
    assert preview.distance_before_km == route_length(start, points, range(5))
    assert preview.distance_after_km == route_length(start, points, [index[c] for c in proposed])
    assert preview.distance_after_km <= preview.distance_before_km
    assert proposed[0] == "E"


def test_customers_without_coordinates_keep_their_order_at_the_end(route):
    route = route_update(
        route=route,
        changes={"start_latitude": Decimal("22.5"), "start_longitude": Decimal("114.0")},
        actor=None,
    )
    make_stops(route, ["A", "Y", "B", "C", "X", "D", "E"])

    preview = route_optimise_preview(route=route)

    assert [c.code for c in preview.proposed_order] == ["B", "D", "E", "C", "A", "Y", "X"]
    assert [c.code for c in preview.skipped_without_coordinates] == ["Y", "X"]
    before, after = independent_lengths(route, list("ABCDE"), list("BDECA"))
    assert (preview.distance_before_km, preview.distance_after_km) == (before, after)


def test_apply_writes_exactly_the_preview_order(route, manager):
    route = route_update(
        route=route,
        changes={"start_latitude": Decimal("22.5"), "start_longitude": Decimal("114.0")},
        actor=None,
    )
    make_stops(route, ["A", "Y", "B", "C", "D", "E"])
    preview = route_optimise_preview(route=route)

    route_optimise_apply(
        route=route, actor=manager, expected_current=[c.pk for c in preview.current_order]
    )

    assert stops(route) == [
        (c.code, position) for position, c in enumerate(preview.proposed_order, 1)
    ]


def test_apply_is_refused_when_the_route_changed_since_the_preview(route, manager):
    make_stops(route, "ABCDE")
    preview = route_optimise_preview(route=route)
    route_remove_customer(route=route, customer=Customer.objects.get(code="C"), actor=manager)
    before = stops(route)

    with pytest.raises(ValidationError):
        route_optimise_apply(
            route=route, actor=manager, expected_current=[c.pk for c in preview.current_order]
        )

    assert stops(route) == before


# Route and its set-up ---------------------------------------------------------------------------


def test_route_needs_both_start_coordinates_and_a_sales_salesperson(manager, salesperson):
    region = RegionFactory(code="SZ")
    base = {"code": "R1", "name": "一号线", "region": region}
    with pytest.raises(ValidationError) as refused:
        route_create(data={**base, "start_latitude": Decimal("22.5")}, actor=manager)
    assert set(refused.value.message_dict) == {"start_longitude"}
    with pytest.raises(ValidationError) as refused:
        route_create(data={**base, "salesperson": manager}, actor=manager)
    assert set(refused.value.message_dict) == {"salesperson"}

    route = route_create(data={**base, "salesperson": salesperson}, actor=manager)
    assert (route.code, route.salesperson, route.visit_frequency) == ("R1", salesperson, "weekly")


def test_a_route_with_customers_is_not_deleted(route, manager):
    customer = CustomerFactory(code="A", region=route.region)
    put_on(route, customer)
    with pytest.raises(ValidationError, match="still has 1 customer"):
        route_delete(route=route, actor=manager)
    customer.refresh_from_db()
    assert customer.route_id == route.pk

    route_remove_customer(route=route, customer=customer, actor=manager)
    route_delete(route=route, actor=manager)
    assert not type(route).objects.filter(pk=route.pk).exists()


# Visiting days ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "first", "day", "planned"),
    [
        ("weekly", D(2026, 1, 5), D(2026, 1, 5), True),
        ("weekly", D(2026, 1, 5), D(2026, 1, 12), True),
        ("weekly", D(2026, 1, 5), D(2026, 1, 13), False),
        ("weekly", D(2026, 1, 5), D(2025, 12, 29), False),  # before the first round
        ("fortnightly", D(2026, 1, 5), D(2026, 1, 12), False),
        ("fortnightly", D(2026, 1, 5), D(2026, 1, 19), True),
        ("fortnightly", D(2026, 1, 5), D(2026, 3, 2), True),
        ("monthly", D(2026, 1, 15), D(2026, 2, 15), True),
        ("monthly", D(2026, 1, 15), D(2026, 2, 16), False),
        ("monthly", D(2026, 1, 31), D(2026, 2, 28), True),  # clamped to the month's end
        ("monthly", D(2026, 1, 31), D(2026, 2, 27), False),
        ("monthly", D(2026, 1, 31), D(2026, 4, 30), True),
        ("monthly", D(2026, 1, 31), D(2026, 5, 31), True),
        ("monthly", D(2026, 1, 31), D(2026, 5, 30), False),
        ("monthly", D(2028, 1, 31), D(2028, 2, 29), True),  # leap year
        ("monthly", D(2026, 1, 30), D(2026, 3, 30), True),
        ("quarterly", D(2026, 1, 31), D(2026, 4, 30), True),
        ("quarterly", D(2026, 1, 31), D(2026, 3, 31), False),
        ("quarterly", D(2025, 11, 30), D(2026, 2, 28), True),  # across the year end
        ("quarterly", D(2026, 1, 15), D(2027, 1, 15), True),
        ("quarterly", D(2026, 1, 15), D(2026, 2, 15), False),
    ],
)
def test_route_planned_on(frequency, first, day, planned):
    route = RouteFactory(visit_frequency=frequency, first_visit_on=first)
    assert route_planned_on(route, day) is planned


def test_a_route_without_a_first_visit_date_is_never_planned():
    route = RouteFactory(visit_frequency=VisitFrequency.WEEKLY, first_visit_on=None)
    assert route_planned_on(route, D(2026, 1, 5)) is False


def test_plan_lists_only_the_salespersons_due_routes_with_stops_in_order(
    salesperson, other_salesperson
):
    monday = D(2026, 1, 5)
    region = RegionFactory(code="SZ")
    second = RouteFactory(
        code="B", order=2, region=region, salesperson=salesperson, first_visit_on=monday
    )
    first = RouteFactory(
        code="A", order=1, region=region, salesperson=salesperson, first_visit_on=monday
    )
    RouteFactory(  # due on Tuesdays
        code="C", region=region, salesperson=salesperson, first_visit_on=D(2026, 1, 6)
    )
    RouteFactory(
        code="D", region=region, salesperson=salesperson, first_visit_on=monday, is_active=False
    )
    RouteFactory(code="E", region=region, salesperson=other_salesperson, first_visit_on=monday)
    put_on(
        first,
        CustomerFactory(code="A2", region=region, salesperson=salesperson),
        CustomerFactory(code="A1", region=region, salesperson=salesperson),
        CustomerFactory(code="A3", region=region, salesperson=other_salesperson),  # not theirs
        CustomerFactory(
            code="A4", region=region, salesperson=salesperson, status=Customer.Status.ARCHIVED
        ),
    )
    put_on(second, CustomerFactory(code="B1", region=region, salesperson=salesperson))

    plan = plan_for(salesperson, monday + datetime.timedelta(days=7))

    assert [(p.route.code, [c.code for c in p.stops]) for p in plan] == [
        ("A", ["A2", "A1"]),
        ("B", ["B1"]),
    ]
    assert plan_for(salesperson, monday + datetime.timedelta(days=3)) == []


def test_a_customers_own_frequency_overrides_the_routes_for_its_stop(salesperson):
    monday = D(2026, 1, 5)
    route = RouteFactory(code="A", salesperson=salesperson, first_visit_on=monday)
    put_on(
        route,
        CustomerFactory(code="W", salesperson=salesperson),
        CustomerFactory(code="F", salesperson=salesperson, visit_frequency="fortnightly"),
    )
    route_b = RouteFactory(
        code="B", salesperson=salesperson, first_visit_on=monday, visit_frequency="monthly"
    )
    put_on(route_b, CustomerFactory(code="M", salesperson=salesperson, visit_frequency="weekly"))

    def plan(day):
        return [(p.route.code, [c.code for c in p.stops]) for p in plan_for(salesperson, day)]

    assert plan(D(2026, 1, 19)) == [("A", ["W", "F"]), ("B", ["M"])]
    assert plan(D(2026, 1, 12)) == [("A", ["W"]), ("B", ["M"])]
    assert plan(D(2026, 2, 5)) == [("B", [])]  # the route's monthly day: M is not due
