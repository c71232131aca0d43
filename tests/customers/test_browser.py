import datetime
from decimal import Decimal

import pytest

from customers.models import Customer
from tests.accounts.factories import PASSWORD, UserFactory
from tests.customers.factories import CustomerFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_salesperson_finds_a_customer_edits_the_card_and_sees_the_history(page, log_in):
    user = UserFactory(role="sales", username="wang", first_name="伟", last_name="王")
    customer = CustomerFactory(
        code="SZ-001", name="深圳华强贸易有限公司", phone="0755-1000", salesperson=user
    )
    CustomerFactory(code="SZ-002", name="广州白云商行", salesperson=user)
    CustomerFactory(code="BJ-001", name="北京华强科技", phone="010-1")  # someone else's

    log_in(user)
    page.get_by_role("link", name="Customers").click()
    page.wait_for_url("**/customers/")
    page.fill("#id_q", "华强")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/customers/?q=*")
    rows = page.locator("table.customer-list tbody tr")
    assert rows.count() == 1
    assert page.get_by_test_id("result-count").inner_text() == "1 customer"

    page.get_by_role("link", name="深圳华强贸易有限公司").click()
    page.wait_for_url(f"**/customers/{customer.pk}/")
    assert page.locator("h1").inner_text() == "深圳华强贸易有限公司 SZ-001"
    assert page.locator("#basic").is_visible()
    assert not page.locator("#transactions").is_visible()
    page.get_by_role("tab", name="Transaction status").click()
    assert page.locator("#transactions").is_visible()
    assert page.get_by_role("tab", name="Transaction status").get_attribute("aria-selected") == (
        "true"
    )

    page.get_by_role("link", name="Edit card").click()
    page.wait_for_url(f"**/customers/{customer.pk}/edit/")
    page.fill("#id_phone", "0755-2000")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/customers/{customer.pk}/")

    assert page.locator(".message.success").inner_text() == "Your changes to the card were saved."
    latest = page.get_by_test_id("timeline").locator("> li").first
    assert latest.locator(".who").inner_text() == "伟 王"
    assert latest.locator(".channel").inner_text() == "Manual edit"
    assert latest.locator(".changes li").all_inner_texts() == ["Phone: 0755-1000 → 0755-2000"]
    customer.refresh_from_db()
    assert (customer.phone, customer.version) == ("0755-2000", 2)
    assert Customer.objects.get(code="BJ-001").phone == "010-1"


def test_on_a_phone_the_salesperson_sets_the_cards_coordinates_from_where_they_stand(
    browser, live_server
):
    user = UserFactory(role="sales", username="li")
    customer = CustomerFactory(
        code="SZ-009",
        name="南山便利店",
        salesperson=user,
        planned_first_deal_on=datetime.date(2027, 2, 1),
        visit_frequency="weekly",
    )
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport={"width": 390, "height": 844},
        geolocation={"latitude": 22.5405, "longitude": 113.934512},
        permissions=["geolocation"],
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    page.goto(f"/customers/{customer.pk}/edit/")
    assert page.input_value("#id_planned_first_deal_on") == "2027-02-01"
    assert page.input_value("#id_visit_frequency") == "weekly"
    page.get_by_role("button", name="Use my current location").click()
    page.wait_for_function("document.querySelector('#id_latitude').value !== ''")
    assert page.input_value("#id_latitude") == "22.540500"
    assert page.input_value("#id_longitude") == "113.934512"
    # The form fits the phone: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/customers/{customer.pk}/")
    context.close()

    customer.refresh_from_db()
    assert (customer.latitude, customer.longitude) == (
        Decimal("22.540500"),
        Decimal("113.934512"),
    )
    assert customer.planned_first_deal_on == datetime.date(2027, 2, 1)
    assert customer.visit_frequency == "weekly"
