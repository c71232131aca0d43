"""Classification's panels on the home page (registered in `ClassificationConfig.ready`):
a salesperson's round of the day, and for managers the customers no round reaches and the
grade changes a regrade would make. Each takes the request and returns the panel's context,
in a fixed number of queries."""

from django.utils import timezone

from classification.selectors import NOT_VISITED_DAYS, customers_not_visited
from classification.services.grading import regrade_preview
from classification.services.routes import plan_for

# The home page lists this many customers of a panel; its figure counts them all.
HOME_LIST_LENGTH = 10


def todays_round(request) -> dict:
    """The user's routes due today with their due stops in visiting order (`plan_for`):
    two queries."""
    plan = plan_for(request.user, timezone.localdate())
    return {"plan": plan, "stop_count": sum(len(item.stops) for item in plan)}


def not_visited_panel(request) -> dict:
    """How many customers are not visited for long, and the first of them by code, with
    their route and salesperson: two queries."""
    customers = customers_not_visited(request.user, today=timezone.localdate())
    return {
        "count": customers.count(),
        "customers": list(
            customers.select_related("route", "salesperson").order_by("code", "pk")[
                :HOME_LIST_LENGTH
            ]
        ),
        "days": NOT_VISITED_DAYS,
    }


def grade_changes_panel(request) -> dict:
    """The changes a regrade would make now (`regrade_preview`): three queries."""
    return {"preview": regrade_preview()}
