from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from customers.models import Channel, Customer, FieldProvenance
from customers.services import (
    CardArchived,
    CardConflict,
    CardsInvalid,
    card_update,
    contact_save,
    customer_archive,
    customer_create,
    customer_restore,
    customers_create_bulk,
)
from tests.customers.factories import (
    ContactFactory,
    CustomerFactory,
    RegionFactory,
    RouteFactory,
    customer_type,
)

pytestmark = pytest.mark.django_db

VALID_CREDIT_CODE = "91350100M000100Y43"


def test_create_records_history_and_provenance(manager, salesperson):
    customer = customer_create(
        data={
            "code": "C1",
            "name": "深圳华强贸易有限公司",
            "phone": "0755-1",
            "salesperson": salesperson,
        },
        actor=manager,
    )
    assert customer.version == 1
    record = customer.history.get()
    assert (record.history_type, record.history_user, record.history_channel) == (
        "+",
        manager,
        Channel.MANUAL,
    )
    provenance = {p.field_name: p for p in customer.provenance.all()}
    assert set(provenance) == {"code", "name", "phone", "salesperson"}
    assert provenance["name"].verified is True  # a manager's own entry
    assert provenance["name"].recorded_by == manager


def test_create_refuses_invalid_data_and_saves_nothing(manager):
    with pytest.raises(ValidationError) as error:
        customer_create(
            data={"code": "C1", "name": "X", "credit_code": "91350100M000100Y44"}, actor=manager
        )
    assert "credit_code" in error.value.message_dict
    assert not Customer.objects.exists()


def test_update_changes_fields_bumps_version_and_records_old_and_new(salesperson):
    customer = CustomerFactory(salesperson=salesperson, phone="010-1")
    updated = card_update(
        customer=customer,
        changes={"phone": "010-2", "credit_limit": Decimal("50000.00")},
        actor=salesperson,
        channel=Channel.VISIT,
        expected_version=1,
    )
    assert updated.version == 2
    customer.refresh_from_db()
    assert (customer.phone, customer.credit_limit, customer.version) == (
        "010-2",
        Decimal("50000.00"),
        2,
    )
    latest, previous = customer.history.order_by("-history_id")[:2]
    delta = latest.diff_against(previous)
    assert {c.field: (c.old, c.new) for c in delta.changes} == {
        "phone": ("010-1", "010-2"),
        "credit_limit": (None, Decimal("50000.00")),
        "version": (1, 2),
    }
    assert (latest.history_user, latest.history_channel) == (salesperson, Channel.VISIT)
    phone = FieldProvenance.objects.get(customer=customer, field_name="phone")
    assert (phone.channel, phone.verified) == (Channel.VISIT, False)


def test_stale_card_update_is_refused_and_keeps_first_edit(manager, salesperson):
    customer = CustomerFactory(salesperson=salesperson, phone="010-1", address="旧地址")
    card_update(
        customer=customer,
        changes={"phone": "010-2"},
        actor=salesperson,
        channel=Channel.MANUAL,
        expected_version=1,
    )
    with pytest.raises(CardConflict) as conflict:
        card_update(
            customer=customer,
            changes={"address": "新地址"},
            actor=manager,
            channel=Channel.MANUAL,
            expected_version=1,
        )
    assert conflict.value.customer.version == 2
    customer.refresh_from_db()
    assert (customer.phone, customer.address, customer.version) == ("010-2", "旧地址", 2)
    assert customer.history.count() == 2


def test_update_with_no_real_change_writes_nothing(salesperson):
    customer = CustomerFactory(salesperson=salesperson, phone="010-1")
    result = card_update(
        customer=customer,
        changes={"phone": "010-1"},
        actor=salesperson,
        channel=Channel.MANUAL,
        expected_version=1,
    )
    assert result.version == 1
    assert customer.history.count() == 1
    assert not FieldProvenance.objects.filter(customer=customer).exists()


def test_invalid_update_is_refused_and_changes_nothing(salesperson):
    customer = CustomerFactory(salesperson=salesperson, email="a@example.com")
    with pytest.raises(ValidationError) as error:
        card_update(
            customer=customer,
            changes={"email": "not-an-email", "phone": "1"},
            actor=salesperson,
            channel=Channel.MANUAL,
            expected_version=1,
        )
    assert "email" in error.value.message_dict
    customer.refresh_from_db()
    assert (customer.email, customer.version, customer.history.count()) == ("a@example.com", 1, 1)


def test_credit_code_must_be_unique_among_cards(manager):
    CustomerFactory(credit_code="91350100M000100Y43")
    other = CustomerFactory()
    with pytest.raises(ValidationError) as error:
        card_update(
            customer=other,
            changes={"credit_code": "91350100M000100Y43"},
            actor=manager,
            channel=Channel.MANUAL,
            expected_version=1,
        )
    assert "Another customer has this credit code." in str(error.value)


def test_foreign_keys_change_by_instance(manager):
    customer = CustomerFactory(customer_type=customer_type("ordinary"))
    card_update(
        customer=customer,
        changes={"customer_type": customer_type("government")},
        actor=manager,
        channel=Channel.MANUAL,
        expected_version=1,
    )
    customer.refresh_from_db()
    assert customer.customer_type.code == "government"


def test_unknown_field_is_a_programming_error(manager):
    customer = CustomerFactory()
    with pytest.raises(ValueError, match="version"):
        card_update(
            customer=customer,
            changes={"version": 9},
            actor=manager,
            channel=Channel.MANUAL,
            expected_version=1,
        )


def test_archive_keeps_the_card_and_blocks_edits_until_restored(manager):
    customer = CustomerFactory()
    archived = customer_archive(customer=customer, actor=manager)
    assert (archived.status, archived.version) == ("archived", 2)
    assert archived.archived_at is not None
    assert Customer.objects.filter(pk=customer.pk).exists()
    with pytest.raises(CardArchived):
        card_update(
            customer=archived,
            changes={"phone": "1"},
            actor=manager,
            channel=Channel.MANUAL,
            expected_version=2,
        )
    restored = customer_restore(customer=archived, actor=manager)
    assert (restored.status, restored.archived_at, restored.version) == ("active", None, 3)
    assert [r.status for r in customer.history.order_by("history_id")] == [
        "active",
        "archived",
        "active",
    ]


def test_new_primary_contact_demotes_the_previous_one(manager):
    first = ContactFactory(is_primary=True)
    second = ContactFactory(customer=first.customer, is_primary=False)
    second.is_primary = True
    contact_save(contact=second, actor=manager, expected_version=second.version)
    first.refresh_from_db()
    assert (first.is_primary, second.is_primary) == (False, True)
    assert second.history.latest().history_user == manager


def test_an_archived_cards_contacts_are_read_only(manager):
    contact = ContactFactory()
    customer_archive(customer=contact.customer, actor=manager)
    contact.name = "改名"
    with pytest.raises(CardArchived):
        contact_save(contact=contact, actor=manager)
    contact.refresh_from_db()
    assert contact.name != "改名"


def test_a_card_created_by_a_salesperson_is_theirs_through_any_channel(
    salesperson, other_salesperson, manager
):
    own = customer_create(data={"code": "S1", "name": "甲"}, actor=salesperson)
    assigned = customer_create(
        data={"code": "M1", "name": "乙", "salesperson": other_salesperson}, actor=manager
    )
    imported = customer_create(
        data={"code": "I1", "name": "丙"}, actor=salesperson, channel=Channel.IMPORT
    )
    assert [c.salesperson for c in (own, assigned, imported)] == [
        salesperson,
        other_salesperson,
        salesperson,
    ]


def test_a_route_outside_the_customers_region_is_refused_by_any_edit(manager):
    province = RegionFactory(code="GD")
    city = RegionFactory(code="GZ", parent=province)
    elsewhere = RegionFactory(code="SC")
    customer = CustomerFactory(region=city)

    with pytest.raises(ValidationError) as error:
        card_update(
            customer=customer,
            changes={"route": RouteFactory(region=elsewhere)},
            actor=manager,
            channel=Channel.MANUAL,
            expected_version=1,
        )
    assert "route" in error.value.message_dict
    on_province = card_update(
        customer=customer,
        changes={"route": RouteFactory(region=province)},
        actor=manager,
        channel=Channel.MANUAL,
        expected_version=1,
    )
    assert on_province.route.region == province
    with pytest.raises(ValidationError):
        card_update(
            customer=on_province,
            changes={"region": elsewhere},
            actor=manager,
            channel=Channel.MANUAL,
            expected_version=2,
        )
    customer.refresh_from_db()
    assert (customer.region, customer.version) == (city, 2)


def _cards(count: int, start: int = 1) -> list[dict]:
    return [{"code": f"B{n:03d}", "name": f"批量客户{n}"} for n in range(start, start + count)]


@pytest.mark.parametrize("count", [3, 12])
def test_bulk_create_gives_each_card_history_and_provenance_in_the_same_queries(
    manager, django_assert_num_queries, count
):
    cards = _cards(count)
    cards[0]["credit_code"] = VALID_CREDIT_CODE
    # Which salespeople are sales staff, the code and credit code checks, then the cards,
    # their history records and their provenance (one statement per field given: code, name,
    # credit code) in one savepoint: the same statements for 3 cards as for 12 (beyond
    # that, SQLite's limit of 999 parameters splits the cards' insert; PostgreSQL's take
    # 5,000).
    with django_assert_num_queries(10):
        created = customers_create_bulk(cards=cards, actor=manager, channel=Channel.IMPORT)
    assert [customer.code for customer in created] == [f"B{n:03d}" for n in range(1, count + 1)]
    assert Customer.objects.count() == count
    records = Customer.history.filter(code="B002")
    assert [(r.history_type, r.history_user, r.history_channel) for r in records] == [
        ("+", manager, Channel.IMPORT)
    ]
    assert set(
        FieldProvenance.objects.filter(customer__code="B002").values_list(
            "field_name", "channel", "recorded_by", "verified"
        )
    ) == {("code", Channel.IMPORT, manager.pk, False), ("name", Channel.IMPORT, manager.pk, False)}
    assert Customer.objects.get(code="B001").credit_code == VALID_CREDIT_CODE


def test_bulk_create_refuses_taken_and_repeated_keys_and_creates_nothing(manager):
    CustomerFactory(code="OLD", credit_code=VALID_CREDIT_CODE)
    cards = [
        {"code": "OLD", "name": "重复编码"},
        {"code": "N1", "name": "信用代码已用", "credit_code": VALID_CREDIT_CODE},
        {"code": "N2", "name": "正常"},
        {"code": "N2", "name": "文件内重复"},
        {"code": "N3", "name": ""},
    ]
    with pytest.raises(CardsInvalid) as invalid:
        customers_create_bulk(cards=cards, actor=manager, channel=Channel.IMPORT)
    errors = {position: error.message_dict for position, error in invalid.value.errors.items()}
    assert errors == {
        0: {"code": ["Customer with this Customer code already exists."]},
        1: {"credit_code": ["Another customer has this credit code."]},
        3: {"code": ["Customer with this Customer code already exists."]},
        4: {"name": ["This field cannot be blank."]},
    }
    assert list(Customer.objects.values_list("code", flat=True)) == ["OLD"]
    assert not FieldProvenance.objects.filter(customer__code__startswith="N").exists()
