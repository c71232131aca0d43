"""The data form's whole journey in Chromium: a manager sends the form from the card and
copies its link; the customer's staff, in a browser without any login and on a phone, open
it, fill in three fields and send it; the link then answers 410; the manager accepts two of
the changes in the review queue and rejects the third; the card shows the accepted values
from the channel "Customer form", verified, and the rejected one nowhere."""

import pytest
from playwright.sync_api import expect

from customerforms.models import FormLink
from review.models import Proposal
from tests.customers.factories import CustomerFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
NEW_PHONE = "0512-68880000"
NEW_INDUSTRY = "日用百货零售"
REJECTED = "赵某某"  # the legal representative the manager rejects


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_customer_fills_in_the_form_and_the_manager_reviews_it(
    browser, live_server, page, log_in, manager, salesperson
):
    customer = CustomerFactory(
        code="SZ100", name="苏州第一百货", phone="0512-60000001", salesperson=salesperson
    )
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])

    # The manager sends the form from the card.
    log_in(manager)
    page.goto(customer.get_absolute_url())
    panel = page.get_by_test_id("card-forms")
    assert "No data form was sent to this customer yet." in panel.inner_text()
    panel.get_by_test_id("send-form").click()
    page.wait_for_url(f"**/forms/customers/{customer.pk}/send/")
    page.get_by_label("Note to the customer").fill("请核对贵公司的资料")
    page.get_by_label("Name: 苏州第一百货").check()
    page.get_by_test_id("create-link").click()
    url = page.get_by_test_id("form-link-url").input_value()
    assert url.startswith(f"{live_server.url}/forms/f/")
    assert page.locator("[data-testid=form-link-qr] svg").count() == 1
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_text("Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == url

    # The customer's staff open it on a phone, without any login.
    customer_context = browser.new_context(locale="en-US", viewport=PHONE)
    customer_context.set_default_timeout(10_000)
    form = customer_context.new_page()
    assert form.goto(url).status == 200
    assert "苏州第一百货" in form.locator("h1").inner_text()
    assert form.get_by_test_id("note").inner_text().endswith("请核对贵公司的资料")
    assert form.locator("input[name=name]").input_value() == "苏州第一百货"
    assert form.locator("input[name=phone]").input_value() == ""  # not shared
    assert page_width(form) <= PHONE["width"]
    form.fill("input[name=phone]", NEW_PHONE)
    form.fill("input[name=industry]", NEW_INDUSTRY)
    form.fill("input[name=legal_representative]", REJECTED)
    form.get_by_test_id("send").click()
    form.wait_for_url("**/forms/thanks/")
    assert "Thank you" in form.locator("h1").inner_text()

    # The link works once.
    again = form.goto(url)
    assert again.status == 410
    assert "This form was sent already" in form.locator("h1").inner_text()
    customer_context.close()
    assert FormLink.objects.get().state == FormLink.State.SUBMITTED

    # The manager reviews the three changes.
    page.goto("/review/")
    group = page.get_by_test_id("review-group").filter(has_text="苏州第一百货")
    assert "Customer form submitted on" in group.get_by_test_id("review-source").inner_text()
    decisions = (("phone", "Accept"), ("industry", "Accept"), ("legal_representative", "Reject"))
    for field, decision in decisions:
        item = page.locator(f"[data-testid=review-item][data-field={field}]")
        item.get_by_role("button", name=decision).click()
        expect(item).to_have_count(0)
    expect(page.get_by_test_id("queue-empty")).to_be_visible()
    assert not Proposal.objects.pending().exists()

    # The card shows what was accepted, from the customer's form, verified.
    page.goto(customer.get_absolute_url())
    phone = page.locator("dd[data-field=phone]")
    assert NEW_PHONE in phone.inner_text()
    provenance = phone.get_by_test_id("provenance")
    assert "Customer form" in provenance.inner_text()
    assert "verified" in provenance.get_attribute("class")
    industry = page.locator("dd[data-field=industry]")
    assert NEW_INDUSTRY in industry.text_content()
    assert "verified" in industry.get_by_test_id("provenance").get_attribute("class")
    assert REJECTED not in page.content()
    states = page.get_by_test_id("form-link-state").all_inner_texts()
    assert states == ["Submitted"]
