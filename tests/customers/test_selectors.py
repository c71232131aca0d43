import pytest
from django.http import Http404
from django.utils import translation

from customers.models import Channel, Customer
from customers.selectors import (
    Duplicate,
    customer_completeness,
    customer_find_duplicates,
    customer_get_for_user,
    customer_timeline,
    customers_visible_to,
)
from customers.services import card_set_grade, card_update
from tests.accounts.factories import UserFactory
from tests.customers.factories import CustomerFactory, RegionFactory, customer_type, grade

VALID_CREDIT_CODE = "91350100M000100Y43"

pytestmark = pytest.mark.django_db


def test_salesperson_sees_only_assigned_customers(salesperson, other_salesperson, manager):
    mine = CustomerFactory(salesperson=salesperson)
    theirs = CustomerFactory(salesperson=other_salesperson)
    assert list(customers_visible_to(salesperson)) == [mine]
    assert set(customers_visible_to(manager)) == {mine, theirs}
    with pytest.raises(Http404):
        customer_get_for_user(salesperson, theirs.pk)


def test_superuser_sees_all_and_user_without_role_sees_none(admin_user):
    CustomerFactory()
    assert customers_visible_to(admin_user).count() == 1
    assert customers_visible_to(UserFactory()).count() == 0


def test_duplicates_match_name_credit_code_or_phone_across_all_salespeople(manager, salesperson):
    existing = CustomerFactory(
        name="广州珠江贸易公司", phone="020-1", credit_code=VALID_CREDIT_CODE
    )
    found = customer_find_duplicates(user=manager, name="广州珠江贸易公司 ", phone="020-1")
    assert found == [Duplicate(("name", "phone"), existing)]
    assert customer_find_duplicates(user=manager, credit_code=VALID_CREDIT_CODE) == [
        Duplicate(("credit_code",), existing)
    ]
    assert customer_find_duplicates(user=manager, name="别的公司", phone="020-2") == []
    assert (
        customer_find_duplicates(user=manager, name="广州珠江贸易公司", exclude_pk=existing.pk)
        == []
    )
    # Another salesperson's card is found, but the salesperson sees only what matched.
    assert customer_find_duplicates(user=salesperson, phone="020-1") == [
        Duplicate(("phone",), None)
    ]


def test_completeness_counts_filled_fields_per_section():
    customer = Customer(code="C1", name="X")
    completeness = customer_completeness(customer)
    assert completeness.sections == {
        "basic": 6,
        "characteristics": 0,
        "business": 0,
        "transactions": 0,
    }
    assert completeness.overall == 3  # 1 of 37 fields


def test_timeline_lists_changes_newest_first_with_readable_values(manager):
    region = RegionFactory(name="广东省")
    customer = CustomerFactory(customer_type=customer_type("ordinary"), region=region)
    card_update(
        customer=customer,
        changes={"customer_type": customer_type("partner"), "enterprise_scale": "large"},
        actor=manager,
        channel=Channel.API,
        expected_version=1,
    )
    latest, created = customer_timeline(customer)
    assert (latest.user, latest.channel, latest.kind) == (manager, "api", "~")
    changes = {c.field: (str(c.old), str(c.new)) for c in latest.changes}
    assert changes == {
        "customer_type": ("Ordinary company", "Trading partner"),
        "enterprise_scale": ("", "Large"),
    }
    assert created.kind == "+"
    assert ("region", "None", "广东省") in {
        (c.field, str(c.old), str(c.new)) for c in created.changes
    }


@pytest.mark.parametrize(("language", "no", "yes"), [("en", "No", "Yes"), ("zh-hans", "否", "是")])
def test_timeline_names_people_by_name_and_flags_as_yes_or_no(manager, language, no, yes):
    wang = UserFactory(role="sales", username="sales1", first_name="王伟", last_name="")
    # Without a full name, a person is named by username, as everywhere on the pages.
    nameless = UserFactory(role="sales", username="zhao", first_name="", last_name="")
    customer = CustomerFactory(salesperson=wang)
    customer = card_update(
        customer=customer,
        changes={"salesperson": nameless},
        actor=manager,
        channel=Channel.MANUAL,
        expected_version=1,
    )
    card_set_grade(
        customer=customer,
        grade=grade("key"),
        pinned=True,
        reason="年度大单",
        actor=manager,
        expected_version=customer.version,
    )

    with translation.override(language):
        pinned, moved, created = customer_timeline(customer)

    assert {c.field: (c.old, c.new) for c in pinned.changes}["grade_pinned"] == (no, yes)
    assert [(c.field, c.old, c.new) for c in moved.changes] == [("salesperson", "王伟", "zhao")]
    assert ("salesperson", None, "王伟") in {(c.field, c.old, c.new) for c in created.changes}
