"""The authorization matrix: every URL pattern of the site (pages, the admin, the API with its
OpenAPI operations) asked by every role, against the rules of `matrix_rules`.

For each role the test builds one world (`build_world`: salesperson A and salesperson B each
with a customer, contact, credit incident, sales lines, visit reports with proposals and a
photo, customer form links, investigations), fills every path with A's objects and asks it
with each method its rule names. It checks the status against the rule, that a refused
write changed nothing in the database, that no answer a salesperson gets names the other
salesperson's customer (HTML, JSON, CSV and the sheets of an XLSX), and that nothing answers
5xx. Writes a role may make are sent in a savepoint that is rolled back, so every request
meets the same world.
"""

import copy
import datetime
import functools
import io
import json
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls import path as route
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token, TokenProxy
from rest_framework.urlpatterns import format_suffix_patterns

from archive_crm.urls import healthz
from customerforms.services import form_submit, link_create
from customers.models import Channel, Customer
from customers.services import card_update
from investigations.services import investigation_commission, investigation_deliver
from jobs.models import Job
from review.models import Proposal
from tests.accounts.factories import UserFactory
from tests.customerforms.factories import link_with_token
from tests.customers.factories import (
    ContactFactory,
    CreditIncidentFactory,
    CustomerFactory,
    RegionFactory,
    RouteFactory,
    customer_type,
    grade,
    ownership,
)
from tests.investigations.factories import AgencyFactory, pdf_upload
from tests.sales.factories import ProductCategoryFactory, ProductFactory, SalesRecordFactory
from tests.security.matrix_rules import (
    ADMIN,
    ADMIN_LOGIN,
    ADMIN_PAGES,
    ADMIN_PUBLIC,
    ADMIN_WRITES,
    ANONYMOUS,
    API,
    LOGIN,
    MANAGER,
    OTHER,
    OWNER,
    PUBLIC,
    REDIRECT,
    ROLES,
    RULES,
    SALESPEOPLE,
    SIGNED_OUT,
    WRITE_METHODS,
    WRITE_STATUSES,
    WRITES,
    Rule,
)
from tests.visits.factories import VisitReportFactory, png_upload
from visits.services import photo_add, proposal_add, report_submit, visit_add

# Every salesperson's objects carry their mark in each text a person reads (customer name
# and code, contact, incident, visit notes, investigation, link note): an answer that holds
# the other salesperson's mark shows them something of that salesperson's customer.
MARKS = {OWNER: "xq7amark", OTHER: "xq7bmark"}
NOT_SIGNED_IN = "/accounts/login/"
ADMIN_SIGN_IN = "/admin/login/"

# The figures of the run, printed when the module's tests are done.
FIGURES: Counter = Counter()


# The URL patterns --------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One URL pattern: its name ("namespace:name"; None when unnamed), its full route as
    written, and the chain of patterns that make it (to fill its parameters)."""

    name: str | None
    route: str
    pieces: tuple

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")


def _walk(resolver, pieces=(), namespaces=()):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespaces + ((pattern.namespace,) if pattern.namespace else ())
            yield from _walk(pattern, (*pieces, pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = ":".join((*namespaces, pattern.name)) if pattern.name else None
            chain = (*pieces, pattern.pattern)
            yield Entry(name, "".join(str(piece) for piece in chain), chain)


@functools.cache
def url_entries() -> tuple[Entry, ...]:
    """Every URL pattern of the site, the admin's, the API router's and any format-suffix
    variant included (a suffix variant has its base route's name, hence its rule)."""
    return tuple(_walk(get_resolver()))


ROUTE_PARAMETER = re.compile(r"<(?:[^>:]+:)?(?P<name>[^>]+)>")
REGEX_GROUP = re.compile(r"\((?:\?P<(?P<name>\w+)>)?[^()]*\)")


def fill(entry: Entry, values: dict, positional: list | None = None) -> str:
    """The path of `entry` with its parameters taken from `values` (regex groups without a
    name from `positional`, in order); a format suffix asks for JSON."""
    values = {"format": "json", **values}
    positional = list(positional or ())
    path = "/"
    for piece in entry.pieces:
        text = str(piece)
        if text.startswith("^") or text.endswith("$") or "(?P<" in text:
            text = text.removeprefix("^").removesuffix("$")

            def group(match):
                name = match.group("name")
                return str(values[name] if name else positional.pop(0))

            text = REGEX_GROUP.sub(group, text)
        else:
            converters = getattr(piece, "converters", {})

            def parameter(match, converters=converters):
                name = match.group("name")
                converter = converters.get(name)
                value = values[name]
                return str(converter.to_url(value) if converter else value)

            text = ROUTE_PARAMETER.sub(parameter, text)
        path += text
    return path


def admin_model(entry: Entry):
    """The model whose admin pages `entry` belongs to, or None for the site's own pages."""
    parts = entry.route.split("/")
    if len(parts) < 3:
        return None
    try:
        model = apps.get_model(parts[1], parts[2])
    except (LookupError, ValueError):
        return None
    return model if model in admin.site._registry else None


def admin_action(entry: Entry, model) -> str:
    """What an admin URL does: changelist, add, change, delete, history, import, …; for the
    unnamed ones "object_redirect" (an object's old address) and "catch_all"."""
    if entry.name is None:
        return "object_redirect" if model is not None else "catch_all"
    name = entry.name.removeprefix("admin:")
    if model is not None:
        return name.removeprefix(f"{model._meta.app_label}_{model._meta.model_name}_")
    return name


def admin_rule_known(entry: Entry) -> bool:
    """Whether the admin's generic rule covers `entry`."""
    if entry.name in ADMIN_PUBLIC or entry.name == "admin:logout":
        return True
    model = admin_model(entry)
    action = _admin_kind(entry, model)
    return action in ADMIN_PAGES or action in ("add", "delete")


def _admin_kind(entry: Entry, model) -> str:
    if entry.name == "admin:auth_user_password_change":
        return "password_change_user"
    return admin_action(entry, model)


# The world ---------------------------------------------------------------------------------


@dataclass
class World:
    users: dict  # role → user (None for the anonymous visitor)
    # Each salesperson's objects by key (their pks, a token, ...), to fill paths and bodies:
    # the matrix asks every role for the owner's (salesperson A's).
    own: dict
    admin_objects: dict = field(default_factory=dict)  # model → the pk its admin pages open

    @property
    def ids(self) -> dict:
        return self.own[OWNER]


def _side(letter: str, *, mark: str, region, agency, product, manager, today) -> tuple:
    """One salesperson with one customer and everything that hangs on it."""
    user = UserFactory(role="sales", username=f"matrix-sales-{letter}")
    # A weekly round that is due today, so that plans and pickers list its stops.
    route = RouteFactory(
        code=f"MX-RT-{letter}",
        name=f"Round {letter}",
        region=region,
        salesperson=user,
        first_visit_on=today,
    )
    customer = CustomerFactory(
        code=f"{mark.upper()}01",
        name=f"{mark} Trading Co",
        short_name=f"{mark} Trading",
        salesperson=user,
        region=region,
        grade=grade("key"),
        route=route,
        route_position=1,
        latitude=Decimal("31.230000"),
        longitude=Decimal("121.470000"),
    )
    customer = card_update(
        customer=customer,
        changes={"business_policy": f"{mark} policy"},
        actor=user,
        channel=Channel.MANUAL,
        expected_version=customer.version,
    )
    contact = ContactFactory(customer=customer, name=f"{mark} Contact", is_primary=True)
    # A prospect whose first deal is planned soon (the salesperson's home lists it).
    CustomerFactory(
        code=f"{mark.upper()}P1",
        name=f"{mark} Prospect Co",
        salesperson=user,
        region=region,
        planned_first_deal_on=today + datetime.timedelta(days=3),
    )
    incident = CreditIncidentFactory(customer=customer, description=f"{mark} unpaid invoice")
    sale = SalesRecordFactory(customer=customer, product=product, date=today)
    SalesRecordFactory(customer=customer, product=product, date=today - datetime.timedelta(400))

    # Today's report, a draft: a visit with a proposed card change and a photo.
    report = VisitReportFactory(salesperson=user, date=today)
    visit = visit_add(
        report=report,
        data={
            "customer": customer,
            "kind": "visit",
            "summary": f"{mark} visit notes",
            "follow_up_on": today - datetime.timedelta(days=3),
        },
        actor=user,
    )
    draft_proposal = proposal_add(visit=visit, field="phone", value="0755-0000001", actor=user)
    photo = photo_add(visit=visit, upload=png_upload(), kind="storefront", actor=user)
    # Yesterday's report, submitted: its proposal is filed for review.
    earlier = VisitReportFactory(salesperson=user, date=today - datetime.timedelta(days=1))
    filed_visit = visit_add(
        report=earlier,
        data={"customer": customer, "kind": "visit", "summary": f"{mark} earlier visit"},
        proposals=[{"field": "short_name", "value": f"{mark} Renamed"}],
        actor=user,
    )
    report_submit(report=earlier, actor=user)
    proposal = Proposal.objects.get(
        source_type__model="visit", source_id=filed_visit.pk, field="short_name"
    )

    # A data form link sent by the salesperson, and a used one whose answer is in review.
    issued = link_create(customer=customer, actor=user, note=f"{mark} note", expires_in_days=7)
    token = issued.url.rstrip("/").rpartition("/")[2]
    used, _path = link_with_token(customer=customer, created_by=user, note=f"{mark} used")
    form_submit(link=used, values={"phone": "0755-0000002"})

    # Two investigations: one requested, one delivered with the agency's report.
    requested = investigation_commission(
        customer=customer,
        agency=agency,
        requested_on=today,
        scope=f"{mark} open scope",
        actor=manager,
    )
    delivered = investigation_commission(
        customer=customer,
        agency=agency,
        requested_on=today - datetime.timedelta(days=30),
        scope=f"{mark} scope",
        actor=manager,
    )
    delivered = investigation_deliver(
        investigation=delivered,
        findings={
            "delivered_on": today,
            "findings": f"{mark} findings",
            "credit_rating": "BB",
            "risk_level": "high",
        },
        proposals=[{"field": "credit_rating", "value": "BB"}],
        report=pdf_upload(),
        actor=manager,
    )
    customer.refresh_from_db()
    # A large export A started: its page, and its file.
    job = Job.objects.create(
        owner=user,
        kind=Job.Kind.CUSTOMER_EXPORT,
        state=Job.State.DONE,
        result={"rows": 1, "file_name": "customers.csv"},
    )
    job.result_file.save("customers.csv", ContentFile(f"code\n{customer.code}\n".encode()))
    ids = {
        "salesperson_a": user.pk,
        "salesperson_a_username": user.username,
        "customer": customer.pk,
        "customer_phone": customer.phone,
        "customer_version": customer.version,
        "contact": contact.pk,
        "incident": incident.pk,
        "route": route.pk,
        "sales_record": sale.pk,
        "report": report.pk,
        "visit": visit.pk,
        "draft_proposal": draft_proposal.pk,
        "photo": photo.pk,
        "proposal": proposal.pk,
        "link": issued.link.pk,
        "token": token,
        "requested": requested.pk,
        "investigation": delivered.pk,
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "job": job.pk,
    }
    return user, ids


def build_world() -> World:
    today = timezone.localdate()
    manager = UserFactory(role="manager", username="matrix-manager")
    superuser = UserFactory(username="matrix-admin", is_superuser=True, is_staff=True)
    region = RegionFactory(code="MX-R", name="Matrix region")
    agency = AgencyFactory(code="MX-AG")
    category = ProductCategoryFactory(code="MX-CAT")
    product = ProductFactory(code="MX-P", category=category)
    owner, ids = _side(
        "a", mark=MARKS[OWNER], region=region, agency=agency, product=product,
        manager=manager, today=today,
    )  # fmt: skip
    other, other_ids = _side(
        "b", mark=MARKS[OTHER], region=region, agency=agency, product=product,
        manager=manager, today=today,
    )  # fmt: skip
    # A customer of A's on the round B rides (it was B's, or the round changed hands): B's
    # route pages, plan and picker must still show B only B's own customers.
    CustomerFactory(
        code=f"{MARKS[OWNER].upper()}02",
        name=f"{MARKS[OWNER]} Second Co",
        salesperson=owner,
        region=region,
        route_id=other_ids["route"],
        route_position=2,
    )
    shared = {
        "region": region.pk,
        "agency": agency.pk,
        "category": category.pk,
        "product": product.pk,
        "customer_type": customer_type().pk,
        "ownership": ownership().pk,
        "grade_level": grade("key").pk,
        "reset_token": "no-such-token",
        "earlier_day": (today - datetime.timedelta(days=5)).isoformat(),
    }
    ids.update(shared)
    other_ids.update(shared)
    Token.objects.create(user=owner)
    _admin_only_records()
    return World(
        users={ANONYMOUS: None, OWNER: owner, OTHER: other, MANAGER: manager, ADMIN: superuser},
        own={OWNER: ids, OTHER: other_ids},
        admin_objects=_admin_objects(ids),
    )


def _admin_only_records() -> None:
    """A record of each model that only the admin shows, so that its pages open one."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    seen = {"user_agent": "matrix", "ip_address": "203.0.113.9", "username": "nobody"}
    AccessLog.objects.create(http_accept="*/*", path_info="/accounts/login/", **seen)
    AccessFailureLog.objects.create(http_accept="*/*", path_info="/accounts/login/", **seen)
    AccessAttempt.objects.create(
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=1,
        **seen,
    )


def _admin_objects(ids: dict) -> dict:
    """The object each model's admin pages open: the owner's where the model hangs on a
    customer, otherwise the first one."""
    chosen = {
        "customers.customer": ids["customer"],
        "customers.contact": ids["contact"],
        "customers.creditincident": ids["incident"],
        "classification.route": ids["route"],
        "classification.region": ids["region"],
        "sales.salesrecord": ids["sales_record"],
        "visits.visitreport": ids["report"],
        "visits.visit": ids["visit"],
        "review.proposal": ids["proposal"],
        "customerforms.formlink": ids["link"],
        "investigations.investigation": ids["investigation"],
        "investigations.agency": ids["agency"],
        "auth.user": ids["salesperson_a"],
    }
    objects = {}
    for model in admin.site._registry:
        label = model._meta.label_lower
        if label in chosen:
            objects[model] = chosen[label]
        elif model is TokenProxy:
            objects[model] = Token.objects.order_by("created").first().user_id
        else:
            first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
            assert first is not None, f"no {label} for its admin pages to open"
            objects[model] = first
    return objects


# Asking ------------------------------------------------------------------------------------


class _RolledBack(Exception):
    """Undoes a write the matrix sent (its savepoint is rolled back)."""


def _template(value, ids: dict):
    """A body or query with {key} replaced by the world's ids ("{key}" alone keeps the id's
    type)."""
    if isinstance(value, dict):
        return {key: _template(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_template(item, ids) for item in value]
    if isinstance(value, str):
        whole = re.fullmatch(r"\{(\w+)\}", value)
        return ids[whole.group(1)] if whole else value.format(**ids)
    return value


def _content(response) -> bytes:
    """The body; a file answer is read to its end (which closes it)."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def searchable(content: bytes) -> str:
    """The text of an answer to search, in lower case: an XLSX (a zip) by its sheets'
    XML."""
    if content.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            content = b"".join(book.read(name) for name in book.namelist())
    return content.decode("utf-8", errors="replace").lower()


@functools.cache
def _snapshot_queries() -> tuple[tuple[str, str], ...]:
    """One SELECT of every row per table a write could touch (the world is small); sessions
    are left out, signing in writes them."""
    queries = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or meta.app_label in ("sessions", "contenttypes"):
            continue
        if meta.label_lower == "auth.permission":
            continue
        table = connection.ops.quote_name(meta.db_table)
        column = connection.ops.quote_name(meta.pk.column)
        queries.append((meta.label, f"SELECT * FROM {table} ORDER BY {column}"))  # noqa: S608
    return tuple(queries)


def snapshot() -> dict:
    """Every row of those tables, to tell that a refused write changed nothing."""
    state = {}
    with connection.cursor() as cursor:
        for label, query in _snapshot_queries():
            cursor.execute(query)
            state[label] = cursor.fetchall()
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(label for label in before if before[label] != after.get(label))


def meets(expect, response) -> bool:
    status = response.status_code
    location = response.get("Location", "")
    if expect in (LOGIN, SIGNED_OUT):
        return status == 302 and location.startswith(NOT_SIGNED_IN)
    if expect == ADMIN_LOGIN:
        return status == 302 and location.startswith(ADMIN_SIGN_IN)
    if expect == REDIRECT:
        signs_in = location.startswith((NOT_SIGNED_IN, ADMIN_SIGN_IN))
        return status in (301, 302) and not signs_in
    if expect == WRITES:
        return status in WRITE_STATUSES
    if isinstance(expect, frozenset):
        return status in expect
    return status == expect


@dataclass
class Probe:
    """One role's run through the matrix: its client, what it found, what it counted."""

    role: str
    world: World
    client: Client
    failures: list = field(default_factory=list)
    requests: int = 0
    marks_found: set = field(default_factory=set)
    operations: set = field(default_factory=set)
    baseline: dict | None = None

    def ask(self, method, path, *, expect, json_body=None, form_body=None, label="", rule=None):
        """Send one request and check it: the status against `expect`, the other
        salesperson's mark in the body, and for a write that the database is as before
        (a refused write) or, for an allowed one, only that it answered. Every write is
        rolled back."""
        write = method in WRITE_METHODS
        cookies = copy.deepcopy(self.client.cookies)
        self.requests += 1
        what = f"{self.role} {method} {path} [{label}]"
        try:
            with transaction.atomic():
                response = self._send(method, path, json_body, form_body)
                content = _content(response)
                if write and expect not in (WRITES, SIGNED_OUT):
                    changed = changed_tables(self.baseline, snapshot())
                    if changed:
                        self.failures.append(
                            f"{what}: a write that changes nothing changed {changed}"
                        )
                if write:
                    raise _RolledBack
        except _RolledBack:
            pass
        except Exception as error:  # a 5xx: the view raised
            self.failures.append(f"{what}: 5xx, the view raised {error!r}")
            return None
        finally:
            if write:
                self.client.cookies = cookies  # signing out is undone with the session row
        if response.status_code >= 500:
            self.failures.append(f"{what}: {response.status_code}")
        elif not meets(expect, response):
            location = response.get("Location", "")
            self.failures.append(
                f"{what}: expected {expect}, got {response.status_code}"
                + (f" → {location}" if location else "")
            )
        self._search(what, content, rule)
        return response

    def _send(self, method, path, json_body, form_body):
        if json_body is not None:
            return self.client.generic(
                method, path, json.dumps(json_body), content_type="application/json"
            )
        if method == "GET":
            return self.client.get(path)
        if method == "POST":
            return self.client.post(path, form_body or {})
        return self.client.generic(method, path, "", content_type="application/json")

    def _search(self, what, content: bytes, rule: Rule | None) -> None:
        if self.role not in SALESPEOPLE:
            return
        text = searchable(content)
        own = MARKS[self.role]
        if own in text:
            self.marks_found.add(what)
        other = MARKS[OTHER if self.role == OWNER else OWNER]
        if other in text and not (rule and rule.leak_exempt):
            self.failures.append(f"{what}: the answer names the other salesperson's customer")


def _client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# The schema --------------------------------------------------------------------------------


@functools.cache
def _operations(content: bytes) -> tuple[tuple[str, str], ...]:
    schema = json.loads(content)
    return tuple(
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    )


def schema_operations(client: Client) -> tuple[tuple[str, str], ...]:
    """The (method, path) of every operation the OpenAPI schema documents, as served at
    /api/schema/ to `client`."""
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200, response.status_code
    return _operations(response.content)


def operation_url_name(path: str) -> str:
    """The URL name that serves a schema path ({id} and friends filled with 1)."""
    return resolve(re.sub(r"\{[^}]+\}", "1", path)).view_name


# The tests ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _media_and_cache(settings, tmp_path):
    """Uploads go to a temporary folder; the public form's rate limits start from zero."""
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module", autouse=True)
def _print_figures(request):
    yield
    if not FIGURES:
        return
    line = (
        "authorization matrix: {patterns} URL patterns, {operations} schema operations, "
        "{roles} roles, {requests} requests"
    ).format(**{key: FIGURES[key] for key in ("patterns", "operations", "roles", "requests")})
    capture = request.config.pluginmanager.getplugin("capturemanager")
    if capture is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        print(f"\n{line}")


def test_every_url_pattern_has_a_rule():
    missing = []
    for entry in url_entries():
        if entry.is_admin:
            if not admin_rule_known(entry):
                missing.append(f"{entry.name or '(unnamed)'} /{entry.route} (admin)")
        elif entry.name is None or entry.name not in RULES:
            missing.append(f"{entry.name or '(unnamed)'} /{entry.route}")
    assert not missing, "URL patterns without a rule in the matrix:\n" + "\n".join(missing)


def test_a_format_suffix_variant_is_filled_like_its_route():
    patterns = format_suffix_patterns([route("things/<int:pk>/", healthz, name="thing")])
    entries = [Entry(p.name, str(p.pattern), (p.pattern,)) for p in patterns]

    paths = [fill(entry, {"pk": 7}) for entry in entries]

    assert paths[0] == "/things/7/"
    assert ".json" in paths[1]
    matched = [entry.pieces[0].match(path[1:]) for entry, path in zip(entries, paths, strict=True)]
    assert [kwargs for _rest, _args, kwargs in matched] == [{"pk": 7}, {"pk": 7, "format": "json"}]
    assert {entry.name for entry in entries} == {"thing"}  # one name, one rule


def test_every_rule_names_an_existing_url():
    names = {entry.name for entry in url_entries()}
    stale = sorted(set(RULES) - names)
    assert not stale, f"rules for URL names that no longer exist: {stale}"


@pytest.mark.django_db
def test_every_schema_operation_has_a_rule(manager, client):
    client.force_login(manager)
    missing = []
    for method, path in schema_operations(client):
        name = operation_url_name(path)
        rule = RULES.get(name)
        if rule is None or method not in rule.methods:
            missing.append(f"{method} {path} ({name})")
    assert not missing, "schema operations without a rule in the matrix:\n" + "\n".join(missing)


def test_public_urls_say_why():
    public = {name: rule.reason for name, rule in RULES.items() if rule.kind == PUBLIC}
    assert all(public.values()), public
    assert all(ADMIN_PUBLIC.values())


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_authorization_matrix(role):
    """Every URL pattern and schema operation, asked by `role` with each method its rule
    names (salesperson B also reads their own objects), checked against the rule."""
    world = build_world()
    probe = Probe(role, world, _client_for(world.users[role]))
    entries = url_entries()
    superuser_request = RequestFactory().get("/admin/")
    superuser_request.user = world.users[ADMIN]

    plans = []  # (method, path, expect, rule or None, body, label)
    for entry in entries:
        if entry.is_admin:
            plans.extend(_admin_plan(entry, role, world, superuser_request))
            continue
        rule = RULES[entry.name]
        plans.extend(_rule_plan(entry, rule, role, world.ids))
        if role == OTHER and (rule.params or any("{" in query for query in rule.queries)):
            # Salesperson B reading their own objects: as their owner, and nothing of A's.
            own = _rule_plan(entry, rule, OWNER, world.own[OTHER], methods=("GET",))
            plans.extend((*plan[:5], f"{plan[5]} (own)") for plan in own)
        if rule.kind == API:
            path = fill(entry, {param: world.ids[key] for param, key in rule.params.items()})
            plans.append(_wrong_method(entry, rule, path, role))

    # Reads first, then a snapshot of the world as the reads left it (opening today's report
    # or the public form writes), then the writes, each rolled back.
    for method, path, expect, rule, body, label in plans:
        if method == "GET":
            _ask(probe, method, path, expect, rule, body, label)
    probe.baseline = snapshot()
    for method, path, expect, rule, body, label in plans:
        if method != "GET":
            _ask(probe, method, path, expect, rule, body, label)

    if role == OWNER:
        for entry in entries:
            rule = RULES.get(entry.name)
            if rule is None or not rule.shows_owner:
                continue
            if not any(f"[{entry.name}]" in found for found in probe.marks_found):
                probe.failures.append(
                    f"{entry.name}: the owner's answer does not name the owner's customer, "
                    "so the leak search could not see one there either"
                )

    operations = schema_operations(_client_for(world.users[MANAGER]))
    for method, schema_path in operations:
        if (method, operation_url_name(schema_path)) not in probe.operations:
            probe.failures.append(f"schema operation {method} {schema_path} was not asked")

    FIGURES["patterns"] = len(entries)
    FIGURES["operations"] = len(operations)
    FIGURES["roles"] = len(ROLES)
    FIGURES["requests"] += probe.requests
    print(
        f"{role}: {len(entries)} URL patterns, {len(operations)} schema operations, "
        f"{probe.requests} requests"
    )
    assert not probe.failures, f"{len(probe.failures)} failures:\n" + "\n".join(probe.failures)


# Query strings a person never sends but a crafted link does: each page and endpoint a role
# may read must still answer it without a 5xx (a refusal, or the page without the odd
# parameter).
HOSTILE_QUERIES = {
    "nul": "q=%00x&search=%00x&page=abc&page_size=-5&ordering=-nope",
    "year 1": "date=0001-01-01&date_from=0001-01-01&date_to=0001-12-31",
    "year 9999": "date=9999-12-31&period=day&date_from=9999-01-01&date_to=9999-12-31",
    "huge id": "customer=99999999999999999999&salesperson=99999999999999999999"
    "&replaces=99999999999999999999",
}
# 5xx answers found by this test in code outside the matrix's reach, reported to their
# owners: (URL name, hostile query) → (database vendors, roles, why). An entry that answers
# again makes the test fail, so the list only shrinks.
KNOWN_5XX: dict = {}


def _answers(client: Client, path: str) -> str | None:
    """None when a GET of `path` answers below 500; otherwise what went wrong."""
    try:
        with transaction.atomic():
            response = client.get(path)
            _content(response)
    except Exception as error:  # a 5xx: the view raised
        return repr(error)
    return None if response.status_code < 500 else str(response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize("role", (MANAGER, OWNER))
def test_hostile_queries_get_no_5xx(role):
    """Every page and endpoint `role` may read, asked with each of `HOSTILE_QUERIES`."""
    world = build_world()
    client = _client_for(world.users[role])
    errors, answered = [], []
    for entry in url_entries():
        rule = RULES.get(entry.name)
        if entry.is_admin or rule is None or "GET" not in rule.methods:
            continue
        if rule.expectation("GET", role) != 200:
            continue
        path = fill(entry, {param: world.ids[key] for param, key in rule.params.items()})
        query = _template(rule.queries[0], world.ids)
        for kind, hostile in HOSTILE_QUERIES.items():
            error = _answers(client, f"{path}{query}{'&' if query else '?'}{hostile}")
            FIGURES["requests"] += 1
            vendors, roles, _why = KNOWN_5XX.get((entry.name, kind), ((), (), ""))
            if connection.vendor in vendors and role in roles:
                if error is None:
                    answered.append(f"{entry.name} ({kind})")
            elif error:
                errors.append(f"{entry.name} ({kind}): {error}")
    assert not errors, "5xx answers to hostile queries:\n" + "\n".join(errors)
    assert not answered, f"known 5xx answers that now answer, take them off KNOWN_5XX: {answered}"


def _ask(probe: Probe, method, path, expect, rule, body, label):
    if rule is not None:
        probe.operations.add((method, label))
    as_json = path.startswith("/api/") and not (rule and rule.multipart)
    probe.ask(
        method,
        path,
        expect=expect,
        json_body=(body or {}) if as_json and method != "GET" else None,
        form_body=None if as_json else body,
        label=label,
        rule=rule,
    )


def _rule_plan(entry: Entry, rule: Rule, role: str, ids: dict, methods=None) -> list:
    """The requests of `rule` for `role`, its path filled from `ids`."""
    path = fill(entry, {param: ids[key] for param, key in rule.params.items()})
    plan = []
    for method in methods or rule.methods:
        if method not in rule.methods:
            continue
        body = _template(rule.bodies.get(method), ids)
        for query in rule.queries if method == "GET" else ("",):
            plan.append(
                (method, path + _template(query, ids), rule.expectation(method, role), rule,
                 body, entry.name)
            )  # fmt: skip
    return plan


def _wrong_method(entry: Entry, rule: Rule, path: str, role: str):
    """A method the route does not take: 405 for everybody signed in."""
    method = next(m for m in ("PUT", "DELETE", "POST", "GET") if m not in rule.methods)
    expect = 401 if role == ANONYMOUS else 405
    return (method, path, expect, None, None, f"{entry.name} (wrong method)")


# The admin's generic rule ------------------------------------------------------------------


def _admin_plan(entry: Entry, role: str, world: World, superuser_request):
    """The admin's generic rule as requests: staff only. Anybody else is sent to a sign-in
    page (a write too, and it changes nothing); the admin's sign-in page itself is public."""
    model = admin_model(entry)
    action = _admin_kind(entry, model)
    values = {
        "app_label": "customers",
        "url": "no-such-page/",
        "content_type_id": ContentType.objects.get_for_model(Customer).pk,
        "object_id": world.admin_objects.get(model, world.ids["customer"]),
        "id": world.ids["salesperson_a"],
    }
    positional = []
    if action == "simple_history":
        history = model.history.filter(**{model._meta.pk.attname: values["object_id"]})
        history = history.latest("history_date")
        positional = [values["object_id"], history.history_id]
    path = fill(entry, values, positional)
    staff = role == ADMIN
    label = entry.name or f"admin /{entry.route}"

    if entry.name in ADMIN_PUBLIC:
        return [
            ("GET", path, 302 if staff else 200, None, None, label),
            ("POST", path, WRITES, None, None, label),
        ]
    if entry.name == "admin:logout":
        if role == ANONYMOUS:
            return [("GET", path, ADMIN_LOGIN, None, None, label)]
        # Signing out of the admin: a signed-in user who is not staff is sent to its index.
        return [
            ("GET", path, 405 if staff else REDIRECT, None, None, label),
            ("POST", path, SIGNED_OUT if staff else REDIRECT, None, None, label),
        ]
    if not staff:
        # An anonymous visitor of a model's admin page meets the sign-in middleware first.
        refused = LOGIN if role == ANONYMOUS and model is not None else ADMIN_LOGIN
        plan = [("GET", path, refused, None, None, label)]
        if action in (*ADMIN_WRITES, "password_change", "password_change_user"):
            plan.append(("POST", path, refused, None, None, label))
        return plan

    model_admin = admin.site._registry.get(model)
    obj = None
    if model_admin is not None and "object_id" in entry.route:
        obj = model_admin.get_object(superuser_request, str(values["object_id"]))
    if action == "add":
        expect = 200 if model_admin.has_add_permission(superuser_request) else 403
    elif action == "delete":
        expect = 200 if model_admin.has_delete_permission(superuser_request, obj) else 403
    else:
        expect = ADMIN_PAGES[action]
    plan = [("GET", path, expect, None, None, label)]
    if action in ADMIN_WRITES and expect != 403:
        may_write = action != "change" or model_admin.has_change_permission(superuser_request, obj)
        # A model the admin only shows (its changes go through the product's services).
        plan.append(("POST", path, WRITES if may_write else 403, None, None, label))
    return plan


# What the matrix found, fixed ------------------------------------------------------------

HUGE_ID = "99999999999999999999"


@pytest.mark.django_db
def test_a_nul_in_the_customer_search_is_dropped_not_sent_to_the_database(client, salesperson):
    customer = CustomerFactory(code="NUL-1", name="Nul Trading", salesperson=salesperson)
    client.force_login(salesperson)

    response = client.get("/visits/customers/search/", {"q": "NUL-1\x00"})

    assert response.status_code == 200
    assert [c.pk for c in response.context["customers"]] == [customer.pk]
    assert client.get("/visits/customers/search/", {"q": "\x00"}).context["customers"] == []


@pytest.mark.django_db
def test_a_nul_in_the_route_candidates_search_is_dropped_not_sent_to_the_database(
    client, manager, salesperson
):
    route = RouteFactory(salesperson=salesperson)
    candidate = CustomerFactory(code="NUL-2", salesperson=salesperson, region=route.region)
    client.force_login(manager)

    response = client.get(f"/classification/routes/{route.pk}/", {"q": "NUL-2\x00"})

    assert response.status_code == 200
    assert [c.pk for c in response.context["candidates"]] == [candidate.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_compliance_refuses_a_day_at_the_calendars_end_and_shows_this_week(
    client, salesperson, day
):
    client.force_login(salesperson)

    response = client.get("/visits/compliance/", {"date": day, "period": "day"})

    assert response.status_code == 200
    assert "date" in response.context["form"].errors
    today = timezone.localdate()
    assert response.context["period"].start <= today <= response.context["period"].end


@pytest.mark.django_db
def test_a_decision_naming_an_id_beyond_any_integer_is_refused_and_decides_nothing(
    client, manager, salesperson
):
    customer = CustomerFactory(salesperson=salesperson)
    report = VisitReportFactory(salesperson=salesperson, date=timezone.localdate())
    visit = visit_add(
        report=report,
        data={"customer": customer, "kind": "visit"},
        proposals=[{"field": "phone", "value": "0755-7777777"}],
        actor=salesperson,
    )
    report_submit(report=report, actor=salesperson)
    proposal = Proposal.objects.get(source_id=visit.pk)
    client.force_login(manager)

    response = client.post("/review/", {"decision": "accept", "proposal": [HUGE_ID]})

    assert response.status_code == 400
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.PENDING
    customer.refresh_from_db()
    assert customer.version == 1
