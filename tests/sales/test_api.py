"""The sales API: performance and sales lines in the user's scope, products and categories
readable by all and written with the model permissions, at constant query counts."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from classification.lifecycle import grade_window
from sales.models import Product, ProductCategory, SalesRecord
from tests.accounts.factories import UserFactory
from tests.customers.factories import CustomerFactory
from tests.sales.factories import ProductCategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

RECORDS = "/api/v1/sales-records/"
PRODUCTS = "/api/v1/products/"
CATEGORIES = "/api/v1/product-categories/"


def performance_url(customer) -> str:
    return f"/api/v1/sales/performance/{customer.pk}/"


def as_user(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def line(customer, product, day, amount, quantity="1", document_no=""):
    return SalesRecord(
        date=day,
        customer=customer,
        product=product,
        quantity=Decimal(quantity),
        amount=Decimal(amount),
        salesperson=customer.salesperson,
        document_no=document_no,
        line_key=uuid.uuid4(),
    )


@pytest.fixture
def mine(salesperson):
    return CustomerFactory(code="MINE", salesperson=salesperson)


@pytest.fixture
def theirs(other_salesperson):
    return CustomerFactory(code="THEIRS", salesperson=other_salesperson)


@pytest.fixture
def drinks():
    return ProductFactory(
        code="WATER", category=ProductCategoryFactory(code="DRK", name="饮料"), unit_price="2.50"
    )


@pytest.fixture
def sales(mine, theirs, drinks):
    snacks = ProductFactory(code="CHIPS", category=ProductCategoryFactory(code="SNK", name="零食"))
    today = timezone.localdate()
    SalesRecord.objects.bulk_create(
        [
            line(mine, drinks, today, "100.05", "3", "SO-1"),
            line(mine, snacks, date(today.year - 1, today.month, 1), "200.10", "2", "SO-2"),
            line(mine, snacks, date(2020, 1, 1), "7.00"),
            line(theirs, drinks, today, "999.00"),
        ]
    )
    return today


# Performance ------------------------------------------------------------------------------


def test_performance_has_the_figures_as_decimal_strings(salesperson, mine, sales):
    today = sales
    start, _end = grade_window()
    response = as_user(salesperson).get(performance_url(mine))

    assert response.status_code == 200
    body = response.json()
    monthly = body.pop("monthly")
    assert body == {
        "customer": mine.pk,
        "customer_code": "MINE",
        "as_of": today.isoformat(),
        "grading_window": {
            "start": start.isoformat(),
            "end": today.isoformat(),
            "amount": "100.05",
        },
        "this_year": "100.05",
        "last_year": "200.10",
        "total": "307.15",
        "first_sale": "2020-01-01",
        "last_sale": today.isoformat(),
        "top_categories": [
            {"code": "DRK", "name": "饮料", "quantity": "3.000", "amount": "100.05"}
        ],
    }
    assert len(monthly) == 12
    assert monthly[-1] == {"month": f"{today:%Y-%m}", "amount": "100.05", "lines": 1}
    assert [month["amount"] for month in monthly[:-1]] == ["0.00"] * 11


def test_performance_of_another_salespersons_customer_is_404(salesperson, theirs, sales):
    assert as_user(salesperson).get(performance_url(theirs)).status_code == 404


def test_performance_for_a_manager_and_for_nobody(manager, theirs, sales):
    assert as_user(manager).get(performance_url(theirs)).json()["total"] == "999.00"
    assert APIClient().get(performance_url(theirs)).status_code == 401


def test_performance_refuses_writes(manager, mine):
    assert as_user(manager).post(performance_url(mine), {}).status_code == 405


@pytest.mark.parametrize("lines", [3, 300])
def test_performance_query_count_is_constant(
    salesperson, mine, drinks, lines, django_assert_num_queries
):
    SalesRecord.objects.bulk_create(
        [line(mine, drinks, timezone.localdate(), "1.00") for _ in range(lines)]
    )
    client = as_user(salesperson)
    # Token, role groups, the customer in scope, the policy, three aggregates.
    with django_assert_num_queries(7):
        response = client.get(performance_url(mine))
    assert response.json()["total"] == f"{lines}.00"


# Sales records ----------------------------------------------------------------------------


def amounts(response) -> list[str]:
    return [item["amount"] for item in response.json()["results"]]


def test_sales_records_list_only_the_users_customers_newest_first(salesperson, mine, sales):
    response = as_user(salesperson).get(RECORDS)

    assert response.status_code == 200
    assert amounts(response) == ["100.05", "200.10", "7.00"]
    first = response.json()["results"][0]
    assert first == {
        "id": first["id"],
        "date": sales.isoformat(),
        "customer": mine.pk,
        "customer_code": "MINE",
        "product": "WATER",
        "quantity": "3.000",
        "amount": "100.05",
        "salesperson": "sales1",
        "document_no": "SO-1",
    }


def test_another_salespersons_line_is_not_listed_and_is_404(salesperson, theirs, sales):
    client = as_user(salesperson)
    other = SalesRecord.objects.get(customer=theirs)

    assert client.get(RECORDS, {"customer": theirs.pk}).json()["results"] == []
    assert client.get(f"{RECORDS}{other.pk}/").status_code == 404


def test_a_manager_lists_every_line(manager, sales):
    assert len(as_user(manager).get(RECORDS).json()["results"]) == 4


def test_sales_records_filters(manager, mine, theirs, sales):
    client = as_user(manager)
    today = sales

    assert amounts(client.get(RECORDS, {"customer": theirs.pk})) == ["999.00"]
    assert amounts(client.get(RECORDS, {"product": "CHIPS"})) == ["200.10", "7.00"]
    assert amounts(client.get(RECORDS, {"date_from": "2020-01-01", "date_to": "2020-01-01"})) == [
        "7.00"
    ]
    assert amounts(client.get(RECORDS, {"customer": mine.pk, "date_from": today.isoformat()})) == [
        "100.05"
    ]
    assert client.get(RECORDS, {"date_from": "not-a-date"}).status_code == 400


def test_sales_records_are_read_only(manager, sales):
    client = as_user(manager)
    record = SalesRecord.objects.first()

    assert client.post(RECORDS, {}).status_code == 405
    assert client.delete(f"{RECORDS}{record.pk}/").status_code == 405
    assert SalesRecord.objects.count() == 4


def test_sales_records_need_a_login():
    assert APIClient().get(RECORDS).status_code == 401


@pytest.mark.parametrize("lines", [3, 60])
def test_sales_records_page_query_count_is_constant(
    salesperson, mine, lines, django_assert_num_queries
):
    products = [ProductFactory() for _ in range(3)]
    SalesRecord.objects.bulk_create(
        [line(mine, products[n % 3], date(2026, 1, 1 + n % 28), "1.00") for n in range(lines)]
    )
    client = as_user(salesperson)
    # Token, role groups, count, the page with its customers, products and salespeople.
    with django_assert_num_queries(4):
        response = client.get(RECORDS, {"page_size": 100})
    assert len(response.json()["results"]) == lines


def test_sales_records_are_paginated(manager, mine):
    product = ProductFactory()
    SalesRecord.objects.bulk_create(
        [line(mine, product, date(2026, 1, 1 + n), "1.00") for n in range(3)]
    )
    body = as_user(manager).get(RECORDS, {"page_size": 2}).json()
    assert (body["count"], len(body["results"])) == (3, 2)
    assert body["next"].endswith("page=2&page_size=2")


# Products and categories ------------------------------------------------------------------


def test_everyone_signed_in_reads_products_and_categories(salesperson, drinks):
    client = as_user(salesperson)

    products = client.get(PRODUCTS).json()["results"]
    categories = client.get(CATEGORIES).json()["results"]

    assert products == [
        {
            "id": drinks.pk,
            "code": "WATER",
            "name": drinks.name,
            "category": "DRK",
            "unit": "箱",
            "unit_price": "2.50",
            "is_active": True,
        }
    ]
    assert categories == [{"id": drinks.category.pk, "code": "DRK", "name": "饮料", "parent": None}]
    assert APIClient().get(PRODUCTS).status_code == 401


def test_products_filter_by_category_code(salesperson, drinks):
    ProductFactory(code="CHIPS", category=ProductCategoryFactory(code="SNK"))
    client = as_user(salesperson)
    assert [p["code"] for p in client.get(PRODUCTS, {"category": "SNK"}).json()["results"]] == [
        "CHIPS"
    ]


def test_sales_staff_cannot_write_products_or_categories(salesperson, drinks):
    client = as_user(salesperson)

    assert client.post(CATEGORIES, {"code": "NEW", "name": "新"}).status_code == 403
    assert client.patch(f"{PRODUCTS}{drinks.pk}/", {"name": "改"}, format="json").status_code == 403
    assert not ProductCategory.objects.filter(code="NEW").exists()
    assert Product.objects.get(pk=drinks.pk).name == drinks.name


def test_a_manager_creates_and_changes_products(manager, drinks):
    client = as_user(manager)

    created = client.post(
        CATEGORIES, {"code": "HOT", "name": "热饮", "parent": "DRK"}, format="json"
    )
    product = client.post(
        PRODUCTS,
        {"code": "TEA", "name": "茶", "category": "HOT", "unit_price": "12.30"},
        format="json",
    )
    changed = client.patch(f"{PRODUCTS}{drinks.pk}/", {"is_active": False}, format="json")

    assert (created.status_code, product.status_code, changed.status_code) == (201, 201, 200)
    assert Product.objects.get(code="TEA").category.parent.code == "DRK"
    assert Product.objects.get(code="TEA").unit_price == Decimal("12.30")
    assert Product.objects.get(pk=drinks.pk).is_active is False


def test_bad_product_input_names_the_field(manager):
    response = as_user(manager).post(
        PRODUCTS, {"code": "X", "name": "x", "category": "NOPE", "unit_price": "-1"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"category", "unit_price"}


def test_a_product_with_sales_is_not_deleted(mine, drinks, sales):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    response = as_user(admin).delete(f"{PRODUCTS}{drinks.pk}/")
    assert response.status_code == 409
    assert Product.objects.filter(pk=drinks.pk).exists()


def test_a_category_cannot_move_under_its_child(manager, drinks):
    child = ProductCategoryFactory(code="HOT", parent=drinks.category)
    response = as_user(manager).patch(
        f"{CATEGORIES}{drinks.category.pk}/", {"parent": child.code}, format="json"
    )
    assert response.status_code == 400
    assert "parent" in response.json()


@pytest.mark.parametrize("count", [2, 20])
def test_product_list_query_count_is_constant(salesperson, count, django_assert_num_queries):
    for _ in range(count):
        ProductFactory()
    client = as_user(salesperson)
    # Token, count, the page with its categories.
    with django_assert_num_queries(3):
        response = client.get(PRODUCTS)
    assert len(response.json()["results"]) == count
