"""Customer and contact import/export: the SPEC 4 contract (all or nothing, errors by file
row and column, channel "import" in history and provenance, export re-imports unchanged)."""

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Channel, Contact, Customer, FieldProvenance
from customers.resources import ContactResource, CustomerResource
from customers.validators import credit_code_check_character
from dataexchange.services import import_file
from tests.customers.factories import (
    ContactFactory,
    CustomerFactory,
    RegionFactory,
    customer_type,
)

pytestmark = pytest.mark.django_db

HEADER = "code,name,phone,address,region,customer_type,salesperson"
GOOD_ROWS = [
    "C001,广州明达贸易有限公司,020-81234567,广州市天河区体育西路1号,GZ,ordinary,sales1",
    "C002,深圳华星电子有限公司,,,深圳市,普通公司,",
    "C003,广州市政府采购中心,020-80000000,广州市越秀区府前路1号,Guangzhou,government,sales1",
]
VALID_CREDIT_CODE = "91440300MA5" + "ABCDEF"
VALID_CREDIT_CODE += credit_code_check_character(VALID_CREDIT_CODE)


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\n".join([header, *rows, ""]).encode(encoding)


def run_import(data: bytes, **kwargs):
    kwargs.setdefault("file_format", "csv")
    return import_file(resource=CustomerResource, path_or_bytes=data, **kwargs)


@pytest.fixture
def references(salesperson):
    return {
        "GZ": RegionFactory(code="GZ", name="广州市", name_en="Guangzhou"),
        "SZ": RegionFactory(code="SZ", name="深圳市", name_en="Shenzhen"),
        "sales1": salesperson,
    }


def snapshot():
    """Everything an import could change, to assert that nothing did."""
    return (
        sorted(Customer.objects.values_list("code", "name", "phone", "version")),
        Customer.history.count(),
        FieldProvenance.objects.count(),
    )


def test_good_csv_creates_every_customer_with_import_history_and_provenance(references, manager):
    report = run_import(csv_bytes(*GOOD_ROWS), actor=manager)

    assert report.errors == []
    assert (report.rows, report.new, report.updated, report.unchanged) == (3, 3, 0, 0)
    first = Customer.objects.get(code="C001")
    assert first.name == "广州明达贸易有限公司"
    assert first.phone == "020-81234567"
    assert first.address == "广州市天河区体育西路1号"
    assert first.region == references["GZ"]
    assert first.customer_type == customer_type("ordinary")
    assert first.salesperson == references["sales1"]
    assert first.version == 1
    # Region and type found by Chinese or English name too.
    second, third = Customer.objects.get(code="C002"), Customer.objects.get(code="C003")
    assert (second.region, second.customer_type, second.salesperson) == (
        references["SZ"],
        customer_type("ordinary"),
        None,
    )
    assert (third.region, third.customer_type) == (references["GZ"], customer_type("government"))
    history = list(first.history.all())
    assert [(h.history_type, h.history_channel, h.history_user) for h in history] == [
        ("+", Channel.IMPORT, manager)
    ]
    assert set(first.provenance.values_list("field_name", "channel")) == {
        (field, Channel.IMPORT)
        for field in ("code", "name", "phone", "address", "region", "customer_type", "salesperson")
    }
    # Only filled values have a provenance.
    assert set(second.provenance.values_list("field_name", flat=True)) == {
        "code",
        "name",
        "region",
        "customer_type",
    }


def test_importing_the_same_file_again_changes_nothing(references):
    data = csv_bytes(*GOOD_ROWS)
    run_import(data)
    before = snapshot()

    report = run_import(data)

    assert report.errors == []
    assert (report.new, report.updated, report.unchanged) == (0, 0, 3)
    assert snapshot() == before


def test_a_changed_row_updates_that_card_by_code_with_only_the_changed_fields(references):
    run_import(csv_bytes(*GOOD_ROWS))
    changed = GOOD_ROWS[0].replace("020-81234567", "020-89999999").replace(",GZ,", ",SZ,")

    report = run_import(csv_bytes(changed, *GOOD_ROWS[1:]))

    assert (report.new, report.updated, report.unchanged) == (0, 1, 2)
    assert Customer.objects.count() == 3
    card = Customer.objects.get(code="C001")
    assert (card.phone, card.region.code, card.version) == ("020-89999999", "SZ", 2)
    latest = card.history.first()
    assert (latest.history_type, latest.history_channel) == ("~", Channel.IMPORT)
    assert card.history.count() == 2
    assert Customer.objects.get(code="C002").version == 1


def test_a_file_with_only_some_columns_leaves_the_other_fields_alone(references):
    run_import(csv_bytes(*GOOD_ROWS))

    report = run_import(csv_bytes("C001,新名称", header="code,name"))

    assert (report.updated, report.unchanged) == (1, 0)
    card = Customer.objects.get(code="C001")
    assert (card.name, card.phone, card.region.code, card.salesperson.username) == (
        "新名称",
        "020-81234567",
        "GZ",
        "sales1",
    )


@pytest.mark.parametrize(
    ("bad_row", "column", "message"),
    [
        ("C009,坏行公司,,,火星,ordinary,", "region", "No region has the code or name “火星”."),
        (
            "C009,坏行公司,,,GZ,ordinary,nobody",
            "salesperson",
            "No user has the username “nobody”.",
        ),
        ("C009,坏行公司,,,GZ,no-such-type,", "customer_type", "No customer type has the code"),
        ("C" + "9" * 32 + ",坏行公司,,,GZ,,", "code", "at most 32 characters"),
        (",无编码公司,,,GZ,,", "code", "This field cannot be blank."),
        ("C009,,,,GZ,,", "name", "This field cannot be blank."),
    ],
)
def test_one_bad_row_in_the_middle_imports_nothing_and_names_row_and_column(
    references, bad_row, column, message
):
    existing = CustomerFactory(code="C003", name="旧名称", region=references["SZ"])
    before = snapshot()

    report = run_import(csv_bytes(GOOD_ROWS[0], bad_row, GOOD_ROWS[2]))

    assert [(error.row, error.column) for error in report.errors] == [(3, column)]
    assert message in report.errors[0].message
    assert str(report.errors[0]).startswith(f"row 3, column {column}: ")
    assert not report.written
    assert snapshot() == before
    assert not Customer.objects.filter(code="C001").exists()
    existing.refresh_from_db()
    assert (existing.name, existing.version) == ("旧名称", 1)


def test_a_name_shared_by_two_regions_must_be_given_by_code(references):
    RegionFactory(code="GZ2", name="广州市")

    report = run_import(csv_bytes("C001,甲,,,广州市,,", "C002,乙,,,GZ2,,"))

    assert [(error.row, error.column) for error in report.errors] == [(2, "region")]
    assert report.errors[0].message == "More than one region is called “广州市”; use its code."
    assert Customer.objects.count() == 0


def test_a_bad_credit_code_is_refused_with_its_row_and_column(references):
    header = f"{HEADER},credit_code"
    bad = VALID_CREDIT_CODE[:17] + ("0" if VALID_CREDIT_CODE[17] != "0" else "1")

    report = run_import(
        csv_bytes(
            GOOD_ROWS[0] + f",{VALID_CREDIT_CODE}",
            GOOD_ROWS[1] + f",{bad}",
            GOOD_ROWS[2] + ",",
            header=header,
        )
    )

    assert [(error.row, error.column) for error in report.errors] == [(3, "credit_code")]
    assert "check character" in report.errors[0].message
    assert Customer.objects.count() == 0


def test_a_good_credit_code_column_imports(references):
    report = run_import(
        csv_bytes(GOOD_ROWS[0] + f",{VALID_CREDIT_CODE}", header=f"{HEADER},credit_code")
    )

    assert report.errors == []
    assert Customer.objects.get(code="C001").credit_code == VALID_CREDIT_CODE


def test_every_bad_row_is_listed_in_file_order(references):
    report = run_import(
        csv_bytes(
            "C001,甲,,,火星,,",
            GOOD_ROWS[1],
            "C003,丙,,,GZ,,ghost",
            "C004,丁,,,水星,,ghost",
        )
    )

    assert [(error.row, error.column) for error in report.errors] == [
        (2, "region"),
        (4, "salesperson"),
        (5, "region"),
        (5, "salesperson"),
    ]
    assert Customer.objects.count() == 0


def test_a_file_without_the_name_column_is_refused(references):
    report = run_import(csv_bytes("C001,020-1", header="code,phone"))

    assert [(error.row, error.column) for error in report.errors] == [(1, "name")]
    assert Customer.objects.count() == 0


def test_a_code_repeated_in_the_file_is_refused(references):
    report = run_import(csv_bytes(GOOD_ROWS[0], GOOD_ROWS[1], "C001,又一个名字,,,,,"))

    assert [(error.row, error.column) for error in report.errors] == [(4, "code")]
    assert "repeats file row 2" in report.errors[0].message
    assert Customer.objects.count() == 0


def test_an_archived_card_cannot_be_changed_by_import(references):
    card = CustomerFactory(code="C001", name="旧名称", status=Customer.Status.ARCHIVED)

    report = run_import(csv_bytes("C001,新名称", header="code,name"))

    assert [(error.row, error.column) for error in report.errors] == [(2, "")]
    assert "archived" in report.errors[0].message
    card.refresh_from_db()
    assert card.name == "旧名称"


def test_dry_run_reports_what_would_happen_and_writes_nothing(references):
    report = run_import(csv_bytes(*GOOD_ROWS), dry_run=True)

    assert report.errors == []
    assert (report.new, report.updated, report.unchanged) == (3, 0, 0)
    assert not report.written
    assert Customer.objects.count() == 0
    assert Customer.history.count() == 0


def test_utf8_with_bom_imports_and_the_bom_does_not_stick_to_the_first_header(references):
    report = run_import(csv_bytes(*GOOD_ROWS, encoding="utf-8-sig"))

    assert report.errors == []
    assert Customer.objects.get(code="C001").name == "广州明达贸易有限公司"


def test_gb18030_csv_imports_without_being_told_the_encoding(references):
    report = run_import(csv_bytes(*GOOD_ROWS, encoding="gb18030"))

    assert report.errors == []
    assert sorted(Customer.objects.values_list("name", flat=True)) == sorted(
        row.split(",")[1] for row in GOOD_ROWS
    )


def test_an_explicit_encoding_is_used(references):
    report = run_import(csv_bytes(*GOOD_ROWS, encoding="gbk"), encoding="gbk")

    assert report.errors == []
    assert Customer.objects.get(code="C002").name == "深圳华星电子有限公司"


def xlsx_bytes(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_imports_with_numbers_read_as_text(references):
    data = xlsx_bytes(
        [
            HEADER.split(","),
            [1001, "广州明达贸易有限公司", "020-81234567", None, "GZ", "ordinary", "sales1"],
            ["C002", "深圳华星电子有限公司", None, None, "深圳市", None, None],
            [None] * 7,  # a trailing blank row, as spreadsheets keep them
        ]
    )

    report = import_file(resource=CustomerResource, path_or_bytes=data, file_format="xlsx")

    assert report.errors == []
    assert (report.rows, report.new) == (2, 2)
    numeric = Customer.objects.get(code="1001")
    assert (numeric.name, numeric.address, numeric.region.code) == (
        "广州明达贸易有限公司",
        "",
        "GZ",
    )


def test_export_has_the_contract_columns_with_codes_and_usernames(references):
    run_import(csv_bytes(*GOOD_ROWS))

    dataset = CustomerResource().export(queryset=Customer.objects.all())

    assert dataset.headers == HEADER.split(",")
    assert dataset.csv.splitlines() == [
        HEADER,
        "C001,广州明达贸易有限公司,020-81234567,广州市天河区体育西路1号,GZ,ordinary,sales1",
        "C002,深圳华星电子有限公司,,,SZ,ordinary,",
        "C003,广州市政府采购中心,020-80000000,广州市越秀区府前路1号,GZ,government,sales1",
    ]


def test_export_is_one_query_whatever_the_number_of_customers(references):
    CustomerFactory.create_batch(5)
    queryset = Customer.objects.order_by("code")  # no select_related from the caller

    with CaptureQueriesContext(connection) as queries:
        dataset = CustomerResource().export(queryset=queryset)

    assert len(dataset) == 5
    assert len(queries) == 1


def test_export_then_reimport_is_unchanged_in_csv_and_xlsx(references):
    CustomerFactory.create_batch(4, salesperson=references["sales1"], region=references["GZ"])
    CustomerFactory(salesperson=None, customer_type=None, region=None, phone="")
    before = snapshot()
    dataset = CustomerResource().export()

    for data, file_format in ((dataset.csv.encode(), "csv"), (dataset.xlsx, "xlsx")):
        report = import_file(resource=CustomerResource, path_or_bytes=data, file_format=file_format)
        assert report.errors == []
        assert (report.new, report.updated, report.unchanged) == (0, 0, 5)
    assert snapshot() == before


def test_contacts_import_through_the_contact_service_and_reimport_unchanged(references):
    customer = CustomerFactory(code="C001")
    header = "customer,name,role,phone,mobile,email,is_primary"
    data = csv_bytes(
        "C001,王伟,采购经理,020-1,13800000001,wang@example.com,1",
        "C001,李娜,财务,,13800000002,,0",
        header=header,
    )

    report = import_file(resource=ContactResource, path_or_bytes=data, file_format="csv")
    again = import_file(resource=ContactResource, path_or_bytes=data, file_format="csv")

    assert report.errors == [] and report.new == 2
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)
    primary = Contact.objects.get(customer=customer, is_primary=True)
    assert (primary.name, primary.role, primary.email) == ("王伟", "采购经理", "wang@example.com")
    assert primary.history.get().history_channel == Channel.IMPORT
    exported = ContactResource().export(queryset=Contact.objects.filter(customer=customer))
    assert exported.headers == header.split(",")
    assert sorted(exported.csv.splitlines()[1:]) == [
        "C001,李娜,财务,,13800000002,,0",
        "C001,王伟,采购经理,020-1,13800000001,wang@example.com,1",
    ]


def test_a_contact_of_an_unknown_customer_imports_nothing(references):
    ContactFactory(customer=CustomerFactory(code="C001"), name="旧联系人")
    data = csv_bytes(
        "C001,王伟,,,,,",
        "C404,李娜,,,,,",
        header="customer,name,role,phone,mobile,email,is_primary",
    )

    report = import_file(resource=ContactResource, path_or_bytes=data, file_format="csv")

    assert [(error.row, error.column) for error in report.errors] == [(3, "customer")]
    assert list(Contact.objects.values_list("name", flat=True)) == ["旧联系人"]


def numbered_rows(count: int, start: int = 0) -> list[str]:
    return [
        f"N{n:03d},批量客户{n},020-{n:07d},,GZ,ordinary,sales1" for n in range(start, start + count)
    ]


def import_queries(data: bytes) -> int:
    with CaptureQueriesContext(connection) as queries:
        report = run_import(data)
    assert report.errors == []
    return len(queries)


def test_new_customers_import_in_the_same_queries_for_3_rows_as_for_12(references):
    # References are looked up once per file and saved cards once per chunk of rows; the
    # new cards, their history and provenance are written a batch at a time.
    few = import_queries(csv_bytes(*numbered_rows(3)))
    many = import_queries(csv_bytes(*numbered_rows(12, start=100)))
    assert few == many
    assert Customer.objects.count() == 15
    assert Customer.history.filter(history_type="+", history_channel=Channel.IMPORT).count() == 15


def test_unchanged_customers_reimport_in_the_same_queries_whatever_the_rows(references):
    run_import(csv_bytes(*numbered_rows(12)))
    few = import_queries(csv_bytes(*numbered_rows(3)))
    many = import_queries(csv_bytes(*numbered_rows(12)))
    assert few == many
    assert Customer.history.count() == 12


def test_a_credit_code_another_customer_has_is_an_error_of_its_row(references):
    CustomerFactory(code="OLD", credit_code=VALID_CREDIT_CODE)
    before = snapshot()

    report = run_import(
        csv_bytes(
            GOOD_ROWS[0] + ",",
            GOOD_ROWS[1] + f",{VALID_CREDIT_CODE}",
            GOOD_ROWS[2] + ",",
            header=f"{HEADER},credit_code",
        )
    )

    assert [(error.row, error.column, error.message) for error in report.errors] == [
        (3, "credit_code", "Another customer has this credit code.")
    ]
    assert snapshot() == before


def test_customers_looked_up_a_chunk_at_a_time_update_the_right_cards(references, monkeypatch):
    monkeypatch.setattr("dataexchange.resources.INSTANCE_CHUNK", 2)
    for code in ("C001", "C003"):
        CustomerFactory(code=code, name=f"旧 {code}")

    report = run_import(csv_bytes(*GOOD_ROWS, "C004,新客户,,,,,"))

    assert (report.new, report.updated) == (2, 2)
    assert dict(Customer.objects.values_list("code", "name")) == {
        "C001": "广州明达贸易有限公司",
        "C002": "深圳华星电子有限公司",
        "C003": "广州市政府采购中心",
        "C004": "新客户",
    }
