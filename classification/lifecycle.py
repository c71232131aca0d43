"""The customer lifecycle (SPEC 2.1): time series (时间序列) and transaction process (交易过程),
derived from the card's stored first and last sale dates, the planned first deal and the
classification policy's windows.

The rule is written once, as `Q` conditions on the stored (indexed) dates for a given day;
the queryset annotation, the list filters and the classification of one loaded card all use
these same conditions, so a filtered list, a count and a card always agree. The rule names the
card's dates as fields and imports no other app: it is reference data, below the customers
that it classifies (SPEC 3)."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models
from django.db.models import Case, CharField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classification.models import ClassificationPolicy


class TimeSeries(models.TextChoices):
    """时间序列: from the first transaction date."""

    OLD = "old", _("Old customer")
    NEW = "new", _("New customer")
    FUTURE = "future", _("Future customer")


class TransactionProcess(models.TextChoices):
    """交易过程: from the last transaction date or, for a prospect, a planned first deal. A
    prospect without a planned deal has none (null)."""

    BEFORE = "before", _("Transacted before")
    NOW = "now", _("Transacting now")
    UPCOMING = "upcoming", _("About to transact")


NO_DEAL_PLANNED = _("No deal planned")


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier, clamped to the end of a shorter month
    (31 March minus one month is 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def grade_window(*, today: date | None = None, months: int | None = None) -> tuple[date, date]:
    """The grading window's first and last day, both included: the policy's
    `grade_window_months` months ending `today` (for 12 months on 28 November 2026: 29
    November 2025 to 28 November 2026). The regrade grades each customer by its sales in
    this window, and the card and the analyses show the same window, so that a grade can
    always be read off the card's figure."""
    today = today or timezone.localdate()
    if months is None:
        months = ClassificationPolicy.current().grade_window_months
    return months_before(today, months) + timedelta(days=1), today


@dataclass(frozen=True)
class LifecycleWindows:
    """The two boundary days for a given day: a first sale on or after `new_since` makes a
    new customer, a last sale on or after `active_since` one that is transacting now (both
    boundary days included)."""

    today: date
    new_since: date
    active_since: date

    @classmethod
    def for_policy(
        cls, policy: ClassificationPolicy | None = None, today: date | None = None
    ) -> "LifecycleWindows":
        policy = policy or ClassificationPolicy.current()
        today = today or timezone.localdate()
        return cls(
            today=today,
            new_since=months_before(today, policy.new_customer_months),
            active_since=months_before(today, policy.active_months),
        )

    def time_series_q(self, value: str) -> Q:
        return {
            TimeSeries.FUTURE: Q(first_sale_on__isnull=True),
            TimeSeries.NEW: Q(first_sale_on__gte=self.new_since),
            TimeSeries.OLD: Q(first_sale_on__lt=self.new_since),
        }[value]

    def transaction_process_q(self, value: str | None) -> Q:
        """`value` None: a prospect without a planned first deal."""
        no_sale = Q(last_sale_on__isnull=True)
        return {
            TransactionProcess.NOW: Q(last_sale_on__gte=self.active_since),
            TransactionProcess.BEFORE: Q(last_sale_on__lt=self.active_since),
            TransactionProcess.UPCOMING: no_sale & Q(planned_first_deal_on__isnull=False),
            None: no_sale & Q(planned_first_deal_on__isnull=True),
        }[value]

    def time_series_of(self, customer) -> str:
        if customer.first_sale_on is None:
            return TimeSeries.FUTURE
        if customer.first_sale_on >= self.new_since:
            return TimeSeries.NEW
        return TimeSeries.OLD

    def transaction_process_of(self, customer) -> str | None:
        if customer.last_sale_on is not None:
            if customer.last_sale_on >= self.active_since:
                return TransactionProcess.NOW
            return TransactionProcess.BEFORE
        if customer.planned_first_deal_on is not None:
            return TransactionProcess.UPCOMING
        return None


def lifecycle_windows_for(request) -> LifecycleWindows:
    """The windows for today, read once per request (the list, its filters and the API's
    serializer share them)."""
    if request is None:
        return LifecycleWindows.for_policy()
    windows = getattr(request, "_lifecycle_windows", None)
    if windows is None:
        windows = LifecycleWindows.for_policy()
        request._lifecycle_windows = windows
    return windows


def with_lifecycle(
    queryset: QuerySet,
    *,
    policy: ClassificationPolicy | None = None,
    today: date | None = None,
    windows: LifecycleWindows | None = None,
) -> QuerySet:
    """Annotate each customer with `time_series` (old / new / future) and
    `transaction_process` (before / now / upcoming, or null for a prospect without a
    planned deal). Comparisons on the stored, indexed dates: no join, no extra query."""
    windows = windows or LifecycleWindows.for_policy(policy, today)
    return queryset.annotate(
        time_series=Case(
            *(
                When(windows.time_series_q(value), then=Value(value.value))
                for value in (TimeSeries.FUTURE, TimeSeries.NEW, TimeSeries.OLD)
            ),
            output_field=CharField(),
        ),
        transaction_process=Case(
            *(
                When(windows.transaction_process_q(value), then=Value(value.value))
                for value in (
                    TransactionProcess.NOW,
                    TransactionProcess.BEFORE,
                    TransactionProcess.UPCOMING,
                )
            ),
            default=Value(None),
            output_field=CharField(),
        ),
    )


@dataclass(frozen=True)
class Lifecycle:
    time_series: str
    time_series_label: str
    transaction_process: str | None
    transaction_process_label: str


def customer_lifecycle(
    customer,
    *,
    policy: ClassificationPolicy | None = None,
    today: date | None = None,
    windows: LifecycleWindows | None = None,
) -> Lifecycle:
    """One loaded card's lifecycle, by the same rule as `with_lifecycle`."""
    windows = windows or LifecycleWindows.for_policy(policy, today)
    series = windows.time_series_of(customer)
    process = windows.transaction_process_of(customer)
    return Lifecycle(
        time_series=series,
        time_series_label=TimeSeries(series).label,
        transaction_process=process,
        transaction_process_label=(
            TransactionProcess(process).label if process else NO_DEAL_PLANNED
        ),
    )
