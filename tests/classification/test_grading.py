"""Grade computation, regrade preview and application, pinning, the grade history."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from classification.lifecycle import grade_window
from classification.models import ClassificationPolicy, GradeLevel
from classification.services.grading import (
    classification_settings_save,
    grade_on,
    grade_pin,
    grade_unpin,
    regrade_apply,
    regrade_apply_if_unchanged,
    regrade_preview,
)
from customers.models import Channel, Customer, FieldProvenance, GradeHistory
from customers.services import GradesChanged
from tests.accounts.factories import UserFactory
from tests.customers.factories import CustomerFactory, grade
from tests.sales.factories import ProductFactory, SalesRecordFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)
FIRST_DAY = date(2025, 6, 16)  # 12 months ending TODAY, both ends included


@pytest.fixture
def seller(db):
    return UserFactory(role="sales", username="seller")


@pytest.fixture
def product(db):
    return ProductFactory(code="P-1")


@pytest.fixture
def make(seller, product):
    """make(code, *sales, grade_code=None, **fields): a customer with sales [(day, amount)]."""

    def _make(code, *sales, grade_code=None, **fields):
        customer = CustomerFactory(
            code=code,
            salesperson=seller,
            grade=grade(grade_code) if grade_code else None,
            **fields,
        )
        for day, amount in sales:
            SalesRecordFactory(customer=customer, product=product, date=day, amount=Decimal(amount))
        return customer

    return _make


def targets(preview) -> dict[str, str | None]:
    return {c.code: (c.new.code if c.new else None) for c in preview.changes}


def test_default_standards_are_created_by_migrate():
    levels = {level.code: (level.min_amount, level.order) for level in GradeLevel.objects.all()}
    assert levels == {
        "key": (Decimal("500000.00"), 1),
        "general": (Decimal("50000.00"), 2),
        "scattered": (Decimal("0.00"), 3),
    }
    policy = ClassificationPolicy.objects.get()
    assert (policy.grade_window_months, policy.new_customer_months, policy.active_months) == (
        12,
        12,
        6,
    )


def test_grade_window_is_the_months_ending_today_inclusive():
    assert grade_window(today=TODAY) == (FIRST_DAY, TODAY)
    assert grade_window(today=date(2026, 3, 31), months=1) == (date(2026, 3, 1), date(2026, 3, 31))


def test_grades_at_the_thresholds_and_window_edges(make):
    make("A", (TODAY, "50000.00"))
    make("B", (TODAY, "49999.99"))
    make("C", (TODAY, "500000.00"))
    make("D", (TODAY, "499999.99"))
    make("E", (FIRST_DAY, "0.01"))
    make("F", (date(2025, 6, 15), "900000.00"))  # the day before the window
    make("G", (date(2026, 6, 16), "900000.00"))  # after today
    # Sums that floats get wrong: exactly 50,000.00 in cents.
    make("H", *[(date(2026, 1, day), "0.10") for day in range(1, 11)], (TODAY, "49999.00"))
    make("I", (FIRST_DAY, "16666.67"), (TODAY, "16666.67"), (TODAY, "16666.66"))

    preview = regrade_preview(today=TODAY)

    assert targets(preview) == {
        "A": "general",
        "B": "scattered",
        "C": "key",
        "D": "general",
        "E": "scattered",
        "H": "general",
        "I": "general",
    }
    amounts = {c.code: c.amount for c in preview.changes}
    assert amounts["H"] == Decimal("50000.00")
    assert amounts["I"] == Decimal("50000.00")


def test_standards_are_read_from_the_data(make):
    GradeLevel.objects.filter(code="general").update(min_amount=Decimal("100.00"))
    ClassificationPolicy.objects.filter(pk=1).update(grade_window_months=1)
    make("A", (date(2026, 5, 16), "100.00"))
    make("B", (date(2026, 5, 15), "100.00"))

    assert targets(regrade_preview(today=TODAY)) == {"A": "general"}


@pytest.fixture
def mixed(make):
    """One customer of each kind; returns them by name."""
    return {
        "same": make("S1", (TODAY, "600000"), grade_code="key"),
        "up": make("U1", (TODAY, "600000"), grade_code="general"),
        "down": make("D1", (TODAY, "100"), grade_code="key"),
        "gains": make("G1", (TODAY, "60000")),
        "loses": make("L1", grade_code="scattered"),
        "pinned": make(
            "P1", (TODAY, "100"), grade_code="key", grade_pinned=True, grade_pin_reason="VIP"
        ),
        "archived": make("A1", (TODAY, "600000"), status=Customer.Status.ARCHIVED),
        "no_sales": make("N1"),
    }


def test_preview_lists_exactly_the_customers_whose_grade_would_change(mixed):
    preview = regrade_preview(today=TODAY)

    assert [(c.code, c.old and c.old.code, c.new and c.new.code) for c in preview.changes] == [
        ("D1", "key", "scattered"),
        ("G1", None, "general"),
        ("L1", "scattered", None),
        ("U1", "general", "key"),
    ]
    assert (preview.up, preview.down, preview.gained, preview.lost) == (1, 1, 1, 1)
    assert [c.code for c in preview.pinned] == ["P1"]
    assert preview.pinned_count == 1


def test_apply_changes_exactly_the_previewed_cards_and_records_each(mixed, manager):
    for customer in mixed.values():
        GradeHistory.objects.create(
            customer=customer,
            grade=customer.grade,
            valid_from=date(2025, 1, 1),
            source=GradeHistory.Source.MANUAL,
        )
    before = {c.code: (c.grade_id, c.version) for c in Customer.objects.all()}
    history_before = Customer.history.count()

    result = regrade_apply(actor=manager, today=TODAY)

    assert result.changed == 4
    after = {c.code: (c.grade and c.grade.code, c.version) for c in Customer.objects.all()}
    assert after == {
        "S1": ("key", 1),
        "U1": ("key", 2),
        "D1": ("scattered", 2),
        "G1": ("general", 2),
        "L1": (None, 2),
        "P1": ("key", 1),
        "A1": (None, 1),
        "N1": (None, 1),
    }
    assert Customer.history.count() == history_before + 4
    for key in ("up", "down", "gains", "loses"):
        customer = Customer.objects.get(pk=mixed[key].pk)
        latest = customer.history.order_by("-history_id").first()
        assert (latest.history_channel, latest.history_user, latest.history_type) == (
            Channel.REGRADE,
            manager,
            "~",
        )
        assert (latest.grade_id, latest.version, latest.name) == (
            customer.grade_id,
            customer.version,
            customer.name,
        )
        provenance = FieldProvenance.objects.get(customer=customer, field_name="grade")
        assert (provenance.channel, provenance.verified, provenance.recorded_by) == (
            Channel.REGRADE,
            True,
            manager,
        )
        periods = list(
            customer.grade_history.order_by("valid_from").values_list(
                "grade_id", "valid_from", "valid_to", "source", "changed_by"
            )
        )
        assert periods == [
            (before[customer.code][0], date(2025, 1, 1), TODAY, GradeHistory.Source.MANUAL, None),
            (customer.grade_id, TODAY, None, GradeHistory.Source.REGRADE, manager.pk),
        ]
        old_grade_id = before[customer.code][0]
        assert (grade_on(customer, date(2026, 6, 14)) or None) == (
            GradeLevel.objects.get(pk=old_grade_id) if old_grade_id else None
        )
        assert grade_on(customer, TODAY) == customer.grade
    untouched = [mixed[key].pk for key in ("same", "pinned", "archived", "no_sales")]
    assert not FieldProvenance.objects.filter(customer__in=untouched, field_name="grade").exists()
    assert GradeHistory.objects.filter(customer__in=untouched, valid_to__isnull=False).count() == 0


def test_second_regrade_right_after_changes_nothing(mixed, manager):
    regrade_apply(actor=manager, today=TODAY)
    history = Customer.history.count()

    assert regrade_preview(today=TODAY).changes == []
    assert regrade_apply(actor=manager, today=TODAY).changed == 0
    assert Customer.history.count() == history


def test_apply_refuses_a_preview_that_went_stale(mixed, manager):
    preview = regrade_preview(today=TODAY)
    Customer.objects.filter(pk=mixed["up"].pk).update(grade_pinned=True)

    with pytest.raises(GradesChanged):
        regrade_apply(actor=manager, preview=preview)

    assert Customer.objects.get(pk=mixed["down"].pk).grade.code == "key"
    assert not Customer.history.filter(history_channel=Channel.REGRADE).exists()


def test_apply_if_unchanged_applies_only_the_preview_that_was_seen(mixed, manager, make):
    seen = regrade_preview(today=TODAY).fingerprint
    make("X1", (TODAY, "5"))

    outcome = regrade_apply_if_unchanged(actor=manager, fingerprint=seen, today=TODAY)

    assert outcome == {"applied": False, "changed": 0, "stale": True}
    assert not Customer.history.filter(history_channel=Channel.REGRADE).exists()
    fresh = regrade_preview(today=TODAY).fingerprint
    outcome = regrade_apply_if_unchanged(actor=manager, fingerprint=fresh, today=TODAY)
    assert outcome == {"applied": True, "changed": 5, "stale": False}


def _population(make, count: int) -> None:
    """`count` customers, each with a grade change, every kind of change present."""
    kinds = [
        ((TODAY, "60000"), None),  # gains general
        ((TODAY, "600000"), "general"),  # up to key
        ((TODAY, "100"), "key"),  # down to scattered
        (None, "general"),  # loses it
    ]
    for index in range(count):
        sale, grade_code = kinds[index % len(kinds)]
        make(f"Q{index:03d}", *([sale] if sale else []), grade_code=grade_code)


def _queries(function) -> int:
    with CaptureQueriesContext(connection) as context:
        function()
    return len(context.captured_queries)


@pytest.mark.parametrize("count", [5, 50])
def test_preview_and_apply_take_the_same_queries_for_5_and_50_customers(make, manager, count):
    _population(make, count)
    preview_queries = _queries(lambda: regrade_preview(today=TODAY))
    preview = regrade_preview(today=TODAY)
    assert len(preview.changes) == count
    apply_queries = _queries(lambda: regrade_apply(actor=manager, preview=preview))

    # policy, levels, amounts per customer
    assert preview_queries == 3
    # savepoint, lock, 4 updates (one per new grade), history, provenance, the check that no
    # open period starts after the day, close and open periods, release
    assert apply_queries == 12
    assert Customer.history.filter(history_channel=Channel.REGRADE).count() == count


def test_pinned_customer_never_moves_and_pin_records_the_grade_history(make, manager):
    customer = make("P1", (TODAY, "600000"), grade_code="general")

    pinned = grade_pin(customer=customer, grade=grade("scattered"), reason="Trial", actor=manager)

    assert (pinned.grade.code, pinned.grade_pinned, pinned.grade_pin_reason) == (
        "scattered",
        True,
        "Trial",
    )
    period = GradeHistory.objects.get(customer=customer)
    assert (period.grade.code, period.source, period.reason, period.changed_by) == (
        "scattered",
        GradeHistory.Source.PIN,
        "Trial",
        manager,
    )
    latest = pinned.history.order_by("-history_id").first()
    assert (latest.history_channel, latest.grade_pinned) == (Channel.MANUAL, True)
    assert regrade_preview().changes == []
    assert regrade_apply(actor=manager).changed == 0
    assert Customer.objects.get(pk=customer.pk).grade.code == "scattered"

    unpinned = grade_unpin(customer=pinned, actor=manager)
    assert (unpinned.grade.code, unpinned.grade_pinned, unpinned.grade_pin_reason) == (
        "scattered",
        False,
        "",
    )
    assert GradeHistory.objects.filter(customer=customer).count() == 1


def test_pin_without_a_reason_is_refused_and_changes_nothing(make, manager):
    customer = make("P1", grade_code="general")

    with pytest.raises(ValidationError):
        grade_pin(customer=customer, grade=grade("key"), reason="  ", actor=manager)

    customer.refresh_from_db()
    assert (customer.grade.code, customer.grade_pinned, customer.version) == ("general", False, 1)
    assert not GradeHistory.objects.exists()


def test_command_dry_run_prints_the_changes_and_changes_nothing(mixed):
    out = StringIO()
    history = Customer.history.count()

    call_command("regrade", "--dry-run", "--date", TODAY.isoformat(), stdout=out)

    text = out.getvalue()
    assert (
        "4 changes (up 1, down 1, gaining a grade 1, losing one 1); pinned, left alone 1."
    ) in text
    assert f"  U1\t{mixed['up'].name}\tgeneral -> key\t600000.00" in text
    assert f"  L1\t{mixed['loses'].name}\tscattered -> -\t-" in text
    assert "Dry run: nothing changed." in text
    assert Customer.history.count() == history
    assert Customer.objects.get(pk=mixed["up"].pk).grade.code == "general"
    assert not GradeHistory.objects.exists()


def test_command_applies_the_regrade_as_the_given_user(mixed, manager):
    out = StringIO()

    call_command("regrade", "--user", "manager", "--date", TODAY.isoformat(), stdout=out)

    assert "Regrade applied: 4 changed." in out.getvalue()
    assert Customer.objects.get(pk=mixed["up"].pk).grade.code == "key"
    records = Customer.history.filter(history_channel=Channel.REGRADE)
    assert records.count() == 4
    assert set(records.values_list("history_user", flat=True)) == {manager.pk}


def test_saving_the_standards_checks_every_level_and_keeps_columns_the_page_does_not_edit():
    levels = list(GradeLevel.objects.order_by("order"))
    # Another manager deactivated a level after the page was read; the page knows nothing of
    # it and must not put it back.
    GradeLevel.objects.filter(pk=levels[0].pk).update(is_active=False)
    levels[0].name = "大客户"
    classification_settings_save(levels=levels, policy=ClassificationPolicy.current())
    saved = GradeLevel.objects.get(pk=levels[0].pk)
    assert (saved.name, saved.is_active) == ("大客户", False)

    # A level added meanwhile takes part in the check: its minimum clashes with the page's.
    GradeLevel.objects.create(code="new", name="新", order=9, min_amount=Decimal("5"))
    with pytest.raises(ValidationError, match="must start at 0"):
        classification_settings_save(levels=levels, policy=ClassificationPolicy.current())
