"""The customer list's export: a file for people, in their language, with the list's
columns and filters; the import/export resources keep codes for machines."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from dataexchange.formats import table_xlsx
from tests.accounts.factories import UserFactory
from tests.customers.factories import (
    CustomerFactory,
    RegionFactory,
    RouteFactory,
    customer_type,
    grade,
)

pytestmark = pytest.mark.django_db

EXPORT = reverse("customers:export")
HYPERLINK = '=HYPERLINK("http://example.com","点我")'
PHONE = "+86 755 1234 5678"

HEADERS_EN = [
    "Code",
    "Name",
    "Type",
    "Region",
    "Grade",
    "Route",
    "Salesperson",
    "Phone",
    "Time series",
    "Transaction process",
    "Status",
]
HEADERS_ZH = [
    "编码",
    "名称",
    "客户性质",
    "地域",
    "等级",
    "路线",
    "推销员",
    "电话",
    "时间序列",
    "交易过程",
    "状态",
]


@pytest.fixture
def wang(db):
    return UserFactory(role="sales", username="sales1", first_name="王伟", last_name="")


@pytest.fixture
def prospect(wang):
    """A prospect with a planned first deal, every list column filled."""
    region = RegionFactory(code="CN-JS-SZ", name="苏州市", name_en="Suzhou")
    return CustomerFactory(
        code="C001",
        name="苏州超艺传媒有限公司",
        customer_type=customer_type("ordinary"),
        region=region,
        grade=grade("key"),
        route=RouteFactory(code="SZ-1", name="苏州一线", name_en="Suzhou 1", region=region),
        salesperson=wang,
        phone="0512-6666",
        planned_first_deal_on=timezone.localdate() + datetime.timedelta(days=30),
    )


def csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def workbook(response):
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_csv_in_english_has_the_list_columns_and_what_people_read(client, manager, prospect):
    client.force_login(manager)

    response = client.get(EXPORT, {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_rows(response) == [
        HEADERS_EN,
        [
            "C001",
            "苏州超艺传媒有限公司",
            "Ordinary company",
            "Suzhou",
            "Key customer",
            "Suzhou 1",
            "王伟",
            "0512-6666",
            "Future customer",
            "About to transact",
            "Active",
        ],
    ]


def test_csv_in_chinese_has_chinese_headers_and_values(client, manager, prospect):
    client.force_login(manager)

    response = client.get(EXPORT, {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="zh-CN")

    assert csv_rows(response) == [
        HEADERS_ZH,
        [
            "C001",
            "苏州超艺传媒有限公司",
            "普通公司",
            "苏州市",
            "主力客户",
            "苏州一线",
            "王伟",
            "0512-6666",
            "未来客户",
            "即将进行交易",
            "在档",
        ],
    ]


def test_empty_links_are_empty_cells_and_a_prospect_without_plan_says_so(client, manager):
    nameless = UserFactory(role="sales", username="zhao", first_name="", last_name="")
    CustomerFactory(
        code="C002",
        name="散户",
        customer_type=None,
        region=None,
        salesperson=nameless,
        phone="13800000000",
        status=Customer.Status.ARCHIVED,
    )
    client.force_login(manager)

    response = client.get(EXPORT, {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="zh-CN")

    # A salesperson without a full name is named by username, as on the list page.
    assert csv_rows(response)[1] == [
        "C002",
        "散户",
        "",
        "",
        "",
        "",
        "zhao",
        "13800000000",
        "未来客户",
        "无交易计划",
        "已归档",
    ]


def test_xlsx_sheet_is_named_after_the_list_with_a_frozen_bold_header(client, manager, prospect):
    client.force_login(manager)
    today = timezone.localdate().isoformat()

    english = workbook(client.get(EXPORT, {"format": "xlsx"}, HTTP_ACCEPT_LANGUAGE="en"))
    chinese = workbook(client.get(EXPORT, {"format": "xlsx"}, HTTP_ACCEPT_LANGUAGE="zh-CN"))

    assert english.sheetnames == [f"Customers {today}"]
    assert chinese.sheetnames == [f"客户 {today}"]
    sheet = chinese.active
    assert sheet.freeze_panes == "A2"
    header, row = list(sheet.iter_rows())
    assert [cell.value for cell in header] == HEADERS_ZH
    assert all(cell.font.bold for cell in header)
    assert [cell.value for cell in row][:3] == ["C001", "苏州超艺传媒有限公司", "普通公司"]
    # Every cell is text, so a phone keeps its leading zero and a code its letters.
    assert {cell.data_type for cell in row} == {"s"}


def test_xlsx_columns_fit_their_longest_text_counting_chinese_as_two(client, manager, prospect):
    client.force_login(manager)

    sheet = workbook(client.get(EXPORT, {"format": "xlsx"}, HTTP_ACCEPT_LANGUAGE="zh-CN")).active

    widths = {column: sheet.column_dimensions[column].width for column in "ABCHJ"}
    assert widths == {
        "A": 6,  # "编码" and "C001": 4, and the minimum 6
        "B": 22,  # the name: 10 Chinese characters, 20, plus 2
        "C": 10,  # "客户性质" / "普通公司": 8, plus 2
        "H": 11,  # "0512-6666": 9, plus 2
        "J": 14,  # "即将进行交易": 12, plus 2
    }


def test_table_xlsx_caps_widths_and_makes_any_sheet_name_valid():
    content = table_xlsx(
        ["a"], [["x" * 500]], sheet_name="客户/线路: [华东] * 2026-01-01 以及更多文字说明"
    )

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active

    assert sheet.title == "客户-线路- -华东- - 2026-01-01 以及更多文字"
    assert len(sheet.title) == 31
    assert sheet.column_dimensions["A"].width == 60


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_formula_like_names_are_escaped_and_phones_kept(client, manager, file_format):
    CustomerFactory(code="C001", name=HYPERLINK, phone=PHONE)
    client.force_login(manager)

    response = client.get(EXPORT, {"format": file_format}, HTTP_ACCEPT_LANGUAGE="en")

    if file_format == "csv":
        row = csv_rows(response)[1]
        assert (row[1], row[7]) == (f"'{HYPERLINK}", PHONE)
    else:
        row = list(workbook(response).active.iter_rows())[1]
        assert (row[1].value, row[1].data_type) == (f"'{HYPERLINK}", "s")
        assert (row[7].value, row[7].data_type) == (PHONE, "s")


def _filter_fixture(salesperson, other_salesperson):
    CustomerFactory(code="E1", name="华强甲", salesperson=salesperson, grade=grade("key"))
    CustomerFactory(code="E2", name="华强乙", salesperson=salesperson, grade=grade("general"))
    CustomerFactory(code="E3", name="华强丙", salesperson=other_salesperson, grade=grade("key"))


def test_export_holds_exactly_the_filtered_rows_in_the_users_scope(
    client, salesperson, other_salesperson
):
    _filter_fixture(salesperson, other_salesperson)
    client.force_login(salesperson)

    response = client.get(EXPORT, {"grade": "key", "format": "csv"})

    assert response["Content-Disposition"].startswith('attachment; filename="customers-')
    assert response["Content-Disposition"].endswith('.csv"')
    assert [row[:2] for row in csv_rows(response)[1:]] == [["E1", "华强甲"]]


def test_export_keeps_the_lists_order(client, manager, salesperson, other_salesperson):
    _filter_fixture(salesperson, other_salesperson)
    client.force_login(manager)

    response = client.get(EXPORT, {"q": "华强", "ordering": "-code", "format": "xlsx"})

    assert response["Content-Disposition"].endswith('.xlsx"')
    rows = list(workbook(response).active.iter_rows(values_only=True))[1:]
    assert [row[0] for row in rows] == ["E3", "E2", "E1"]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_query_count_does_not_grow_with_rows(
    client, manager, django_assert_num_queries, file_format
):
    salesperson = UserFactory(role="sales", username="s-export")
    region = RegionFactory(code="EXP")
    client.force_login(manager)
    for total in (2, 30):
        for n in range(Customer.objects.count(), total):
            CustomerFactory(
                code=f"X{n:03d}",
                salesperson=salesperson,
                region=region,
                grade=grade("key"),
                route=RouteFactory(code=f"RX{n:03d}", region=region),
            )
        # Session, user, roles, region subtree (2), the lifecycle policy, the rows with
        # every name they show.
        with django_assert_num_queries(7):
            response = client.get(EXPORT, {"region": region.code, "format": file_format})
        assert response.status_code == 200


def test_export_refuses_an_unknown_format(client, manager):
    client.force_login(manager)
    assert client.get(EXPORT, {"format": "pdf"}).status_code == 400
