"""Every import resource holds each row to the model's own validation: a row the model
refuses is an error of its row and column, the command fails, and nothing is written."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.models import Contact, Customer
from dataexchange.services import import_file
from sales.models import Product, ProductCategory, SalesRecord
from tests.customers.factories import ContactFactory, CustomerFactory
from tests.sales.factories import ProductCategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

TOO_LONG_PHONE = "0" * 41  # the card's and the contact's phone hold 40 characters


def failed_import(tmp_path, resource: str, text: str) -> list[str]:
    """Run `manage.py import` on a CSV file that must fail; its error lines."""
    path = tmp_path / "import.csv"
    path.write_text(text, encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import", resource, str(path), "--noinput", stderr=err)
    return err.getvalue().splitlines()


# Product categories and products: the resource runs full_clean -----------------------------


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("SNK,", "name"),  # a category must have a name
        (f"{'S' * 33},零食", "code"),  # codes hold 32 characters
    ],
)
def test_a_category_the_model_refuses_fails_the_import_by_row_and_column(tmp_path, row, column):
    errors = failed_import(
        tmp_path, "sales.resources.ProductCategoryResource", f"code,name\nDRK,饮料\n{row}\n"
    )

    assert len(errors) == 1
    assert errors[0].startswith(f"row 3, column {column}: ")
    assert ProductCategory.objects.count() == 0


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("-5", "Ensure this value is greater than or equal to 0."),
        ("1.005", "Ensure that there are no more than 2 decimal places."),
    ],
)
def test_a_product_price_the_model_refuses_fails_the_import(tmp_path, price, message):
    ProductCategoryFactory(code="DRK")

    errors = failed_import(
        tmp_path,
        "sales.resources.ProductResource",
        f"code,name,category,unit_price\nP1,矿泉水,DRK,24\nP2,可乐,DRK,{price}\n",
    )

    assert errors == [f"row 3, column unit_price: {message}"]
    assert Product.objects.count() == 0


def test_a_blank_product_name_fails_the_import(tmp_path):
    ProductCategoryFactory(code="DRK")

    errors = failed_import(
        tmp_path, "sales.resources.ProductResource", "code,name,category,unit_price\nP1,,DRK,24\n"
    )

    assert errors == ["row 2, column name: This field cannot be blank."]
    assert Product.objects.count() == 0


def test_an_update_the_model_refuses_leaves_every_product_as_it_was(tmp_path):
    drinks = ProductCategoryFactory(code="DRK")
    ProductFactory(code="P1", name="矿泉水", category=drinks, unit_price=Decimal("24.00"))
    ProductFactory(code="P2", name="可乐", category=drinks, unit_price=Decimal("3.00"))

    errors = failed_import(
        tmp_path,
        "sales.resources.ProductResource",
        "code,name,category,unit_price\nP1,矿泉水,DRK,25\nP2,可乐,DRK,-3\n",
    )

    assert errors == ["row 3, column unit_price: Ensure this value is greater than or equal to 0."]
    assert list(Product.objects.order_by("code").values_list("code", "unit_price")) == [
        ("P1", Decimal("24.00")),
        ("P2", Decimal("3.00")),
    ]


def test_import_file_reports_the_model_error_and_writes_nothing():
    ProductCategoryFactory(code="DRK")

    report = import_file(
        resource="sales.resources.ProductResource",
        path_or_bytes=b"code,name,category,unit_price\nP1,Water,DRK,-5\n",
        file_format="csv",
    )

    assert [(error.row, error.column) for error in report.errors] == [(2, "unit_price")]
    assert not report.written
    assert Product.objects.count() == 0


def test_model_validation_costs_no_query_per_row():
    """The category a row refers to is loaded once per file and the product code is the
    import key: validating neither again leaves each new row at its savepoint, INSERT and
    release."""
    ProductCategoryFactory(code="DRK")

    def queries(rows: int) -> int:
        lines = "".join(f"Q{rows}-{n},Water,DRK,1\n" for n in range(rows))
        with CaptureQueriesContext(connection) as captured:
            report = import_file(
                resource="sales.resources.ProductResource",
                path_or_bytes=f"code,name,category,unit_price\n{lines}".encode(),
                file_format="csv",
            )
        assert report.written
        return len(captured)

    assert queries(12) - queries(3) == 9 * 3


def test_the_admin_import_page_shows_the_model_error_and_offers_no_confirmation(client, admin_user):
    ProductCategoryFactory(code="DRK")
    client.force_login(admin_user)
    upload = SimpleUploadedFile(
        "products.csv", b"code,name,category,unit_price\nP1,Water,DRK,24\nP2,Cola,DRK,-5\n"
    )

    response = client.post(
        reverse("admin:sales_product_import"), {"import_file": upload, "format": "0"}
    )

    assert response.status_code == 200
    result = response.context["result"]
    assert [(row.number, row.error_dict) for row in result.invalid_rows] == [
        (2, {"unit_price": ["Ensure this value is greater than or equal to 0."]})
    ]
    assert "confirm_form" not in response.context
    assert Product.objects.count() == 0


# Sales records: the bulk loader's checks refuse what the model refuses ---------------------


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ("C1,P1,1.0005,10.00,", "quantity"),  # the model keeps 3 decimals
        ("C1,P1,123456789012,10.00,", "quantity"),  # and 11 digits before them
        ("C1,P1,1,10.005,", "amount"),  # cents
        (f"C1,P1,1,10.00,{'D' * 41}", "document_no"),  # 40 characters
    ],
)
def test_a_sales_line_the_model_refuses_fails_the_import(tmp_path, cells, column):
    CustomerFactory(code="C1")
    ProductFactory(code="P1")

    errors = failed_import(
        tmp_path,
        "sales.resources.SalesRecordResource",
        "date,customer,product,quantity,amount,document_no\n"
        "2026-03-01,C1,P1,1,10.00,SO-1\n"
        f"2026-03-02,{cells}\n",
    )

    assert len(errors) == 1
    assert errors[0].startswith(f"row 3, column {column}: ")
    assert SalesRecord.objects.count() == 0


# Customers and contacts: the card services validate, their errors are row errors -----------


def test_a_new_customer_the_model_refuses_fails_the_import(tmp_path):
    errors = failed_import(
        tmp_path,
        "customers.resources.CustomerResource",
        f"code,name,phone\nC001,甲公司,020-1\nC002,乙公司,{TOO_LONG_PHONE}\n",
    )

    assert errors == [
        "row 3, column phone: Ensure this value has at most 40 characters (it has 41)."
    ]
    assert Customer.objects.count() == 0


def test_a_customer_update_the_model_refuses_fails_the_import_and_keeps_the_card(tmp_path):
    customer = CustomerFactory(code="C001", phone="020-1")

    errors = failed_import(
        tmp_path,
        "customers.resources.CustomerResource",
        f"code,name,phone\nC001,{customer.name},{TOO_LONG_PHONE}\nC002,乙公司,020-2\n",
    )

    assert errors == [
        "row 2, column phone: Ensure this value has at most 40 characters (it has 41)."
    ]
    assert list(Customer.objects.values_list("code", "phone", "version")) == [
        ("C001", "020-1", customer.version)
    ]


def test_a_contact_the_model_refuses_fails_the_import_and_keeps_the_contacts(tmp_path):
    customer = CustomerFactory(code="C001")
    ContactFactory(customer=customer, name="李雷", email="li@example.com")

    errors = failed_import(
        tmp_path,
        "customers.resources.ContactResource",
        "customer,name,email\nC001,李雷,lei@example.com\nC001,韩梅梅,not-an-address\n",
    )

    assert errors == ["row 3, column email: Enter a valid email address."]
    assert list(Contact.objects.values_list("name", "email")) == [("李雷", "li@example.com")]
