"""Routes (客户路序): which customers a route visits, in which order, and on which days.

Whether a customer is on a route is card data: it changes through `card_update` (manual
channel), so the card's history shows it. The order of the stops (`route_position`) is
not card data: it is renumbered here in single bulk updates and leaves no card history.
The read helpers at the end (stops, plan, sheet) are the route pages' selectors; they
always start from the one customer scoping rule."""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Max, Prefetch, Q, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import SALES, is_manager, is_sales
from classification.models import Region, Route, VisitFrequency
from classification.routing import optimise_order, route_length
from classification.schedule import (
    next_visit_on,
    route_planned_on,
    stop_frequency,
    stop_planned_on,
)
from customers.models import Channel, Contact, Customer
from customers.services import card_update

ROUTE_FIELDS = (
    "code",
    "name",
    "name_en",
    "region",
    "salesperson",
    "start_latitude",
    "start_longitude",
    "visit_frequency",
    "first_visit_on",
    "order",
    "is_active",
)


def stops_ordered(queryset):
    """Stops in visiting order; a customer put on a route from its card (no position yet)
    comes last, by code, until the route is renumbered."""
    return queryset.order_by(F("route_position").asc(nulls_last=True), "code", "pk")


# Route create and update -------------------------------------------------------------------


def _validate_route(route: Route) -> None:
    route.full_clean()
    errors = {}
    if (route.start_latitude is None) != (route.start_longitude is None):
        errors["start_longitude"] = _("Give both the latitude and the longitude of the start.")
    if (
        route.salesperson_id is not None
        and not get_user_model()
        .objects.filter(pk=route.salesperson_id, groups__name=SALES)
        .exists()
    ):
        errors["salesperson"] = _("The salesperson must be a member of the sales group.")
    if errors:
        raise ValidationError(errors)


def route_create(*, data: Mapping[str, Any], actor) -> Route:
    """A new route (managers). Both start coordinates or neither; the salesperson, if any,
    belongs to the sales group."""
    unknown = set(data) - set(ROUTE_FIELDS)
    if unknown:
        raise ValueError(f"Not route fields: {sorted(unknown)}")
    route = Route(**data)
    _validate_route(route)
    route.save()
    return route


def route_update(*, route: Route, changes: Mapping[str, Any], actor) -> Route:
    """Change a route's fields under the same rules as `route_create`, saving only those
    (the row locked meanwhile); returns the route as saved. A customer on a route
    is the customer of the salesperson who rides it, so giving the route to another
    salesperson hands its stops over too: each stop's card is reassigned through the card's
    update door (in its history), all or nothing."""
    unknown = set(changes) - set(ROUTE_FIELDS)
    if unknown:
        raise ValueError(f"Not route fields: {sorted(unknown)}")
    with transaction.atomic():
        route = _lock(route)
        handed_over = (
            "salesperson" in changes
            and changes["salesperson"] is not None
            and _raw_pk(changes["salesperson"]) != route.salesperson_id
        )
        for name, value in changes.items():
            setattr(route, name, value)
        _validate_route(route)
        route.save(update_fields=list(changes))
        if handed_over:
            for customer in Customer.objects.filter(route=route).exclude(
                salesperson=route.salesperson
            ):
                card_update(
                    customer=customer,
                    changes={"salesperson": route.salesperson},
                    actor=actor,
                    channel=Channel.MANUAL,
                    expected_version=customer.version,
                )
    return route


def _raw_pk(value):
    return value.pk if hasattr(value, "pk") else value


def route_delete(*, route: Route, actor) -> None:
    """Delete a route nobody uses. Taking customers off a route is a card change, recorded in
    each card's history, so a route with customers is refused here (deactivate it instead);
    the database refuses it too (`PROTECT`), whoever deletes."""
    with transaction.atomic():
        route = _lock(route)
        used = Customer.objects.filter(route=route).count()
        if used:
            raise ValidationError(
                _(
                    "“%(route)s” still has %(count)s customer(s) on it. Take them off the "
                    "route or deactivate the route instead."
                ),
                params={"route": route, "count": used},
                code="in_use",
            )
        route.delete()


# Stops: add, remove, reorder ---------------------------------------------------------------


def _lock(route: Route) -> Route:
    # Position changes on one route are serialised on the route row (PostgreSQL; SQLite
    # serialises every write anyway).
    return Route.objects.select_for_update().get(pk=route.pk)


def _renumber(route: Route, customer_ids: Sequence[int]) -> None:
    """Positions 1..n in the given order, in one UPDATE."""
    if not customer_ids:
        return
    Customer.objects.filter(route=route, pk__in=customer_ids).update(
        route_position=Case(
            *(When(pk=pk, then=Value(position)) for position, pk in enumerate(customer_ids, 1)),
            output_field=IntegerField(),
        )
    )


def _current_ids(route: Route) -> list[int]:
    return list(stops_ordered(Customer.objects.filter(route=route)).values_list("pk", flat=True))


def route_add_customer(*, route: Route, customer: Customer, actor) -> Customer:
    """Put a customer on the route, as its last stop. The customer must belong to the
    route's region (or a region below it), must not be on another route, and must be the
    customer of the route's salesperson; a customer without a salesperson becomes theirs.
    The link is a card change (manual channel, in the card's history)."""
    if customer.route_id == route.pk:
        raise ValidationError(_("This customer is already on the route."), code="already")
    if customer.route_id is not None:
        raise ValidationError(
            _("This customer is on another route (%(route)s); take it off that route first."),
            params={"route": customer.route},
            code="other_route",
        )
    with transaction.atomic():  # card_update refuses a route outside the customer's region
        _lock(route)
        last = Customer.objects.filter(route=route).aggregate(last=Max("route_position"))["last"]
        changes: dict[str, Any] = {"route": route}
        if customer.salesperson_id is None and route.salesperson_id is not None:
            changes["salesperson"] = route.salesperson
        customer = card_update(
            customer=customer,
            changes=changes,
            actor=actor,
            channel=Channel.MANUAL,
            expected_version=customer.version,
        )
        customer.route_position = (last or 0) + 1
        Customer.objects.filter(pk=customer.pk).update(route_position=customer.route_position)
    return customer


def route_remove_customer(*, route: Route, customer: Customer, actor) -> Customer:
    """Take a customer off the route (a card change, in the card's history); the remaining
    stops are renumbered 1..n in their order."""
    if customer.route_id != route.pk:
        raise ValidationError(_("This customer is not on the route."), code="not_on_route")
    with transaction.atomic():
        _lock(route)
        customer = card_update(
            customer=customer,
            changes={"route": None},
            actor=actor,
            channel=Channel.MANUAL,
            expected_version=customer.version,
        )
        customer.route_position = None
        Customer.objects.filter(pk=customer.pk).update(route_position=None)
        _renumber(route, _current_ids(route))
    return customer


def route_reorder(*, route: Route, customer_ids: Sequence[int], actor) -> None:
    """Set the order of the stops: `customer_ids` must name exactly the route's customers,
    each once, or nothing changes. The order is not card data, so no card history."""
    customer_ids = [int(pk) for pk in customer_ids]
    with transaction.atomic():
        _lock(route)
        current = _current_ids(route)
        if len(customer_ids) != len(set(customer_ids)) or set(customer_ids) != set(current):
            raise ValidationError(
                _(
                    "The new order must list exactly the customers on the route, each once. "
                    "The route may have changed meanwhile: reload it and try again."
                ),
                code="wrong_stops",
            )
        _renumber(route, customer_ids)


# Optimising the order ----------------------------------------------------------------------


class OptimisePreview(NamedTuple):
    current_order: list[Customer]
    proposed_order: list[Customer]
    distance_before_km: float
    distance_after_km: float
    skipped_without_coordinates: list[Customer]


def _point(latitude, longitude) -> tuple[float, float]:
    return (float(latitude), float(longitude))


def route_optimise_preview(*, route: Route) -> OptimisePreview:
    """A shorter visiting order for the stops with coordinates, from the route's start point
    (or, without one, from the first such stop), never longer than the current order.
    Stops without coordinates cannot be placed: they keep their relative order at the end
    and are listed. Distances are of the open path over the stops with coordinates."""
    current = list(stops_ordered(Customer.objects.filter(route=route)))
    placed = [c for c in current if c.latitude is not None and c.longitude is not None]
    skipped = [c for c in current if c.latitude is None or c.longitude is None]
    if not placed:
        return OptimisePreview(current, list(current), 0.0, 0.0, skipped)
    points = [_point(c.latitude, c.longitude) for c in placed]
    if route.start_latitude is not None and route.start_longitude is not None:
        start = _point(route.start_latitude, route.start_longitude)
    else:
        start = points[0]
    given = list(range(len(points)))
    order = optimise_order(start, points, given)
    return OptimisePreview(
        current_order=current,
        proposed_order=[placed[index] for index in order] + skipped,
        distance_before_km=route_length(start, points, given),
        distance_after_km=route_length(start, points, order),
        skipped_without_coordinates=skipped,
    )


def route_optimise_apply(
    *, route: Route, actor, expected_current: Sequence[int] | None = None
) -> OptimisePreview:
    """Apply the optimised order. With `expected_current` (the order the preview was made
    from), a route changed since the preview is refused, so what is applied is exactly what
    was shown."""
    with transaction.atomic():
        _lock(route)
        preview = route_optimise_preview(route=route)
        if expected_current is not None and [int(pk) for pk in expected_current] != [
            c.pk for c in preview.current_order
        ]:
            raise ValidationError(
                _("The route changed since the preview. Look at the new preview and apply it."),
                code="stale_preview",
            )
        route_reorder(route=route, customer_ids=[c.pk for c in preview.proposed_order], actor=actor)
    return preview


# Reads for the route pages -----------------------------------------------------------------


def routes_visible_to(user):
    """Managers see every route; a salesperson sees the routes they ride; others none.
    Each route carries `stop_count`: the stops the user may see."""
    routes = Route.objects.select_related("region", "salesperson")
    if is_manager(user):
        return routes.annotate(stop_count=Count("customer"))
    if is_sales(user):
        return routes.filter(salesperson=user).annotate(
            stop_count=Count("customer", filter=Q(customer__salesperson=user))
        )
    return routes.none()


def route_get_for_user(user, pk) -> Route:
    """One route within the user's scope; outside it the route does not exist (404)."""
    return get_object_or_404(routes_visible_to(user), pk=pk)


def route_stops(route: Route, user):
    """The route's customers the user may see, in visiting order, with what the route
    pages show: grade and the primary contact (`primary_contacts`, a list of zero or one).
    Three queries, whatever the number of stops."""
    return stops_ordered(
        Customer.objects.visible_to(user)
        .filter(route=route)
        .select_related("grade")
        .prefetch_related(
            Prefetch(
                "contacts",
                queryset=Contact.objects.filter(is_primary=True),
                to_attr="primary_contacts",
            )
        )
    )


def route_candidates(route: Route, *, search: str = "", limit: int = 100):
    """Customers who could be added to the route: active, in its region subtree, on no
    route, and the customers of the route's salesperson (or of nobody yet); narrowed by
    code or name."""
    candidates = Customer.objects.active().filter(
        route__isnull=True, region__in=Region.objects.subtree_ids(route.region)
    )
    if route.salesperson_id is not None:
        candidates = candidates.filter(
            Q(salesperson_id=route.salesperson_id) | Q(salesperson__isnull=True)
        )
    if search.strip():
        candidates = candidates.filter(
            Q(code__icontains=search.strip()) | Q(name__icontains=search.strip())
        )
    return candidates.order_by("code")[:limit]


@dataclass
class PlannedRoute:
    route: Route
    stops: list[Customer] = field(default_factory=list)


def plan_for(user, day: datetime.date) -> list[PlannedRoute]:
    """The salesperson's rounds on `day`: each active route they ride that has something due,
    with the due stops in visiting order (only active customers in their scope). A stop is
    due by its own frequency when the customer has one, otherwise by the route's (see
    `stop_planned_on`); a route due that day is listed even when no stop is due.

    Planned versus actual is computed above this layer, where the daily visit reports are:
    `visits.reporting.route_coverage` counts the same plan (`stop_planned_on`) against the
    visits filed on each day, and `visits.reporting.customers_overdue` lists the stops that
    waited longer than their frequency."""
    routes = list(
        Route.objects.filter(salesperson=user, is_active=True)
        .select_related("region")
        .order_by("order", "code")
    )
    stops: dict[int, list[Customer]] = {route.pk: [] for route in routes}
    customers = stops_ordered(
        Customer.objects.visible_to(user).active().filter(route__in=routes).select_related("grade")
    )
    for customer in customers:
        stops[customer.route_id].append(customer)
    plan = []
    for route in routes:
        due = [c for c in stops[route.pk] if stop_planned_on(route, c, day)]
        if due or route_planned_on(route, day):
            plan.append(PlannedRoute(route, due))
    return plan


def card_route_summary(user, customer: Customer) -> dict:
    """What the card shows about the customer's route: the route (`can_open` when the user
    may open its page), the stop's position, the frequency that applies to it (its own or
    the route's) and the next visit day."""
    route = customer.route
    if route is None:
        return {"route": None}
    return {
        "route": route,
        "can_open": is_manager(user) or route.salesperson_id == user.pk,
        "position": customer.route_position,
        "frequency": VisitFrequency(stop_frequency(route, customer)).label,
        "own_frequency": bool(customer.visit_frequency),
        "next_visit": next_visit_on(route, customer, timezone.localdate())
        if route.is_active
        else None,
    }
