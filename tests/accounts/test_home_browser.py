"""The home page and the error pages on a 390 px phone: nothing scrolls sideways, the entries
are tap targets of at least 44 px, and a stop leads to its card."""

import datetime

import pytest
from django.utils import timezone

from classification.models import VisitFrequency
from tests.accounts.factories import UserFactory
from tests.customers.factories import CreditIncidentFactory, CustomerFactory, RouteFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
LONG_WORD = "Unbroken" * 15  # 120 letters without a space


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_salespersons_home_fits_a_phone_and_leads_to_the_card(page, log_in):
    user = UserFactory(role="sales", username="li")
    route = RouteFactory(
        code="PH-1",
        salesperson=user,
        visit_frequency=VisitFrequency.WEEKLY,
        first_visit_on=timezone.localdate() - datetime.timedelta(days=7),
    )
    first = CustomerFactory(
        code="PH-A", name=LONG_WORD, route=route, route_position=1, salesperson=user
    )
    CustomerFactory(code="PH-B", route=route, route_position=2, salesperson=user)
    CustomerFactory(
        code="PH-P",
        name=LONG_WORD,
        salesperson=user,
        planned_first_deal_on=timezone.localdate() + datetime.timedelta(days=3),
    )
    page.set_viewport_size(PHONE)
    log_in(user)

    assert page_width(page) <= PHONE["width"]
    stops = page.locator("[data-testid=home-today] li a.home-item")
    assert stops.count() == 2
    for index in range(stops.count()):
        box = stops.nth(index).bounding_box()
        assert box["height"] >= 44
        assert box["x"] + box["width"] <= PHONE["width"]
    stops.first.click()
    page.wait_for_url(f"**{first.get_absolute_url()}")


def test_managers_home_and_the_403_page_fit_a_phone(page, log_in):
    user = UserFactory(role="manager", username="zhao")
    CreditIncidentFactory(customer=CustomerFactory(code="INC", name=LONG_WORD))
    page.set_viewport_size(PHONE)
    log_in(user)
    assert page.get_by_test_id("home-incidents").is_visible()
    assert page_width(page) <= PHONE["width"]

    salesperson = UserFactory(role="sales", username="qian")
    page.context.clear_cookies()
    log_in(salesperson)
    response = page.goto("/classification/regions/")
    assert response.status == 403
    assert page.get_by_test_id("error-page").is_visible()
    assert page_width(page) <= PHONE["width"]
