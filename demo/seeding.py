"""Demo data for trying Archive CRM: a company as it looks in use, with routes ridden on a
schedule, customers along real streets of their cities, grades (a few pinned), credit
incidents, prospects and a sales history, so that every page has something true to show.
The writes go through the project's services (regions, routes, cards, grades, the sales
loader), so the demo keeps the rules every channel keeps; only the users and products, which
have no service, and the new cards' contacts and credit incidents (see `seed_customers`)
are written directly. Every function is idempotent: running the seed again leaves the same
data, it never duplicates."""

import datetime
import os
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone
from faker import Faker
from simple_history.utils import bulk_create_with_history

from accounts.roles import MANAGER, SALES
from classification.lifecycle import months_before
from classification.models import CustomerType, OwnershipForm, Region, Route, VisitFrequency
from classification.services.grading import grade_levels, grade_pin, regrade_apply
from classification.services.regions import region_create
from classification.services.routes import route_create, route_reorder, stops_ordered
from customers.models import Channel, Contact, CreditIncident, Customer, GradeHistory
from customers.services import customer_archive, customers_create_bulk
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
    """Create or reset the demo users, one per role, all with `password`. A user who already
    has that password keeps its hash, so a second seed does not end the demo's sessions
    (a session is tied to the password hash)."""
    User = get_user_model()
    hashed = None
    users = []
    for demo in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=demo.username)
        user.first_name = demo.first_name
        user.last_name = demo.last_name
        user.email = f"{demo.username}@example.com"
        user.is_superuser = user.is_staff = demo.role is None
        user.is_active = True
        if not user.check_password(password):
            # One hash for all: they share the password anyway, and hashing is the slow part.
            hashed = hashed or make_password(password)
            user.password = hashed
        user.save()
        if demo.role:
            group, _ = Group.objects.get_or_create(name=demo.role)
            user.groups.set([group])
        users.append(user)
    return users


# --- Reference data: a region tree and the routes of the demo salespeople -------------------


@dataclass(frozen=True)
class DemoStreet:
    """A real street of the place, as a straight segment between two (latitude, longitude)
    points (approximate, WGS 84); `district` is the district or sub-district it is in, empty
    when the place is itself a district."""

    district: str
    name: str
    start: tuple[float, float]
    end: tuple[float, float]


@dataclass(frozen=True)
class DemoPlace:
    code: str
    name: str
    name_en: str
    division: str = ""  # administrative division code (first 6 digits of credit codes)
    area_code: str = ""  # telephone area code
    children: tuple["DemoPlace", ...] = ()
    # Where customers are: the centre of town (approximate, WGS 84), where the routes start,
    # and one area of streets per route, each a few kilometres across.
    centre: tuple[float, float] | None = None
    areas: tuple[tuple[DemoStreet, ...], ...] = ()


S = DemoStreet
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
                DemoPlace(
                    "CN-GD-GZ",
                    "广州市",
                    "Guangzhou",
                    "440100",
                    "020",
                    centre=(23.1291, 113.2644),
                    areas=(
                        (
                            S("荔湾区", "中山八路", (23.1290, 113.2330), (23.1275, 113.2480)),
                            S("越秀区", "中山五路", (23.1285, 113.2650), (23.1280, 113.2760)),
                            S("越秀区", "环市东路", (23.1420, 113.2800), (23.1430, 113.3080)),
                        ),
                        (
                            S("天河区", "天河路", (23.1365, 113.3180), (23.1375, 113.3380)),
                            S("天河区", "黄埔大道西", (23.1250, 113.3150), (23.1270, 113.3500)),
                            S("海珠区", "江南大道中", (23.1150, 113.2700), (23.0950, 113.2720)),
                        ),
                    ),
                ),
                DemoPlace(
                    "CN-GD-SZ",
                    "深圳市",
                    "Shenzhen",
                    "440300",
                    "0755",
                    centre=(22.5431, 114.0579),
                    areas=(
                        (
                            S("南山区", "深南大道", (22.5400, 113.9500), (22.5410, 113.9900)),
                            S("南山区", "南海大道", (22.5300, 113.9300), (22.5050, 113.9280)),
                            S("福田区", "福华路", (22.5370, 114.0450), (22.5375, 114.0700)),
                        ),
                        (
                            S("福田区", "深南中路", (22.5430, 114.0750), (22.5440, 114.1050)),
                            S("罗湖区", "人民南路", (22.5450, 114.1170), (22.5340, 114.1175)),
                            S("罗湖区", "东门中路", (22.5520, 114.1180), (22.5600, 114.1190)),
                        ),
                    ),
                ),
                DemoPlace(
                    "CN-GD-DG",
                    "东莞市",
                    "Dongguan",
                    "441900",
                    "0769",
                    centre=(23.0207, 113.7518),
                    areas=(
                        (
                            S("莞城街道", "运河东一路", (23.0420, 113.7410), (23.0300, 113.7380)),
                            S("南城街道", "宏远路", (23.0150, 113.7350), (23.0120, 113.7500)),
                            S("南城街道", "元美路", (23.0230, 113.7500), (23.0130, 113.7560)),
                        ),
                        (
                            S("南城街道", "鸿福路", (23.0185, 113.7450), (23.0195, 113.7700)),
                            S("东城街道", "东城大道", (23.0450, 113.7750), (23.0150, 113.7780)),
                            S("东城街道", "旗峰路", (23.0350, 113.7700), (23.0380, 113.7900)),
                        ),
                    ),
                ),
            ),
        ),
        DemoPlace(
            "CN-JS",
            "江苏省",
            "Jiangsu",
            children=(
                DemoPlace(
                    "CN-JS-NJ",
                    "南京市",
                    "Nanjing",
                    "320100",
                    "025",
                    centre=(32.0416, 118.7840),
                    areas=(
                        (
                            S("鼓楼区", "中山北路", (32.0600, 118.7790), (32.0800, 118.7600)),
                            S("鼓楼区", "汉中路", (32.0420, 118.7830), (32.0400, 118.7600)),
                            S("建邺区", "江东中路", (32.0500, 118.7350), (32.0100, 118.7300)),
                        ),
                        (
                            S("秦淮区", "中山东路", (32.0420, 118.7860), (32.0400, 118.8200)),
                            S("秦淮区", "太平南路", (32.0420, 118.7920), (32.0300, 118.7930)),
                            S("玄武区", "北京东路", (32.0580, 118.7880), (32.0570, 118.8100)),
                        ),
                    ),
                ),
                DemoPlace(
                    "CN-JS-SZ",
                    "苏州市",
                    "Suzhou",
                    "320500",
                    "0512",
                    centre=(31.3100, 120.6200),
                    areas=(
                        (
                            S("姑苏区", "人民路", (31.3300, 120.6170), (31.2850, 120.6160)),
                            S("姑苏区", "干将西路", (31.3050, 120.5950), (31.3060, 120.6170)),
                            S("姑苏区", "观前街", (31.3115, 120.6190), (31.3120, 120.6300)),
                        ),
                        (
                            S("姑苏区", "干将东路", (31.3060, 120.6200), (31.3070, 120.6450)),
                            S("苏州工业园区", "现代大道", (31.3200, 120.6700), (31.3250, 120.7300)),
                            S("苏州工业园区", "星湖街", (31.3300, 120.7200), (31.2900, 120.7250)),
                        ),
                    ),
                ),
            ),
        ),
        DemoPlace(
            "CN-ZJ",
            "浙江省",
            "Zhejiang",
            children=(
                DemoPlace(
                    "CN-ZJ-HZ",
                    "杭州市",
                    "Hangzhou",
                    "330100",
                    "0571",
                    centre=(30.2741, 120.1551),
                    areas=(
                        (
                            S("西湖区", "文三路", (30.2790, 120.1100), (30.2780, 120.1580)),
                            S("西湖区", "天目山路", (30.2730, 120.1000), (30.2720, 120.1550)),
                            S("拱墅区", "莫干山路", (30.2800, 120.1570), (30.3150, 120.1470)),
                        ),
                        (
                            S("上城区", "延安路", (30.2800, 120.1640), (30.2450, 120.1680)),
                            S("上城区", "解放路", (30.2560, 120.1650), (30.2570, 120.1950)),
                            S("上城区", "庆春路", (30.2620, 120.1640), (30.2640, 120.2000)),
                        ),
                    ),
                ),
                DemoPlace(
                    "CN-ZJ-NB",
                    "宁波市",
                    "Ningbo",
                    "330200",
                    "0574",
                    centre=(29.8700, 121.5500),
                    areas=(
                        (
                            S("海曙区", "中山西路", (29.8710, 121.5250), (29.8720, 121.5490)),
                            S("海曙区", "解放南路", (29.8730, 121.5480), (29.8600, 121.5470)),
                            S("海曙区", "药行街", (29.8690, 121.5400), (29.8695, 121.5530)),
                        ),
                        (
                            S("江北区", "人民路", (29.8830, 121.5450), (29.8950, 121.5480)),
                            S("鄞州区", "中山东路", (29.8710, 121.5600), (29.8680, 121.6000)),
                            S("鄞州区", "天童南路", (29.8500, 121.5560), (29.8150, 121.5570)),
                        ),
                    ),
                ),
            ),
        ),
        DemoPlace(
            "CN-BJ",
            "北京市",
            "Beijing",
            children=(
                DemoPlace(
                    "CN-BJ-CY",
                    "朝阳区",
                    "Chaoyang",
                    "110105",
                    "010",
                    centre=(39.9090, 116.4600),
                    areas=(
                        (
                            S("", "建国路", (39.9085, 116.4580), (39.9070, 116.5000)),
                            S("", "东三环中路", (39.9000, 116.4610), (39.9300, 116.4615)),
                            S("", "朝阳门外大街", (39.9230, 116.4340), (39.9235, 116.4500)),
                        ),
                        (
                            S("", "朝阳北路", (39.9240, 116.4600), (39.9250, 116.5200)),
                            S("", "工人体育场北路", (39.9330, 116.4300), (39.9335, 116.4500)),
                            S("", "酒仙桥路", (39.9600, 116.4880), (39.9800, 116.4900)),
                        ),
                    ),
                ),
                DemoPlace(
                    "CN-BJ-HD",
                    "海淀区",
                    "Haidian",
                    "110108",
                    "010",
                    centre=(39.9830, 116.3160),
                    areas=(
                        (
                            S("", "中关村大街", (39.9550, 116.3200), (39.9900, 116.3160)),
                            S("", "海淀大街", (39.9820, 116.3050), (39.9830, 116.3180)),
                            S("", "西三环北路", (39.9400, 116.3090), (39.9650, 116.3100)),
                        ),
                        (
                            S("", "知春路", (39.9760, 116.3200), (39.9765, 116.3600)),
                            S("", "学院路", (39.9700, 116.3550), (40.0050, 116.3500)),
                            S("", "北四环西路", (39.9830, 116.2950), (39.9840, 116.3300)),
                        ),
                    ),
                ),
            ),
        ),
        DemoPlace(
            "CN-SH",
            "上海市",
            "Shanghai",
            children=(
                DemoPlace(
                    "CN-SH-PD",
                    "浦东新区",
                    "Pudong",
                    "310115",
                    "021",
                    centre=(31.2300, 121.5250),
                    areas=(
                        (
                            S("", "世纪大道", (31.2390, 121.5030), (31.2150, 121.5420)),
                            S("", "浦东南路", (31.2400, 121.5080), (31.2000, 121.5050)),
                            S("", "张杨路", (31.2300, 121.5100), (31.2330, 121.5400)),
                        ),
                        (
                            S("", "东方路", (31.2350, 121.5250), (31.2000, 121.5260)),
                            S("", "杨高中路", (31.2500, 121.5550), (31.2200, 121.5600)),
                            S("", "锦绣路", (31.2150, 121.5500), (31.1900, 121.5600)),
                        ),
                    ),
                ),
            ),
        ),
        DemoPlace(
            "CN-SC",
            "四川省",
            "Sichuan",
            children=(
                DemoPlace(
                    "CN-SC-CD",
                    "成都市",
                    "Chengdu",
                    "510100",
                    "028",
                    centre=(30.6574, 104.0658),
                    areas=(
                        (
                            S("青羊区", "蜀都大道", (30.6620, 104.0400), (30.6600, 104.0650)),
                            S("武侯区", "武侯祠大街", (30.6460, 104.0400), (30.6450, 104.0560)),
                            S("武侯区", "人民南路", (30.6540, 104.0660), (30.6200, 104.0670)),
                        ),
                        (
                            S("锦江区", "东大街", (30.6520, 104.0780), (30.6480, 104.0900)),
                            S("锦江区", "红星路", (30.6650, 104.0810), (30.6400, 104.0830)),
                            S("成华区", "建设路", (30.6650, 104.1030), (30.6800, 104.1080)),
                        ),
                    ),
                ),
            ),
        ),
    ),
)
ROUTES_PER_PLACE = 2
ROUTE_NAMES = ("一线", "二线", "三线")
DAYS_A_WEEK = 7


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
            regions[place.code] = region_create(
                data={
                    "code": place.code,
                    "name": place.name,
                    "name_en": place.name_en,
                    "order": order,
                    "parent": regions[parent.code] if parent else None,
                },
                actor=None,
            )
    return regions


def route_schedule(index: int, today: datetime.date) -> tuple[str, datetime.date]:
    """The visit frequency and first visit date of a salesperson's `index`-th route (from 0):
    the first seven are weekly, one for each of the seven days starting `today`, so that
    every day has a round; the others alternate fortnightly and monthly on those days. The
    first visit is about four weeks before the route's day (four weekly rounds, two
    fortnightly ones, one monthly): recent, with the rounds going on through the three
    weeks of demo visit reports."""
    day = today + datetime.timedelta(days=index % DAYS_A_WEEK)
    if index < DAYS_A_WEEK:
        return VisitFrequency.WEEKLY, day - datetime.timedelta(days=28)
    if index % 2:
        return VisitFrequency.FORTNIGHTLY, day - datetime.timedelta(days=28)
    return VisitFrequency.MONTHLY, months_before(day, 1)


def seed_routes(
    regions: dict[str, Region], salespeople: list, *, today: datetime.date
) -> dict[str, list[Route]]:
    """Routes per city, taking turns between the demo salespeople, each starting from the
    city centre on the salesperson's schedule (`route_schedule`); {city code: routes}."""
    existing = {
        route.code: route for route in Route.objects.select_related("region", "salesperson")
    }
    routes: dict[str, list[Route]] = {}
    turn = 0
    for place in demo_leaves():
        routes[place.code] = []
        for number in range(1, ROUTES_PER_PLACE + 1):
            code = f"{place.code}-R{number}"
            salesperson = salespeople[turn % len(salespeople)]
            frequency, first_visit_on = route_schedule(turn // len(salespeople), today)
            route = existing.get(code)
            if route is None:
                route = route_create(
                    data={
                        "code": code,
                        "name": f"{place.name}{ROUTE_NAMES[number - 1]}",
                        "name_en": f"{place.name_en} route {number}",
                        "order": number,
                        "region": regions[place.code],
                        "salesperson": salesperson,
                        "start_latitude": _degrees(place.centre[0]),
                        "start_longitude": _degrees(place.centre[1]),
                        "visit_frequency": frequency,
                        "first_visit_on": first_visit_on,
                    },
                    actor=None,
                )
            turn += 1
            routes[place.code].append(route)
    return routes


def _degrees(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


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
# What the customers' names say they do (字号 + trade + form), with their industry and weight:
# wholesalers, shops and canteens that buy the demo catalogue.
TRADES = {
    "贸易": ("食品批发", 20),
    "商贸": ("日用百货", 14),
    "食品": ("食品批发", 12),
    "百货": ("日用百货", 10),
    "超市": ("连锁超市", 10),
    "电器": ("家用电器", 6),
    "日化": ("日化用品", 6),
    "餐饮管理": ("餐饮服务", 6),
    "办公用品": ("办公用品", 6),
    "供应链管理": ("食品批发", 5),
    "实业": ("五金建材", 5),
}
COMPANY_FORMS = {"有限公司": 80, "有限责任公司": 12, "股份有限公司": 8}
BRAND_CHARACTERS = (
    "华盛恒通泰和鑫隆瑞丰源达信宏昌兴利嘉祥永晟茂富润安康德美联合天成盈宇博远佳汇聚金福"
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
PLANNED_DEAL_SHARE = 0.6  # of the prospects
OWN_FREQUENCY_SHARE = 0.1  # of the customers on a route
ARCHIVED_SHARE = 0.04
INCIDENT_SHARE = 0.12
PIN_SHARE = 0.03
PIN_SHARE_TROUBLED = 0.3  # of the customers with an unresolved credit incident
# Pins are exceptions a manager decides one by one: a few, whatever the size of the demo.
MAX_PINS = 20
CUSTOMER_CHUNK = 5000
# Off the street's centre line, in degrees (about 40 m): the customer's building.
STREET_SIDE = 0.0004
ROUND_FREQUENCIES = (VisitFrequency.WEEKLY, VisitFrequency.FORTNIGHTLY, VisitFrequency.MONTHLY)


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


@dataclass
class DemoCard:
    """A new card's fields (for `customers_create_bulk`) and what is added after it exists."""

    data: dict
    archived: bool
    contacts: list[dict]
    incidents: list[dict]


def seed_customers(
    *,
    count: int,
    seed: int,
    routes: dict[str, list[Route]],
    regions: dict[str, Region],
    today: datetime.date,
) -> int:
    """Customers KH00001 … up to `count`, with contacts and some credit incidents; codes
    already present are left alone. The cards are created through the card service for
    imports (`customers_create_bulk`: the card's rules, one history record with channel
    import, the provenance of the filled fields); a few are then archived through
    `customer_archive`. Returns how many customers were created."""
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
        cards = []
        for number, code in missing[start : start + CUSTOMER_CHUNK]:
            # One random stream per customer: KH00042 is the same whichever others exist.
            rng = random.Random(seed * 1_000_003 + number)
            fake.seed_instance(seed * 1_000_003 + number)
            place = rng.choice(places)
            area = rng.randrange(ROUTES_PER_PLACE)
            cards.append(
                _demo_card(
                    rng=rng,
                    fake=fake,
                    code=code,
                    place=place,
                    province=provinces[place.code],
                    region=regions[place.code],
                    route=routes[place.code][area],
                    streets=place.areas[area],
                    customer_type=types.get(_weighted(rng, TYPE_WEIGHTS)),
                    ownership=ownerships.get(_weighted(rng, OWNERSHIP_WEIGHTS)),
                    taken_names=taken_names,
                    taken_credit_codes=taken_credit_codes,
                    today=today,
                )
            )
        customers = customers_create_bulk(
            cards=[card.data for card in cards], actor=None, channel=Channel.IMPORT
        )
        history = {"custom_historical_attrs": {"history_channel": Channel.IMPORT}}
        # A new card's contacts and incidents have no rule beyond their own validation (the
        # demo gives each card one primary contact): written in bulk with their history, as
        # a call of the record services each would make the benchmark-sized seed crawl.
        bulk_create_with_history(
            [
                Contact(customer=customer, **values)
                for customer, card in zip(customers, cards, strict=True)
                for values in card.contacts
            ],
            Contact,
            batch_size=500,
            **history,
        )
        bulk_create_with_history(
            [
                CreditIncident(customer=customer, **values)
                for customer, card in zip(customers, cards, strict=True)
                for values in card.incidents
            ],
            CreditIncident,
            batch_size=500,
            **history,
        )
        for customer, card in zip(customers, cards, strict=True):
            if card.archived:
                customer_archive(customer=customer, actor=None, channel=Channel.IMPORT)
        created += len(customers)
    return created


def _company_name(rng: random.Random, *, city: str, trade: str, code: str, taken: set):
    """A company name as registered (city, a 字号 of two characters, trade, legal form) and
    its short name (字号 and trade). Past a few tries (large demo sets), a third character
    and then the customer's number keep the names distinct."""
    form = _weighted(rng, COMPANY_FORMS)
    for length in (2, 2, 2, 3, 3):
        short_name = f"{''.join(rng.sample(BRAND_CHARACTERS, length))}{trade}"
        if f"{city}{short_name}{form}" not in taken:
            break
    else:
        short_name = f"{''.join(rng.sample(BRAND_CHARACTERS, 2))}{code}{trade}"
    name = f"{city}{short_name}{form}"
    taken.add(name)
    return name, short_name


def _demo_card(
    *,
    rng,
    fake,
    code,
    place,
    province,
    region,
    route,
    streets,
    customer_type,
    ownership,
    taken_names,
    taken_credit_codes,
    today,
) -> DemoCard:
    archived = rng.random() < ARCHIVED_SHARE
    # Municipalities' districts take the municipality's name: 北京…公司, not 朝阳区…公司.
    city = (place.name if place.name.endswith("市") else province.name).removesuffix("市")
    trade = _weighted(rng, {trade: weight for trade, (_industry, weight) in TRADES.items()})
    name, short_name = _company_name(rng, city=city, trade=trade, code=code, taken=taken_names)
    founded_on = _date_between(rng, datetime.date(1995, 1, 1), datetime.date(2022, 12, 31))
    street = rng.choice(streets)
    along = rng.random()
    data = {
        "code": code,
        "name": name,
        "short_name": short_name,
        "customer_type": customer_type,
        "ownership": ownership,
        "region": region,
        "salesperson": route.salesperson,
        "address": _address(rng, place=place, province=province, street=street, along=along),
        "latitude": _degrees(_between(street.start[0], street.end[0], along, rng)),
        "longitude": _degrees(_between(street.start[1], street.end[1], along, rng)),
        "phone": f"{place.area_code}-{rng.randint(20_000_000, 89_999_999)}",
        "owner_name": fake.name(),
        "manager_name": fake.name(),
        "legal_representative": fake.name(),
        "founded_on": founded_on,
        "organization_form": rng.choice(
            [Customer.OrganizationForm.LIMITED_LIABILITY] * 6
            + [
                Customer.OrganizationForm.JOINT_STOCK,
                Customer.OrganizationForm.SOLE_PROPRIETORSHIP,
                Customer.OrganizationForm.PARTNERSHIP,
                Customer.OrganizationForm.STATE_OWNED,
            ]
        ),
        "industry": TRADES[trade][0],
        "registered_capital": Decimal(rng.choice((50, 100, 200, 300, 500, 1000, 5000)) * 10_000),
    }
    # An archived customer was taken off its route when its trading stopped.
    if not archived:
        data["route"] = route
        if rng.random() < OWN_FREQUENCY_SHARE:
            data["visit_frequency"] = rng.choice(
                [f for f in ROUND_FREQUENCIES if f != route.visit_frequency]
            )
    if rng.random() >= PROSPECT_SHARE:
        data["trading_since"] = _date_between(
            rng, max(founded_on, datetime.date(2010, 1, 1)), DEMO_DATE
        )
    elif not archived and rng.random() < PLANNED_DEAL_SHARE:
        data["planned_first_deal_on"] = today + datetime.timedelta(days=rng.randint(7, 120))
    if rng.random() < CREDIT_CODE_SHARE:
        value = credit_code(rng, place.division)
        while value in taken_credit_codes:
            value = credit_code(rng, place.division)
        taken_credit_codes.add(value)
        data["credit_code"] = value
    if rng.random() < 0.4:
        data["email"] = fake.company_email()
    if rng.random() < CHARACTERISTICS_SHARE:
        data["service_area"] = f"{place.name}及周边"
        data["sales_capacity"] = rng.choice(SALES_CAPACITY).format(
            rng.randint(3, 500) * 10, rng.randint(2, 60)
        )
        data["development_potential"] = rng.choice(Customer.Level.values)
        data["business_philosophy"] = rng.choice(PHILOSOPHIES)
        data["business_policy"] = rng.choice(POLICIES)
        data["enterprise_scale"] = rng.choice(Customer.Scale.values)
        data["management_characteristics"] = rng.choice(MANAGEMENT)
    if rng.random() < BUSINESS_SHARE:
        data["cooperation_attitude"] = rng.choice(Customer.Attitude.values)
        data["business_ties"] = rng.choice(("长期合作，定期订货", "偶尔采购", "年度框架协议"))
        data["competitor_relations"] = rng.choice(("同时向两家竞争对手进货", "基本只与我司合作"))
    if rng.random() < TRANSACTIONS_SHARE:
        data["credit_rating"] = rng.choice(Customer.CreditRating.values)
        data["credit_limit"] = Decimal(rng.randint(1, 100) * 10_000)
        data["payment_terms"] = rng.choice(PAYMENT_TERMS)
        data["discount_rate"] = Decimal(rng.choice((0, 2, 3, 5, 8))).quantize(Decimal("0.01"))
    return DemoCard(
        data=data,
        archived=archived,
        contacts=_demo_contacts(rng, fake, place=place),
        incidents=_demo_incidents(rng, trading_since=data.get("trading_since")),
    )


def _between(start: float, end: float, along: float, rng: random.Random) -> float:
    return start + (end - start) * along + rng.uniform(-STREET_SIDE, STREET_SIDE)


def _address(
    rng: random.Random, *, place: DemoPlace, province: DemoPlace, street: DemoStreet, along: float
) -> str:
    # House numbers grow along the street, odd on one side and even on the other.
    number = 2 * round(along * 150) + rng.randint(1, 2)
    return f"{province.name}{place.name}{street.district}{street.name}{number}号"


def _demo_contacts(rng, fake, *, place: DemoPlace) -> list[dict]:
    return [
        {
            "name": fake.name(),
            "role": rng.choice(CONTACT_ROLES),
            "phone": f"{place.area_code}-{rng.randint(20_000_000, 89_999_999)}",
            "mobile": fake.phone_number(),
            "email": fake.email() if rng.random() < 0.5 else "",
            "is_primary": index == 0,
        }
        for index in range(rng.randint(1, 3))
    ]


def _demo_incidents(rng, *, trading_since: datetime.date | None) -> list[dict]:
    incidents = []
    if trading_since and rng.random() < INCIDENT_SHARE:
        for _ in range(rng.randint(1, 2)):
            occurred_on = _date_between(rng, trading_since, DEMO_DATE)
            resolved = rng.random() < 0.6
            incidents.append(
                {
                    "occurred_on": occurred_on,
                    "kind": rng.choice(CreditIncident.Kind.values),
                    "amount": Decimal(rng.randint(500, 200_000)),
                    "description": rng.choice(("货款逾期两个月", "支票退票", "对账金额争议")),
                    "resolved_on": (
                        _date_between(rng, occurred_on, occurred_on + datetime.timedelta(days=120))
                        if resolved
                        else None
                    ),
                    "resolution": "已全额付清" if resolved else "",
                }
            )
    return incidents


def seed_route_positions(routes: dict[str, list[Route]]) -> int:
    """Number the stops of the demo routes 1..n: stops already numbered keep their order and
    the new ones follow by code, the order they joined the route in, not an economical one
    (the route page's optimiser then proposes a shorter round). Through `route_reorder`, for
    each route that has new stops; returns how many routes were renumbered."""
    stops: dict[int, list[int]] = defaultdict(list)
    unnumbered: set[int] = set()
    every = [route for place_routes in routes.values() for route in place_routes]
    for pk, route_id, position in stops_ordered(
        Customer.objects.filter(route__in=every)
    ).values_list("pk", "route_id", "route_position"):
        stops[route_id].append(pk)
        if position is None:
            unnumbered.add(route_id)
    for route in every:
        if route.pk in unnumbered:
            route_reorder(route=route, customer_ids=stops[route.pk], actor=None)
    return len(unnumbered)


# --- Grades ----------------------------------------------------------------------------------

PIN_REASON_TOP = "战略合作伙伴，签有年度框架协议，按%(grade)s管理"
PIN_REASON_BOTTOM = "信用问题尚未解决，暂按%(grade)s管理"


# When the demo's grades were set before today's regrade: every quarter over two years.
PAST_REGRADES_DAYS_AGO = (730, 639, 548, 457, 365, 274, 183, 91)


@dataclass(frozen=True)
class GradeSummary:
    regraded: int
    pinned: int


def seed_grades(*, seed: int, manager) -> GradeSummary:
    """Grade the customers from their sales, as the nightly regrade would, then pin a few
    grades as a manager would, with the reason (`grade_pin`): a strategic partner kept at
    the highest grade, a customer with an unresolved credit incident held at the lowest.
    Which customers is drawn from the seed and each code, up to `MAX_PINS` pinned grades;
    pinned ones are left alone, so a second run changes nothing."""
    today = timezone.localdate()
    regraded = 0
    if not GradeHistory.objects.exists():
        # A company that has graded every quarter for two years: the analyses that count each
        # sale under the grade of its day have a history to read, regrades included.
        for days_ago in PAST_REGRADES_DAYS_AGO:
            day = today - datetime.timedelta(days=days_ago)
            regraded += regrade_apply(actor=None, today=day).changed
    regraded += regrade_apply(actor=None, today=today).changed
    levels = [level for level in grade_levels() if level.is_active]  # highest first
    if len(levels) < 2:
        return GradeSummary(regraded, 0)
    top, bottom = levels[0], levels[-1]
    troubled = set(
        CreditIncident.objects.filter(resolved_on__isnull=True).values_list("customer", flat=True)
    )
    room = MAX_PINS - Customer.objects.filter(grade_pinned=True).count()
    chosen = []
    for pk, code, grade_id in (
        Customer.objects.active()
        .filter(grade__isnull=False, grade_pinned=False)
        .order_by("code")
        .values_list("pk", "code", "grade_id")
    ):
        if len(chosen) >= room:
            break
        share, grade, reason = (
            (PIN_SHARE_TROUBLED, bottom, PIN_REASON_BOTTOM)
            if pk in troubled
            else (PIN_SHARE, top, PIN_REASON_TOP)
        )
        if random.Random(f"{seed}-pin-{code}").random() < share and grade_id != grade.pk:
            chosen.append((pk, grade, reason % {"grade": grade.name}))
    for pk, grade, reason in chosen:
        grade_pin(customer=Customer.objects.get(pk=pk), grade=grade, reason=reason, actor=manager)
    return GradeSummary(regraded, len(chosen))


def seed_demo_data(*, customers: int, seed: int, password: str, sales: int = 0) -> SeedSummary:
    """Users, reference data, customers on their routes, products and `sales` sales lines;
    idempotent (what exists is left alone). The routes' rounds are planned from today."""
    today = timezone.localdate()
    users = seed_users(password=password)
    salespeople = [user for user, demo in zip(users, DEMO_USERS, strict=True) if demo.role == SALES]
    regions = seed_regions()
    routes = seed_routes(regions, salespeople, today=today)
    created = seed_customers(
        count=customers, seed=seed, routes=routes, regions=regions, today=today
    )
    seed_route_positions(routes)
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
