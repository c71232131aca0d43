"""A day with the demo, in a real browser on a phone: a salesperson's round from the home
page to an edited card, and a manager shortening a route. Everything shown comes from
`seed_demo`, as a newcomer sees it after `make run`."""

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from classification.models import Route
from customers.models import Customer
from demo.seeding import demo_password

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo():
    call_command("seed_demo", customers=80, sales=2000, stdout=StringIO())


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US", viewport=PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo_password())
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_salespersons_day_on_the_demo_from_home_to_an_edited_card(demo, phone):
    page = phone
    sign_in(page, "sales1")

    # Home: today's round, stops in visiting order, each a link to its card.
    today = page.get_by_test_id("home-today")
    stops = today.locator(".home-stops li")
    assert stops.count() > 0
    assert fits(page)
    first_code = stops.first.get_attribute("data-customer")

    # The day plan lists the same first stop.
    page.get_by_role("link", name="Open the day plan").click()
    page.wait_for_url("**/classification/plan/**")
    assert page.get_by_test_id("plan-route").count() > 0
    assert page.locator(f'li[data-customer="{first_code}"]').count() == 1
    assert fits(page)

    # The card of that stop, with its route stop as the route page has it.
    page.locator(f'li[data-customer="{first_code}"] a').first.click()
    customer = Customer.objects.get(code=first_code)
    page.wait_for_url(f"**/customers/{customer.pk}/")
    assert page.locator("h1").inner_text().startswith(customer.name)
    assert fits(page)

    # An edit of one field; nothing else on the card moves.
    page.get_by_role("link", name="Edit card").click()
    page.wait_for_url(f"**/customers/{customer.pk}/edit/")
    assert fits(page)
    page.fill("#id_phone", "0755-86001234")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/customers/{customer.pk}/")
    assert page.locator(".message.success").is_visible()

    saved = Customer.objects.get(pk=customer.pk)
    assert (saved.phone, saved.version) == ("0755-86001234", customer.version + 1)
    for field in ("route_id", "route_position", "latitude", "longitude", "grade_id"):
        assert getattr(saved, field) == getattr(customer, field)


def test_a_manager_shortens_a_demo_route_on_a_phone(demo, phone):
    page = phone
    sign_in(page, "manager")
    route = Route.objects.filter(customer__isnull=False).order_by("code").first()
    before = list(
        Customer.objects.filter(route=route).order_by("route_position").values_list("pk", flat=True)
    )

    page.goto(f"/classification/routes/{route.pk}/")
    page.get_by_role("link", name="Optimise order").click()
    page.wait_for_url(f"**/classification/routes/{route.pk}/optimise/")
    assert fits(page)

    def km(test_id) -> Decimal:
        text = page.get_by_test_id(test_id).inner_text()
        return Decimal(re.search(r"[\d.,]+", text).group(0).replace(",", ""))

    assert km("distance-after") < km("distance-before")
    page.get_by_role("button", name="Apply this order").click()
    page.wait_for_url(f"**/classification/routes/{route.pk}/**")

    after = list(
        Customer.objects.filter(route=route).order_by("route_position").values_list("pk", flat=True)
    )
    assert sorted(after) == sorted(before)
    assert after != before
