"""The customer lifecycle: time series and transaction process at the windows' edges, the
month arithmetic, and the same rule on the list page, the card and the API."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from classification.lifecycle import (
    LifecycleWindows,
    customer_lifecycle,
    months_before,
    with_lifecycle,
)
from classification.models import ClassificationPolicy
from customers.models import Customer
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

TODAY = date(2025, 3, 31)
POLICY = ClassificationPolicy(new_customer_months=12, active_months=6)
NEW_SINCE = date(2024, 3, 31)  # TODAY minus 12 months
ACTIVE_SINCE = date(2024, 9, 30)  # TODAY minus 6 months: 31 September is clamped to the 30th
LIST = reverse("customers:list")
API = "/api/v1/customers/"


# Month arithmetic --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 3, 31), 1, date(2025, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2025, 3, 31), 13, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2023, 2, 28)),
        (date(2025, 5, 31), 1, date(2025, 4, 30)),
        (date(2025, 1, 15), 1, date(2024, 12, 15)),  # across the year
        (date(2025, 1, 31), 25, date(2022, 12, 31)),
        (date(2025, 3, 15), 0, date(2025, 3, 15)),
    ],
)
def test_months_before_keeps_the_day_and_clamps_to_the_month_end(day, months, expected):
    assert months_before(day, months) == expected


def test_windows_follow_the_policy():
    windows = LifecycleWindows.for_policy(POLICY, TODAY)
    assert (windows.new_since, windows.active_since) == (NEW_SINCE, ACTIVE_SINCE)
    saved = ClassificationPolicy.current()
    saved.new_customer_months, saved.active_months = 3, 1
    saved.save()
    windows = LifecycleWindows.for_policy(today=TODAY)
    assert (windows.new_since, windows.active_since) == (date(2024, 12, 31), date(2025, 2, 28))


# The rule at the edges ---------------------------------------------------------------------

EDGE_CASES = {
    # code: (first sale, last sale, planned first deal) -> (time series, transaction process)
    "ON-NEW-EDGE": ((NEW_SINCE, NEW_SINCE, None), ("new", "before")),
    "DAY-BEFORE-NEW": ((NEW_SINCE - timedelta(days=1), TODAY, None), ("old", "now")),
    "LONG-AGO": ((date(2015, 6, 1), date(2015, 6, 1), None), ("old", "before")),
    "ON-ACTIVE-EDGE": ((date(2020, 1, 1), ACTIVE_SINCE, None), ("old", "now")),
    "DAY-BEFORE-ACTIVE": (
        (date(2020, 1, 1), ACTIVE_SINCE - timedelta(days=1), None),
        ("old", "before"),
    ),
    "NEW-AND-NOW": ((date(2025, 1, 10), TODAY, None), ("new", "now")),
    "PLANNED": ((None, None, date(2025, 6, 1)), ("future", "upcoming")),
    "PROSPECT": ((None, None, None), ("future", None)),
}


@pytest.fixture
def edge_customers():
    for code, ((first, last, planned), _expected) in EDGE_CASES.items():
        CustomerFactory(
            code=code, first_sale_on=first, last_sale_on=last, planned_first_deal_on=planned
        )


def test_annotation_classifies_the_window_edges(edge_customers):
    rows = with_lifecycle(Customer.objects.all(), policy=POLICY, today=TODAY).values_list(
        "code", "time_series", "transaction_process"
    )
    assert {code: (series, process) for code, series, process in rows} == {
        code: expected for code, (_dates, expected) in EDGE_CASES.items()
    }


def test_one_card_is_classified_by_the_same_rule(edge_customers):
    for customer in Customer.objects.all():
        lifecycle = customer_lifecycle(customer, policy=POLICY, today=TODAY)
        assert (lifecycle.time_series, lifecycle.transaction_process) == EDGE_CASES[customer.code][
            1
        ]


def test_lifecycle_labels():
    prospect = Customer(code="X", planned_first_deal_on=None)
    lifecycle = customer_lifecycle(prospect, policy=POLICY, today=TODAY)
    assert str(lifecycle.time_series_label) == "Future customer"
    assert str(lifecycle.transaction_process_label) == "No deal planned"
    prospect.planned_first_deal_on = TODAY
    lifecycle = customer_lifecycle(prospect, policy=POLICY, today=TODAY)
    assert str(lifecycle.transaction_process_label) == "About to transact"


def test_annotation_adds_no_query(edge_customers, django_assert_num_queries):
    windows = LifecycleWindows.for_policy(POLICY, TODAY)
    with django_assert_num_queries(1):
        assert len(list(with_lifecycle(Customer.objects.all(), windows=windows))) == 8


# The same rule on the list page, the card and the API ---------------------------------------


@pytest.fixture
def live_customers(salesperson):
    """Customers around today's windows (the pages classify as of today)."""
    today = timezone.localdate()
    policy = ClassificationPolicy.current()
    new_since = months_before(today, policy.new_customer_months)
    active_since = months_before(today, policy.active_months)
    made = {
        "NEW": (new_since, active_since, None),
        "OLD-NOW": (new_since - timedelta(days=1), active_since, None),
        "OLD-BEFORE": (date(2010, 1, 1), active_since - timedelta(days=1), None),
        "UPCOMING": (None, None, today + timedelta(days=30)),
        "PROSPECT": (None, None, None),
    }
    for code, (first, last, planned) in made.items():
        CustomerFactory(
            code=code,
            salesperson=salesperson,
            first_sale_on=first,
            last_sale_on=last,
            planned_first_deal_on=planned,
        )
    CustomerFactory(code="NOT-MINE", first_sale_on=new_since, last_sale_on=today)


LIFECYCLE_FILTERS = [
    ({"time_series": "new"}, ["NEW"]),
    ({"time_series": "old"}, ["OLD-BEFORE", "OLD-NOW"]),
    ({"time_series": "future"}, ["PROSPECT", "UPCOMING"]),
    ({"transaction_process": "now"}, ["NEW", "OLD-NOW"]),
    ({"transaction_process": "before"}, ["OLD-BEFORE"]),
    ({"transaction_process": "upcoming"}, ["UPCOMING"]),
    ({"transaction_process": "null"}, ["PROSPECT"]),
    ({"time_series": "old", "transaction_process": "now"}, ["OLD-NOW"]),
]


@pytest.mark.parametrize(("query", "expected"), LIFECYCLE_FILTERS)
def test_list_page_filters_by_lifecycle(client, salesperson, live_customers, query, expected):
    client.force_login(salesperson)
    response = client.get(LIST, query)
    assert [customer.code for customer in response.context["customers"]] == expected


def test_list_page_shows_lifecycle_columns(client, salesperson, live_customers):
    client.force_login(salesperson)
    response = client.get(LIST)
    rows = {c.code: (c.time_series, c.transaction_process) for c in response.context["customers"]}
    assert rows == {
        "NEW": ("new", "now"),
        "OLD-NOW": ("old", "now"),
        "OLD-BEFORE": ("old", "before"),
        "UPCOMING": ("future", "upcoming"),
        "PROSPECT": ("future", None),
    }
    html = response.content.decode()
    assert "Time series" in html and "Transaction process" in html
    assert '<span class="badge lifecycle upcoming">About to transact</span>' in html
    assert '<span class="badge lifecycle old">Old customer</span>' in html


def test_unknown_lifecycle_value_matches_nothing(client, salesperson, live_customers):
    client.force_login(salesperson)
    response = client.get(LIST, {"time_series": "ancient"})
    assert list(response.context["customers"]) == []


def test_card_shows_the_lifecycle(client, salesperson, live_customers):
    client.force_login(salesperson)
    customer = Customer.objects.get(code="UPCOMING")
    html = client.get(customer.get_absolute_url()).content.decode()
    assert 'data-testid="lifecycle"' in html
    assert "Future customer" in html and "About to transact" in html
    assert f'href="{LIST}?transaction_process=upcoming"' in html


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.mark.parametrize(("query", "expected"), LIFECYCLE_FILTERS)
def test_api_filters_by_lifecycle(salesperson, live_customers, query, expected):
    body = _api(salesperson).get(API, query).json()
    assert [item["code"] for item in body["results"]] == expected


def test_api_item_has_read_only_lifecycle(salesperson, live_customers):
    client = _api(salesperson)
    items = {item["code"]: item for item in client.get(API).json()["results"]}
    assert {code: (i["time_series"], i["transaction_process"]) for code, i in items.items()} == {
        "NEW": ("new", "now"),
        "OLD-NOW": ("old", "now"),
        "OLD-BEFORE": ("old", "before"),
        "UPCOMING": ("future", "upcoming"),
        "PROSPECT": ("future", None),
    }
    prospect = items["PROSPECT"]
    response = client.patch(
        f"{API}{prospect['id']}/",
        {"version": prospect["version"], "time_series": "old", "transaction_process": "now"},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["time_series"], response.json()["transaction_process"]) == (
        "future",
        None,
    )
