"""Grade classification (客户等级): each active customer's sales over the policy's trailing
window against the grade standards, the regrade preview and its application, and pinning.

The rule: the window is `classification.lifecycle.grade_window`, the `grade_window_months`
months ending today, both ends included (the card's sales figure uses the same window). A
customer whose sales in the window reach a level's `min_amount` gets the active level with
the highest such minimum; a customer without any sales line in the window gets no grade.
Pinned customers keep their grade; archived customers are left as they are.

This module sits above both the classification models and the card (SPEC 3): it reads sales
facts and writes cards through the customers services."""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import FilteredRelation, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classification.lifecycle import grade_window
from classification.models import ClassificationPolicy, GradeLevel
from classification.services.reference import reference_delete
from customers.models import Channel, Customer, GradeHistory
from customers.services import GradesChanged, card_set_grade, cards_set_grades

CENT = Decimal("0.01")


def grade_for_amount(amount: Decimal | None, levels: list[GradeLevel]) -> GradeLevel | None:
    """The active level with the highest minimum that `amount` reaches; None without sales.
    `levels` must be ordered by `min_amount`, highest first."""
    if amount is None:
        return None
    for level in levels:
        if level.is_active and amount >= level.min_amount:
            return level
    return None


def grade_levels() -> list[GradeLevel]:
    """All levels, highest minimum first (one query)."""
    return list(GradeLevel.objects.order_by("-min_amount", "order", "pk"))


@dataclass(frozen=True)
class GradeChange:
    customer_id: int
    code: str
    name: str
    amount: Decimal | None
    old: GradeLevel | None
    new: GradeLevel | None

    @property
    def direction(self) -> str:
        """ "up", "down", "gained" or "lost"."""
        if self.old is None:
            return "gained"
        if self.new is None:
            return "lost"
        return "up" if _rank(self.new) > _rank(self.old) else "down"

    @property
    def direction_label(self) -> str:
        return str(DIRECTION_LABELS[self.direction])


DIRECTION_LABELS = {
    "up": _("Up"),
    "down": _("Down"),
    "gained": _("Gains a grade"),
    "lost": _("Loses its grade"),
}


def _rank(level: GradeLevel) -> tuple:
    # A higher minimum is a higher grade; on equal minimums, order 1 is the highest.
    return (level.min_amount, -level.order)


@dataclass
class RegradePreview:
    """What a regrade on `today` would change. `changes` lists the customers whose grade
    would move (pinned ones never do; they are counted in `pinned`)."""

    today: date
    window_start: date
    window_end: date
    changes: list[GradeChange] = field(default_factory=list)
    pinned: list[GradeChange] = field(default_factory=list)

    def _count(self, direction: str) -> int:
        return sum(1 for change in self.changes if change.direction == direction)

    @property
    def up(self) -> int:
        return self._count("up")

    @property
    def down(self) -> int:
        return self._count("down")

    @property
    def gained(self) -> int:
        return self._count("gained")

    @property
    def lost(self) -> int:
        return self._count("lost")

    @property
    def pinned_count(self) -> int:
        return len(self.pinned)

    @property
    def fingerprint(self) -> str:
        """Identifies exactly this set of changes: a manager applies what they saw."""
        text = ";".join(
            f"{c.customer_id}:{c.old.pk if c.old else ''}>{c.new.pk if c.new else ''}"
            for c in sorted(self.changes, key=lambda c: c.customer_id)
        )
        return hashlib.sha256(f"{self.today.isoformat()}|{text}".encode()).hexdigest()


def customer_window_amounts(*, start: date, end: date):
    """Active customers with their sales amount between `start` and `end` (both included),
    as rows (pk, code, name, grade_id, grade_pinned, amount); only customers that have sales
    in the window or a grade now. One aggregate query: the sales are joined on the window
    condition and summed per customer (amount is None without sales in the window)."""
    return (
        Customer.objects.active()
        .annotate(
            window_sales=FilteredRelation(
                "sales", condition=Q(sales__date__gte=start, sales__date__lte=end)
            )
        )
        .values("pk", "code", "name", "grade_id", "grade_pinned")
        .annotate(amount=Sum("window_sales__amount"))
        .filter(Q(amount__isnull=False) | Q(grade__isnull=False))
        .order_by("code")
        .values_list("pk", "code", "name", "grade_id", "grade_pinned", "amount")
    )


def regrade_preview(*, today: date | None = None) -> RegradePreview:
    """The customers whose grade a regrade on `today` would change, from → to. Three queries
    whatever the number of customers: the policy, the levels, the amounts per customer."""
    today = today or timezone.localdate()
    start, end = grade_window(today=today)
    levels = grade_levels()
    by_pk = {level.pk: level for level in levels}
    preview = RegradePreview(today=today, window_start=start, window_end=end)
    for pk, code, name, grade_id, pinned, amount in customer_window_amounts(start=start, end=end):
        # SQLite sums floats: back to exact cents.
        amount = None if amount is None else Decimal(amount).quantize(CENT)
        target = grade_for_amount(amount, levels)
        if (target.pk if target else None) == grade_id:
            continue
        change = GradeChange(pk, code, name, amount, by_pk.get(grade_id), target)
        (preview.pinned if pinned else preview.changes).append(change)
    return preview


@dataclass(frozen=True)
class RegradeResult:
    changed: int
    preview: RegradePreview


def regrade_apply(
    *,
    actor,
    today: date | None = None,
    preview: RegradePreview | None = None,
    progress=None,
) -> RegradeResult:
    """Apply a regrade: exactly the changes of `preview` (computed now when not given), in a
    bounded number of statements (see `cards_set_grades`). Each change is a card history
    record with channel "regrade", the grade's provenance, and a closed and a new grade
    history period starting `today`. Raises `customers.services.GradesChanged` (nothing
    written) when a card in the preview has changed grade, been pinned or archived since.
    `progress(done, total)` is told as the cards are written (see `cards_set_grades`)."""
    if preview is None:
        preview = regrade_preview(today=today)
    changed = cards_set_grades(
        grades={change.customer_id: change.new for change in preview.changes},
        expected={
            change.customer_id: change.old.pk if change.old else None for change in preview.changes
        },
        actor=actor,
        channel=Channel.REGRADE,
        on_date=preview.today,
        progress=progress,
    )
    return RegradeResult(changed=changed, preview=preview)


def regrade_apply_if_unchanged(
    *, actor, fingerprint: str, today: date | None = None, progress=None
) -> dict:
    """Apply the regrade a manager previewed, identified by its fingerprint. When the data has
    changed since (the recomputed preview differs), nothing is applied and the answer says so:
    the manager sees the new preview and decides again."""
    stale = {"applied": False, "changed": 0, "stale": True}
    try:
        with transaction.atomic():
            preview = regrade_preview(today=today)
            if preview.fingerprint != fingerprint:
                return stale
            result = regrade_apply(actor=actor, preview=preview, progress=progress)
    except GradesChanged:
        return stale
    return {"applied": True, "changed": result.changed, "stale": False}


# Pinning -------------------------------------------------------------------------------------


def grade_pin(
    *,
    customer: Customer,
    grade: GradeLevel | None,
    reason: str,
    actor,
    expected_version: int | None = None,
) -> Customer:
    """Pin a customer's grade (regrades leave it alone) with a reason, which is required. A
    change of grade is recorded in the grade history with source "pin"."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason for pinning the grade.")})
    return card_set_grade(
        customer=customer,
        grade=grade,
        pinned=True,
        reason=reason.strip(),
        actor=actor,
        expected_version=customer.version if expected_version is None else expected_version,
        channel=Channel.MANUAL,
    )


def grade_unpin(*, customer: Customer, actor, expected_version: int | None = None) -> Customer:
    """Release a pinned grade: the grade stays until the next regrade recomputes it."""
    return card_set_grade(
        customer=customer,
        grade=customer.grade,
        pinned=False,
        reason="",
        actor=actor,
        expected_version=customer.version if expected_version is None else expected_version,
        channel=Channel.MANUAL,
    )


# Reading the grade history ---------------------------------------------------------------


def grade_history_on(day: date):
    """The grade history periods in force on `day` (at most one per customer), as a
    queryset: periods start on `valid_from` and end before `valid_to`."""
    return GradeHistory.objects.filter(valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day)
    )


def grade_on(customer: Customer, day: date) -> GradeLevel | None:
    """The grade `customer` had on `day`, from the grade history (None when it had none or
    nothing was recorded for that day)."""
    period = (
        grade_history_on(day)
        .filter(customer=customer)
        .select_related("grade")
        .order_by("-valid_from", "-pk")
        .first()
    )
    return period.grade if period is not None else None


def customer_grade_history(customer: Customer) -> list[GradeHistory]:
    """The customer's grade periods, newest first, with the grade and who changed it."""
    return list(
        GradeHistory.objects.filter(customer=customer)
        .select_related("grade", "changed_by")
        .order_by("-valid_from", "-pk")
    )


# Grade standards -----------------------------------------------------------------------------


def grade_standards_errors(levels: list[GradeLevel]) -> list[str]:
    """What is wrong with a set of grade standards, in words a manager can act on: each
    level's order is distinct, the minimums fall as the order rises (order 1 is the highest
    grade), and the lowest level starts at 0 so that every customer with sales in the window
    gets a grade. Inactive levels are not graded and not checked."""
    active = sorted((level for level in levels if level.is_active), key=lambda lvl: lvl.order)
    errors = []
    seen: dict[int, GradeLevel] = {}
    for level in active:
        if level.order in seen:
            errors.append(
                _("“%(first)s” and “%(second)s” have the same order %(order)s.")
                % {"first": seen[level.order].name, "second": level.name, "order": level.order}
            )
        seen.setdefault(level.order, level)
    for higher, lower in zip(active, active[1:], strict=False):
        if higher.order != lower.order and lower.min_amount >= higher.min_amount:
            errors.append(
                _(
                    "“%(lower)s” (order %(lower_order)s) must need less than “%(higher)s” "
                    "(order %(higher_order)s): %(lower_amount)s is not below %(higher_amount)s."
                )
                % {
                    "lower": lower.name,
                    "lower_order": lower.order,
                    "higher": higher.name,
                    "higher_order": higher.order,
                    "lower_amount": Decimal(lower.min_amount).quantize(CENT),
                    "higher_amount": Decimal(higher.min_amount).quantize(CENT),
                }
            )
    if active and active[-1].min_amount != 0:
        errors.append(
            _(
                "The lowest grade “%(name)s” must start at 0, so that every customer with sales "
                "in the window gets a grade (it is %(amount)s)."
            )
            % {"name": active[-1].name, "amount": Decimal(active[-1].min_amount).quantize(CENT)}
        )
    if not active:
        errors.append(_("At least one grade must be active."))
    return errors


# What the classification settings page edits of each level.
GRADE_STANDARD_FIELDS = ("name", "name_en", "order", "color", "min_amount")


def classification_settings_save(*, levels: list[GradeLevel], policy: ClassificationPolicy) -> None:
    """Save the grade standards (`GRADE_STANDARD_FIELDS` of each given level) and the policy's
    windows together, all or nothing, after each model's own validation and
    `grade_standards_errors` over every level as it would be afterwards (the levels are
    locked meanwhile, so a level changed or added by someone else in between is checked
    too, and its other columns stay as they are). Grades change only at the next regrade."""
    for level in levels:
        level.full_clean()
    policy.full_clean()
    with transaction.atomic():
        after = _locked_levels()
        for level in levels:
            if level.pk not in after:
                raise ValidationError(
                    _("This grade level was deleted by someone else."), code="deleted"
                )
            for name in GRADE_STANDARD_FIELDS:
                setattr(after[level.pk], name, getattr(level, name))
        errors = grade_standards_errors(list(after.values()))
        if errors:
            raise ValidationError(errors)
        for level in levels:
            after[level.pk].save(update_fields=GRADE_STANDARD_FIELDS)
        policy.save()


GRADE_LEVEL_FIELDS = ("code", "name", "name_en", "order", "is_active", "color", "min_amount")


def _locked_levels() -> dict[int, GradeLevel]:
    """Every level by pk, locked until the transaction ends: changes to the standards run one
    after the other, so two changes cannot each pass the check and together break it."""
    return {level.pk: level for level in GradeLevel.objects.select_for_update().order_by("pk")}


def _refuse_invalid_standards(levels: list[GradeLevel]) -> None:
    errors = grade_standards_errors(levels)
    if errors:
        raise ValidationError([ValidationError(error, code="grade_standards") for error in errors])


def grade_level_create(*, data: Mapping[str, Any], actor) -> GradeLevel:
    """A new grade level, saved only when the standards with it are still valid
    (`grade_standards_errors`); otherwise a ValidationError says what is wrong."""
    unknown = set(data) - set(GRADE_LEVEL_FIELDS)
    if unknown:
        raise ValueError(f"Not grade level fields: {sorted(unknown)}")
    level = GradeLevel(**data)
    level.full_clean()
    with transaction.atomic():
        _refuse_invalid_standards([*_locked_levels().values(), level])
        level.save()
    return level


def grade_level_update(*, level: GradeLevel, changes: Mapping[str, Any], actor) -> GradeLevel:
    """Change a grade level's fields, when the standards as they would be afterwards (every
    level, this one changed) are still valid (`grade_standards_errors`); otherwise a
    ValidationError says what is wrong and nothing is saved. Only the given columns are
    written. Returns the level as saved."""
    unknown = set(changes) - set(GRADE_LEVEL_FIELDS)
    if unknown:
        raise ValueError(f"Not grade level fields: {sorted(unknown)}")
    with transaction.atomic():
        levels = _locked_levels()
        current = levels.get(level.pk)
        if current is None:
            raise ValidationError(
                _("This grade level was deleted by someone else."), code="deleted"
            )
        for name, value in changes.items():
            setattr(current, name, value)
        current.full_clean()
        _refuse_invalid_standards(list(levels.values()))
        current.save(update_fields=list(changes))
    return current


def grade_level_delete(*, level: GradeLevel, actor) -> None:
    """Delete a grade level, when the standards without it are still valid
    (`grade_standards_errors`) and nothing uses it (`reference_delete`: deactivate a level in
    use instead); otherwise a ValidationError says why and nothing is deleted."""
    with transaction.atomic():
        levels = _locked_levels()
        levels.pop(level.pk, None)
        _refuse_invalid_standards(list(levels.values()))
        reference_delete(instance=level)
