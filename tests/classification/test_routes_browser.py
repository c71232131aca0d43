from decimal import Decimal

import pytest

from customers.models import Customer
from tests.accounts.factories import UserFactory
from tests.customers.factories import CustomerFactory, RegionFactory, RouteFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Along one parallel, listed zig-zag: the short order from the start point is west to east.
LONGITUDES = {"A": "114.05", "B": "114.01", "C": "114.04", "D": "114.02", "E": "114.03"}


def test_manager_optimises_a_route_and_prints_the_sheet_in_the_new_order(page, log_in):
    manager = UserFactory(role="manager", username="boss", first_name="经理")
    region = RegionFactory(code="SZ", name="深圳")
    route = RouteFactory(
        code="SZ-1",
        name="南山线",
        region=region,
        start_latitude=Decimal("22.5"),
        start_longitude=Decimal("114.0"),
    )
    for position, (code, longitude) in enumerate(LONGITUDES.items(), 1):
        customer = CustomerFactory(
            code=f"S-{code}",
            name=f"商店{code}",
            region=region,
            latitude=Decimal("22.5"),
            longitude=Decimal(longitude),
        )
        Customer.objects.filter(pk=customer.pk).update(route=route, route_position=position)

    log_in(manager)
    page.get_by_role("link", name="Routes").click()
    page.wait_for_url("**/classification/routes/")
    page.get_by_role("link", name="南山线").click()
    page.wait_for_url(f"**/classification/routes/{route.pk}/")
    stop_names = page.locator("table.route-stops td.stop-name")
    assert stop_names.all_inner_texts() == ["商店A", "商店B", "商店C", "商店D", "商店E"]

    page.get_by_role("link", name="Optimise order").click()
    page.wait_for_url(f"**/classification/routes/{route.pk}/optimise/")
    before = page.get_by_test_id("distance-before").inner_text()
    after = page.get_by_test_id("distance-after").inner_text()
    assert before.endswith(" km") and after.endswith(" km")
    assert float(after.removesuffix(" km")) < float(before.removesuffix(" km"))
    assert page.locator("td.proposed").all_inner_texts() == [
        "S-B · 商店B",
        "S-D · 商店D",
        "S-E · 商店E",
        "S-C · 商店C",
        "S-A · 商店A",
    ]

    page.get_by_role("button", name="Apply this order").click()
    page.wait_for_url(f"**/classification/routes/{route.pk}/#stops")
    assert page.locator(".message.success").inner_text() == "The optimised order was applied."
    assert stop_names.all_inner_texts() == ["商店B", "商店D", "商店E", "商店C", "商店A"]

    page.get_by_role("link", name="Printable route sheet").click()
    page.wait_for_url(f"**/classification/routes/{route.pk}/sheet/")
    assert page.locator("table.sheet td.stop-name").all_inner_texts() == [
        "商店B\nS-B",
        "商店D\nS-D",
        "商店E\nS-E",
        "商店C\nS-C",
        "商店A\nS-A",
    ]
    page.emulate_media(media="print")
    assert not page.locator(".topbar").is_visible()
    assert not page.get_by_role("button", name="Print").is_visible()
    assert page.locator("table.sheet").is_visible()
