"""A salesperson's day on a 390×844 phone: from the home page, today's report in one tap;
two visits, one picked from the day's route stops and one found by the search, each with a
proposed card update (a new phone number; a new credit incident, "credit concern"); the
report submitted after its confirmation. Nothing scrolls sideways and every tap target is at
least 44 px high."""

import datetime

import pytest
from django.utils import timezone

from classification.models import VisitFrequency
from review.models import Proposal
from tests.accounts.factories import PASSWORD, UserFactory
from tests.customers.factories import CustomerFactory, RegionFactory, RouteFactory
from visits.models import VisitReport

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
TAP = 44
# What a finger taps on the report pages: buttons, links styled as buttons, the choices of
# the customer picker and of the kind of visit, inputs and selects.
TARGETS = (
    ".visit-page button:not([type=hidden]), .visit-page .button, .visit-page summary, "
    ".visit-page .chip, .visit-page .picker-option, .visit-page select, "
    ".visit-page input:not([type=hidden], [type=radio], [type=checkbox]), "
    ".visit-page textarea, .visit-back a, .visit-head a"
)


def today() -> datetime.date:
    return timezone.localdate()


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def assert_fits(page) -> None:
    """Nothing wider than the phone, and every visible tap target at least 44 px high."""
    assert page_width(page) <= PHONE["width"], page.url
    short = []
    targets = page.locator(TARGETS).all()
    assert targets, page.url
    for element in targets:
        box = element.bounding_box()
        if element.is_visible() and box and box["height"] < TAP:
            short.append((element.evaluate("e => e.outerHTML.slice(0, 80)"), box["height"]))
    assert short == [], page.url


@pytest.fixture
def salesperson_with_a_round(db):
    salesperson = UserFactory(role="sales", username="wang", first_name="伟", last_name="王")
    route = RouteFactory(
        code="SZ-1",
        name="苏州一线",
        region=RegionFactory(code="SZ", name="苏州"),
        salesperson=salesperson,
        visit_frequency=VisitFrequency.WEEKLY,
        first_visit_on=today() - datetime.timedelta(days=14),
    )
    first = CustomerFactory(
        code="SZ001",
        name="苏州第一百货",
        phone="0512-6000001",
        salesperson=salesperson,
        route=route,
        route_position=1,
    )
    second = CustomerFactory(
        code="SZ002",
        name="姑苏五金商行",
        phone="0512-6000002",
        salesperson=salesperson,
        route=route,
        route_position=2,
    )
    return salesperson, first, second


def phone_page(browser, live_server, user):
    """A phone-sized browser page, signed in as `user`; close its `context` when done."""
    context = browser.new_context(base_url=live_server.url, locale="en-US", viewport=PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    return page


def test_a_salesperson_files_the_days_report_from_a_phone(
    browser, live_server, salesperson_with_a_round, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    salesperson, first, second = salesperson_with_a_round
    page = phone_page(browser, live_server, salesperson)
    file_todays_report(page, salesperson)
    page.context.close()


def file_todays_report(page, salesperson):
    """From the home page: two visits, a proposed phone number and a credit concern,
    submitted."""
    # One tap from the home page.
    open_today = page.get_by_test_id("open-today-report")
    assert open_today.bounding_box()["height"] >= TAP
    assert page_width(page) <= PHONE["width"]
    open_today.click()
    page.wait_for_url("**/visits/reports/*/")
    report = VisitReport.objects.get(salesperson=salesperson, date=today())
    assert_fits(page)

    # The first visit: a stop of today's round, with a new phone number proposed.
    page.get_by_test_id("add-visit").click()
    picker = page.get_by_test_id("customer-picker")
    assert picker.locator("[data-customer]").evaluate_all(
        "options => options.map(o => o.dataset.customer)"
    ) == ["SZ001", "SZ002"]
    assert_fits(page)
    picker.locator('[data-customer="SZ001"]').click()
    page.get_by_label("What was learned").fill("店主说下月要扩店，新装了电话")
    page.get_by_test_id("save-visit").click()
    page.wait_for_url("**/visits/visits/*/")
    page.get_by_test_id("proposal-field").select_option("phone")
    assert page.get_by_test_id("proposal-current-value").inner_text().endswith("0512-6000001")
    page.get_by_test_id("proposal-value").fill("0512-6999999")
    page.get_by_test_id("add-proposal").click()
    page.get_by_test_id("proposal-added").wait_for()
    assert_fits(page)
    page.get_by_test_id("back-to-report").click()

    # The second visit: found by the search, with a new credit incident proposed.
    page.get_by_test_id("add-visit").click()
    page.get_by_test_id("customer-search").fill("姑苏")
    result = page.locator('#customer-results [data-customer="SZ002"]')
    result.wait_for()
    assert_fits(page)
    result.click()
    page.get_by_label("Phone call").check()
    page.get_by_label("What was learned").fill("老板说回款要推迟")
    page.get_by_test_id("save-visit").click()
    page.wait_for_url("**/visits/visits/*/")
    page.get_by_test_id("proposal-field").select_option("credit_incident")
    page.get_by_test_id("proposal-incident_kind").select_option("other")
    page.get_by_test_id("proposal-incident_description").fill("credit concern")
    page.get_by_test_id("add-proposal").click()
    page.get_by_test_id("proposal-added").wait_for()
    assert_fits(page)
    page.get_by_test_id("back-to-report").click()

    # Submit, after its confirmation.
    assert page.get_by_test_id("visit").count() == 2
    assert page.get_by_test_id("report-proposal-count").inner_text() == "2"
    page.get_by_test_id("submit-report").click()
    assert_fits(page)
    page.get_by_test_id("submit-confirm").click()
    page.get_by_test_id("report-closed").wait_for()
    assert page.get_by_test_id("report-status").inner_text() == "Submitted"
    assert page.get_by_test_id("add-visit").count() == 0
    assert_fits(page)

    report.refresh_from_db()
    assert report.status == VisitReport.Status.SUBMITTED
    filed = {(p.customer.code, p.field): p.value for p in Proposal.objects.pending()}
    assert filed == {
        ("SZ001", "phone"): "0512-6999999",
        ("SZ002", "credit_incident"): {
            "occurred_on": today().isoformat(),
            "kind": "other",
            "description": "credit concern",
        },
    }


def test_a_proposed_change_reaches_the_card_only_once_a_manager_accepts_it(
    browser, live_server, salesperson_with_a_round, manager, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    salesperson, first, second = salesperson_with_a_round
    page = phone_page(browser, live_server, salesperson)
    file_todays_report(page, salesperson)
    page.context.close()

    # The manager, on a phone too: the queue shows the card's value beside the proposed one.
    page = phone_page(browser, live_server, manager)
    page.get_by_role("link", name="Open the review queue").click()
    page.wait_for_url("**/review/")
    assert page_width(page) <= PHONE["width"]
    phone_item = page.locator('[data-testid="review-item"][data-field="phone"]')
    assert phone_item.get_by_test_id("current-value").inner_text().endswith("0512-6000001")
    assert phone_item.get_by_test_id("proposed-value").inner_text().endswith("0512-6999999")
    phone_item.get_by_role("button", name="Accept").click()
    page.wait_for_url("**/review/**")
    concern = page.locator('[data-testid="review-item"][data-field="credit_incident"]')
    assert "credit concern" in concern.get_by_test_id("proposed-value").inner_text()
    concern.get_by_role("button", name="Reject").click()
    page.wait_for_url("**/review/**")
    page.get_by_test_id("queue-empty").wait_for()

    # The card: the accepted phone, from the visit report, in the history; no concern.
    page.goto(f"/customers/{first.pk}/")
    assert page_width(page) <= PHONE["width"]
    phone_row = page.locator("#basic dd").filter(has_text="0512-6999999")
    assert "Visit report" in phone_row.get_by_test_id("provenance").inner_text()
    latest = page.get_by_test_id("timeline").locator("> li").first
    assert latest.locator(".channel").inner_text() == "Visit report"
    assert latest.locator(".changes li").all_inner_texts() == ["Phone: 0512-6000001 → 0512-6999999"]
    page.goto(f"/customers/{second.pk}/")
    assert "credit concern" not in page.content()
    page.context.close()

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.phone, first.version) == ("0512-6999999", 2)
    assert (second.version, second.credit_incidents.count()) == (1, 0)
