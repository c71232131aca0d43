"""A small world for fuzzing the API: a manager and two salespeople with a few customers each
(contacts, credit incidents, sales, visit reports with proposals, investigations, form
links), an archived card and the reference data they point at, so that every operation has
something to find; and `Lessons`, what the schema cannot say about it."""

import datetime
import itertools
import zlib
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.utils import timezone

from accounts.roles import is_manager, salespeople
from classification.models import CustomerType, GradeLevel, OwnershipForm, Region, Route
from customers.models import Contact, CreditIncident, Customer
from investigations.models import Agency, Investigation
from review.models import Proposal
from review.services import card_value
from sales.models import Product, ProductCategory
from tests.accounts.factories import PASSWORD, UserFactory
from tests.customerforms.factories import FormLinkFactory
from tests.customers.factories import (
    ContactFactory,
    CreditIncidentFactory,
    CustomerFactory,
    RegionFactory,
    RouteFactory,
)
from tests.investigations.factories import PDF, AgencyFactory, InvestigationFactory
from tests.sales.factories import ProductCategoryFactory, ProductFactory, SalesRecordFactory
from tests.visits.factories import ProposalFactory, VisitFactory, VisitReportFactory
from visits.models import VisitReport


@dataclass
class World:
    """The two users the API is fuzzed as."""

    manager: AbstractUser
    salesperson: AbstractUser


def build_world() -> World:
    manager = UserFactory(role="manager", username="fuzz-manager")
    salesperson = UserFactory(role="sales", username="fuzz-sales1")
    other = UserFactory(role="sales", username="fuzz-sales2")
    today = timezone.localdate()

    province = RegionFactory(code="FZ-P", name="浙江省")
    city = RegionFactory(code="FZ-C", name="杭州市", parent=province)
    route = RouteFactory(code="FZ-RT1", name="西湖线", region=city, salesperson=salesperson)
    category = ProductCategoryFactory(code="FZ-CAT", name="饮料")
    ProductCategoryFactory(code="FZ-SUB", name="果汁", parent=category)
    products = [
        ProductFactory(code="FZ-P1", category=category),
        ProductFactory(code="FZ-P2", category=category, unit_price=Decimal("25.50")),
    ]

    customers = []
    for owner, count in ((salesperson, 3), (other, 2)):
        for index in range(count):
            customer = CustomerFactory(
                code=f"FZ-{owner.username[-1]}{index}",
                salesperson=owner,
                region=city,
                route=route if owner == salesperson else None,
            )
            customers.append(customer)
            ContactFactory(customer=customer, is_primary=True)
            CreditIncidentFactory(customer=customer)
            for months_ago in range(0, 14, 3):
                SalesRecordFactory(
                    customer=customer,
                    product=products[months_ago % 2],
                    date=today - datetime.timedelta(days=30 * months_ago + index),
                    quantity=Decimal("3.000"),
                    amount=Decimal("76.50"),
                )

    mine, theirs = customers[0], customers[3]
    archived = CustomerFactory(code="FZ-ARCH", salesperson=salesperson, region=city)
    archived.status = Customer.Status.ARCHIVED
    archived.archived_at = timezone.now()
    archived.save(update_fields=["status", "archived_at"])

    # Reports: yesterday's submitted with a pending proposal, today's draft; a colleague's.
    submitted = VisitReportFactory(
        salesperson=salesperson,
        date=today - datetime.timedelta(days=1),
        status="submitted",
        submitted_at=timezone.now(),
    )
    ProposalFactory(source=VisitFactory(report=submitted, customer=mine))
    ProposalFactory(
        source=VisitFactory(report=submitted, customer=customers[1]),
        field="email",
        value="buyer@example.com",
        status=Proposal.Status.REJECTED,
        decided_by=manager,
        decided_at=timezone.now(),
    )
    VisitFactory(report=VisitReportFactory(salesperson=salesperson, date=today), customer=mine)
    colleague = VisitReportFactory(
        salesperson=other,
        date=today - datetime.timedelta(days=1),
        status="submitted",
        submitted_at=timezone.now(),
    )
    ProposalFactory(source=VisitFactory(report=colleague, customer=theirs))

    agency = AgencyFactory(code="FZ-AG")
    InvestigationFactory(customer=mine, agency=agency, requested_by=manager)
    InvestigationFactory(customer=theirs, agency=agency, requested_by=manager)

    FormLinkFactory(customer=mine, created_by=salesperson)
    FormLinkFactory(customer=theirs, created_by=manager)
    return World(manager=manager, salesperson=salesperson)


def _pick(value, choices: list):
    """`value` when it is one of `choices`, else a choice that stays the same for the same
    value (the run is reproducible)."""
    if not choices or value in choices:
        return value
    return choices[zlib.crc32(repr(value).encode()) % len(choices)]


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _codes(model, **filters) -> list[str]:
    return list(model.objects.filter(**filters).order_by("code").values_list("code", flat=True))


def _ids(queryset) -> list[str]:
    return [str(pk) for pk in queryset.order_by("pk").values_list("pk", flat=True)]


# A credit incident as a proposal carries it.
INCIDENT = {
    "occurred_on": "2025-03-01",
    "kind": CreditIncident.Kind.LATE_PAYMENT,
    "amount": "1200.00",
    "description": "逾期付款",
}


class Lessons:
    """What an OpenAPI schema cannot say about this API, taught to the fuzzer for its
    positive examples only (schema-valid requests, which the API must accept): which records
    exist and may be used (references by id, code or username), which codes are taken, and
    the rules between fields and with the data (a period's ends, an incident resolved after
    it occurred, a delivery between its request and today, the grade standards, one visit
    report a day, what a proposal may propose). Negative examples go out as generated.

    `teach` runs in schemathesis's `before_call` hook: on the request as it goes out (with
    the ids that links put in its path), against the database as it is at that moment;
    `shape` in its `map_case` hook, when the case is generated."""

    def __init__(self, user):
        self.user = user
        self.manager = is_manager(user)
        self.serial = itertools.count(1)
        self.days = set()  # the days given to new visit reports so far

    # What exists --------------------------------------------------------------------------

    def usernames(self) -> list[str]:
        """Who may be assigned a card or a route: sales staff assign only themselves."""
        if not self.manager:
            return [self.user.username]
        return list(salespeople().values_list("username", flat=True))

    def customer_ids(self, *, active=True) -> list[int]:
        customers = Customer.objects.visible_to(self.user)
        if active:
            customers = customers.filter(status=Customer.Status.ACTIVE)
        return [int(pk) for pk in _ids(customers)]

    def query_references(self, path: str) -> dict[str, list[str]]:
        """What the list filters and the analyses' parameters name, by parameter."""
        common = {
            "grade": [*_codes(GradeLevel), "null"],
            "region": _codes(Region),
            "route": _codes(Route),
            "salesperson": self.usernames(),
        }
        if path == "/api/v1/customers/":
            return {
                **common,
                "customer_type": [*_codes(CustomerType), "null"],
                "ownership": [*_codes(OwnershipForm), "null"],
                "region": [*_codes(Region), "null"],
            }
        if path == "/api/v1/investigations/":
            return {**common, "agency": _codes(Agency)}
        if path == "/api/v1/regions/":
            return {"parent": _ids(Region.objects.all())}
        if path == "/api/v1/routes/":
            return {"region": _ids(Region.objects.all())}
        if path.startswith("/api/v1/reports/"):
            return {
                **common,
                "grade": [*_codes(GradeLevel), "none"],
                "category": _codes(ProductCategory),
                "customer": _ids(Customer.objects.visible_to(self.user)),
            }
        return {}

    def unique_code(self, model, code, current=None):
        """A code nobody has: the record's own, or `code` with a number of this run."""
        if not isinstance(code, str) or not code.strip():
            return code
        if current is not None and code.strip() == current.code:
            return code
        suffix = f"-{next(self.serial)}"
        return code.strip()[: model._meta.get_field("code").max_length - len(suffix)] + suffix

    # The hook -----------------------------------------------------------------------------

    def teach(self, case) -> None:
        """Make a positive case one the API must accept, in place."""
        meta = case.meta
        if meta is None or not meta.generation.mode.is_positive:
            return
        method, path = case.operation.method.upper(), case.operation.path
        query = case.query if isinstance(case.query, dict) else None
        body = case.body if isinstance(case.body, dict) else None
        pk = (case.path_parameters or {}).get("id")
        if query is not None:
            for name, choices in self.query_references(path).items():
                if query.get(name) not in (None, ""):
                    query[name] = _pick(str(query[name]), choices)
            if path.startswith("/api/v1/reports/"):
                self.period(query)
        if body is not None and method in ("POST", "PUT", "PATCH"):
            resource = path.removeprefix("/api/v1/").split("/")[0].replace("-", "_")
            teach = getattr(self, f"teach_{resource}", None)
            if teach is not None:
                teach(path, pk, body)

    @staticmethod
    def period(query: dict) -> None:
        """Both ends of a period or neither (or a `preset`), in order, at most ten years; the
        ABC cut-offs above 0, B above A, at most 100."""
        start, end = _date(query.get("date_from")), _date(query.get("date_to"))
        if start or end or query.get("preset") == "custom":
            end = end or start or datetime.date(2026, 1, 1)
            start = start or end
            start, end = min(start, end), max(start, end)
            start = max(start, end - datetime.timedelta(days=3000))
            query.update(date_from=start.isoformat(), date_to=end.isoformat())
        if query.get("a") or query.get("b"):
            a, b = Decimal(query.get("a") or "80"), Decimal(query.get("b") or "95")
            if not 0 < a < b <= 100:
                query.update(a="80", b="95")

    # Bodies, by resource ------------------------------------------------------------------

    def teach_auth(self, path, pk, body):
        if path == "/api/v1/auth/token/":
            body.update(username=self.user.username, password=PASSWORD)

    def teach_customers(self, path, pk, body):
        if path not in ("/api/v1/customers/", "/api/v1/customers/{id}/"):
            return
        for name, model in (
            ("customer_type", CustomerType),
            ("ownership", OwnershipForm),
            ("region", Region),
        ):
            if body.get(name) is not None:
                body[name] = _pick(body[name], _codes(model, is_active=True))
        # A route binds the card's region and salesperson: the card leaves any route.
        body["route"] = None
        if body.get("salesperson") is not None:
            body["salesperson"] = _pick(body["salesperson"], self.usernames())
        if "credit_code" in body:
            body["credit_code"] = ""  # a valid one has a check character
        current = Customer.objects.filter(pk=pk).first() if pk else None
        if not self.manager:
            body.pop("code", None)  # only a manager changes a card's code
        elif current is not None and not body.get("code"):
            body.pop("code", None)  # a blank code numbers a new card only
        elif body.get("code"):
            body["code"] = self.unique_code(Customer, body["code"], current)
        if current is not None:
            body["version"] = current.version

    def _card_record(self, model, pk, body):
        current = model.objects.filter(pk=pk).first() if pk else None
        if current is not None:
            body["customer"] = current.customer_id  # a record stays with its card
            body["version"] = current.version
        elif "customer" in body:
            body["customer"] = _pick(body["customer"], self.customer_ids(active=False))
        return current

    def teach_contacts(self, path, pk, body):
        self._card_record(Contact, pk, body)

    def teach_credit_incidents(self, path, pk, body):
        current = self._card_record(CreditIncident, pk, body)
        occurred = _date(body.get("occurred_on")) or (current.occurred_on if current else None)
        if "resolved_on" in body:
            resolved = _date(body["resolved_on"])
        else:
            resolved = current.resolved_on if current else None
        if occurred and resolved and resolved < occurred:
            body["resolved_on"] = occurred.isoformat()

    # Reference data -----------------------------------------------------------------------

    def _reference(self, model, pk, body):
        if "code" in body:
            current = model.objects.filter(pk=pk).first() if pk else None
            body["code"] = self.unique_code(model, body["code"], current)

    def _parent(self, model, pk, body):
        """A parent, but not the record itself or one below it."""
        if body.get("parent") is None:
            return
        current = model.objects.filter(pk=pk).first() if pk else None
        below = model.objects.subtree_ids(current) if current else set()
        allowed = model.objects.exclude(pk__in=below).order_by("code")
        body["parent"] = _pick(body["parent"], list(allowed.values_list("code", flat=True)))

    def teach_customer_types(self, path, pk, body):
        self._reference(CustomerType, pk, body)

    def teach_ownership_forms(self, path, pk, body):
        self._reference(OwnershipForm, pk, body)

    def teach_agencies(self, path, pk, body):
        self._reference(Agency, pk, body)

    def teach_regions(self, path, pk, body):
        self._reference(Region, pk, body)
        self._parent(Region, pk, body)

    def teach_product_categories(self, path, pk, body):
        self._reference(ProductCategory, pk, body)
        self._parent(ProductCategory, pk, body)

    def teach_products(self, path, pk, body):
        self._reference(Product, pk, body)
        if "category" in body:
            body["category"] = _pick(body["category"], _codes(ProductCategory))

    def teach_routes(self, path, pk, body):
        self._reference(Route, pk, body)
        if "region" in body:
            body["region"] = _pick(body["region"], _codes(Region, is_active=True))
        if body.get("salesperson") is not None:
            body["salesperson"] = _pick(body["salesperson"], self.usernames())

    def teach_grade_levels(self, path, pk, body):
        """The grade standards stay valid: an active level keeps its order, minimum and
        state; a new or inactive one stays inactive (inactive levels are not graded)."""
        self._reference(GradeLevel, pk, body)
        current = GradeLevel.objects.filter(pk=pk).first() if pk else None
        if current is not None and current.is_active:
            body.update(
                order=current.order,
                min_amount=str(current.min_amount),
                is_active=True,
            )
        else:
            body["is_active"] = False

    # Channels -----------------------------------------------------------------------------

    def _proposals(self, proposals, customer_pk) -> list:
        """Each proposal proposes a value its field takes: the card's own value for a card
        field, a small record for a contact or a credit incident."""
        customer = Customer.objects.filter(pk=customer_pk).first()
        taught = []
        for proposal in proposals if isinstance(proposals, list) else []:
            if not isinstance(proposal, dict) or customer is None:
                continue
            field = proposal.get("field")
            if field == "contact":
                value = {"name": "王经理"}
            elif field == "credit_incident":
                value = INCIDENT
            else:
                value = card_value(customer, field)
            taught.append({**proposal, "value": value})
        return taught

    def _visit(self, visit: dict) -> None:
        visit["customer"] = _pick(visit.get("customer"), self.customer_ids())
        if "proposals" in visit:
            visit["proposals"] = self._proposals(visit["proposals"], visit["customer"])

    def teach_visit_reports(self, path, pk, body):
        if path == "/api/v1/visit-reports/":
            day = _date(body.get("date")) or datetime.date(2026, 1, 1)
            taken = set(
                VisitReport.objects.filter(salesperson=self.user).values_list("date", flat=True)
            )
            while day in taken or day in self.days:  # one report a day
                day += datetime.timedelta(days=1)
            self.days.add(day)
            body["date"] = day.isoformat()
            for visit in body.get("visits") or []:
                if isinstance(visit, dict):
                    self._visit(visit)
        elif path == "/api/v1/visit-reports/{id}/visits/":
            self._visit(body)

    def teach_customer_forms(self, path, pk, body):
        if path == "/api/v1/customer-forms/":
            body["customer"] = _pick(body.get("customer"), self.customer_ids())

    def teach_investigations(self, path, pk, body):
        today = timezone.localdate()
        if path == "/api/v1/investigations/":
            body["customer"] = _pick(body.get("customer"), self.customer_ids())
            body["agency"] = _pick(body.get("agency"), _codes(Agency, is_active=True))
            requested = _date(body.get("requested_on"))
            if requested and requested > today:
                body["requested_on"] = today.isoformat()
        elif path == "/api/v1/investigations/{id}/deliver/":
            investigation = Investigation.objects.filter(pk=pk).first()
            delivered = _date(body.get("delivered_on"))
            if investigation is not None and delivered is not None:
                delivered = min(max(delivered, investigation.requested_on), today)
                body["delivered_on"] = delivered.isoformat()
            proposals = []
            for proposal in body.get("proposals") or []:
                field = proposal.get("field") if isinstance(proposal, dict) else None
                values = {
                    "credit_rating": "A",
                    "credit_limit": "50000.00",
                    "credit_incident": INCIDENT,
                }
                if field in values:
                    proposals.append({"field": field, "value": values[field]})
            if "proposals" in body:
                body["proposals"] = proposals

    def shape(self, case) -> None:
        """The lesson that needs no data, given when a case is generated: an agency's report
        is a file its first bytes tell as a PDF, JPEG or PNG. (A body changed as it goes out
        is checked against the schema again, and bytes never pass that check.)"""
        meta = case.meta
        if meta is None or not meta.generation.mode.is_positive:
            return
        report = case.operation.path == "/api/v1/investigations/{id}/report/"
        if report and isinstance(case.body, dict):
            case.body["report"] = PDF
