import pytest

from tests.accounts.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_salesperson_logs_in_and_sees_home_page(page, log_in):
    user = UserFactory(role="sales", username="wang", first_name="伟", last_name="王")
    log_in(user)
    assert page.locator("h1").inner_text() == "Welcome, 伟 王"
    assert page.get_by_test_id("current-user").inner_text() == "伟 王"
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")
    assert page.locator("h1").inner_text() == "Log in"


def test_phone_sized_screen_hides_the_menu_behind_a_button(page, log_in):
    user = UserFactory(role="manager", username="zhang")
    page.set_viewport_size({"width": 375, "height": 740})
    log_in(user)
    nav = page.locator("nav.nav")
    assert not nav.is_visible()
    page.locator(".nav-toggle-label").click()
    assert nav.is_visible()
