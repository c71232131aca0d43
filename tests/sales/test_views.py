"""The card's sales performance page: the right figures, the user's scope, htmx partial or
full page, and a constant number of queries."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from classification.lifecycle import grade_window
from classification.services.grading import regrade_preview
from sales.models import SalesRecord
from tests.accounts.factories import UserFactory
from tests.customers.factories import CustomerFactory
from tests.sales.factories import ProductCategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def url(customer) -> str:
    return reverse("sales:customer_performance", args=[customer.pk])


def add_lines(customer, product, lines):
    SalesRecord.objects.bulk_create(
        SalesRecord(
            date=day,
            customer=customer,
            product=product,
            quantity=Decimal(quantity),
            amount=Decimal(amount),
            line_key=uuid.uuid4(),
        )
        for day, amount, quantity in lines
    )


@pytest.fixture
def customer(salesperson):
    return CustomerFactory(salesperson=salesperson)


@pytest.fixture
def known_lines(customer):
    today = timezone.localdate()
    drinks = ProductFactory(category=ProductCategoryFactory(code="DRK", name="饮料"))
    add_lines(
        customer,
        drinks,
        [
            (today, "100.05", "3"),  # this year and the grading window
            (date(today.year - 1, today.month, 1), "200.10", "2"),  # 12 months back: outside
            (date(today.year - 3, 1, 1), "7.00", "1"),  # all time only
        ],
    )
    add_lines(CustomerFactory(), drinks, [(today, "999.00", "1")])  # another customer
    return today


def test_performance_shows_the_customers_own_figures(client, salesperson, customer, known_lines):
    today = known_lines
    client.force_login(salesperson)

    response = client.get(url(customer))

    assert response.status_code == 200
    performance = response.context["performance"]
    assert (
        performance.this_year,
        performance.last_year,
        performance.window_amount,
        performance.total,
    ) == (Decimal("100.05"), Decimal("200.10"), Decimal("100.05"), Decimal("307.15"))
    assert (performance.first_sale, performance.last_sale) == (
        date(today.year - 3, 1, 1),
        today,
    )
    chart = response.context["performance_chart"]
    assert len(chart) == 12
    assert (chart[-1].label, chart[-1].value, chart[-1].percent) == (
        f"{today:%Y-%m}",
        Decimal("100.05"),
        100.0,
    )
    assert sum(bar.value for bar in chart) == Decimal("100.05")
    assert [(c.code, c.amount) for c in performance.top_categories] == [("DRK", Decimal("100.05"))]
    content = response.content.decode()
    assert 'data-testid="sales-this-year">100.05<' in content
    assert 'data-testid="sales-last-year">200.10<' in content
    assert 'data-testid="sales-grading-window">100.05<' in content
    assert f"Calendar year {today.year}<" in content
    assert f"Calendar year {today.year - 1}<" in content
    assert "饮料" in content


def test_the_cards_window_figure_is_the_regrade_amount_and_says_its_dates(
    client, manager, customer
):
    start, end = grade_window()
    product = ProductFactory()
    add_lines(
        customer,
        product,
        [
            (start - timedelta(days=1), "500.00", "1"),  # the day before the window
            (start, "12.34", "1"),  # its first day
            (end, "0.66", "1"),  # its last day
        ],
    )
    [change] = [c for c in regrade_preview().changes if c.customer_id == customer.pk]
    client.force_login(manager)

    response = client.get(url(customer), headers={"HX-Request": "true"})

    performance = response.context["performance"]
    assert performance.window_amount == change.amount == Decimal("13.00")
    content = response.content.decode()
    assert 'data-testid="sales-grading-window">13.00<' in content
    dates = content.split('data-testid="sales-grading-window-dates">')[1].split("</p>")[0]
    assert date_format(start, "SHORT_DATE_FORMAT") in dates
    assert date_format(end, "SHORT_DATE_FORMAT") in dates


def test_another_salespersons_customer_is_404(client, other_salesperson, customer, known_lines):
    client.force_login(other_salesperson)
    assert client.get(url(customer)).status_code == 404


def test_a_manager_sees_any_customers_performance(client, manager, customer, known_lines):
    client.force_login(manager)
    response = client.get(url(customer))
    assert response.context["performance"].total == Decimal("307.15")


def test_anonymous_is_redirected_to_login(client, customer):
    response = client.get(url(customer))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_wrong_method_is_refused(client, salesperson, customer):
    client.force_login(salesperson)
    assert client.post(url(customer)).status_code == 405


def test_htmx_request_gets_the_partial_and_a_normal_request_a_full_page(
    client, salesperson, customer, known_lines
):
    client.force_login(salesperson)

    partial = client.get(url(customer), headers={"HX-Request": "true"}).content.decode()
    page = client.get(url(customer)).content.decode()

    assert partial.lstrip().startswith('<section class="card" id="sales-performance">')
    assert "<html" not in partial
    assert "<html" in page and 'id="sales-performance"' in page
    assert customer.get_absolute_url() in page


def test_the_card_loads_the_performance_lazily_with_a_plain_link(client, salesperson, customer):
    client.force_login(salesperson)

    content = client.get(customer.get_absolute_url()).content.decode()

    assert f'hx-get="{url(customer)}"' in content
    assert 'hx-trigger="load"' in content
    assert f'<a href="{url(customer)}">' in content
    assert "django_htmx/htmx-2.min.js" in content


@pytest.mark.parametrize("lines", [3, 300])
def test_query_count_does_not_grow_with_the_lines(
    client, salesperson, customer, lines, django_assert_num_queries
):
    product = ProductFactory()
    today = timezone.localdate()
    add_lines(customer, product, [(today, "1.00", "1")] * lines)
    client.force_login(salesperson)

    # Session, user, role groups, the customer in scope, the policy, then three aggregates.
    with django_assert_num_queries(8):
        response = client.get(url(customer), headers={"HX-Request": "true"})

    assert response.context["performance"].total == Decimal(lines)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_card_fetches_the_performance_with_htmx_in_a_browser(page, log_in):
    user = UserFactory(role="sales", username="wang")
    customer = CustomerFactory(salesperson=user)
    add_lines(customer, ProductFactory(), [(timezone.localdate(), "123.45", "1")])

    log_in(user)
    page.goto(f"{customer.get_absolute_url()}#business")

    this_year = page.get_by_test_id("sales-this-year")
    this_year.wait_for()
    assert this_year.inner_text() == "123.45"
    assert page.locator("#sales-performance-slot").count() == 0  # swapped for the partial
