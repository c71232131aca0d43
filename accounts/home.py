"""Panels that the apps above accounts add to the home page: a salesperson's day and what
needs a manager's attention are computed by classification and customers, which accounts may
not import (SPEC 3: dependencies point one way). An app registers its panels from its
`AppConfig.ready()`; the home page renders the ones for the user's roles, in their place."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from accounts.roles import MANAGER, ROLES, is_manager, role_names

SUMMARY = "summary"  # below the greeting: figures at a glance
MAIN = "main"  # the day's work or what needs attention
FOLLOW_UPS = "follow_ups"  # under the heading "Follow-ups due"
PLACES = (SUMMARY, MAIN, FOLLOW_UPS)

PanelContext = Callable[[HttpRequest], dict]


@dataclass(frozen=True)
class HomePanel:
    name: str
    template: str
    context: PanelContext | None
    roles: frozenset[str]
    place: str


_panels: dict[str, HomePanel] = {}


def register_home_panel(
    name: str,
    *,
    template: str,
    context: PanelContext | None = None,
    roles: Iterable[str],
    place: str = MAIN,
) -> None:
    """Show `template` at `place` (one of `PLACES`) on the home page of every user who has
    one of `roles` ("sales", "manager"; admins count as managers), rendered with what
    `context(request)` returns. A panel's context takes a fixed number of queries, whatever
    the number of customers. The panels of one place follow the order of registration;
    registering a name again replaces its panel in place."""
    roles = frozenset(roles)
    if not roles or not roles <= set(ROLES):
        raise ImproperlyConfigured(
            f"The home panel {name!r} is for roles {sorted(roles)}; the roles are {ROLES}."
        )
    if place not in PLACES:
        raise ImproperlyConfigured(
            f"The home panel {name!r} asks for place {place!r}; the home page has {PLACES}."
        )
    _panels[name] = HomePanel(name, template, context, roles, place)


def user_roles(user) -> frozenset[str]:
    """The roles whose panels `user` sees: their groups, and "manager" for admins."""
    roles = role_names(user)
    return roles | {MANAGER} if is_manager(user) else roles


def home_panels(request: HttpRequest) -> dict[str, list[SafeString]]:
    """The registered panels for the roles of `request.user`, rendered, by place (every place
    present, in the order of `PLACES`)."""
    roles = user_roles(request.user)
    rendered: dict[str, list[SafeString]] = {place: [] for place in PLACES}
    for panel in _panels.values():
        if panel.roles & roles:
            context = panel.context(request) if panel.context else {}
            rendered[panel.place].append(render_to_string(panel.template, context, request=request))
    return rendered
