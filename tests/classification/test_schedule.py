"""Visiting days (classification.schedule): the next visit, computed, agrees with the day-by-day
rule, and the customer list shows one only where the day plan would."""

import datetime
from dataclasses import dataclass

import pytest

from classification.models import Route, VisitFrequency
from classification.schedule import customer_next_visit_on, next_visit_on, stop_planned_on

D = datetime.date


@dataclass
class Stop:
    visit_frequency: str = ""
    route: Route | None = None
    is_archived: bool = False


def searched_next_visit(route, customer, after):
    """The rule as written: the first day from `after` on which the stop is due."""
    for offset in range(400):
        day = after + datetime.timedelta(days=offset)
        if stop_planned_on(route, customer, day):
            return day
    return None


@pytest.mark.parametrize("frequency", VisitFrequency.values)
@pytest.mark.parametrize("first", [D(2025, 1, 31), D(2025, 2, 28), D(2024, 2, 29), D(2025, 3, 15)])
def test_next_visit_is_the_first_due_day_from_the_given_day(frequency, first):
    route = Route(visit_frequency=VisitFrequency.WEEKLY, first_visit_on=first)
    stop = Stop(visit_frequency=frequency)
    for offset in range(-10, 800, 3):
        after = first + datetime.timedelta(days=offset)
        assert next_visit_on(route, stop, after) == searched_next_visit(route, stop, after), after


@pytest.mark.parametrize(
    ("frequency", "after", "expected"),
    [
        ("", D(2026, 3, 1), D(2026, 3, 2)),  # the route's weekly round: Mondays from 5 January
        ("fortnightly", D(2026, 1, 6), D(2026, 1, 19)),
        ("monthly", D(2026, 2, 6), D(2026, 3, 5)),
        ("quarterly", D(2026, 1, 6), D(2026, 4, 5)),
        ("monthly", D(2025, 12, 1), D(2026, 1, 5)),  # before the first round: the first round
    ],
)
def test_a_stop_follows_its_own_frequency_or_the_routes(frequency, after, expected):
    route = Route(visit_frequency=VisitFrequency.WEEKLY, first_visit_on=D(2026, 1, 5))
    assert next_visit_on(route, Stop(visit_frequency=frequency), after) == expected


def test_the_31st_becomes_the_last_day_of_a_shorter_month():
    route = Route(visit_frequency=VisitFrequency.MONTHLY, first_visit_on=D(2026, 1, 31))
    assert next_visit_on(route, Stop(), D(2026, 2, 1)) == D(2026, 2, 28)
    assert next_visit_on(route, Stop(), D(2026, 3, 1)) == D(2026, 3, 31)


def test_a_route_without_a_first_visit_date_has_no_next_visit():
    assert next_visit_on(Route(first_visit_on=None), Stop(), D(2026, 1, 1)) is None


def test_the_list_shows_a_next_visit_only_for_an_active_card_on_an_active_route():
    route = Route(visit_frequency=VisitFrequency.WEEKLY, first_visit_on=D(2026, 1, 5))
    today = D(2026, 3, 4)
    assert customer_next_visit_on(Stop(route=route), today) == D(2026, 3, 9)
    assert customer_next_visit_on(Stop(route=None), today) is None
    assert customer_next_visit_on(Stop(route=route, is_archived=True), today) is None
    route.is_active = False
    assert customer_next_visit_on(Stop(route=route), today) is None
