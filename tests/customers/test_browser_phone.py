"""On a 390×844 phone: the customer and route lists as cards with the search first, nothing
pushing a page sideways (not even a 120-letter word in a name), tap targets at least 44 px
high, and every chart label inside its chart."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Customer
from tests.accounts.factories import PASSWORD, UserFactory
from tests.customers.factories import (
    ContactFactory,
    CreditIncidentFactory,
    CustomerFactory,
    RegionFactory,
    RouteFactory,
    grade,
)
from tests.sales.factories import SalesRecordFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
TAP = 44
LONG_WORD = "W" * 120


@pytest.fixture
def open_as(browser, live_server):
    """`open_as(user, viewport)`: a logged-in page of that size, in English."""
    contexts = []

    def _open_as(user, viewport=PHONE):
        context = browser.new_context(base_url=live_server.url, locale="en-US", viewport=viewport)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/")
        return page

    yield _open_as
    for context in contexts:
        context.close()


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def short_targets(page, selector: str) -> list[tuple[str, float]]:
    """The visible elements matching `selector` lower than a tap target, with their heights."""
    short = []
    for element in page.locator(selector).all():
        box = element.bounding_box()
        if element.is_visible() and box["height"] < TAP:
            short.append((element.inner_text(), box["height"]))
    return short


@pytest.fixture
def round_of_customers(db):
    """A salesperson's route, planned from today, with 30 customers on it (two pages); the
    first, by code, named with one 120-letter word."""
    salesperson = UserFactory(role="sales", username="li", first_name="丽", last_name="李")
    region = RegionFactory(code="SZ", name="深圳")
    route = RouteFactory(
        code="SZ-1",
        name="南山线",
        region=region,
        salesperson=salesperson,
        first_visit_on=timezone.localdate(),
    )
    customers = [
        CustomerFactory(
            code=f"SZ-{n:03d}",
            name=LONG_WORD if n == 0 else f"南山商店{n}",
            phone=f"0755-8000 {n:04d}",
            salesperson=salesperson,
            region=region,
            route=route,
            grade=grade("key"),
        )
        for n in range(30)
    ]
    for position, customer in enumerate(customers, 1):
        Customer.objects.filter(pk=customer.pk).update(route_position=position)
    return salesperson, route, customers


def test_the_customer_list_on_a_phone_is_cards_with_the_search_first(open_as, round_of_customers):
    salesperson, _route, customers = round_of_customers
    page = open_as(salesperson)

    page.goto("/customers/")

    search = page.locator("#id_q").bounding_box()
    first_card = page.locator("table.customer-list tbody tr").first
    assert search["y"] + search["height"] <= first_card.bounding_box()["y"]
    assert search["y"] + search["height"] <= PHONE["height"]
    # The other filters are folded away until asked for.
    assert not page.locator("#id_grade").is_visible()
    page.get_by_text("Filters").click()
    assert page.locator("#id_grade").is_visible()

    assert page_width(page) <= PHONE["width"]
    assert first_card.locator("td[data-field=name]").inner_text() == LONG_WORD
    phone = first_card.locator("td[data-field=phone] a")
    assert phone.is_visible()
    assert phone.get_attribute("href") == "tel:0755-80000000"
    next_visit = first_card.locator("td[data-field=next_visit]")
    assert next_visit.is_visible()
    assert next_visit.locator("time").get_attribute("datetime") == (
        f"{timezone.localdate():%Y-%m-%d}"
    )
    # What a phone does not need stays off the card.
    assert not first_card.locator("td[data-field=salesperson]").is_visible()

    # Sorting stays at hand, and every link and button is big enough to tap.
    assert page.locator("table.customer-list thead a").count() == 5
    assert short_targets(page, "table.customer-list thead a") == []
    assert short_targets(page, "table.customer-list tbody a") == []
    assert page.locator(".pagination a").count() == 2
    assert short_targets(page, ".pagination a") == []
    assert short_targets(page, "main button, main .button, main summary") == []

    page.locator("table.customer-list thead a", has_text="Name").click()
    page.wait_for_url("**/customers/?ordering=name")
    assert (
        page.locator("table.customer-list tbody tr")
        .first.locator("td[data-field=name]")
        .inner_text()
        == LONG_WORD
    )


def test_a_set_filter_stays_unfolded_on_a_phone_and_every_filter_shows_on_a_desktop(
    open_as, round_of_customers
):
    salesperson, _route, _customers = round_of_customers
    page = open_as(salesperson)
    page.goto("/customers/?grade=key")
    assert page.locator("#id_grade").is_visible()

    page = open_as(salesperson, DESKTOP)
    page.goto("/customers/")
    assert page.locator("#id_grade").is_visible()
    assert not page.get_by_text("Filters").is_visible()
    assert page.locator("table.customer-list thead th").count() == 11


def test_a_card_with_a_long_name_fits_the_phone_and_its_rows_are_easy_to_tap(
    open_as, round_of_customers
):
    salesperson, route, customers = round_of_customers
    customer = customers[0]
    for n in range(2):
        ContactFactory(
            customer=customer, name=f"联系人{n}", email=f"c{n}@example.com", notes=LONG_WORD
        )
    CreditIncidentFactory(customer=customer, description=LONG_WORD, resolution="已结清")
    page = open_as(salesperson)

    page.goto(customer.get_absolute_url())
    assert page_width(page) <= PHONE["width"]
    contact_links = "[data-testid=contacts] tbody a, [data-testid=contacts] tbody button"
    assert page.locator(contact_links).count() == 8  # phone, e-mail, edit, delete: twice
    assert short_targets(page, contact_links) == []

    page.goto(f"{customer.get_absolute_url()}#transactions")
    incident_links = "[data-testid=incidents] tbody a, [data-testid=incidents] tbody button"
    assert page.locator(incident_links).count() == 2
    assert short_targets(page, incident_links) == []
    assert page_width(page) <= PHONE["width"]

    page.goto(f"{customer.get_absolute_url()}edit/")
    assert page.input_value("#id_name") == LONG_WORD
    assert page_width(page) <= PHONE["width"]

    page.goto(f"/classification/routes/{route.pk}/")
    assert page_width(page) <= PHONE["width"]


def test_the_routes_list_on_a_phone_is_cards(open_as, round_of_customers):
    salesperson, route, _customers = round_of_customers
    long_route_name = "W" * 100  # as long as a route's name may be
    RouteFactory(code="SZ-2", name=long_route_name, region=route.region, salesperson=salesperson)
    page = open_as(salesperson)

    page.goto("/classification/routes/")

    assert page_width(page) <= PHONE["width"]
    cards = page.locator("table.route-list tbody tr")
    assert cards.count() == 2
    assert not page.locator("table.route-list thead").is_visible()
    assert cards.first.locator("td[data-field=stops]").inner_text() == "30"
    assert cards.first.locator("td[data-field=stops]").is_visible()
    name = cards.nth(1).locator("td[data-field=name] a")
    assert name.inner_text() == long_route_name
    assert name.bounding_box()["height"] >= TAP


# Every label of every chart on the page: its box, its chart's and those of the elements
# between them that clip what overflows them.
CHART_LABELS = """() => [...document.querySelectorAll('.chart-label')].map(label => {
  const box = label.getBoundingClientRect();
  const clips = [];
  for (let node = label.parentElement; node; node = node.parentElement) {
    const style = getComputedStyle(node);
    if (node.matches('.chart') || style.overflowX !== 'visible' || style.overflowY !== 'visible') {
      const outer = node.getBoundingClientRect();
      clips.push([outer.left, outer.top, outer.right, outer.bottom]);
    }
    if (node.matches('.chart')) break;
  }
  return {text: label.textContent, title: label.title,
          truncated: label.scrollWidth > label.clientWidth,
          box: [box.left, box.top, box.right, box.bottom], clips};
})"""


def unclipped(label) -> bool:
    left, top, right, bottom = label["box"]
    return bottom > top and all(
        left >= c_left - 0.5
        and top >= c_top - 0.5
        and right <= c_right + 0.5
        and bottom <= c_bottom + 0.5
        for c_left, c_top, c_right, c_bottom in label["clips"]
    )


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_chart_label_is_inside_its_chart(open_as, manager, viewport):
    long_region = "Inner Mongolia Autonomous Region, Hohhot, Saihan District, Wulanchabu Road"
    for n, name in enumerate(["深圳", "广州", long_region]):
        region = RegionFactory(code=f"R{n}", name=name)
        CustomerFactory(code=f"C{n}", region=region, grade=grade("key"))
    customer = Customer.objects.get(code="C0")
    today = timezone.localdate()
    for days_ago in (0, 40, 100, 200, 300):
        SalesRecordFactory(
            customer=customer, date=today - datetime.timedelta(days=days_ago), amount=Decimal(900)
        )
    page = open_as(manager, viewport)

    page.goto("/classification/overview/")
    labels = page.evaluate(CHART_LABELS)
    assert len(labels) >= 10
    assert [label["text"] for label in labels if not unclipped(label)] == []
    assert all(label["title"] == label["text"] for label in labels)
    assert long_region in [label["text"] for label in labels]

    page.goto(f"{customer.get_absolute_url()}#business")
    page.locator("#sales-performance .chart").wait_for()
    labels = page.evaluate(CHART_LABELS)
    assert len(labels) == 12
    assert [label["text"] for label in labels if not unclipped(label)] == []
    # Months are short: shown whole, never ellipsised.
    assert [label["text"] for label in labels if label["truncated"]] == []
    assert page_width(page) <= viewport["width"]
