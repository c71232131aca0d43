"""A manager previews and applies a regrade in the browser, then sees the grade on a card."""

from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Channel, Customer
from tests.accounts.factories import UserFactory
from tests.customers.factories import CustomerFactory
from tests.sales.factories import ProductFactory, SalesRecordFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_manager_previews_applies_a_regrade_and_sees_the_grade_on_the_card(page, log_in):
    manager = UserFactory(role="manager", username="li", first_name="娜", last_name="李")
    product = ProductFactory(code="P-1")
    big = CustomerFactory(code="SZ-001", name="深圳华强贸易有限公司")
    small = CustomerFactory(code="SZ-002", name="广州白云商行")
    for customer, amount in ((big, "650000.00"), (small, "120.50")):
        SalesRecordFactory(
            customer=customer, product=product, date=timezone.localdate(), amount=Decimal(amount)
        )

    log_in(manager)
    page.get_by_role("link", name="Grades").click()
    page.wait_for_url("**/classification/grading/regrade/")
    assert page.locator("[data-count=changes]").inner_text() == "2"
    assert page.locator("[data-count=gained]").inner_text() == "2"
    rows = page.get_by_test_id("regrade-changes").locator("tbody tr")
    assert rows.nth(0).locator("td").all_inner_texts() == [
        "SZ-001",
        "深圳华强贸易有限公司",
        "650000.00",
        "—",
        "Key customer",
        "Gains a grade",
    ]
    assert rows.nth(1).locator("td").nth(4).inner_text() == "Scattered customer"

    page.get_by_role("button", name="Apply regrade").click()
    page.wait_for_url("**/jobs/*/")
    assert page.get_by_test_id("job-state").inner_text() == "Done"
    assert page.locator(".message.success").inner_text() == (
        "Regrade applied: 2 customers changed grade."
    )
    page.get_by_role("link", name="Back to the regrade").click()
    assert page.get_by_test_id("regrade-nothing").is_visible()

    page.goto(big.get_absolute_url())
    panel = page.get_by_test_id("card-grade")
    assert panel.locator(".badge.grade").inner_text() == "Key customer"
    assert panel.get_by_test_id("grade-history").locator("tbody td").nth(3).inner_text() == (
        "Regrade"
    )
    latest = page.get_by_test_id("timeline").locator("> li").first
    assert latest.locator(".channel").inner_text() == "Regrade"
    assert latest.locator(".who").inner_text() == "娜 李"
    big = Customer.objects.get(pk=big.pk)
    assert (big.grade.code, big.version) == ("key", 2)
    assert big.history.first().history_channel == Channel.REGRADE
