"""`manage.py import` and `manage.py export`: the project's commands (not
django-import-export's), all or nothing, non-zero exit on any error."""

from io import StringIO

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError

from customers.models import Channel, Customer
from tests.customers.factories import CustomerFactory, RegionFactory

pytestmark = pytest.mark.django_db

RESOURCE = "customers.resources.CustomerResource"
HEADER = "code,name,phone,address,region,customer_type,salesperson"


@pytest.fixture
def region(db):
    return RegionFactory(code="GZ", name="广州市", name_en="Guangzhou")


def write(tmp_path, name: str, *rows: str, encoding: str = "utf-8-sig"):
    path = tmp_path / name
    path.write_bytes("\n".join([HEADER, *rows, ""]).encode(encoding))
    return path


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_and_export_are_the_projects_commands():
    commands = get_commands()
    assert (commands["import"], commands["export"]) == ("dataexchange", "dataexchange")


def test_a_good_file_imports_and_prints_the_counts(tmp_path, region, salesperson):
    path = write(tmp_path, "customers.csv", "C001,甲公司,,,GZ,ordinary,sales1", "C002,乙公司,,,,,")

    out, err = run("import", RESOURCE, str(path), "--noinput")

    assert out == f"Imported {path}. 2 row(s): 2 new, 0 updated, 0 unchanged.\n"
    assert err == ""
    customer = Customer.objects.get(code="C001")
    assert (customer.region, customer.salesperson) == (region, salesperson)
    assert customer.history.get().history_channel == Channel.IMPORT


def test_a_bad_row_fails_the_command_lists_it_and_imports_nothing(tmp_path, region):
    path = write(
        tmp_path, "customers.csv", "C001,甲公司,,,GZ,,", "C002,乙公司,,,火星,,", "C003,丙,,,,,ghost"
    )
    err = StringIO()

    with pytest.raises(CommandError, match="2 error\\(s\\); nothing was imported"):
        call_command("import", RESOURCE, str(path), "--noinput", stderr=err)

    assert err.getvalue().splitlines() == [
        "row 3, column region: No region has the code or name “火星”.",
        "row 4, column salesperson: No user has the username “ghost”.",
    ]
    assert Customer.objects.count() == 0


def test_a_missing_column_fails_the_command(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("code,phone\nC001,020-1\n", encoding="utf-8")
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import", RESOURCE, str(path), "--noinput", stderr=err)

    assert err.getvalue() == "row 1, column name: required column is missing\n"


def test_the_importing_user_is_recorded_in_the_history(tmp_path, manager):
    path = write(tmp_path, "customers.csv", "C001,甲公司,,,,,")

    run("import", RESOURCE, str(path), "--noinput", "--user", "manager")

    assert Customer.objects.get(code="C001").history.get().history_user == manager


def test_dry_run_writes_nothing(tmp_path, region):
    path = write(tmp_path, "customers.csv", "C001,甲公司,,,GZ,,")

    out, _ = run("import", RESOURCE, str(path), "--noinput", "--dry-run")

    assert out == f"Dry run of {path}, nothing written. 1 row(s): 1 new, 0 updated, 0 unchanged.\n"
    assert Customer.objects.count() == 0


def test_encoding_and_format_options(tmp_path, region):
    path = write(tmp_path, "customers.txt", "C001,甲公司,,,广州市,,", encoding="gbk")

    run("import", RESOURCE, str(path), "--noinput", "--encoding", "gbk", "--format", "csv")

    assert Customer.objects.get(code="C001").name == "甲公司"


def test_a_wrong_encoding_fails_the_command(tmp_path):
    path = write(tmp_path, "customers.csv", "C001,甲公司,,,,,", encoding="gb18030")

    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import", RESOURCE, str(path), "--encoding", "utf-8", stderr=err)

    assert err.getvalue() == "The file is not in utf-8; give its encoding.\n"


def test_an_unknown_resource_fails_the_command(tmp_path):
    path = write(tmp_path, "customers.csv")

    with pytest.raises(CommandError, match="No resource"):
        call_command("import", "customers.resources.Nothing", str(path))


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_export_then_import_round_trip_is_unchanged(tmp_path, region, salesperson, extension):
    CustomerFactory.create_batch(3, region=region, salesperson=salesperson)
    CustomerFactory(region=None, salesperson=None, customer_type=None)
    versions = sorted(Customer.objects.values_list("code", "version"))
    history = Customer.history.count()
    path = tmp_path / f"customers.{extension}"

    out, _ = run("export", RESOURCE, str(path))
    assert out == f"Exported 4 row(s) to {path}.\n"
    out, _ = run("import", RESOURCE, str(path), "--noinput")

    assert out.endswith("4 row(s): 0 new, 0 updated, 4 unchanged.\n")
    assert sorted(Customer.objects.values_list("code", "version")) == versions
    assert Customer.history.count() == history


def test_export_to_standard_output(region):
    CustomerFactory(
        code="C001", name="甲公司", phone="", address="", region=region, salesperson=None
    )

    out, _ = run("export", RESOURCE, "-")

    assert out.splitlines() == [HEADER, "C001,甲公司,,,GZ,ordinary,"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--encoding", "no-such-codec"], "Unknown encoding no-such-codec."),
        (["--encoding", "ascii"], "cannot be written in ascii"),
    ],
)
def test_export_with_a_bad_encoding_fails_cleanly_and_writes_nothing(
    tmp_path, region, args, message
):
    CustomerFactory(code="C001", name="甲公司", region=region)
    target = tmp_path / "out.csv"
    with pytest.raises(CommandError, match=message):
        run("export", RESOURCE, str(target), *args)
    assert not target.exists()


def test_export_to_a_missing_folder_fails_cleanly(tmp_path, region):
    with pytest.raises(CommandError, match="Cannot write"):
        run("export", RESOURCE, str(tmp_path / "missing" / "out.csv"))
