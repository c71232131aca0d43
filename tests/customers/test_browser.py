import pytest

from customers.models import Customer
from tests.accounts.factories import UserFactory
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
