"""Sales facts through the project's `import` command: all or nothing, any encoding."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from sales.models import Product, ProductCategory, SalesRecord
from tests.customers.factories import CustomerFactory
from tests.sales.factories import ProductCategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

SALES = "sales.resources.SalesRecordResource"
GOOD_CSV = (
    "date,customer,product,quantity,amount,document_no\n"
    "2026-03-01,C1,P1,2,20.00,SO-1\n"
    "2026-03-01,C1,P2,1,9.90,SO-1\n"
    "2026-03-02,C2,P1,5,50.00,\n"
)


@pytest.fixture
def known():
    CustomerFactory(code="C1")
    CustomerFactory(code="C2")
    ProductFactory(code="P1")
    ProductFactory(code="P2")


def run_import(resource, path, *args):
    call_command("import", resource, str(path), "--noinput", *args)


@pytest.mark.parametrize(
    ("encoding", "prefix"), [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", b"")]
)
def test_csv_in_each_encoding_imports_fully(known, tmp_path, encoding, prefix):
    path = tmp_path / "sales.csv"
    path.write_bytes(prefix + GOOD_CSV.replace("SO-1", "单据-1").encode(encoding))
    run_import(SALES, path)
    assert SalesRecord.objects.count() == 3
    assert set(SalesRecord.objects.values_list("document_no", flat=True)) == {"单据-1", ""}


def test_xlsx_imports_with_real_dates_and_numbers(known, tmp_path):
    from datetime import datetime

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["date", "customer", "product", "quantity", "amount"])
    sheet.append([datetime(2026, 3, 1), "C1", "P1", 2, 20.5])  # noqa: DTZ001
    sheet.append(["2026-03-02", "C2", "P2", 1, "9.90"])
    path = tmp_path / "sales.xlsx"
    workbook.save(path)
    run_import(SALES, path)
    assert sorted(SalesRecord.objects.values_list("amount", flat=True)) == [
        Decimal("9.90"),
        Decimal("20.50"),
    ]


def test_same_file_twice_adds_nothing(known, tmp_path, capsys):
    path = tmp_path / "sales.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    run_import(SALES, path)
    run_import(SALES, path)
    assert SalesRecord.objects.count() == 3
    assert "3 row(s): 0 new, 0 updated, 3 unchanged." in capsys.readouterr().out


def test_bad_row_in_the_middle_imports_nothing_and_exits_non_zero(known, tmp_path, capsys):
    path = tmp_path / "sales.csv"
    path.write_text(GOOD_CSV.replace("2026-03-01,C1,P2", "2026-02-30,C1,P2"), encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was imported"):
        run_import(SALES, path)
    assert "row 3, column date:" in capsys.readouterr().err
    assert SalesRecord.objects.count() == 0


def test_dry_run_writes_nothing(known, tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    run_import(SALES, path, "--dry-run")
    assert SalesRecord.objects.count() == 0


def test_wrong_encoding_given_is_a_clear_error(known, tmp_path, capsys):
    path = tmp_path / "sales.csv"
    path.write_bytes(GOOD_CSV.replace("SO-1", "单据").encode("gb18030"))
    with pytest.raises(CommandError, match="nothing was imported"):
        run_import(SALES, path, "--encoding", "utf-8")
    assert "The file is not in utf-8; give its encoding." in capsys.readouterr().err
    assert SalesRecord.objects.count() == 0


def test_categories_and_products_import_and_round_trip(tmp_path):
    categories = tmp_path / "categories.csv"
    categories.write_text("code,name\nDRK,饮料\nSNK,零食\n", encoding="utf-8")
    run_import("sales.resources.ProductCategoryResource", categories)
    products = tmp_path / "products.csv"
    products.write_text(
        "code,name,category,unit_price\nP1,矿泉水,DRK,24.00\nP2,薯片,零食,6.50\n", encoding="utf-8"
    )
    run_import("sales.resources.ProductResource", products)
    assert list(Product.objects.values_list("code", "category__code", "unit_price")) == [
        ("P1", "DRK", Decimal("24.00")),
        ("P2", "SNK", Decimal("6.50")),
    ]
    exported = tmp_path / "export.csv"
    call_command("export", "sales.resources.ProductResource", str(exported))
    run_import("sales.resources.ProductResource", exported)
    assert Product.objects.count() == 2
    assert ProductCategory.objects.count() == 2


def test_product_with_unknown_category_imports_nothing(tmp_path, capsys):
    ProductCategoryFactory(code="DRK")
    path = tmp_path / "products.csv"
    path.write_text(
        "code,name,category,unit_price\nP1,矿泉水,DRK,24\nP2,薯片,NOPE,6.5\n", encoding="utf-8"
    )
    with pytest.raises(CommandError):
        run_import("sales.resources.ProductResource", path)
    assert "row 3, column category" in capsys.readouterr().err
    assert Product.objects.count() == 0


def test_sales_export_re_imports_unchanged(known, tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    run_import(SALES, path)
    exported = tmp_path / "export.csv"
    call_command("export", SALES, str(exported))
    header = exported.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == "date,customer,product,quantity,amount,document_no"
    run_import(SALES, exported)
    assert SalesRecord.objects.count() == 3


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_sales_export_of_a_formula_like_document_number_re_imports_unchanged(
    known, tmp_path, extension
):
    path = tmp_path / "sales.csv"
    path.write_text(
        "date,customer,product,quantity,amount,document_no\n2026-03-01,C1,P1,2,20.00,-SO1\n",
        encoding="utf-8",
    )
    run_import(SALES, path)
    exported = tmp_path / f"export.{extension}"
    call_command("export", SALES, str(exported))

    run_import(SALES, exported)

    assert list(SalesRecord.objects.values_list("document_no", flat=True)) == ["-SO1"]
