"""The grading pages: classification settings, regrade, pinning from the card."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from classification.models import ClassificationPolicy, GradeLevel
from customers.models import Channel, Customer, GradeHistory
from tests.customers.factories import CustomerFactory, grade
from tests.sales.factories import ProductFactory, SalesRecordFactory

pytestmark = pytest.mark.django_db

SETTINGS = reverse("classification:grade_settings")
REGRADE = reverse("classification:regrade")


def pin_url(customer):
    return reverse("classification:grade_pin", args=[customer.pk])


def unpin_url(customer):
    return reverse("classification:grade_unpin", args=[customer.pk])


@pytest.fixture
def customer(salesperson):
    return CustomerFactory(code="C1", salesperson=salesperson, grade=grade("general"))


def _sale(customer, amount):
    SalesRecordFactory(
        customer=customer,
        product=ProductFactory(code="P-1"),
        date=timezone.localdate(),
        amount=Decimal(amount),
    )


def _settings_data(**overrides):
    levels = list(GradeLevel.objects.order_by("order", "code"))
    data = {
        "levels-TOTAL_FORMS": str(len(levels)),
        "levels-INITIAL_FORMS": str(len(levels)),
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "1000",
        "policy-grade_window_months": "12",
        "policy-new_customer_months": "12",
        "policy-active_months": "6",
    }
    for index, level in enumerate(levels):
        data.update(
            {
                f"levels-{index}-id": str(level.pk),
                f"levels-{index}-name": level.name,
                f"levels-{index}-name_en": level.name_en,
                f"levels-{index}-order": str(level.order),
                f"levels-{index}-color": level.color,
                f"levels-{index}-min_amount": str(level.min_amount),
            }
        )
    data.update(overrides)
    return data


def _standards():
    return list(GradeLevel.objects.order_by("order").values_list("code", "name", "min_amount"))


# Security -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [SETTINGS, REGRADE])
def test_pages_refuse_sales_staff(client, salesperson, url):
    client.force_login(salesperson)
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403


@pytest.mark.parametrize("url", [SETTINGS, REGRADE])
def test_pages_send_anonymous_visitors_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", [SETTINGS, REGRADE])
def test_pages_open_for_managers_and_admins(client, manager, admin_user, url):
    for user in (manager, admin_user):
        client.force_login(user)
        assert client.get(url).status_code == 200


def test_pin_and_unpin_refuse_sales_staff_even_on_their_own_customer(client, salesperson, customer):
    client.force_login(salesperson)
    assert client.post(pin_url(customer), {"reason": "x", "version": 1}).status_code == 403
    assert client.post(unpin_url(customer), {"version": 1}).status_code == 403
    customer.refresh_from_db()
    assert (customer.grade_pinned, customer.version) == (False, 1)


def test_pin_refuses_get(client, manager, customer):
    client.force_login(manager)
    assert client.get(pin_url(customer)).status_code == 405


# Classification settings ---------------------------------------------------------------------


def test_manager_saves_the_standards_and_the_windows(client, manager):
    client.force_login(manager)
    data = _settings_data(
        **{
            "levels-0-min_amount": "800000",
            "levels-0-name_en": "Key account",
            "policy-grade_window_months": "6",
            "policy-active_months": "3",
        }
    )

    response = client.post(SETTINGS, data)

    assert response.status_code == 302
    assert _standards()[0] == ("key", "主力客户", Decimal("800000.00"))
    assert GradeLevel.objects.get(code="key").name_en == "Key account"
    policy = ClassificationPolicy.current()
    assert (policy.grade_window_months, policy.new_customer_months, policy.active_months) == (
        6,
        12,
        3,
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"levels-1-min_amount": "600000"},
            "“一般客户” (order 2) must need less than “主力客户” (order 1): "
            "600000.00 is not below 500000.00.",
        ),
        (
            {"levels-2-min_amount": "10"},
            "The lowest grade “零散客户” must start at 0, so that every customer with sales in "
            "the window gets a grade (it is 10.00).",
        ),
        ({"levels-2-order": "1"}, "“主力客户” and “零散客户” have the same order 1."),
        ({"levels-0-min_amount": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"levels-0-color": "red"}, "Enter a colour as # and six hex digits."),
        ({"policy-grade_window_months": "0"}, "Ensure this value is greater than or equal to 1."),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message_and_change_nothing(
    client, manager, overrides, message
):
    client.force_login(manager)
    before = _standards()

    response = client.post(SETTINGS, _settings_data(**overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert _standards() == before
    assert ClassificationPolicy.current().grade_window_months == 12


# Regrade -------------------------------------------------------------------------------------


def test_regrade_page_shows_the_preview_and_applies_it(client, manager, customer):
    _sale(customer, "600000")
    client.force_login(manager)

    page = client.get(REGRADE)

    preview = page.context["preview"]
    assert [(c.code, c.old.code, c.new.code) for c in preview.changes] == [("C1", "general", "key")]
    assert 'data-count="up">1<' in page.content.decode()
    response = client.post(REGRADE, {"fingerprint": preview.fingerprint}, follow=True)

    assert "Regrade applied: 1 customer changed grade." in response.content.decode()
    customer.refresh_from_db()
    assert (customer.grade.code, customer.version) == ("key", 2)
    latest = customer.history.order_by("-history_id").first()
    assert (latest.history_channel, latest.history_user) == (Channel.REGRADE, manager)


def test_regrade_with_a_stale_preview_applies_nothing_and_says_so(client, manager, customer):
    _sale(customer, "600000")
    client.force_login(manager)
    seen = client.get(REGRADE).context["preview"].fingerprint
    other = CustomerFactory(code="C2")
    _sale(other, "10")

    response = client.post(REGRADE, {"fingerprint": seen}, follow=True)

    assert "nothing was applied" in response.content.decode()
    assert f'href="{REGRADE}"' in response.content.decode()
    assert [c.code for c in client.get(REGRADE).context["preview"].changes] == ["C1", "C2"]
    assert Customer.objects.get(pk=customer.pk).grade.code == "general"
    assert not Customer.history.filter(history_channel=Channel.REGRADE).exists()


# Pinning from the card -----------------------------------------------------------------------


def test_card_shows_the_grade_panel_and_the_pin_form_only_to_managers(
    client, manager, salesperson, customer
):
    client.force_login(salesperson)
    content = client.get(customer.get_absolute_url()).content.decode()
    assert 'data-testid="card-grade"' in content
    assert 'data-testid="grade-pin-form"' not in content

    client.force_login(manager)
    content = client.get(customer.get_absolute_url()).content.decode()
    assert 'data-testid="grade-pin-form"' in content


def test_manager_pins_and_unpins_a_grade_from_the_card(client, manager, customer):
    client.force_login(manager)

    response = client.post(
        pin_url(customer),
        {"grade": grade("key").pk, "reason": "Strategic account", "version": 1},
        follow=True,
    )

    assert "The grade is pinned; regrades will leave it alone." in response.content.decode()
    customer.refresh_from_db()
    assert (customer.grade.code, customer.grade_pinned, customer.grade_pin_reason) == (
        "key",
        True,
        "Strategic account",
    )
    assert GradeHistory.objects.get(customer=customer).source == GradeHistory.Source.PIN
    assert 'data-testid="grade-pinned"' in response.content.decode()

    client.post(unpin_url(customer), {"version": customer.version})
    customer.refresh_from_db()
    assert (customer.grade.code, customer.grade_pinned) == ("key", False)


def test_pin_without_reason_or_with_a_stale_version_changes_nothing(client, manager, customer):
    client.force_login(manager)

    response = client.post(
        pin_url(customer), {"grade": grade("key").pk, "reason": "", "version": 1}, follow=True
    )
    assert "Reason: This field is required." in response.content.decode()
    response = client.post(
        pin_url(customer), {"grade": grade("key").pk, "reason": "x", "version": 7}, follow=True
    )
    assert "This card was changed by someone else" in response.content.decode()

    customer.refresh_from_db()
    assert (customer.grade.code, customer.grade_pinned, customer.version) == ("general", False, 1)
