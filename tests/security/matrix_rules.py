"""The authorization matrix: who may read and write what, for every URL of the site.

Each named URL has a rule (`RULES`, keyed by "namespace:name" or the API's route name) that
says, for each HTTP method, what each role gets. The admin's pages have one generic rule
(`ADMIN_PUBLIC`, `ADMIN_PAGES`, `ADMIN_WRITES`): staff only, anybody else is sent to a
sign-in page. A URL pattern or an OpenAPI operation without a rule fails the matrix, so a
new page cannot be added without saying who may use it.

The roles: an anonymous visitor, salesperson A (who owns every object the paths name),
salesperson B (another salesperson), a manager, and an admin (superuser). What an anonymous
visitor gets follows from the kind of the URL (a page sends them to the sign-in, the API
answers 401) unless the URL is public, where the rule says it and why.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

ANONYMOUS = "anonymous"
OWNER = "salesperson_a"
OTHER = "salesperson_b"
MANAGER = "manager"
ADMIN = "admin"
ROLES = (ANONYMOUS, OWNER, OTHER, MANAGER, ADMIN)
SALESPEOPLE = (OWNER, OTHER)

PAGE = "page"  # a browser page: anonymous visitors are sent to the sign-in page
API = "api"  # a REST endpoint: anonymous callers get 401
PUBLIC = "public"  # no sign-in needed; the rule says what everybody gets, and why

# Expectations besides a plain status code.
LOGIN = "redirect to the sign-in page"
ADMIN_LOGIN = "redirect to the admin's sign-in page"
REDIRECT = "a redirect (not to a sign-in page)"
# Signing out: sent to the sign-in page; the sign-out is recorded (the access log).
SIGNED_OUT = "signed out, redirected to the sign-in page"
# A write the role may make: the view takes it and answers (a form with its errors, a
# redirect, a 2xx, a 400 naming the refused input, a 409 about the object's state), never
# 403/404 and never 5xx. Such writes are sent in a savepoint that is rolled back.
WRITES = "an allowed write"
WRITE_STATUSES = frozenset({200, 201, 204, 302, 400, 409})

Expect = int | frozenset | str

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def by_role(owner: Expect, other: Expect, manager: Expect, admin: Expect | None = None) -> dict:
    """What each signed-in role gets; the admin as the manager unless told."""
    admin = manager if admin is None else admin
    return {OWNER: owner, OTHER: other, MANAGER: manager, ADMIN: admin}


def everybody(expect: Expect) -> dict:
    return dict.fromkeys(ROLES, expect)


# Reads
EVERYONE = by_role(200, 200, 200)  # each sees what their scope holds
SCOPED = by_role(200, 404, 200)  # the owner's object: another salesperson gets 404
MANAGERS = by_role(403, 403, 200)  # managers' pages: sales staff get 403 before any lookup
WRONG_METHOD = by_role(405, 405, 405)
# Writes
EVERYONE_WRITES = by_role(WRITES, WRITES, WRITES)
SCOPED_WRITES = by_role(WRITES, 404, WRITES)
MANAGERS_WRITE = by_role(403, 403, WRITES)
# A visit report is its author's: another salesperson gets 404, a manager reads it and
# changes nothing (403).
AUTHOR_WRITES = by_role(WRITES, 404, 403)
AUTHOR_READS = by_role(200, 404, 403)
# Reference data through the API: reading for everybody, writing by the role's model
# permission (managers add and change; only a superuser deletes).
REFERENCE_WRITE = by_role(403, 403, WRITES)
REFERENCE_DELETE = by_role(403, 403, 403, WRITES)


@dataclass(frozen=True)
class Rule:
    kind: str
    # HTTP method → role → expectation. Anonymous follows from `kind` unless given.
    methods: Mapping[str, Mapping[str, Expect]]
    # Path parameter → the owner's object (a key of the fixture world) that fills it.
    params: Mapping[str, str] = field(default_factory=dict)
    # Query strings to ask each method with ({key} takes the world's ids).
    queries: tuple[str, ...] = ("",)
    # Method → the minimal body of a write ({key} takes the world's ids).
    bodies: Mapping[str, Mapping] = field(default_factory=dict)
    # PUBLIC: why no sign-in is needed.
    reason: str = ""
    # The owner's answer names the owner's customer: proves that the leak search finds a
    # customer where there is one (HTML, JSON, CSV, XLSX).
    shows_owner: bool = False
    # Why a salesperson's answer here may name another salesperson's customer.
    leak_exempt: str = ""
    # Writes are sent as multipart form data (the route takes a file), not JSON.
    multipart: bool = False

    def expectation(self, method: str, role: str) -> Expect:
        expected = self.methods[method]
        if role in expected:
            return expected[role]
        if role == ANONYMOUS:
            return LOGIN if self.kind == PAGE else 401
        raise KeyError(f"no expectation for {role} {method}")


def page(get: Mapping, post: Mapping | None = None, **kwargs) -> Rule:
    methods = {"GET": get}
    if post is not None:
        methods["POST"] = post
    return Rule(PAGE, methods, **kwargs)


def post_only(post: Mapping, **kwargs) -> Rule:
    """A page that only takes a POST: a GET is refused (405) for everybody signed in."""
    return page(WRONG_METHOD, post, **kwargs)


def api(**methods) -> Rule:
    """An API route; keyword arguments name the methods (get, post, put, patch, delete) and
    the rule's other fields."""
    options = {key: methods.pop(key) for key in list(methods) if key not in _HTTP}
    return Rule(API, {name.upper(): value for name, value in methods.items()}, **options)


def public(reason: str, **methods) -> Rule:
    options = {key: methods.pop(key) for key in list(methods) if key not in _HTTP}
    return Rule(
        PUBLIC, {name.upper(): value for name, value in methods.items()}, reason=reason, **options
    )


_HTTP = ("get", "post", "put", "patch", "delete")

CUSTOMER = {"pk": "customer"}
CONTACT = {"pk": "customer", "contact_pk": "contact"}
INCIDENT = {"pk": "customer", "incident_pk": "incident"}
ROUTE = {"pk": "route"}
ROUTE_STOP = {"pk": "route", "customer_pk": "customer"}
REPORT = {"pk": "report"}
VISIT = {"pk": "visit"}
EXPORTS = ("?format=csv", "?format=xlsx")
CHOOSE_OWNER = "?salesperson={salesperson_a_username}&q=xq7"


RULES: dict[str, Rule] = {
    # Accounts -----------------------------------------------------------------------------
    "home": page(EVERYONE),
    "login": public(
        "the sign-in page",
        get=everybody(200),
        post=everybody(WRITES),
    ),
    # Only a POST signs out; the sign-in middleware sends anonymous visitors away first.
    "logout": page(WRONG_METHOD, by_role(SIGNED_OUT, SIGNED_OUT, SIGNED_OUT)),
    "password_change": page(EVERYONE, EVERYONE_WRITES),
    "password_change_done": page(EVERYONE),
    "password_reset": public(
        "asking for a password reset e-mail: the person cannot sign in",
        get=everybody(200),
        post=everybody(WRITES),
    ),
    "password_reset_done": public("the page after asking for a reset e-mail", get=everybody(200)),
    "password_reset_confirm": public(
        "the link from the reset e-mail; a made-up token shows that the link is not valid",
        get=everybody(200),
        post=everybody(200),
        params={"uidb64": "uidb64", "token": "reset_token"},
    ),
    "password_reset_complete": public("the page after a password reset", get=everybody(200)),
    "set_language": public(
        "the language switcher, also on the sign-in page",
        get=everybody(REDIRECT),
        post=everybody(REDIRECT),
    ),
    "healthz": public("the load balancers' liveness probe: no data", get=everybody(200)),
    # Customers ----------------------------------------------------------------------------
    # A salesperson's choice of another salesperson narrows nothing beyond their own scope.
    "customers:list": page(EVERYONE, queries=("", CHOOSE_OWNER), shows_owner=True),
    "customers:export": page(
        EVERYONE, queries=(*EXPORTS, CHOOSE_OWNER + "&format=csv"), shows_owner=True
    ),
    # A new card with another salesperson's customer's phone: the duplicate warning says
    # what matched, without any of that card's data.
    "customers:create": page(
        EVERYONE, EVERYONE_WRITES, bodies={"POST": {"name": "Probe", "phone": "{customer_phone}"}}
    ),
    "customers:detail": page(SCOPED, params=CUSTOMER, shows_owner=True),
    "customers:edit": page(SCOPED, SCOPED_WRITES, params=CUSTOMER),
    "customers:archive": post_only(SCOPED_WRITES, params=CUSTOMER),
    "customers:restore": post_only(SCOPED_WRITES, params=CUSTOMER),
    "customers:contact_create": page(SCOPED, SCOPED_WRITES, params=CUSTOMER),
    "customers:contact_edit": page(SCOPED, SCOPED_WRITES, params=CONTACT),
    "customers:contact_delete": page(SCOPED, SCOPED_WRITES, params=CONTACT),
    "customers:incident_create": page(SCOPED, SCOPED_WRITES, params=CUSTOMER),
    "customers:incident_edit": page(SCOPED, SCOPED_WRITES, params=INCIDENT),
    "customers:incident_delete": page(SCOPED, SCOPED_WRITES, params=INCIDENT),
    # Classification -----------------------------------------------------------------------
    "classification:grade_settings": page(MANAGERS, MANAGERS_WRITE),
    "classification:regrade": page(MANAGERS, MANAGERS_WRITE),
    "classification:grade_pin": post_only(MANAGERS_WRITE, params=CUSTOMER),
    "classification:grade_unpin": post_only(MANAGERS_WRITE, params=CUSTOMER),
    "classification:route_list": page(EVERYONE),
    "classification:route_create": page(MANAGERS, MANAGERS_WRITE),
    "classification:route_detail": page(SCOPED, params=ROUTE),
    "classification:route_edit": page(MANAGERS, MANAGERS_WRITE, params=ROUTE),
    "classification:route_delete": post_only(MANAGERS_WRITE, params=ROUTE),
    "classification:route_sheet": page(SCOPED, params=ROUTE, shows_owner=True),
    "classification:route_optimise": page(MANAGERS, MANAGERS_WRITE, params=ROUTE),
    "classification:route_reorder": post_only(MANAGERS_WRITE, params=ROUTE),
    "classification:route_stop_add": post_only(
        MANAGERS_WRITE, params=ROUTE, bodies={"POST": {"customer": "{customer}"}}
    ),
    "classification:route_stop_remove": post_only(MANAGERS_WRITE, params=ROUTE_STOP),
    "classification:route_stop_move": post_only(MANAGERS_WRITE, params=ROUTE_STOP),
    # A manager may look at a salesperson's plan; a salesperson's choice is ignored.
    "classification:plan": page(EVERYONE, queries=("", "?salesperson={salesperson_a}")),
    "classification:region_list": page(MANAGERS),
    "classification:region_create": page(MANAGERS, MANAGERS_WRITE),
    "classification:region_edit": page(MANAGERS, MANAGERS_WRITE, params={"pk": "region"}),
    "classification:region_delete": post_only(MANAGERS_WRITE, params={"pk": "region"}),
    "classification:overview": page(EVERYONE),
    # Sales --------------------------------------------------------------------------------
    "sales:customer_performance": page(SCOPED, WRONG_METHOD, params=CUSTOMER, shows_owner=True),
    # Visit reports ------------------------------------------------------------------------
    # Today's report is opened for sales staff; nobody else keeps one.
    "visits:today": page(by_role(302, 302, 403), WRONG_METHOD),
    "visits:report_list": page(EVERYONE),
    "visits:report": page(SCOPED, WRONG_METHOD, params=REPORT, shows_owner=True),
    "visits:report_submit": post_only(AUTHOR_WRITES, params=REPORT),
    "visits:visit_create": page(AUTHOR_READS, AUTHOR_WRITES, params=REPORT),
    # A reader who may not change the visit is sent to it on the report's page.
    "visits:visit": page(by_role(200, 404, REDIRECT), AUTHOR_WRITES, params=VISIT),
    "visits:visit_delete": post_only(AUTHOR_WRITES, params=VISIT),
    "visits:visit_autosave": post_only(AUTHOR_WRITES, params=VISIT),
    "visits:proposal_create": post_only(AUTHOR_WRITES, params=VISIT),
    "visits:proposal_value": page(AUTHOR_READS, WRONG_METHOD, params=VISIT),
    "visits:proposal_withdraw": post_only(AUTHOR_WRITES, params={"pk": "draft_proposal"}),
    "visits:photo_upload": post_only(AUTHOR_WRITES, params=VISIT),
    "visits:photo": page(SCOPED, WRONG_METHOD, params={"pk": "photo"}),
    "visits:customer_search": page(EVERYONE, queries=("?q=xq7",), shows_owner=True),
    "visits:compliance": page(EVERYONE),
    "visits:coverage": page(MANAGERS),
    "visits:summary": page(MANAGERS),
    "visits:summary_export": page(MANAGERS, queries=EXPORTS),
    # Review -------------------------------------------------------------------------------
    "review:queue": page(MANAGERS, MANAGERS_WRITE),
    # Customer data forms ------------------------------------------------------------------
    "customerforms:create": page(SCOPED, SCOPED_WRITES, params=CUSTOMER),
    "customerforms:revoke": post_only(SCOPED_WRITES, params={"pk": "link"}),
    "customerforms:reopen": post_only(MANAGERS_WRITE, params={"pk": "link"}),
    "customerforms:public": public(
        "the customer's one-time data form: the random token in the address is the key",
        get=everybody(200),
        post=everybody(WRITES),
        params={"token": "token"},
        leak_exempt="the token's holder is the customer's own staff, whom the form names",
    ),
    "customerforms:thanks": public("the thanks after the public form", get=everybody(200)),
    # Investigations -----------------------------------------------------------------------
    "investigations:list": page(EVERYONE, queries=("", "?customer={customer}"), shows_owner=True),
    "investigations:create": page(MANAGERS, MANAGERS_WRITE, queries=("", "?customer={customer}")),
    "investigations:risk": page(MANAGERS),
    "investigations:detail": page(
        SCOPED, WRONG_METHOD, params={"pk": "investigation"}, shows_owner=True
    ),
    "investigations:deliver": page(MANAGERS, MANAGERS_WRITE, params={"pk": "requested"}),
    "investigations:report_upload": post_only(MANAGERS_WRITE, params={"pk": "investigation"}),
    "investigations:report_file": page(SCOPED, WRONG_METHOD, params={"pk": "investigation"}),
    "investigations:agency_list": page(MANAGERS),
    "investigations:agency_create": page(MANAGERS, MANAGERS_WRITE),
    "investigations:agency_edit": page(MANAGERS, MANAGERS_WRITE, params={"pk": "agency"}),
    # Analyses -----------------------------------------------------------------------------
    "reports:index": page(EVERYONE),
    "reports:sales-composition": page(EVERYONE, queries=("", *EXPORTS)),
    "reports:product-composition": page(EVERYONE, queries=("", *EXPORTS)),
    "reports:grade-category": page(EVERYONE, queries=("", *EXPORTS)),
    "reports:customer-composition": page(EVERYONE, queries=("", *EXPORTS)),
    "reports:abc": page(EVERYONE, queries=("", *EXPORTS, CHOOSE_OWNER), shows_owner=True),
    "reports:trend": page(EVERYONE, queries=("", *EXPORTS)),
    # One customer's reports: another salesperson's customer is a refused filter (400, the
    # same answer as for a customer that does not exist).
    "reports:customer-sales": page(
        by_role(200, 400, 200),
        queries=("?customer={customer}", "?customer={customer}&format=csv"),
        shows_owner=True,
    ),
    "reports:customer-business": page(
        by_role(200, 400, 200),
        queries=("?customer={customer}", "?customer={customer}&format=xlsx"),
        shows_owner=True,
    ),
    "reports:investigation-costs": page(EVERYONE, queries=("", *EXPORTS)),
    # Audit --------------------------------------------------------------------------------
    "audit:changes": page(MANAGERS, WRONG_METHOD),
    "audit:sign_ins": page(MANAGERS, WRONG_METHOD),
    # Jobs ---------------------------------------------------------------------------------
    # A job is its starter's; managers see every job.
    "jobs:list": page(EVERYONE),
    "jobs:detail": page(SCOPED, WRONG_METHOD, params={"pk": "job"}),
    "jobs:file": page(SCOPED, WRONG_METHOD, params={"pk": "job"}),
    # API: tokens --------------------------------------------------------------------------
    "api-token": public(
        "exchanges a username and password for an API token",
        get=everybody(405),
        post=everybody(400),
    ),
    "api-token-rotate": api(get=WRONG_METHOD, post=EVERYONE_WRITES),
    "schema": api(get=EVERYONE, queries=("?format=json",)),
    "swagger-ui": api(get=EVERYONE),
    # API: customers -----------------------------------------------------------------------
    "customer-list": api(
        get=EVERYONE,
        post=EVERYONE_WRITES,
        queries=("", "?salesperson={salesperson_a_username}"),
        bodies={"POST": {"name": "Probe", "phone": "{customer_phone}"}},
        shows_owner=True,
    ),
    "customer-detail": api(
        get=SCOPED,
        put=SCOPED_WRITES,
        patch=SCOPED_WRITES,
        delete=SCOPED_WRITES,
        params=CUSTOMER,
        bodies={"PATCH": {"name": "Probe", "version": "{customer_version}"}},
        shows_owner=True,
    ),
    "customer-history": api(get=SCOPED, params=CUSTOMER, shows_owner=True),
    "customer-restore": api(post=SCOPED_WRITES, params=CUSTOMER),
    # A record for another salesperson's customer is refused as bad input (that customer
    # does not exist for them) and nothing is stored.
    "contact-list": api(
        get=EVERYONE,
        post=by_role(WRITES, 400, WRITES),
        bodies={"POST": {"customer": "{customer}", "name": "Probe"}},
        shows_owner=True,
    ),
    "contact-detail": api(
        get=SCOPED,
        put=SCOPED_WRITES,
        patch=SCOPED_WRITES,
        delete=SCOPED_WRITES,
        params={"pk": "contact"},
    ),
    "credit-incident-list": api(
        get=EVERYONE,
        post=by_role(WRITES, 400, WRITES),
        bodies={
            "POST": {
                "customer": "{customer}",
                "occurred_on": "2020-01-01",
                "kind": "late_payment",
                "amount": "1.00",
            }
        },
    ),
    "credit-incident-detail": api(
        get=SCOPED,
        put=SCOPED_WRITES,
        patch=SCOPED_WRITES,
        delete=SCOPED_WRITES,
        params={"pk": "incident"},
    ),
    # API: reference data ------------------------------------------------------------------
    "customer-type-list": api(get=EVERYONE, post=REFERENCE_WRITE),
    "customer-type-detail": api(
        get=EVERYONE,
        put=REFERENCE_WRITE,
        patch=REFERENCE_WRITE,
        delete=REFERENCE_DELETE,
        params={"pk": "customer_type"},
    ),
    "ownership-form-list": api(get=EVERYONE, post=REFERENCE_WRITE),
    "ownership-form-detail": api(
        get=EVERYONE,
        put=REFERENCE_WRITE,
        patch=REFERENCE_WRITE,
        delete=REFERENCE_DELETE,
        params={"pk": "ownership"},
    ),
    "region-list": api(get=EVERYONE, post=REFERENCE_WRITE),
    "region-detail": api(
        get=EVERYONE,
        put=REFERENCE_WRITE,
        patch=REFERENCE_WRITE,
        delete=REFERENCE_DELETE,
        params={"pk": "region"},
    ),
    "grade-level-list": api(get=EVERYONE, post=REFERENCE_WRITE),
    "grade-level-detail": api(
        get=EVERYONE,
        put=REFERENCE_WRITE,
        patch=REFERENCE_WRITE,
        delete=REFERENCE_DELETE,
        params={"pk": "grade_level"},
    ),
    # Routes: a salesperson reads the routes they ride; only managers write them.
    "route-list": api(get=EVERYONE, post=REFERENCE_WRITE),
    "route-detail": api(
        get=SCOPED,
        put=REFERENCE_WRITE,
        patch=REFERENCE_WRITE,
        delete=REFERENCE_DELETE,
        params=ROUTE,
    ),
    # API: sales ---------------------------------------------------------------------------
    "sales-performance": api(get=SCOPED, params={"customer_id": "customer"}, shows_owner=True),
    "product-category-list": api(get=EVERYONE, post=REFERENCE_WRITE),
    "product-category-detail": api(
        get=EVERYONE,
        put=REFERENCE_WRITE,
        patch=REFERENCE_WRITE,
        delete=REFERENCE_DELETE,
        params={"pk": "category"},
    ),
    "product-list": api(get=EVERYONE, post=REFERENCE_WRITE),
    "product-detail": api(
        get=EVERYONE,
        put=REFERENCE_WRITE,
        patch=REFERENCE_WRITE,
        delete=REFERENCE_DELETE,
        params={"pk": "product"},
    ),
    "sales-record-list": api(get=EVERYONE, queries=("", "?customer={customer}"), shows_owner=True),
    "sales-record-detail": api(get=SCOPED, params={"pk": "sales_record"}, shows_owner=True),
    # API: visit reports -------------------------------------------------------------------
    # Filing a report is for sales staff; a visit to another salesperson's customer is
    # refused and nothing is stored.
    "visit-report-list": api(
        get=EVERYONE,
        post=by_role(WRITES, 400, 403),
        bodies={
            "POST": {
                "date": "{earlier_day}",
                "visits": [{"customer": "{customer}", "kind": "visit", "summary": "Probe"}],
            }
        },
    ),
    "visit-report-detail": api(get=SCOPED, params=REPORT, shows_owner=True),
    "visit-report-submit": api(post=by_role(WRITES, 404, 403), params=REPORT),
    "visit-report-visit-add": api(
        post=by_role(WRITES, 404, 403),
        params=REPORT,
        bodies={"POST": {"customer": "{customer}", "kind": "visit", "summary": "Probe"}},
    ),
    "visit-report-visit-remove": api(
        delete=by_role(WRITES, 404, 403), params={"pk": "report", "visit_id": "visit"}
    ),
    # API: review --------------------------------------------------------------------------
    "proposal-list": api(get=EVERYONE, queries=("", "?customer={customer}"), shows_owner=True),
    "proposal-detail": api(get=SCOPED, params={"pk": "proposal"}),
    "proposal-accept": api(post=MANAGERS_WRITE, params={"pk": "proposal"}),
    "proposal-reject": api(post=MANAGERS_WRITE, params={"pk": "proposal"}),
    # API: customer data forms -------------------------------------------------------------
    "customer-form-list": api(
        get=EVERYONE,
        post=by_role(WRITES, 400, WRITES),
        bodies={"POST": {"customer": "{customer}", "expires_in_days": 3}},
    ),
    "customer-form-detail": api(get=SCOPED, params={"pk": "link"}),
    "customer-form-revoke": api(post=SCOPED_WRITES, params={"pk": "link"}),
    # Reopening is for managers: the customer's salesperson is refused by the service.
    "customer-form-reopen": api(post=by_role(403, 404, WRITES), params={"pk": "link"}),
    # API: investigations ------------------------------------------------------------------
    "agency-list": api(get=EVERYONE, post=REFERENCE_WRITE),
    "agency-detail": api(
        get=EVERYONE,
        put=REFERENCE_WRITE,
        patch=REFERENCE_WRITE,
        delete=by_role(403, 403, WRITES),
        params={"pk": "agency"},
    ),
    "investigation-list": api(
        get=EVERYONE,
        post=by_role(403, 403, WRITES),
        bodies={"POST": {"customer": "{customer}", "agency": "{agency}"}},
        shows_owner=True,
    ),
    "investigation-detail": api(get=SCOPED, params={"pk": "investigation"}, shows_owner=True),
    "investigation-deliver": api(post=by_role(403, 403, WRITES), params={"pk": "requested"}),
    "investigation-report": api(
        get=SCOPED,
        post=by_role(403, 403, WRITES),
        params={"pk": "investigation"},
        multipart=True,
    ),
    # API: analyses ------------------------------------------------------------------------
    "report-sales-composition": api(get=EVERYONE),
    "report-product-composition": api(get=EVERYONE),
    "report-grade-category": api(get=EVERYONE),
    "report-customer-composition": api(get=EVERYONE),
    "report-abc": api(get=EVERYONE, queries=("", CHOOSE_OWNER), shows_owner=True),
    "report-trend": api(get=EVERYONE),
    "report-customer-sales": api(
        get=by_role(200, 400, 200), queries=("?customer={customer}",), shows_owner=True
    ),
    "report-customer-business": api(
        get=by_role(200, 400, 200), queries=("?customer={customer}",), shows_owner=True
    ),
    "report-investigation-costs": api(get=EVERYONE),
}

# The admin's pages that need no staff sign-in, by URL name, and why. Every other admin page
# needs a staff user: a signed-in user who is not staff is sent to the admin's sign-in page,
# and so is an anonymous visitor of the admin's own pages (index, sign-out, ...); an anonymous
# visitor of a model's admin pages meets the site's sign-in middleware first and is sent to
# the site's sign-in page.
ADMIN_PUBLIC = {
    "admin:login": "the admin's sign-in page",
}

# What the superuser gets from each kind of admin page; its add and delete pages, and its
# writes to a change page, follow the model admin's permissions (a model the admin only
# shows answers 403).
ADMIN_PAGES = {
    "index": 200,
    "app_list": 200,
    "password_change": 200,
    "password_change_done": 200,
    "jsi18n": 200,
    "autocomplete": 403,  # without the field it completes, the request is refused
    "view_on_site": REDIRECT,
    "object_redirect": REDIRECT,  # an object's old address: sent on to its change page
    "catch_all": 404,
    "changelist": 200,
    "change": 200,
    "history": 200,
    "simple_history": 200,
    "import": 200,
    "export": 200,
    "process_import": 405,  # only the import's confirmation posts here
    "password_change_user": 200,
}
# The kinds of admin page that take a write: the superuser's empty POST is an allowed write
# (where the model admin permits it), anybody else's is sent to a sign-in page.
ADMIN_WRITES = ("add", "change", "delete", "import", "process_import", "export")
