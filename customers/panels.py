"""Panels that the apps above the card add to it: the card page shows the classification and
the sales of its customer without the customers app importing them (SPEC 3: dependencies
point one way). An app registers its panels from its `AppConfig.ready()`; the card renders
whatever is registered, in its place."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from customers.models import CARD_SECTIONS, Customer

SUMMARY = "summary"  # in the card's head, below the summary fields
BELOW = "below"  # below the card's sections, above its history
# ... or the key of one of the card's sections (CARD_SECTIONS): at the end of that section.
PLACES = (SUMMARY, *CARD_SECTIONS, BELOW)

PanelContext = Callable[[HttpRequest, Customer], dict]


@dataclass(frozen=True)
class CardPanel:
    name: str
    template: str
    context: PanelContext | None
    place: str


_panels: dict[str, CardPanel] = {}


def register_card_panel(
    name: str, *, template: str, context: PanelContext | None = None, place: str = BELOW
) -> None:
    """Show `template` on every card at `place` (one of `PLACES`), rendered with the card's
    `customer` and what `context(request, customer)` returns. The panels of one place follow
    the order of registration; registering a name again replaces its panel in place."""
    if place not in PLACES:
        raise ImproperlyConfigured(
            f"The card panel {name!r} asks for place {place!r}; the card has {PLACES}."
        )
    _panels[name] = CardPanel(name, template, context, place)


def card_panels(request: HttpRequest, customer: Customer) -> dict[str, list[SafeString]]:
    """The registered panels of `customer`'s card, rendered for `request`, by place (every
    place present, in the order of `PLACES`)."""
    rendered: dict[str, list[SafeString]] = {place: [] for place in PLACES}
    for panel in _panels.values():
        context = panel.context(request, customer) if panel.context else {}
        rendered[panel.place].append(
            render_to_string(panel.template, {"customer": customer, **context}, request=request)
        )
    return rendered
