"""Visiting days (客户路序): on which days a route's round and each of its stops fall due.

Pure date arithmetic on a route and a customer, with no query of its own, so that any page
that has the route at hand (the customer list, the card, the day plan) can show the next
visit without reaching the classifying services."""

import calendar
import datetime
from typing import Protocol

from classification.models import Route, VisitFrequency

_MONTHS = {VisitFrequency.MONTHLY: 1, VisitFrequency.QUARTERLY: 3}
_DAYS = {VisitFrequency.WEEKLY: 7, VisitFrequency.FORTNIGHTLY: 14}


class Stop(Protocol):
    """A customer on a route, as the schedule reads it."""

    visit_frequency: str  # its own frequency, "" to follow the route's


def _monthly_visit(first_visit_on: datetime.date, months: int) -> datetime.date:
    # The same day of the month `months` after the first visit; the 31st becomes the
    # month's last day.
    year, month = divmod(first_visit_on.month - 1 + months, 12)
    year += first_visit_on.year
    last_day = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(first_visit_on.day, last_day))


def visit_due_on(frequency: str, first_visit_on: datetime.date | None, day: datetime.date) -> bool:
    """Whether a round that started on `first_visit_on` and repeats at `frequency` falls on
    `day`: weekly every 7 days, fortnightly every 14, monthly on the same day of the month
    (the 31st becomes the month's last day), quarterly the same every third month."""
    if first_visit_on is None or day < first_visit_on:
        return False
    if frequency in _DAYS:
        return (day - first_visit_on).days % _DAYS[frequency] == 0
    months = (day.year - first_visit_on.year) * 12 + day.month - first_visit_on.month
    if months % _MONTHS[frequency]:
        return False
    return day == _monthly_visit(first_visit_on, months)


def route_planned_on(route: Route, day: datetime.date) -> bool:
    """Whether the route's round falls on `day` (see `visit_due_on`); a route without a
    first visit date has no schedule."""
    return visit_due_on(route.visit_frequency, route.first_visit_on, day)


def stop_frequency(route: Route, customer: Stop) -> str:
    """A customer's own visit frequency, when set, overrides the route's for its stop."""
    return customer.visit_frequency or route.visit_frequency


def stop_planned_on(route: Route, customer: Stop, day: datetime.date) -> bool:
    """A stop follows its own frequency on the route's calendar: it is due on the days that
    frequency gives counted from the route's first visit date."""
    return visit_due_on(stop_frequency(route, customer), route.first_visit_on, day)


def next_visit_on(route: Route, customer: Stop, after: datetime.date) -> datetime.date | None:
    """The first day on or after `after` when the customer's stop is due (`stop_planned_on`),
    or None when the route has no first visit date. Computed, not searched day by day, so a
    list can show it for every row."""
    first = route.first_visit_on
    if first is None:
        return None
    if after <= first:
        return first
    frequency = stop_frequency(route, customer)
    if frequency in _DAYS:
        rounds = -(-(after - first).days // _DAYS[frequency])  # rounded up
        return first + datetime.timedelta(days=rounds * _DAYS[frequency])
    step = _MONTHS[frequency]
    months = (after.year - first.year) * 12 + after.month - first.month
    months = -(-months // step) * step
    day = _monthly_visit(first, months)
    return day if day >= after else _monthly_visit(first, months + step)


class RoutedStop(Stop, Protocol):
    """A customer with its route loaded (`select_related("route")`)."""

    route: Route | None
    is_archived: bool


def customer_next_visit_on(customer: RoutedStop, after: datetime.date) -> datetime.date | None:
    """The customer's next visit on or after `after`, as the customer list shows it: none off
    a route, on an inactive route or for an archived card, as the day plan leaves those out."""
    route = customer.route
    if route is None or not route.is_active or customer.is_archived:
        return None
    return next_visit_on(route, customer, after)
