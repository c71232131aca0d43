"""Every list, card, visit, review and report page and every API list asks the database the
same number of times with N rows and with 3N rows: a page whose count grows with its rows
asks once per row somewhere (a missing `select_related`, `prefetch_related` or annotation).

The table (`CASES`) names each such URL with the path to ask and the roles that ask it (a
manager, and the salesperson whose data it is where the page is theirs). Every URL pattern
of the site and every GET operation of the OpenAPI schema must be in the table or in
`EXCLUDED` with the reason it has no rows to grow: a new page cannot be added without
saying which.

Each page is asked twice at each size and the second answer counted, so that what a first
request caches (content types, the classification policy) does not count as growth.
"""

import datetime
import re
from collections import Counter
from dataclasses import dataclass

import pytest
from axes.models import AccessLog
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customerforms.services import form_submit, link_create
from customers.models import Channel
from customers.services import card_update
from investigations.services import investigation_commission, investigation_deliver
from tests.accounts.factories import UserFactory
from tests.customerforms.factories import link_with_token
from tests.customers.factories import (
    ContactFactory,
    CreditIncidentFactory,
    CustomerFactory,
    RegionFactory,
    RouteFactory,
    grade,
    ownership,
)
from tests.investigations.factories import AgencyFactory, pdf_upload
from tests.sales.factories import ProductCategoryFactory, ProductFactory, SalesRecordFactory
from tests.security.test_authorization_matrix import (
    operation_url_name,
    schema_operations,
    url_entries,
)
from tests.visits.factories import VisitReportFactory, png_upload
from visits.services import photo_add, report_submit, visit_add

MANAGER = "manager"
SALES = "salesperson"
BOTH = (MANAGER, SALES)
MANAGERS = (MANAGER,)

# Rows of each kind at the first size; the second has three times as many.
N = 2


@dataclass(frozen=True)
class Case:
    """A URL to ask (`{key}` takes the world's ids) and the roles that ask it."""

    path: str
    roles: tuple[str, ...] = BOTH


CUSTOMER_QUERY = "?status=active&region={region_code}&grade=key&q=Co"

CASES: dict[str, Case] = {
    "home": Case("/"),
    # Customers
    "customers:list": Case("/customers/" + CUSTOMER_QUERY),
    "customers:export": Case("/customers/export/?format=csv&status=active"),
    "customers:detail": Case("/customers/{card}/"),
    # Classification
    "classification:route_list": Case("/classification/routes/"),
    "classification:route_detail": Case("/classification/routes/{route}/"),
    "classification:route_sheet": Case("/classification/routes/{route}/sheet/"),
    "classification:route_optimise": Case("/classification/routes/{route}/optimise/", MANAGERS),
    "classification:plan": Case("/classification/plan/"),
    "classification:region_list": Case("/classification/regions/", MANAGERS),
    "classification:overview": Case("/classification/overview/"),
    "classification:regrade": Case("/classification/grading/regrade/", MANAGERS),
    "classification:grade_settings": Case("/classification/grading/settings/", MANAGERS),
    # Sales
    "sales:customer_performance": Case("/sales/customers/{card}/performance/"),
    # Visit reports
    "visits:report_list": Case("/visits/reports/"),
    "visits:report": Case("/visits/reports/{report}/"),
    "visits:visit": Case("/visits/visits/{visit}/", (SALES,)),
    "visits:customer_search": Case("/visits/customers/search/?q=Co"),
    "visits:compliance": Case("/visits/compliance/"),
    "visits:coverage": Case("/visits/coverage/", MANAGERS),
    "visits:summary": Case("/visits/summary/", MANAGERS),
    "visits:summary_export": Case("/visits/summary/export/?format=csv", MANAGERS),
    # Review
    "review:queue": Case("/review/", MANAGERS),
    # Investigations
    "investigations:list": Case("/investigations/"),
    "investigations:detail": Case("/investigations/{investigation}/"),
    "investigations:risk": Case("/investigations/risk/", MANAGERS),
    "investigations:agency_list": Case("/investigations/agencies/", MANAGERS),
    # Analyses
    "reports:index": Case("/reports/"),
    "reports:sales-composition": Case("/reports/sales-composition/"),
    "reports:product-composition": Case("/reports/product-composition/"),
    "reports:grade-category": Case("/reports/grade-category/"),
    "reports:customer-composition": Case("/reports/customer-composition/"),
    "reports:abc": Case("/reports/abc/"),
    "reports:trend": Case("/reports/trend/"),
    "reports:customer-sales": Case("/reports/customer-sales/?customer={card}"),
    "reports:customer-business": Case("/reports/customer-business/?customer={card}"),
    "reports:investigation-costs": Case("/reports/investigation-costs/"),
    # Audit
    "audit:changes": Case("/audit/changes/", MANAGERS),
    "audit:sign_ins": Case("/audit/sign-ins/", MANAGERS),
    # Background jobs
    "jobs:list": Case("/jobs/"),
    # API lists
    "customer-list": Case("/api/v1/customers/?status=active&region={region_code}&q=Co"),
    "customer-history": Case("/api/v1/customers/{card}/history/"),
    "contact-list": Case("/api/v1/contacts/"),
    "credit-incident-list": Case("/api/v1/credit-incidents/"),
    "customer-type-list": Case("/api/v1/customer-types/"),
    "ownership-form-list": Case("/api/v1/ownership-forms/"),
    "region-list": Case("/api/v1/regions/"),
    "grade-level-list": Case("/api/v1/grade-levels/"),
    "route-list": Case("/api/v1/routes/"),
    "sales-performance": Case("/api/v1/sales/performance/{card}/"),
    "product-category-list": Case("/api/v1/product-categories/"),
    "product-list": Case("/api/v1/products/"),
    "sales-record-list": Case("/api/v1/sales-records/"),
    "visit-report-list": Case("/api/v1/visit-reports/"),
    "proposal-list": Case("/api/v1/proposals/"),
    "customer-form-list": Case("/api/v1/customer-forms/"),
    "agency-list": Case("/api/v1/agencies/"),
    "investigation-list": Case("/api/v1/investigations/"),
    "report-sales-composition": Case("/api/v1/reports/sales-composition/"),
    "report-product-composition": Case("/api/v1/reports/product-composition/"),
    "report-grade-category": Case("/api/v1/reports/grade-category/"),
    "report-customer-composition": Case("/api/v1/reports/customer-composition/"),
    "report-abc": Case("/api/v1/reports/abc/"),
    "report-trend": Case("/api/v1/reports/trend/"),
    "report-customer-sales": Case("/api/v1/reports/customer-sales/?customer={card}"),
    "report-customer-business": Case("/api/v1/reports/customer-business/?customer={card}"),
    "report-investigation-costs": Case("/api/v1/reports/investigation-costs/"),
}

NO_ROWS = "shows no list of records: nothing grows with the data"
FORM = "a form for one record (its fields, not a list of records)"
WRITE = "takes writes only: a GET is refused"
ONE = "one record: its answer does not grow with the number of records"
FILE = "sends one stored file"

EXCLUDED: dict[str, str] = {
    **dict.fromkeys(
        (
            "login",
            "logout",
            "password_change",
            "password_change_done",
            "password_reset",
            "password_reset_done",
            "password_reset_confirm",
            "password_reset_complete",
            "set_language",
            "healthz",
            "customerforms:thanks",
            "api-token",
            "api-token-rotate",
        ),
        NO_ROWS,
    ),
    "schema": "the API's description: generated from the code, not from the data",
    "swagger-ui": "the API's documentation page: no data",
    **dict.fromkeys(
        (
            "customers:create",
            "customers:edit",
            "customers:contact_create",
            "customers:contact_edit",
            "customers:contact_delete",
            "customers:incident_create",
            "customers:incident_edit",
            "customers:incident_delete",
            "classification:route_create",
            "classification:route_edit",
            "classification:region_create",
            "classification:region_edit",
            "visits:visit_create",
            "visits:proposal_value",
            "customerforms:create",
            "customerforms:public",
            "investigations:create",
            "investigations:deliver",
            "investigations:agency_create",
            "investigations:agency_edit",
        ),
        FORM,
    ),
    **dict.fromkeys(
        (
            "customers:archive",
            "customers:restore",
            "classification:grade_pin",
            "classification:grade_unpin",
            "classification:route_delete",
            "classification:route_reorder",
            "classification:route_stop_add",
            "classification:route_stop_remove",
            "classification:route_stop_move",
            "classification:region_delete",
            "visits:report_submit",
            "visits:visit_delete",
            "visits:visit_autosave",
            "visits:proposal_create",
            "visits:proposal_withdraw",
            "visits:photo_upload",
            "customerforms:revoke",
            "customerforms:reopen",
            "investigations:report_upload",
            "customer-restore",
            "visit-report-submit",
            "visit-report-visit-add",
            "visit-report-visit-remove",
            "proposal-accept",
            "proposal-reject",
            "customer-form-reopen",
            "customer-form-revoke",
            "investigation-deliver",
        ),
        WRITE,
    ),
    "visits:today": "sends the salesperson on to today's report (a redirect)",
    "visits:photo": FILE,
    "jobs:file": FILE,
    "jobs:detail": "one job's state and outcome",
    "investigations:report_file": FILE,
    "investigation-report": FILE,
    **dict.fromkeys(
        (
            "customer-detail",
            "contact-detail",
            "credit-incident-detail",
            "customer-type-detail",
            "ownership-form-detail",
            "region-detail",
            "grade-level-detail",
            "route-detail",
            "product-category-detail",
            "product-detail",
            "sales-record-detail",
            "visit-report-detail",
            "proposal-detail",
            "customer-form-detail",
            "agency-detail",
            "investigation-detail",
        ),
        ONE,
    ),
}

ADMIN_EXCLUDED = "the admin's pages: Django's own change lists, for admins, not the product"


# The world -------------------------------------------------------------------------------


@dataclass
class World:
    manager: object
    salesperson: object
    ids: dict
    count: int = 0


def build_world() -> World:
    today = timezone.localdate()
    manager = UserFactory(role="manager", username="qc-manager")
    salesperson = UserFactory(role="sales", username="qc-sales")
    region = RegionFactory(code="QC-R", name="QC region")
    route = RouteFactory(
        code="QC-RT", name="QC round", region=region, salesperson=salesperson, first_visit_on=today
    )
    agency = AgencyFactory(code="QC-AG")
    card = CustomerFactory(
        code="QC-CARD",
        name="QC Card Co",
        salesperson=salesperson,
        region=region,
        grade=grade("key"),
        route=route,
        route_position=0,
    )
    report = VisitReportFactory(salesperson=salesperson, date=today)
    visit = visit_add(
        report=report,
        data={"customer": card, "kind": "visit", "summary": "QC visit"},
        actor=salesperson,
    )
    investigation = investigation_commission(
        customer=card, agency=agency, requested_on=today, scope="QC scope", actor=manager
    )
    ids = {
        "card": card.pk,
        "region_code": region.code,
        "route": route.pk,
        "report": report.pk,
        "visit": visit.pk,
        "investigation": investigation.pk,
        "agency": agency.pk,
        "region": region.pk,
    }
    return World(manager=manager, salesperson=salesperson, ids=ids)


def grow(world: World, units: int) -> None:
    """`units` more of every kind of row: customers with contacts, incidents, history,
    sales of new products, submitted reports with proposals, form answers, investigations,
    routes, regions, agencies, sign-ins; and as many more on the card, its visit and its
    investigation."""
    from customers.models import Customer
    from investigations.models import Investigation
    from jobs.models import Job
    from visits.models import Visit, VisitReport

    today = timezone.localdate()
    sales, manager = world.salesperson, world.manager
    card = Customer.objects.get(pk=world.ids["card"])
    region = RegionFactory(code="QC-R")
    route = RouteFactory(code="QC-RT")
    agency = AgencyFactory(code="QC-AG")
    report = VisitReport.objects.get(pk=world.ids["report"])
    visit = Visit.objects.get(pk=world.ids["visit"])
    for _ in range(units):
        world.count += 1
        n = world.count
        customer = CustomerFactory(
            code=f"QC{n:03d}",
            name=f"QC {n} Co",
            salesperson=sales,
            region=RegionFactory(code=f"QC-R{n}", name=f"QC region {n}", parent=region),
            grade=grade("key" if n % 2 else "general"),
            ownership=ownership(),
            route=route,
            route_position=n,
            latitude="31.2300" if n % 2 else None,
            longitude="121.4700" if n % 2 else None,
        )
        card_update(
            customer=customer,
            changes={"business_policy": f"policy {n}"},
            actor=sales,
            channel=Channel.MANUAL,
            expected_version=customer.version,
        )
        for owner in (customer, card):
            ContactFactory(customer=owner, name=f"QC contact {n}")
            CreditIncidentFactory(customer=owner)
        category = ProductCategoryFactory(code=f"QC-CAT{n}")
        product = ProductFactory(code=f"QC-P{n}", category=category)
        for owner in (customer, card):
            SalesRecordFactory(customer=owner, product=product, date=today - datetime.timedelta(n))
            SalesRecordFactory(
                customer=owner, product=product, date=today - datetime.timedelta(400 + n)
            )
        RouteFactory(code=f"QC-RT{n}", region=region, salesperson=sales, first_visit_on=today)
        AgencyFactory(code=f"QC-AG{n}")
        # A submitted report of an earlier day: its proposal waits in the review queue.
        earlier = VisitReportFactory(salesperson=sales, date=today - datetime.timedelta(10 + n))
        visit_add(
            report=earlier,
            data={"customer": customer, "kind": "visit", "summary": f"QC earlier {n}"},
            proposals=[{"field": "short_name", "value": f"QC renamed {n}"}],
            actor=sales,
        )
        visit_add(
            report=earlier,
            data={"customer": card, "kind": "visit", "summary": f"QC card visit {n}"},
            actor=sales,
        )
        report_submit(report=earlier, actor=sales)
        # Today's report: one more visit; the card's visit: one more photo.
        visit_add(
            report=report,
            data={"customer": customer, "kind": "visit", "summary": f"QC today {n}"},
            actor=sales,
        )
        photo_add(visit=visit, upload=png_upload(), kind="storefront", actor=sales)
        # A form link, and an answered one in review.
        link_create(customer=card, actor=sales, note=f"QC link {n}", expires_in_days=7)
        used, _path = link_with_token(customer=customer, created_by=sales, note=f"QC used {n}")
        form_submit(link=used, values={"phone": f"0755-77{n:05d}"})
        # Investigations, one delivered with its report, on the new customer and the card.
        for owner in (customer, card):
            commissioned = investigation_commission(
                customer=owner,
                agency=agency,
                requested_on=today - datetime.timedelta(30 + n),
                cost="100.00",
                scope=f"QC scope {n}",
                actor=manager,
            )
        investigation_deliver(
            investigation=commissioned,
            findings={
                "delivered_on": today,
                "findings": f"QC findings {n}",
                "credit_rating": "BB",
                "risk_level": "high",
            },
            proposals=[{"field": "credit_rating", "value": "BB"}],
            report=pdf_upload(),
            actor=manager,
        )
        for owner in (sales, manager):
            Job.objects.create(owner=owner, kind=Job.Kind.values[0])
        AccessLog.objects.create(
            user_agent="qc",
            ip_address="203.0.113.9",
            username=sales.username,
            http_accept="*/*",
            path_info="/accounts/login/",
        )
    card_update(
        customer=card,
        changes={"business_policy": f"card policy {world.count}"},
        actor=sales,
        channel=Channel.MANUAL,
        expected_version=card.version,
    )
    assert Investigation.objects.filter(customer=card).count() == world.count + 1


def _count(client: Client, path: str) -> tuple[int, list[str]]:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    assert response.status_code == 200, (path, response.status_code)
    return len(queries), [query["sql"] for query in queries.captured_queries]


def _shape(sql: str) -> str:
    return re.sub(r"'[^']*'|\b\d+\b", "?", sql)[:300]


def _repeated(queries: list[str], more_queries: list[str]) -> list[str]:
    """The shapes of query (literals left out) asked more often with more rows."""
    grown = Counter(map(_shape, more_queries))
    grown.subtract(Counter(map(_shape, queries)))
    return [f"{times} more x {shape}" for shape, times in grown.most_common(2) if times > 0]


def _counts(world: World, role: str) -> dict[str, tuple[int, list[str]]]:
    client = Client()
    client.force_login(world.manager if role == MANAGER else world.salesperson)
    return {
        name: _count(client, case.path.format(**world.ids))
        for name, case in CASES.items()
        if role in case.roles
    }


# The tests -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _media_and_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
@pytest.mark.parametrize("role", BOTH)
def test_no_page_or_api_list_asks_more_queries_for_more_rows(role):
    world = build_world()
    grow(world, N)
    before = _counts(world, role)
    grow(world, 2 * N)
    after = _counts(world, role)
    grown = []
    for name, (count, queries) in before.items():
        more, more_queries = after[name]
        if more != count:
            grown.append(
                f"{name}: {count} queries with {N} rows, {more} with {3 * N}; repeated: "
                + "; ".join(_repeated(queries, more_queries))
            )
    assert not grown, f"{role}: query counts that grow with the rows:\n" + "\n".join(grown)


@pytest.mark.django_db
def test_every_url_and_api_operation_is_counted_or_excluded_with_a_reason(manager):
    names = {entry.name for entry in url_entries() if not entry.is_admin}
    admin_unnamed = [e.route for e in url_entries() if e.name is None and not e.is_admin]
    assert not admin_unnamed, f"URL patterns without a name: {admin_unnamed}"
    client = Client()
    client.force_login(manager)
    names |= {operation_url_name(path) for method, path in schema_operations(client)}
    missing = sorted(name for name in names if name not in CASES and name not in EXCLUDED)
    assert not missing, (
        "URLs with neither a query-count case nor a reason to leave them out: " + ", ".join(missing)
    )
    stale = sorted(name for name in {*CASES, *EXCLUDED} if name not in names)
    assert not stale, f"query-count entries for URLs that no longer exist: {stale}"
    assert not set(CASES) & set(EXCLUDED)
    assert all(EXCLUDED.values())
    assert ADMIN_EXCLUDED
