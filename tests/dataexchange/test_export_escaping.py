"""Every export escapes text a spreadsheet would run as a formula, leaves numbers and phone
numbers as they are, and the files for machines import back unchanged: the admin's export
and `manage.py export`, in CSV and XLSX. (The customer list's export, a file for people in
their language, escapes by the same rule: tests/customers/test_export.py.)"""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
import tablib
from django.core.management import call_command
from django.urls import reverse

from customers.models import Customer
from customers.resources import CustomerResource
from dataexchange.formats import (
    EscapingCSV,
    EscapingXLSX,
    escape_formula,
    escape_formulae,
    unescape_formula,
)
from dataexchange.resources import cell_text
from dataexchange.services import import_file
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://x","y")'
PHONE = "+86 755 1234 5678"


# The rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (HYPERLINK, f"'{HYPERLINK}"),
        ("=1+2", "'=1+2"),
        ("+SUM(A1:A2)", "'+SUM(A1:A2)"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+2", "'\t=1+2"),
        ("\r=1+2", "'\r=1+2"),
        ("=", "'="),
        # Numbers and phone numbers stay as they are.
        (PHONE, PHONE),
        ("-12.5", "-12.5"),
        ("+1 (555) 123-4567", "+1 (555) 123-4567"),
        ("-", "-"),
        # Ordinary text, and text that starts with an apostrophe before anything else.
        ("华强贸易", "华强贸易"),
        ("0755-8888", "0755-8888"),
        ("'quoted", "'quoted"),
        # An apostrophe before a formula character gets one more, so import gives it back.
        ("'=x", "''=x"),
        ("''+86 755", "'''+86 755"),
    ],
)
def test_formula_like_text_gets_an_apostrophe_and_imports_back_unchanged(value, written):
    assert escape_formula(value) == written
    assert unescape_formula(written) == value


@pytest.mark.parametrize("value", [None, 5, -5, 1.5, Decimal("-5.00"), date(2026, 3, 1), True])
def test_values_that_are_not_text_keep_their_type(value):
    assert escape_formula(value) is value


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("'=SUM(A1)", "=SUM(A1)"),
        ("  '-x  ", "-x"),
        ("''=x", "'=x"),
        ("'quoted", "'quoted"),
        ("'123", "'123"),
        ("=SUM(A1)", "=SUM(A1)"),
    ],
)
def test_import_drops_one_apostrophe_before_a_formula_character(cell, text):
    assert cell_text(cell) == text


def test_escaping_a_dataset_keeps_headers_and_types_and_leaves_the_original_alone():
    dataset = tablib.Dataset(
        ["=1+2", 7, None, Decimal("-1.5"), PHONE], headers=["a", "b", "c", "d", "e"]
    )

    escaped = escape_formulae(dataset)

    assert escaped.headers == ["a", "b", "c", "d", "e"]
    assert list(escaped[0]) == ["'=1+2", 7, None, Decimal("-1.5"), PHONE]
    assert list(dataset[0]) == ["=1+2", 7, None, Decimal("-1.5"), PHONE]


def test_csv_writes_escaped_text_and_empty_cells_for_none():
    dataset = tablib.Dataset(["=1+2", None, 7], headers=["a", "b", "c"])

    assert EscapingCSV().export_data(dataset).splitlines() == ["a,b,c", "'=1+2,,7"]


def test_xlsx_stores_escaped_text_as_plain_strings_and_numbers_as_numbers():
    dataset = tablib.Dataset(["=1+2", None, 7, PHONE], headers=["a", "b", "c", "d"])

    sheet = openpyxl.load_workbook(io.BytesIO(EscapingXLSX().export_data(dataset))).active

    cells = [(cell.value, cell.data_type) for cell in sheet[2]]
    assert cells == [("'=1+2", "s"), (None, "n"), (7, "n"), (PHONE, "s")]


# The export paths for machines -------------------------------------------------------------


def export_admin(client, admin_user, file_format: str, tmp_path) -> bytes:
    """The admin's export page, posted as the browser does with every column ticked."""
    client.force_login(admin_user)
    url = reverse("admin:customers_customer_export")
    form = client.get(url).context["form"]
    formats = {label: value for value, label in form.fields["format"].choices}
    data = {"format": formats[file_format], "resource": "0"}
    data |= {name: "on" for name in form.fields if name.startswith("customerresource_")}
    response = client.post(url, data)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'.{file_format}"')
    return response.content


def export_command(client, user, file_format: str, tmp_path) -> bytes:
    path = tmp_path / f"customers.{file_format}"
    call_command("export", "customers.resources.CustomerResource", str(path), stdout=io.StringIO())
    return path.read_bytes()


EXPORTS = [
    pytest.param(export_admin, "admin_user", id="admin"),
    pytest.param(export_command, "admin_user", id="command"),
]


def exported_cells(content: bytes, file_format: str, code: str) -> dict:
    """The exported row of customer `code`: column -> (value, XLSX data type or None)."""
    if file_format == "csv":
        rows = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
        row = next(row for row in rows if row["code"] == code)
        return {column: (value, None) for column, value in row.items()}
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    header, *rows = list(sheet.iter_rows())
    columns = [cell.value for cell in header]
    row = next(row for row in rows if row[columns.index("code")].value == code)
    return {column: (cell.value, cell.data_type) for column, cell in zip(columns, row, strict=True)}


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize(("export", "user"), EXPORTS)
def test_every_export_escapes_a_formula_name_keeps_the_phone_and_imports_back_unchanged(
    request, client, tmp_path, export, user, file_format
):
    customer = CustomerFactory(code="C001", name=HYPERLINK, phone=PHONE)
    history = Customer.history.count()

    content = export(client, request.getfixturevalue(user), file_format, tmp_path)

    cells = exported_cells(content, file_format, "C001")
    text_type = "s" if file_format == "xlsx" else None
    assert cells["name"] == (f"'{HYPERLINK}", text_type)
    assert cells["phone"] == (PHONE, text_type)

    report = import_file(resource=CustomerResource, path_or_bytes=content, file_format=file_format)

    assert report.errors == []
    assert (report.new, report.updated, report.unchanged) == (0, 0, 1)
    saved = Customer.objects.get(pk=customer.pk)
    assert (saved.name, saved.phone, saved.version) == (HYPERLINK, PHONE, customer.version)
    assert Customer.history.count() == history


@pytest.mark.parametrize(
    "name", ["=1+2", "'=already quoted", "''@twice", "'plain", "-12.5", "@user", "-折扣客户"]
)
def test_names_round_trip_through_the_command_exactly(tmp_path, name):
    customer = CustomerFactory(code="C001", name=name)
    path = tmp_path / "customers.csv"
    call_command("export", "customers.resources.CustomerResource", str(path), stdout=io.StringIO())

    report = import_file(resource=CustomerResource, path_or_bytes=path)

    assert (report.errors, report.unchanged) == ([], 1)
    saved = Customer.objects.get(pk=customer.pk)
    assert (saved.name, saved.version) == (name, customer.version)
