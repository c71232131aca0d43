"""Every page in both languages: a Chinese page shows none of the interface's English, an
English page none of its Chinese. Only the data people typed may be in either language.

The English words a Chinese page must not show are those of the project's own catalogue:
every msgid that has a Chinese translation. The abbreviations the translations keep (CSV,
API, ...) are allowed, and so are the codes the data carries."""

import datetime
import gettext
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language_info

from archive_crm.translations import OVERRIDDEN
from classification.models import CustomerType, GradeLevel, OwnershipForm, Region, Route
from customers.models import Channel, Customer
from customers.resources import CUSTOMER_IMPORT_ONLY, CustomerResource
from customers.services import card_set_grade, card_update
from sales.models import Product, ProductCategory
from tests.accounts.factories import UserFactory
from tests.customers.factories import (
    ContactFactory,
    CreditIncidentFactory,
    CustomerFactory,
    RegionFactory,
    RouteFactory,
    grade,
)
from tests.sales.factories import ProductCategoryFactory, ProductFactory, SalesRecordFactory

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES" / "django.mo"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%[sdr]|\{\w*\}")
ASCII_WORD = re.compile(r"[A-Za-z]+")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
# Python's words for values, which no page should show as they are.
RAW_VALUES = {"true", "false", "none"}
# The attributes a person reads (or hears from a screen reader).
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
SHOWN_VALUE_TYPES = {"submit", "button", "reset"}
UNREAD_ELEMENTS = {"script", "style", "template"}
VOID_ELEMENTS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
}


def _catalogue() -> dict:
    with CATALOGUE.open("rb") as file:
        catalog = gettext.GNUTranslations(file)._catalog
    entries = {}
    for key, value in catalog.items():
        msgid = key[0] if isinstance(key, tuple) else key
        if msgid and value:
            entries.setdefault(msgid, value)
    return entries


def english_words() -> set[str]:
    """The English words of the interface: those of each msgid whose Chinese differs, less
    the abbreviations that the Chinese keeps as they are (CSV, API, ...). Other words a
    translation quotes (an API's field names in its help) are not allowed on the pages."""
    words, kept = set(RAW_VALUES), set()
    for msgid, translated in _catalogue().items():
        kept.update(
            word.lower()
            for word in ASCII_WORD.findall(PLACEHOLDER.sub(" ", translated))
            if word.isupper() and len(word) > 1
        )
        if translated != msgid:
            text = PLACEHOLDER.sub(" ", msgid)
            words.update(word.lower() for word in ASCII_WORD.findall(text) if len(word) > 1)
    return words - kept


class ReadText(HTMLParser):
    """What a person reads on a page: its text and the attributes read out, without scripts,
    styles and what is not shown at all (the `hidden` attribute, the admin's `hidden`
    class)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._unread_tag = None  # the element whose content is not read, while inside it
        self._unread_depth = 0

    @staticmethod
    def _unread(tag, attributes) -> bool:
        classes = (attributes.get("class") or "").split()
        return tag in UNREAD_ELEMENTS or "hidden" in attributes or "hidden" in classes

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self._unread_tag is not None:
            self._unread_depth += tag == self._unread_tag
            return
        if self._unread(tag, attributes):
            if tag not in VOID_ELEMENTS:
                self._unread_tag, self._unread_depth = tag, 1
            return
        for name, value in attrs:
            if value and name in READ_ATTRIBUTES:
                self.parts.append(value)
        if tag == "input" and attributes.get("type") in SHOWN_VALUE_TYPES:
            self.parts.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag == self._unread_tag:
            self._unread_depth -= 1
            if not self._unread_depth:
                self._unread_tag = None

    def handle_data(self, data):
        if self._unread_tag is None:
            self.parts.append(data)


def read_text(html: str, *, data: set[str]) -> str:
    """The page's text as read, less the data (longest first, so that a name is removed
    before any part of it), one part per line."""
    parser = ReadText()
    parser.feed(html)
    text = "\n".join(parser.parts)
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    return text


def machine_columns() -> set[str]:
    """What the admin's import and export pages show of the customer files' columns: their
    names, a contract (SPEC 4) that a file must spell as it is, and the labels that
    django-import-export's export page makes of them ("Customer Type"), which it offers no
    way to translate."""
    names = CustomerResource().get_export_order() + tuple(CUSTOMER_IMPORT_ONLY)
    return set(names) | {name.replace("_", " ").title() for name in names}


def language_names() -> set[str]:
    # The language switcher names each language in itself: "English" on a Chinese page.
    return {get_language_info(code)["name_local"] for code, _name in settings.LANGUAGES}


@pytest.fixture
def world(db):
    """A small company, in Chinese as its people write it: a manager, a salesperson and an
    admin with Chinese names, a region and a route with stops, customers with contacts,
    credit incidents, sales and a history with a flag and a salesperson change."""
    today = timezone.localdate()
    manager = UserFactory(role="manager", username="zhangmin", first_name="张敏", last_name="")
    wang = UserFactory(role="sales", username="wangwei", first_name="王伟", last_name="")
    li = UserFactory(role="sales", username="lina", first_name="李娜", last_name="")
    admin = UserFactory(
        username="liuyang", first_name="刘洋", last_name="", is_staff=True, is_superuser=True
    )
    region = RegionFactory(code="SZ", name="苏州市", name_en="Suzhou")
    route = RouteFactory(
        code="SZ01",
        name="苏州一线",
        region=region,
        salesperson=wang,
        first_visit_on=today,
        start_latitude=Decimal("31.300000"),
        start_longitude=Decimal("120.600000"),
    )
    customers = [
        CustomerFactory(
            code=f"KH{n:03d}",
            name=name,
            short_name=name[:4],
            address=f"苏州市姑苏区人民路{n}号",
            region=region,
            # The prospect is on no route yet.
            route=route if n < 3 else None,
            route_position=n if n < 3 else None,
            latitude=Decimal("31.3") + Decimal(n) / 100,
            longitude=Decimal("120.6") + Decimal(n) / 100,
            salesperson=wang,
            grade=grade("key" if n == 1 else "general"),
            planned_first_deal_on=today + datetime.timedelta(days=30) if n == 3 else None,
        )
        for n, name in enumerate(
            ["苏州超艺传媒有限公司", "苏州华强电子有限公司", "苏州新宇商贸"], 1
        )
    ]
    card = customers[0]
    ContactFactory(customer=card, name="陈静", role="采购经理")
    CreditIncidentFactory(customer=card, description="逾期付款", resolution="已结清")
    category = ProductCategoryFactory(code="FOOD", name="食品")
    product = ProductFactory(code="P001", name="饼干", category=category)
    for months_ago in range(0, 12, 2):
        SalesRecordFactory(
            customer=card,
            product=product,
            date=today - datetime.timedelta(days=30 * months_ago),
            amount=Decimal("1200.00"),
        )
    prospect = customers[2]
    for salesperson in (li, wang):
        prospect = card_update(
            customer=prospect,
            changes={"salesperson": salesperson},
            actor=manager,
            channel=Channel.MANUAL,
            expected_version=prospect.version,
        )
    card = card_update(
        customer=Customer.objects.get(pk=card.pk),
        changes={"phone": "0512-66660000"},
        actor=manager,
        channel=Channel.MANUAL,
        expected_version=1,
    )
    card_set_grade(
        customer=card,
        grade=grade("key"),
        pinned=True,
        reason="年度框架协议",
        actor=manager,
        expected_version=card.version,
    )
    return {
        "manager": manager,
        "sales": wang,
        "admin": admin,
        "card": Customer.objects.get(pk=card.pk),
        "prospect": prospect,
        "route": route,
        "other_card": CustomerFactory(code="KH900", name="杭州天益信息有限公司", salesperson=li),
        "contact": card.contacts.get(),
        "incident": card.credit_incidents.get(),
    }


def data_strings() -> set[str]:
    """What the people of the company typed, their names and the codes: it may be in any
    language."""
    strings = {user.get_full_name() for user in get_user_model().objects.all()}
    for customer in Customer.objects.all():
        strings |= {customer.code, customer.name, customer.short_name, customer.address}
        strings |= {customer.phone, customer.credit_code, customer.grade_pin_reason}
        strings |= {c.name for c in customer.contacts.all()} | {
            c.role for c in customer.contacts.all()
        }
        strings |= {i.description for i in customer.credit_incidents.all()}
        strings |= {i.resolution for i in customer.credit_incidents.all()}
    for model in (CustomerType, OwnershipForm, Region, Route, GradeLevel):
        for entry in model.objects.all():
            strings |= {entry.code, entry.name}
    for model in (ProductCategory, Product):
        for entry in model.objects.all():
            strings |= {entry.code, entry.name}
    return {value for value in strings if value}


# Every page a person opens: who opens it, its URL name, the `world` objects it is about
# and its query.
PAGES = [
    (None, "login", (), ""),
    ("sales", "home", (), ""),
    ("manager", "home", (), ""),
    ("sales", "customers:list", (), ""),
    ("manager", "customers:list", (), ""),
    ("manager", "customers:list", (), "?ordering=-updated&page_size=10"),
    ("sales", "customers:detail", ("card",), ""),
    ("manager", "customers:detail", ("card",), ""),
    ("manager", "customers:detail", ("prospect",), ""),
    ("sales", "customers:edit", ("card",), ""),
    ("manager", "customers:create", (), ""),
    ("sales", "customers:contact_create", ("card",), ""),
    ("sales", "customers:contact_edit", ("card", "contact"), ""),
    ("sales", "customers:incident_create", ("card",), ""),
    ("sales", "customers:incident_edit", ("card", "incident"), ""),
    ("manager", "classification:overview", (), ""),
    ("manager", "classification:grade_settings", (), ""),
    ("manager", "classification:regrade", (), ""),
    ("manager", "classification:route_list", (), ""),
    ("sales", "classification:route_list", (), ""),
    ("manager", "classification:route_detail", ("route",), ""),
    ("manager", "classification:route_create", (), ""),
    ("manager", "classification:route_edit", ("route",), ""),
    ("sales", "classification:plan", (), ""),
    ("sales", "classification:route_sheet", ("route",), ""),
    ("manager", "classification:route_optimise", ("route",), ""),
    ("manager", "classification:region_list", (), ""),
    ("manager", "classification:region_create", (), ""),
    ("sales", "sales:customer_performance", ("card",), ""),
    ("manager", "reports:index", (), ""),
    ("sales", "reports:sales-composition", (), "?grade_basis=at_sale"),
    ("manager", "reports:product-composition", (), "?rollup=on"),
    ("manager", "reports:grade-category", (), ""),
    ("manager", "reports:customer-composition", (), "?by=time_series"),
    ("manager", "reports:abc", (), ""),
    ("manager", "reports:trend", (), "?by=grade"),
    ("manager", "reports:investigation-costs", (), ""),
    ("manager", "customerforms:create", ("card",), ""),
    ("manager", "investigations:list", (), ""),
    ("manager", "investigations:create", (), ""),
    ("manager", "investigations:risk", (), ""),
    ("manager", "investigations:agency_list", (), ""),
    ("manager", "audit:changes", (), ""),
    ("manager", "audit:sign_ins", (), ""),
    ("admin", "admin:index", (), ""),
    ("admin", "admin:customers_customer_changelist", (), ""),
    ("admin", "admin:customers_customer_change", ("card",), ""),
    ("admin", "admin:customers_customer_import", (), ""),
    ("admin", "admin:customers_customer_export", (), ""),
]


def url_of(world, name, args, query="") -> str:
    return reverse(name, args=[world[arg].pk for arg in args]) + query


# The error pages a person meets: a page they may not open, a card that is not there.
ERROR_PAGES = [
    ("sales", "classification:region_list", (), "", 403),
    ("sales", "customers:detail", ("other_card",), "", 404),
]


def render(client, world, who, url, language, status=200):
    client.logout()
    if who:
        client.force_login(world[who])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == status
    return response.content.decode()


@pytest.mark.parametrize(
    ("who", "name", "args", "query", "status"),
    [(*page, 200) for page in PAGES] + ERROR_PAGES,
    ids=[
        f"{who or 'anonymous'}:{name}{''.join(f'/{a}' for a in args)}{query}"
        + "".join(f":{c}" for c in status)
        for who, name, args, query, *status in PAGES + ERROR_PAGES
    ],
)
def test_chinese_page_shows_no_english_of_the_interface(
    client, world, who, name, args, query, status
):
    words = english_words()
    data = data_strings() | language_names()
    if name.endswith(("_import", "_export")):
        data |= machine_columns()
    url = url_of(world, name, args, query)

    # The address the browser asked for is the person's own input (a 404 page repeats it).
    text = read_text(render(client, world, who, url, "zh-CN", status), data=data | {url})

    english = [
        line.strip()
        for line in text.splitlines()
        if any(word.lower() in words for word in ASCII_WORD.findall(line))
    ]
    assert not english, "\n".join(english)


# Pages whose English must not carry Chinese of the interface (all of them would do; these
# show the most of it: lists, the card with its history, routes, analyses, the admin).
ENGLISH_PAGES = (
    ("manager", "customers:list", ()),
    ("manager", "customers:detail", ("card",)),
    ("manager", "customers:detail", ("prospect",)),
    ("sales", "classification:route_sheet", ("route",)),
    ("manager", "classification:overview", ()),
    ("sales", "sales:customer_performance", ("card",)),
    ("admin", "admin:index", ()),
)


@pytest.mark.parametrize(
    ("who", "name", "args"),
    ENGLISH_PAGES,
    ids=[f"{who}:{name}{''.join(f'/{a}' for a in args)}" for who, name, args in ENGLISH_PAGES],
)
def test_english_pages_show_no_chinese_of_the_interface(client, world, who, name, args):
    data = data_strings() | language_names()
    text = read_text(render(client, world, who, url_of(world, name, args), "en-US"), data=data)

    chinese = [line.strip() for line in text.splitlines() if CJK.search(line)]
    assert not chinese, "\n".join(chinese)


def test_the_catalogue_replaces_djangos_and_third_party_chinese():
    """The project's Chinese for Django's and the apps' own messages is the one used."""
    catalogue = _catalogue()
    with translation.override("zh-hans"):
        for msgid in (message for message in OVERRIDDEN if isinstance(message, str)):
            assert translation.gettext(msgid) == catalogue[msgid]
        assert translation.gettext("Some rows failed to validate") == "有些行没有通过校验"


def test_chinese_form_errors_read_naturally(client, world):
    """Django's stiff "具有 客户编码 的 客户 已存在。" and "确保该变量包含不超过 200 字符"
    come out as a person would write them."""
    client.force_login(world["manager"])
    response = client.post(
        reverse("customers:create"),
        {"code": world["card"].code, "name": "苏" * 201},
        HTTP_ACCEPT_LANGUAGE="zh-CN",
    )

    errors = response.context["form"].errors
    assert errors["code"] == ["已有其他客户使用这个客户编码。"]
    assert errors["name"] == ["最多 200 个字符（现在是 201 个）。"]


def test_the_lists_menus_name_people_and_sort_orders_in_the_page_language(client, world):
    """The salesperson filter names people as the table does, not by username, and the sort
    menu reads in the page's language in both directions."""
    client.force_login(world["manager"])

    response = client.get(reverse("customers:list"), HTTP_ACCEPT_LANGUAGE="zh-CN")

    fields = response.context["filter"].form.fields
    people = [str(label) for value, label in fields["salesperson"].choices if value]
    assert people == ["李娜", "王伟"]
    sort = {value: str(label) for value, label in fields["ordering"].choices}
    assert (sort["code"], sort["-code"]) == ("编码", "编码（降序）")
    assert (sort["grade"], sort["-grade"]) == ("等级（从高到低）", "等级（从低到高）")
    assert sort["-updated"] == "修改时间（最新在前）"


def test_english_history_names_the_system_with_a_capital(client, world):
    client.force_login(world["manager"])

    response = client.get(
        reverse("customers:detail", args=[world["card"].pk]), HTTP_ACCEPT_LANGUAGE="en"
    )

    # The card was created by the factory, outside any request: nobody did it.
    assert '<span class="who">System</span>' in response.content.decode()
