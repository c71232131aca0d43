"""How the review queue tells a reviewer where a proposal came from. The sources are the
channels' own records (a visit, a filled-in customer form, an investigation), which sit
above the review (SPEC 3): a channel registers a describer for its source model from its
`AppConfig.ready()`, and the queue shows whatever the describer gives. A source without one
is shown by what every model offers: its `__str__` and `get_absolute_url`."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models

from customers.models import Customer


@dataclass(frozen=True)
class SourceDescription:
    """What the queue shows of a proposal's source."""

    title: str
    url: str | None = None
    author: str = ""  # who made the source (a salesperson; empty for a customer's own form)
    when: datetime.datetime | datetime.date | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)  # (label, text), text non-empty
    distance_km: float | None = None  # from where the source was made to the customer
    flags: list[str] = field(default_factory=list)  # short remarks ("late")


Describe = Callable[[models.Model, Customer], SourceDescription]


@dataclass(frozen=True)
class SourceDescriber:
    # The sources of a page are loaded by one query per source model, from this queryset
    # (with the related rows the description reads), so a page's queries do not grow.
    queryset: Callable[[], models.QuerySet]
    describe: Describe


_describers: dict[str, SourceDescriber] = {}


def register_source_describer(
    model: type[models.Model],
    *,
    queryset: Callable[[], models.QuerySet] | None = None,
    describe: Describe,
) -> None:
    """Describe the proposals' sources of `model` with `describe(source, customer)`,
    loading them from `queryset()` (default: all of them). Registering a model again
    replaces its describer."""
    _describers[model._meta.label_lower] = SourceDescriber(
        queryset or model._default_manager.all, describe
    )


def source_querysets() -> list[models.QuerySet]:
    """The querysets a page loads its sources from (`GenericPrefetch`), one per registered
    source model."""
    return [describer.queryset() for describer in _describers.values()]


def _plain(source: models.Model) -> SourceDescription:
    url = source.get_absolute_url() if hasattr(source, "get_absolute_url") else None
    return SourceDescription(title=str(source), url=url)


def describe_source(source: models.Model | None, customer: Customer) -> SourceDescription | None:
    """The description of `source` for a proposal on `customer`; None without a source."""
    if source is None:
        return None
    describer = _describers.get(source._meta.label_lower)
    if describer is None:
        return _plain(source)
    return describer.describe(source, customer)
