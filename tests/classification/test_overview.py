"""The classification overview: counts per classification, in the user's scope, each linking
to the customer list filtered the same way."""

from collections import Counter
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from classification.lifecycle import LifecycleWindows
from classification.models import CustomerType, GradeLevel, OwnershipForm
from customers.models import Customer
from customers.services import customer_archive
from tests.customers.factories import (
    CustomerFactory,
    RegionFactory,
    customer_type,
    grade,
    ownership,
)

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("classification:overview")
LIST = reverse("customers:list")


@pytest.fixture
def archive(salesperson, other_salesperson, manager):
    """A small region tree and customers spread over every classification."""
    china = RegionFactory(code="CN", name="中国")
    guangdong = RegionFactory(code="GD", name="广东", parent=china)
    shenzhen = RegionFactory(code="SZ", name="深圳", parent=guangdong)
    RegionFactory(code="FJ", name="福建", parent=china)
    abroad = RegionFactory(code="XX", name="海外")
    today = timezone.localdate()
    long_ago = date(2015, 1, 1)
    recent = today - timedelta(days=3)
    specs = [
        # code, salesperson, type, ownership, region, grade, first sale, last sale, planned
        ("A1", salesperson, "government", "state", shenzhen, "key", long_ago, recent, None),
        ("A2", salesperson, "ordinary", "private", guangdong, "general", recent, recent, None),
        ("A3", salesperson, "ordinary", None, china, None, None, None, today),
        ("B1", other_salesperson, "ordinary", "private", shenzhen, "key", long_ago, long_ago, None),
        ("B2", other_salesperson, "consumer", "private", abroad, "scattered", None, None, None),
        ("B3", other_salesperson, "ordinary", "private", None, None, None, None, None),
    ]
    for code, seller, type_, owner, region, level, first, last, planned in specs:
        CustomerFactory(
            code=code,
            salesperson=seller,
            customer_type=customer_type(type_),
            ownership=ownership(owner) if owner else None,
            region=region,
            grade=grade(level) if level else None,
            first_sale_on=first,
            last_sale_on=last,
            planned_first_deal_on=planned,
        )
    customer_archive(customer=Customer.objects.get(code="B3"), actor=manager)


def table(rows) -> dict:
    return {row.label: row.count for row in rows}


def listed(client, url) -> list[str]:
    query = dict(parse_qsl(urlsplit(url).query))
    return sorted(
        c.code for c in client.get(LIST, {**query, "page_size": 100}).context["customers"]
    )


def test_manager_sees_counts_of_every_customer(client, manager, archive):
    client.force_login(manager)
    response = client.get(OVERVIEW)
    assert response.status_code == 200
    overview = response.context["overview"]
    customers = list(Customer.objects.all())
    assert overview.total == len(customers) == 6

    # An independent computation of each classification.
    expected_types = Counter(c.customer_type.display_name for c in customers)
    assert table(overview.by_type) == {
        t.display_name: expected_types.get(t.display_name, 0) for t in CustomerType.objects.all()
    }
    expected_owners = Counter(
        c.ownership.display_name if c.ownership else "Not set" for c in customers
    )
    assert table(overview.by_ownership) == {
        **{o.display_name: 0 for o in OwnershipForm.objects.all()},
        **expected_owners,
    }
    expected_grades = Counter(c.grade.display_name if c.grade else "No grade" for c in customers)
    assert table(overview.by_grade) == {
        **{g.display_name: 0 for g in GradeLevel.objects.all()},
        **expected_grades,
    }
    assert table(overview.by_time_series) == {
        "Old customer": 2,
        "New customer": 1,
        "Future customer": 3,
    }
    assert table(overview.by_transaction_process) == {
        "Transacted before": 1,
        "Transacting now": 2,
        "About to transact": 1,
        "No deal planned": 2,
    }


def test_region_tree_has_subtree_totals_in_depth_first_order(client, manager, archive):
    client.force_login(manager)
    rows = client.get(OVERVIEW).context["overview"].by_region
    assert [(row.label, row.depth, row.own, row.count) for row in rows] == [
        ("中国", 0, 1, 4),
        ("福建", 1, 0, 0),  # siblings in the reference data's order (order, code)
        ("广东", 1, 1, 3),
        ("深圳", 2, 2, 2),
        ("海外", 0, 1, 1),
        ("Not set", 0, None, 1),
    ]


def test_each_count_links_to_the_list_with_exactly_those_customers(client, manager, archive):
    client.force_login(manager)
    overview = client.get(OVERVIEW).context["overview"]
    for rows in (
        overview.by_type,
        overview.by_ownership,
        overview.by_region,
        overview.by_grade,
        overview.by_time_series,
        overview.by_transaction_process,
    ):
        for row in rows:
            assert len(listed(client, row.url)) == row.count, row
    by_region = {row.label: row.url for row in overview.by_region}
    assert listed(client, by_region["广东"]) == ["A1", "A2", "B1"]
    assert listed(client, by_region["Not set"]) == ["B3"]


def test_salesperson_sees_only_their_own_counts(client, salesperson, archive):
    client.force_login(salesperson)
    overview = client.get(OVERVIEW).context["overview"]
    assert overview.total == 3
    assert table(overview.by_time_series) == {
        "Old customer": 1,
        "New customer": 1,
        "Future customer": 1,
    }
    assert table(overview.by_transaction_process) == {
        "Transacted before": 0,
        "Transacting now": 2,
        "About to transact": 1,
        "No deal planned": 0,
    }
    assert [(row.label, row.count) for row in overview.by_region] == [
        ("中国", 3),
        ("福建", 0),
        ("广东", 2),
        ("深圳", 1),
        ("海外", 0),
    ]
    assert table(overview.by_grade)["No grade"] == 1


def test_status_narrows_the_counts_and_the_links(client, manager, archive):
    client.force_login(manager)
    overview = client.get(OVERVIEW, {"status": "archived"}).context["overview"]
    assert overview.total == 1
    assert table(overview.by_transaction_process)["No deal planned"] == 1
    url = next(r.url for r in overview.by_transaction_process if r.label == "No deal planned")
    assert dict(parse_qsl(urlsplit(url).query)) == {
        "status": "archived",
        "transaction_process": "null",
    }
    assert client.get(OVERVIEW, {"status": "bogus"}).context["overview"].total == 6


def test_query_count_does_not_grow_with_the_customers(
    client, manager, archive, django_assert_num_queries
):
    client.force_login(manager)

    def queries():
        # Session, user, roles, policy; customer types and their counts, ownership forms and
        # their counts, regions and their counts, grades and their counts; the lifecycle.
        with django_assert_num_queries(13):
            assert client.get(OVERVIEW).status_code == 200

    queries()
    region = RegionFactory(code="MORE")
    for n in range(30):
        CustomerFactory(code=f"M{n:02d}", region=region, grade=grade("general"))
    queries()


def test_page_renders_tables_charts_and_links(client, manager, archive):
    client.force_login(manager)
    html = client.get(OVERVIEW).content.decode()
    assert html.count('data-testid="count-table"') == 6
    assert html.count('class="chart"') == 6
    assert f'href="{LIST}?time_series=future">3</a>' in html
    assert 'href="/classification/overview/"' in html  # the navigation link


def test_anonymous_is_sent_to_login_and_post_is_refused(client, manager):
    response = client.get(OVERVIEW)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    client.force_login(manager)
    assert client.post(OVERVIEW).status_code == 405


def test_user_without_a_role_sees_no_customers(client, archive):
    from tests.accounts.factories import UserFactory

    client.force_login(UserFactory(username="nobody"))
    assert client.get(OVERVIEW).context["overview"].total == 0


def test_windows_match_the_policy(client, manager):
    client.force_login(manager)
    windows = client.get(OVERVIEW).context["windows"]
    assert windows == LifecycleWindows.for_policy()
