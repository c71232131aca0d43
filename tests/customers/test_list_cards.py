"""The customer list as a phone reads it: each row carries a tap-to-call phone link and the
stop's next visit, the filters fold away unless one is set, and none of it costs a query
per row."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.services import customer_archive
from tests.accounts.factories import UserFactory
from tests.customers.factories import CustomerFactory, RegionFactory, RouteFactory, grade

pytestmark = pytest.mark.django_db

LIST = reverse("customers:list")


def test_list_takes_as_many_queries_for_100_rows_as_for_10_with_next_visits(client, manager):
    salesperson = UserFactory(role="sales", username="s-cards")
    region = RegionFactory(code="CARDS")
    route = RouteFactory(code="RT-CARDS", region=region, first_visit_on=timezone.localdate())
    for n in range(105):
        CustomerFactory(
            code=f"K{n:03d}", salesperson=salesperson, region=region, route=route, grade=grade()
        )
    client.force_login(manager)
    counts = {}
    for page_size in (10, 100):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST, {"page_size": page_size, "region": region.code})
        counts[page_size] = len(queries)
        rows = response.context["customers"]
        assert len(rows) == page_size
        assert {customer.next_visit for customer in rows} == {timezone.localdate()}
    assert counts[10] == counts[100]


def test_each_row_has_a_tap_to_call_phone_and_the_next_visit_where_one_is_planned(
    client, salesperson
):
    today = timezone.localdate()
    region = RegionFactory(code="TEL")
    route = RouteFactory(code="RT-TEL", region=region, first_visit_on=today)
    idle = RouteFactory(code="RT-IDLE", region=region, first_visit_on=today, is_active=False)
    CustomerFactory(
        code="T1", phone="0755 1000 2000", region=region, route=route, salesperson=salesperson
    )
    CustomerFactory(code="T2", phone="", region=region, route=idle, salesperson=salesperson)
    gone = CustomerFactory(code="T3", region=region, route=route, salesperson=salesperson)
    customer_archive(customer=gone, actor=salesperson)
    client.force_login(salesperson)

    response = client.get(LIST, {"ordering": "code"})

    html = response.content.decode()
    assert '<a href="tel:075510002000">0755 1000 2000</a>' in html
    assert html.count('href="tel:') == 2  # T1 and the archived T3; T2 has no phone
    assert [(c.code, c.next_visit) for c in response.context["customers"]] == [
        ("T1", today),
        ("T2", None),  # its route is inactive
        ("T3", None),  # archived: not on the day plan
    ]
    assert html.count(f'<time datetime="{today:%Y-%m-%d}">') == 1


def filters_tag(response) -> str:
    return re.search(r'<details class="filter-more"[^>]*>', response.content.decode()).group()


@pytest.mark.parametrize(
    ("query", "is_open"),
    [
        ({}, False),
        ({"q": "华强", "ordering": "-name", "page_size": "50"}, False),
        ({"grade": "key"}, True),
        ({"region": "NO-SUCH-REGION"}, True),  # refused: the error must be seen
    ],
)
def test_filters_fold_away_unless_one_is_set(client, manager, query, is_open):
    client.force_login(manager)
    response = client.get(LIST, query)
    assert (" open" in filters_tag(response)) is is_open
