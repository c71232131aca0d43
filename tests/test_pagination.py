"""The shared paginator: totally ordered lists, deep pages read by their keys with what the
list joins and annotates, the same rows as a plain slice; the customer list page and the API
page through it."""

import pytest
from django.db import connection
from django.db.models import Value
from django.test.utils import CaptureQueriesContext

from archive_crm.pagination import ListPaginator, total_order
from customers.models import Customer
from customers.selectors import customers_visible_to
from tests.customers.factories import CustomerFactory, RegionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers(salesperson):
    region = RegionFactory(code="PG-R", name="Paging region")
    # Names repeat, so that only the key tells apart rows of the same name.
    return [
        CustomerFactory(
            code=f"PG{n:03d}", name=f"Name {n % 4}", salesperson=salesperson, region=region
        )
        for n in range(23)
    ]


@pytest.fixture
def deep_from_the_start(monkeypatch):
    monkeypatch.setattr(ListPaginator, "deep_offset", 0)


def test_total_order_appends_the_key_unless_the_last_sort_is_unique():
    assert total_order(Customer.objects.order_by("name")).query.order_by == ("name", "pk")
    assert total_order(Customer.objects.order_by("-code")).query.order_by == ("-code",)
    # The model's default ordering (by code) is unique already.
    assert total_order(Customer.objects.all()).query.order_by == ()
    assert total_order(Customer.objects.order_by("region__name")).query.order_by == (
        "region__name",
        "pk",
    )
    values = Customer.objects.values("name").order_by("name")
    assert total_order(values) is values


def test_deep_pages_hold_the_same_rows_as_plain_slices(customers, deep_from_the_start):
    rows = customers_visible_to(customers[0].salesperson).order_by("-name", "pk")
    expected = [c.pk for c in rows]
    paginator = ListPaginator(rows.order_by("-name"), 5)
    seen = []
    for number in paginator.page_range:
        seen += [c.pk for c in paginator.page(number)]
    assert seen == expected
    assert paginator.num_pages == 5


def test_a_deep_page_is_its_keys_then_its_rows_with_their_joins(customers, deep_from_the_start):
    rows = customers_visible_to(customers[0].salesperson).annotate(mark=Value("x"))
    paginator = ListPaginator(rows.order_by("name"), 10)
    paginator.count  # noqa: B018 - counted once, before the page
    with CaptureQueriesContext(connection) as queries:
        page = paginator.page(2)
        shown = [(c.region.name, c.mark) for c in page]
    assert len(queries) == 2
    assert "LIMIT 10 OFFSET 10" in queries[0]["sql"]
    assert shown == [("Paging region", "x")] * 10
    assert page.has_next() and page.has_previous()


def test_near_the_top_a_page_is_one_plain_query(customers, django_assert_num_queries):
    paginator = ListPaginator(Customer.objects.order_by("name"), 10)
    paginator.count  # noqa: B018
    with django_assert_num_queries(1):
        assert len(list(paginator.page(2))) == 10


def test_the_customer_list_pages_deep_in_the_same_order(
    client, salesperson, customers, deep_from_the_start
):
    client.force_login(salesperson)
    expected = list(
        Customer.objects.filter(salesperson=salesperson)
        .order_by("name", "pk")
        .values_list("code", flat=True)
    )
    shown = []
    for number in (1, 2, 3):
        response = client.get("/customers/", {"ordering": "name", "page_size": 10, "page": number})
        assert response.status_code == 200
        shown += [c.code for c in response.context["customers"]]
    assert shown == expected


def test_the_api_pages_deep_with_results_and_next(
    client, salesperson, customers, deep_from_the_start
):
    client.force_login(salesperson)
    expected = list(
        Customer.objects.filter(salesperson=salesperson)
        .order_by("name", "pk")
        .values_list("code", flat=True)
    )
    shown = []
    url = "/api/v1/customers/?ordering=name&page_size=10"
    while url:
        body = client.get(url).json()
        shown += [item["code"] for item in body["results"]]
        url = body["next"]
    assert shown == expected
    assert client.get("/api/v1/customers/?page=4&page_size=10").status_code == 404
