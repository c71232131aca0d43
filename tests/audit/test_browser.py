"""The audit pages in a real browser, on a 390×844 phone and a 1366×900 desktop: the
changes and sign-ins as stacked rows on the phone, and nothing pushing either page sideways,
not even a 120-letter word in a customer's name or a value."""

import pytest

from customers.models import Channel
from customers.services import card_update
from tests.accounts.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
LONG_WORD = "W" * 120


def fits(page, viewport) -> bool:
    """Neither the page nor its table scrolls sideways."""
    table = page.locator(".table-wrap").evaluate("box => box.scrollWidth <= box.clientWidth")
    return table and page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@pytest.fixture
def open_as(browser, live_server):
    """`open_as(user, viewport)`: a page signed in through the login form, in English."""
    contexts = []

    def _open_as(user, viewport):
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


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_audit_pages_fit_the_screen(open_as, manager, history, viewport):
    card = history["card"]
    card_update(
        customer=card,
        changes={"name": f"苏州{LONG_WORD}公司", "business_philosophy": LONG_WORD},
        actor=manager,
        channel=Channel.MANUAL,
        expected_version=card.version,
    )
    page = open_as(manager, viewport)
    phone = viewport is PHONE
    if phone:
        page.click("label.nav-toggle-label")
    page.click("nav.nav >> text=Audit")
    page.wait_for_url("**/audit/changes/")
    assert page.locator('[data-testid="change"]').count() == 8
    assert fits(page, viewport)
    assert page.locator("table.audit-list thead").is_visible() is not phone

    page.click("nav.tabs >> text=Sign-ins")
    page.wait_for_url("**/audit/sign-ins/")
    assert page.locator('[data-testid="sign-in"][data-kind="login"]').count() == 1
    assert fits(page, viewport)
