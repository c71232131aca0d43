"""Demo data for trying Archive CRM. Every function is idempotent: running the seed again
leaves the same data, it never duplicates."""

import datetime
import os
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, models
from django.utils import timezone
from faker import Faker
from simple_history.utils import bulk_create_with_history

from accounts.roles import MANAGER, SALES
from classification.models import CustomerType, OwnershipForm, Region, Route
from customers.models import (
    CARD_FIELDS,
    Channel,
    Contact,
    CreditIncident,
    Customer,
    FieldProvenance,
)
from customers.validators import CREDIT_CODE_ALPHABET, credit_code_check_character
from demo.sales_seeding import seed_products, seed_sales
from sales.models import Product, SalesRecord

# Demo users only; a real installation creates its own users.
DEFAULT_PASSWORD = "archive-demo-2026"  # noqa: S105


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str | None  # None: superuser


DEMO_USERS = (
    DemoUser("admin", "Admin", "", None),
    DemoUser("manager", "张敏", "", MANAGER),
    DemoUser("sales1", "王伟", "", SALES),
    DemoUser("sales2", "李娜", "", SALES),
)


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD


def seed_users(*, password: str) -> list:
    """Create or reset the demo users, one per role, all with `password`."""
    User = get_user_model()
    # One hash for all: they share the password anyway, and hashing is the slow part.
    hashed = make_password(password)
    users = []
    for demo in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=demo.username)
        user.first_name = demo.first_name
        user.last_name = demo.last_name
        user.email = f"{demo.username}@example.com"
        user.is_superuser = user.is_staff = demo.role is None
        user.is_active = True
        user.password = hashed
        user.save()
        if demo.role:
            group, _ = Group.objects.get_or_create(name=demo.role)
            user.groups.set([group])
        users.append(user)
    return users


# --- Reference data: a region tree and the routes of the demo salespeople -------------------


@dataclass(frozen=True)
class DemoPlace:
    code: str
    name: str
    name_en: str
    division: str = ""  # administrative division code (first 6 digits of credit codes)
    area_code: str = ""  # telephone area code
    children: tuple["DemoPlace", ...] = ()


REGION_TREE = DemoPlace(
    "CN",
    "中国",
    "China",
    children=(
        DemoPlace(
            "CN-GD",
            "广东省",
            "Guangdong",
            children=(
                DemoPlace("CN-GD-GZ", "广州市", "Guangzhou", "440100", "020"),
                DemoPlace("CN-GD-SZ", "深圳市", "Shenzhen", "440300", "0755"),
                DemoPlace("CN-GD-DG", "东莞市", "Dongguan", "441900", "0769"),
            ),
        ),
        DemoPlace(
            "CN-JS",
            "江苏省",
            "Jiangsu",
            children=(
                DemoPlace("CN-JS-NJ", "南京市", "Nanjing", "320100", "025"),
                DemoPlace("CN-JS-SZ", "苏州市", "Suzhou", "320500", "0512"),
            ),
        ),
        DemoPlace(
            "CN-ZJ",
            "浙江省",
            "Zhejiang",
            children=(
                DemoPlace("CN-ZJ-HZ", "杭州市", "Hangzhou", "330100", "0571"),
                DemoPlace("CN-ZJ-NB", "宁波市", "Ningbo", "330200", "0574"),
            ),
        ),
        DemoPlace(
            "CN-BJ",
            "北京市",
            "Beijing",
            children=(
                DemoPlace("CN-BJ-CY", "朝阳区", "Chaoyang", "110105", "010"),
                DemoPlace("CN-BJ-HD", "海淀区", "Haidian", "110108", "010"),
            ),
        ),
        DemoPlace(
            "CN-SH",
            "上海市",
            "Shanghai",
            children=(DemoPlace("CN-SH-PD", "浦东新区", "Pudong", "310115", "021"),),
        ),
        DemoPlace(
            "CN-SC",
            "四川省",
            "Sichuan",
            children=(DemoPlace("CN-SC-CD", "成都市", "Chengdu", "510100", "028"),),
        ),
    ),
)
ROUTES_PER_PLACE = 2
ROUTE_NAMES = ("一线", "二线", "三线")


def _walk(place: DemoPlace, parent: DemoPlace | None = None):
    yield place, parent
    for child in place.children:
        yield from _walk(child, place)


def demo_leaves() -> list[DemoPlace]:
    """The places customers are in (cities, or districts of a municipality)."""
    return [place for place, _parent in _walk(REGION_TREE) if not place.children]


def seed_regions() -> dict[str, Region]:
    """The demo region tree (country, provinces, cities), created where missing."""
    regions = {region.code: region for region in Region.objects.all()}
    for order, (place, parent) in enumerate(_walk(REGION_TREE), start=1):
        if place.code not in regions:
            regions[place.code] = Region.objects.create(
                code=place.code,
                name=place.name,
                name_en=place.name_en,
                order=order,
                parent=regions[parent.code] if parent else None,
            )
    return regions


def seed_routes(regions: dict[str, Region], salespeople: list) -> dict[str, list[Route]]:
    """Routes per city, taking turns between the demo salespeople; {city code: routes}."""
    existing = {route.code: route for route in Route.objects.select_related("salesperson")}
    routes: dict[str, list[Route]] = {}
    turn = 0
    for place in demo_leaves():
        routes[place.code] = []
        for number in range(1, ROUTES_PER_PLACE + 1):
            code = f"{place.code}-R{number}"
            route = existing.get(code)
            if route is None:
                route = Route.objects.create(
                    code=code,
                    name=f"{place.name}{ROUTE_NAMES[number - 1]}",
                    name_en=f"{place.name_en} route {number}",
                    order=number,
                    region=regions[place.code],
                    salesperson=salespeople[turn % len(salespeople)],
                )
            turn += 1
            routes[place.code].append(route)
    return routes


# --- Customers -------------------------------------------------------------------------------

CUSTOMER_CODE = "KH{:05d}"
TYPE_WEIGHTS = {"ordinary": 60, "partner": 14, "special": 9, "government": 8, "consumer": 9}
OWNERSHIP_WEIGHTS = {
    "private": 48,
    "state": 14,
    "collective": 7,
    "foreign": 11,
    "joint": 11,
    "individual": 9,
}
INDUSTRIES = (
    "食品批发",
    "日用百货",
    "五金建材",
    "电子元器件",
    "医药流通",
    "服装纺织",
    "办公用品",
    "汽车配件",
    "餐饮服务",
    "连锁超市",
)
CONTACT_ROLES = ("总经理", "采购经理", "财务主管", "仓库主管", "业务经理", "店长")
PAYMENT_TERMS = ("月结30天", "月结60天", "货到付款", "款到发货", "季度结算")
PHILOSOPHIES = (
    "稳健经营，重视信誉",
    "薄利多销，快速周转",
    "以质取胜，服务至上",
    "积极扩张，抢占市场",
)
POLICIES = ("重点发展连锁门店", "稳定现有渠道，控制库存", "拓展线上销售", "集中采购，压低成本")
MANAGEMENT = ("家族经营，决策快", "管理规范，流程清晰", "依赖老板个人判断", "职业经理人团队")
SALES_CAPACITY = ("年销售额约{}万元，门店{}家", "年销售额约{}万元，业务员{}人")
DEMO_DATE = datetime.date(2026, 6, 30)  # fixed, so a seed gives the same data on any day

CHARACTERISTICS_SHARE = 0.45
BUSINESS_SHARE = 0.35
TRANSACTIONS_SHARE = 0.55
CREDIT_CODE_SHARE = 0.7
PROSPECT_SHARE = 0.15
ARCHIVED_SHARE = 0.04
INCIDENT_SHARE = 0.12
CUSTOMER_CHUNK = 5000
PROVENANCE_GROUP = 900  # ids per statement, under SQLite's limit of bound parameters
TRADES = ("贸易", "商贸", "实业", "科技", "食品", "百货", "物流", "电器", "日化", "供应链")


@dataclass
class SeedSummary:
    regions: int
    routes: int
    customers: int
    new_customers: int
    contacts: int
    credit_incidents: int
    products: int = 0
    sales_lines: int = 0
    new_sales_lines: int = 0


def credit_code(rng: random.Random, division: str) -> str:
    """A well-formed unified social credit code: 9 (registered by market regulation) 1
    (an enterprise), the division code, a random organisation code, the check character."""
    organisation = "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
    first17 = f"91{division}{organisation}"
    return first17 + credit_code_check_character(first17)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _date_between(rng: random.Random, start: datetime.date, end: datetime.date):
    return start + datetime.timedelta(days=rng.randint(0, max((end - start).days, 0)))


def seed_customers(
    *, count: int, seed: int, routes: dict[str, list[Route]], regions: dict[str, Region]
) -> int:
    """Customers KH00001 … up to `count`, with contacts and some credit incidents; codes
    already present are left alone. Each card gets one historical record (channel import)
    and the provenance of its filled fields. Returns how many customers were created."""
    codes = [CUSTOMER_CODE.format(number) for number in range(1, count + 1)]
    existing = set(Customer.objects.filter(code__in=codes).values_list("code", flat=True))
    missing = [(number, code) for number, code in enumerate(codes, 1) if code not in existing]
    if not missing:
        return 0
    taken_credit_codes = set(
        Customer.objects.exclude(credit_code="").values_list("credit_code", flat=True)
    )
    taken_names = set(Customer.objects.values_list("name", flat=True))
    types = {item.code: item for item in CustomerType.objects.all()}
    ownerships = {item.code: item for item in OwnershipForm.objects.all()}
    places = demo_leaves()
    provinces = {place.code: parent for place, parent in _walk(REGION_TREE) if not place.children}
    fake = Faker("zh_CN")

    created = 0
    # In chunks, so that memory stays flat at 100 000 customers (the benchmark's size).
    for start in range(0, len(missing), CUSTOMER_CHUNK):
        customers, children = [], []
        for number, code in missing[start : start + CUSTOMER_CHUNK]:
            # One random stream per customer: KH00042 is the same whichever others exist.
            rng = random.Random(seed * 1_000_003 + number)
            fake.seed_instance(seed * 1_000_003 + number)
            place = rng.choice(places)
            route = rng.choice(routes[place.code])
            customer = _demo_customer(
                rng=rng,
                fake=fake,
                code=code,
                place=place,
                province=provinces[place.code],
                region=regions[place.code],
                route=route,
                customer_type=types.get(_weighted(rng, TYPE_WEIGHTS)),
                ownership=ownerships.get(_weighted(rng, OWNERSHIP_WEIGHTS)),
                taken_names=taken_names,
                taken_credit_codes=taken_credit_codes,
            )
            customers.append(customer)
            children.append(_demo_children(rng=rng, fake=fake, customer=customer, place=place))

        history = {"custom_historical_attrs": {"history_channel": Channel.IMPORT}}
        bulk_create_with_history(customers, Customer, batch_size=500, **history)
        contacts = [contact for group, _ in children for contact in group]
        incidents = [incident for _, group in children for incident in group]
        bulk_create_with_history(contacts, Contact, batch_size=500, **history)
        bulk_create_with_history(incidents, CreditIncident, batch_size=500, **history)
        _seed_provenance([customer.pk for customer in customers])
        created += len(customers)
    return created


def _demo_customer(
    *,
    rng,
    fake,
    code,
    place,
    province,
    region,
    route,
    customer_type,
    ownership,
    taken_names,
    taken_credit_codes,
) -> Customer:
    # Municipalities' districts take the municipality's name: 北京…公司, not 朝阳区…公司.
    city = (place.name if place.name.endswith("市") else province.name).removesuffix("市")
    name = f"{city}{fake.company()}"
    # Faker knows a few hundred company names per city: past a few tries, a trade and
    # then the customer's number keep large demo sets free of repeated names.
    for _attempt in range(3):
        if name not in taken_names:
            break
        name = f"{city}{fake.company()}"
    if name in taken_names:
        name = f"{city}{fake.company_prefix()}{rng.choice(TRADES)}{fake.company_suffix()}"
    if name in taken_names:
        name = f"{city}{fake.company_prefix()}{code.removeprefix('KH')}{fake.company_suffix()}"
    taken_names.add(name)
    founded_on = _date_between(rng, datetime.date(1995, 1, 1), datetime.date(2022, 12, 31))
    customer = Customer(
        code=code,
        name=name,
        short_name=name.removesuffix("有限公司").removesuffix("有限责任公司")[:60],
        customer_type=customer_type,
        ownership=ownership,
        region=region,
        route=route,
        salesperson=route.salesperson,
        address=_address(rng, fake, place=place, province=province),
        phone=f"{place.area_code}-{rng.randint(20_000_000, 89_999_999)}",
        owner_name=fake.name(),
        manager_name=fake.name(),
        legal_representative=fake.name(),
        founded_on=founded_on,
        organization_form=rng.choice(
            [Customer.OrganizationForm.LIMITED_LIABILITY] * 6
            + [
                Customer.OrganizationForm.JOINT_STOCK,
                Customer.OrganizationForm.SOLE_PROPRIETORSHIP,
                Customer.OrganizationForm.PARTNERSHIP,
                Customer.OrganizationForm.STATE_OWNED,
            ]
        ),
        industry=rng.choice(INDUSTRIES),
        registered_capital=Decimal(rng.choice((50, 100, 200, 300, 500, 1000, 5000)) * 10_000),
    )
    if rng.random() >= PROSPECT_SHARE:
        customer.trading_since = _date_between(
            rng, max(founded_on, datetime.date(2010, 1, 1)), DEMO_DATE
        )
    if rng.random() < CREDIT_CODE_SHARE:
        value = credit_code(rng, place.division)
        while value in taken_credit_codes:
            value = credit_code(rng, place.division)
        taken_credit_codes.add(value)
        customer.credit_code = value
    if rng.random() < 0.4:
        customer.email = fake.company_email()
    if rng.random() < CHARACTERISTICS_SHARE:
        customer.service_area = f"{place.name}及周边"
        customer.sales_capacity = rng.choice(SALES_CAPACITY).format(
            rng.randint(3, 500) * 10, rng.randint(2, 60)
        )
        customer.development_potential = rng.choice(Customer.Level.values)
        customer.business_philosophy = rng.choice(PHILOSOPHIES)
        customer.business_policy = rng.choice(POLICIES)
        customer.enterprise_scale = rng.choice(Customer.Scale.values)
        customer.management_characteristics = rng.choice(MANAGEMENT)
    if rng.random() < BUSINESS_SHARE:
        customer.cooperation_attitude = rng.choice(Customer.Attitude.values)
        customer.business_ties = rng.choice(("长期合作，定期订货", "偶尔采购", "年度框架协议"))
        customer.competitor_relations = rng.choice(("同时向两家竞争对手进货", "基本只与我司合作"))
    if rng.random() < TRANSACTIONS_SHARE:
        customer.credit_rating = rng.choice(Customer.CreditRating.values)
        customer.credit_limit = Decimal(rng.randint(1, 100) * 10_000)
        customer.payment_terms = rng.choice(PAYMENT_TERMS)
        customer.discount_rate = Decimal(rng.choice((0, 2, 3, 5, 8))).quantize(Decimal("0.01"))
    if rng.random() < ARCHIVED_SHARE:
        customer.status = Customer.Status.ARCHIVED
        customer.archived_at = timezone.now() - datetime.timedelta(days=rng.randint(30, 900))
    return customer


def _address(rng: random.Random, fake: Faker, *, place: DemoPlace, province: DemoPlace) -> str:
    # A city has districts to add; a municipality's district is the place itself.
    district = f"{fake.district()}区" if place.name.endswith("市") else ""
    return f"{province.name}{place.name}{district}{fake.street_name()}{rng.randint(1, 999)}号"


def _demo_children(*, rng, fake, customer: Customer, place: DemoPlace):
    contacts = [
        Contact(
            customer=customer,
            name=fake.name(),
            role=rng.choice(CONTACT_ROLES),
            phone=f"{place.area_code}-{rng.randint(20_000_000, 89_999_999)}",
            mobile=fake.phone_number(),
            email=fake.email() if rng.random() < 0.5 else "",
            is_primary=index == 0,
        )
        for index in range(rng.randint(1, 3))
    ]
    incidents = []
    if customer.trading_since and rng.random() < INCIDENT_SHARE:
        for _ in range(rng.randint(1, 2)):
            occurred_on = _date_between(rng, customer.trading_since, DEMO_DATE)
            resolved = rng.random() < 0.6
            incidents.append(
                CreditIncident(
                    customer=customer,
                    occurred_on=occurred_on,
                    kind=rng.choice(CreditIncident.Kind.values),
                    amount=Decimal(rng.randint(500, 200_000)),
                    description=rng.choice(("货款逾期两个月", "支票退票", "对账金额争议")),
                    resolved_on=(
                        _date_between(rng, occurred_on, occurred_on + datetime.timedelta(days=120))
                        if resolved
                        else None
                    ),
                    resolution="已全额付清" if resolved else "",
                )
            )
    return contacts, incidents


def _seed_provenance(customer_pks: list[int]) -> None:
    """Provenance "import" for every filled card field of the new customers, written by the
    database (one INSERT … SELECT per field and group of customers): at 100 000 customers
    that is three million rows, too many to build as model instances."""
    provenance, customers = FieldProvenance._meta.db_table, Customer._meta.db_table
    recorded_at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        for start in range(0, len(customer_pks), PROVENANCE_GROUP):
            group = customer_pks[start : start + PROVENANCE_GROUP]
            ids = ", ".join(["%s"] * len(group))
            for name in CARD_FIELDS:
                field = Customer._meta.get_field(name)
                filled = f"{field.column} IS NOT NULL"
                if isinstance(field, models.CharField | models.TextField):
                    filled += f" AND {field.column} <> ''"
                cursor.execute(
                    f"INSERT INTO {provenance} "  # noqa: S608 (names from the models)
                    "(customer_id, field_name, channel, recorded_at, verified) "
                    f"SELECT id, %s, %s, %s, %s FROM {customers} "
                    f"WHERE id IN ({ids}) AND {filled}",
                    [name, Channel.IMPORT.value, recorded_at, False, *group],
                )


def seed_demo_data(*, customers: int, seed: int, password: str, sales: int = 0) -> SeedSummary:
    """Users, reference data, customers, products and `sales` sales lines; idempotent (what
    exists is left alone)."""
    users = seed_users(password=password)
    salespeople = [user for user, demo in zip(users, DEMO_USERS, strict=True) if demo.role == SALES]
    regions = seed_regions()
    routes = seed_routes(regions, salespeople)
    created = seed_customers(count=customers, seed=seed, routes=routes, regions=regions)
    seed_products()
    loaded = seed_sales(lines=sales, seed=seed)
    if not loaded.ok:
        # The generated lines should always load; if they do not, say so instead of
        # reporting demo data that is not there.
        raise RuntimeError(
            "Demo sales lines were refused: " + "; ".join(map(str, loaded.errors[:5]))
        )
    return SeedSummary(
        regions=Region.objects.count(),
        routes=Route.objects.count(),
        customers=Customer.objects.count(),
        new_customers=created,
        contacts=Contact.objects.count(),
        credit_incidents=CreditIncident.objects.count(),
        products=Product.objects.count(),
        sales_lines=SalesRecord.objects.count(),
        new_sales_lines=loaded.created,
    )
