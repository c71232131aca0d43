"""Serializer fields whose schema says exactly what they read and write, where the default
mapping of drf-spectacular would promise another format."""

import datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# 00:00 to 23:59, with optional seconds and fraction: what the API reads and writes.
CLOCK_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"
YEAR_MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def whole_numbers_between(low: str, high: str) -> list[str]:
    """Regex alternatives for the whole numbers from `low` to `high`, written with the same
    number of digits."""
    if not low:
        return [""]
    if low[0] == high[0]:
        return [low[0] + rest for rest in whole_numbers_between(low[1:], high[1:])]
    tail = len(low) - 1
    if low[1:] == "0" * tail and high[1:] == "9" * tail:
        return [f"[{low[0]}-{high[0]}]" + "[0-9]" * tail]
    alternatives = [low[0] + rest for rest in whole_numbers_between(low[1:], "9" * tail)]
    if int(high[0]) - int(low[0]) > 1:
        alternatives.append(f"[{int(low[0]) + 1}-{int(high[0]) - 1}]" + "[0-9]" * tail)
    alternatives += [high[0] + rest for rest in whole_numbers_between("0" * tail, high[1:])]
    return alternatives


def whole_numbers_below(bound: int) -> str:
    """A regex of the whole numbers from 0 to `bound` - 1, without leading zeros."""
    top = str(bound - 1)
    alternatives = ["[0-9]"] if len(top) > 1 else [f"[0-{top}]"]
    for digits in range(2, len(top)):
        alternatives.append("[1-9]" + "[0-9]" * (digits - 1))
    if len(top) > 1:
        alternatives += whole_numbers_between("1" + "0" * (len(top) - 1), top)
    return "|".join(alternatives)


def date_range_pattern(first: datetime.date, last: datetime.date) -> str | None:
    """A pattern of the YYYY-MM-DD days from `first` to `last`, when they are the first and
    last days of their years (a date's own format checks the rest)."""
    if (first.month, first.day, last.month, last.day) != (1, 1, 12, 31):
        return None
    years = "|".join(whole_numbers_between(f"{first.year:04d}", f"{last.year:04d}"))
    return rf"^({years})-[0-9]{{2}}-[0-9]{{2}}$"


@extend_schema_field({"type": "string", "pattern": CLOCK_TIME_PATTERN})
class ClockTimeField(serializers.TimeField):
    """A time of day without a time zone, HH:MM[:SS]. (OpenAPI's `format: time` is RFC
    3339's, which requires an offset the API neither sends nor needs.)"""


@extend_schema_field({"type": "string", "pattern": YEAR_MONTH_PATTERN, "example": "2026-01"})
class YearMonthField(serializers.DateField):
    """A month as YYYY-MM (from a date, the first of its month)."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", **kwargs)
