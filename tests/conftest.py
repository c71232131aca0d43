"""Shared fixtures: fast hashing, users by role, and the headless-Chromium harness."""

import os
from pathlib import Path

import pytest
from django.utils import translation

from tests.accounts.factories import PASSWORD, UserFactory

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_by_default():
    """Each test starts in English: a request in Chinese must not leak its language into
    the next test's messages (the locale middleware activates it for the thread)."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def manager(db):
    return UserFactory(role="manager", username="manager")


@pytest.fixture
def salesperson(db):
    return UserFactory(role="sales", username="sales1")


@pytest.fixture
def other_salesperson(db):
    return UserFactory(role="sales", username="sales2")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright. CI installs it and sets REQUIRE_BROWSER=1, so
    there a missing browser fails the run; elsewhere browser tests are skipped with a reason."""
    if not CHROMIUM.exists():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"Chromium is required but missing at {CHROMIUM}")
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test thread; the ORM calls made by
    # the test itself (fixtures, assertions) are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from django.db import connections

    # Starting Playwright gives the test thread fresh database connection objects, which lose
    # the snapshot that serialized_rollback restores from when earlier tests set up the
    # database (Django keeps it on the connection object): carry it over.
    snapshots = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        for alias, contents in snapshots.items():
            connections[alias]._test_serialized_contents = contents
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def log_in(page):
    """Log in through the real login form: `log_in(user)` returns the page on the home page."""

    def _log_in(user, password=PASSWORD):
        page.goto("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url("**/")
        return page

    return _log_in
