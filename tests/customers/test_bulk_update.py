"""The update door for a batch of cards (`cards_update_bulk`) and the streaming customer
loader that imports files through it: the same rules as `card_update`, history old → new and
provenance for every changed card, all or nothing, a bounded number of statements."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.loader import customers_load
from customers.models import Channel, Customer, FieldProvenance
from customers.selectors import customer_timeline
from customers.services import CardsInvalid, card_update, cards_update_bulk, customer_archive
from tests.customers.factories import CustomerFactory, RegionFactory
from tests.customers.test_import import VALID_CREDIT_CODE

pytestmark = pytest.mark.django_db

HEADER = ["code", "name", "phone", "address", "region", "customer_type", "salesperson"]


def _saved(count: int, **fields) -> list[Customer]:
    return [
        CustomerFactory(code=f"U{n:03d}", name=f"客户{n}", phone=f"020-{n:07d}", **fields)
        for n in range(count)
    ]


def _updates(cards, **changes):
    return [(card.pk, card.version, changes) for card in cards]


def test_each_changed_card_gets_a_version_history_and_provenance(manager):
    cards = _saved(3)
    changed = cards_update_bulk(
        updates=[
            (cards[0].pk, 1, {"phone": "020-9999999", "name": "新名称"}),
            (cards[1].pk, 1, {"phone": cards[1].phone}),  # the same value: no change
            (cards[2].pk, 1, {"address": "广州市天河路2号"}),
        ],
        actor=manager,
        channel=Channel.IMPORT,
    )
    assert changed == [["phone", "name"], [], ["address"]]
    first, second, third = (Customer.objects.get(pk=card.pk) for card in cards)
    assert (first.phone, first.name, first.version) == ("020-9999999", "新名称", 2)
    assert (second.version, second.history.count()) == (1, 1)
    assert (third.address, third.version) == ("广州市天河路2号", 2)
    # The timeline shows who changed what from what to what, through which channel.
    latest = customer_timeline(first)[0]
    assert (latest.user, latest.channel, latest.kind) == (manager, Channel.IMPORT, "~")
    assert {(c.field, c.old, c.new) for c in latest.changes} == {
        ("phone", "020-0000000", "020-9999999"),
        ("name", "客户0", "新名称"),
    }
    provenance = {
        (p.customer_id, p.field_name): (p.channel, p.recorded_by_id)
        for p in FieldProvenance.objects.filter(channel=Channel.IMPORT)
    }
    assert provenance == {
        (first.pk, "phone"): (Channel.IMPORT, manager.pk),
        (first.pk, "name"): (Channel.IMPORT, manager.pk),
        (third.pk, "address"): (Channel.IMPORT, manager.pk),
    }


def test_a_stale_or_archived_card_refuses_the_whole_batch(manager):
    cards = _saved(3)
    card_update(
        customer=cards[1], changes={"phone": "020-1"}, actor=manager, channel=Channel.MANUAL,
        expected_version=1,
    )  # fmt: skip
    archived = customer_archive(customer=cards[2], actor=manager)
    before = sorted(Customer.objects.values_list("pk", "phone", "version"))
    history = Customer.history.count()
    with pytest.raises(CardsInvalid) as refused:
        cards_update_bulk(
            updates=[
                (cards[0].pk, 1, {"phone": "020-7777777"}),
                (cards[1].pk, 1, {"phone": "020-7777777"}),  # read before the edit above
                (archived.pk, archived.version, {"phone": "020-7777777"}),
            ],
            actor=manager,
            channel=Channel.IMPORT,
        )
    assert sorted(refused.value.errors) == [1, 2]
    assert "changed by someone else" in refused.value.errors[1].messages[0]
    assert "archived" in refused.value.errors[2].messages[0]
    assert sorted(Customer.objects.values_list("pk", "phone", "version")) == before
    assert Customer.history.count() == history


def test_the_cards_rules_and_unique_keys_hold_for_every_card(manager):
    cards = _saved(3)
    CustomerFactory(code="OTHER", credit_code=VALID_CREDIT_CODE)
    outsider = User.objects.create_user("outsider")  # not in the sales group
    with pytest.raises(CardsInvalid) as refused:
        cards_update_bulk(
            updates=[
                (cards[0].pk, 1, {"salesperson": outsider}),
                (cards[1].pk, 1, {"credit_code": VALID_CREDIT_CODE}),
                (cards[2].pk, 1, {"name": ""}),
            ],
            actor=manager,
            channel=Channel.IMPORT,
        )
    errors = {position: error.message_dict for position, error in refused.value.errors.items()}
    assert set(errors[0]) == {"salesperson"}
    assert set(errors[1]) == {"credit_code"}
    assert set(errors[2]) == {"name"}
    assert not Customer.objects.filter(credit_code=VALID_CREDIT_CODE).exclude(code="OTHER")


def test_a_salesperson_may_not_give_cards_away_in_bulk(salesperson, other_salesperson):
    cards = _saved(2, salesperson=salesperson)
    with pytest.raises(CardsInvalid) as refused:
        cards_update_bulk(
            updates=_updates(cards, salesperson=other_salesperson),
            actor=salesperson,
            channel=Channel.IMPORT,
        )
    assert sorted(refused.value.errors) == [0, 1]


@pytest.mark.parametrize("count", [3, 12])
def test_a_batch_of_changes_takes_the_same_statements_for_3_cards_as_for_12(
    manager, django_assert_num_queries, count
):
    cards = _saved(count)
    # Lock and read the cards, which of their salespeople are sales staff, the cards'
    # update, their history records and the provenance of the one changed field, in one
    # savepoint.
    with django_assert_num_queries(7):
        cards_update_bulk(
            updates=_updates(cards, phone="020-5555555"), actor=manager, channel=Channel.IMPORT
        )
    assert set(Customer.objects.values_list("phone", "version")) == {("020-5555555", 2)}


def _rows(count: int, phone: str, start: int = 0) -> list[list[str]]:
    return [[f"L{n:05d}", f"客户{n}", phone, "", "", "", ""] for n in range(start, count)]


def test_the_loader_streams_batches_and_reports_progress(manager):
    seen = []
    report = customers_load(
        header=HEADER,
        rows=iter(_rows(25, "020-1")),
        actor=manager,
        progress=seen.append,
        batch_size=10,
    )
    assert (report.rows, report.created, report.error_count) == (25, 25, 0)
    assert seen == [10, 20, 25]
    again = customers_load(
        header=HEADER,
        rows=iter(_rows(25, "020-1")[:5] + _rows(25, "020-2")[5:]),
        actor=manager,
        batch_size=10,
    )
    assert (again.created, again.updated, again.skipped) == (0, 20, 5)
    assert Customer.objects.filter(phone="020-2", version=2).count() == 20
    changed = Customer.objects.get(code="L00007")
    assert [(h.history_type, h.history_channel) for h in changed.history.all()] == [
        ("~", Channel.IMPORT),
        ("+", Channel.IMPORT),
    ]


def test_the_loader_reports_errors_of_every_batch_and_writes_nothing(manager):
    RegionFactory(code="GZ", name="广州市")
    rows = _rows(25, "020-1")
    rows[3][4] = "火星"  # unknown region, first batch
    rows[17][0] = rows[2][0]  # a code repeated from another batch
    rows[22][1] = ""  # a card without a name, last batch
    report = customers_load(header=HEADER, rows=iter(rows), actor=manager, batch_size=10)
    assert [(error.row, error.column) for error in report.errors] == [
        (5, "region"),
        (19, "code"),
        (24, "name"),
    ]
    assert "repeats file row 4" in report.errors[1].message
    assert not Customer.objects.exists()


def test_the_loader_keeps_a_dry_run_and_a_missing_column_from_writing(manager):
    dry = customers_load(header=HEADER, rows=iter(_rows(5, "020-1")), dry_run=True)
    assert (dry.created, dry.error_count) == (5, 0)
    missing = customers_load(header=["code", "phone"], rows=iter([["L1", "1"]]))
    assert [(error.row, error.column) for error in missing.errors] == [(1, "name")]
    assert not Customer.objects.exists()


def test_loading_a_file_of_changes_is_constant_in_statements_per_batch(manager):
    customers_load(header=HEADER, rows=iter(_rows(40, "020-1")), actor=manager, batch_size=20)
    counts = []
    for rows in (_rows(20, "020-2"), _rows(40, "020-3")):
        with CaptureQueriesContext(connection) as queries:
            customers_load(header=HEADER, rows=iter(rows), actor=manager, batch_size=20)
        counts.append(len(queries))
    # Twice the batches, the statements of one batch more.
    per_batch = counts[1] - counts[0]
    assert counts[0] - per_batch <= 6  # the transaction and the import lock
    assert per_batch <= 8
