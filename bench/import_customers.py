"""Customer import benchmark: the project's import path versus plain COPY, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/EMPTY_DATABASE \
        .venv/bin/python bench/import_customers.py [--rows 100000] [--json FILE]

On a database with no customers (it is migrated first), creates the regions and salespeople
the file refers to, writes a CSV of `--rows` customers (`code,name,phone,address,region,
customer_type,salesperson`), and in the same run:
  1. loads the same rows, resolved to ids, with plain COPY into the customers table, in a
     transaction rolled back (the floor of a load of new customers);
  2. imports the file with `manage.py import customers.resources.CustomerResource FILE
     --noinput` in a child process (every row new);
  3. loads a second file, every customer with a changed phone, with COPY into a scratch
     table and one UPDATE of the customers from it, rolled back (the floor of an update);
  4. imports that file with the same command (every row existing and changed).
It prints rows/s of each, the ratios and the peak memory of each child process
(`ru_maxrss`), and with `--json` writes them to FILE for `bench/run.py`.
"""

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive_crm.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.roles import SALES  # noqa: E402
from classification.models import CustomerType, Region  # noqa: E402
from customers.models import Customer  # noqa: E402

PREFIX = "IMP"
COLUMNS = ("code", "name", "phone", "address", "region", "customer_type", "salesperson")
SALESPEOPLE = 50
CITIES = 30
COMMAND = "customers.resources.CustomerResource"


def reference_data() -> tuple[list[str], list[str], list[str]]:
    """The codes of the regions and customer types and the usernames of the salespeople that
    the file names (customer types come with `migrate`)."""
    group, _ = Group.objects.get_or_create(name=SALES)
    usernames = []
    for n in range(1, SALESPEOPLE + 1):
        user, _ = get_user_model().objects.get_or_create(username=f"{PREFIX.lower()}-sales{n:02d}")
        user.groups.add(group)
        usernames.append(user.username)
    country, _ = Region.objects.get_or_create(code=f"{PREFIX}-CN", defaults={"name": "中国"})
    regions = [
        Region.objects.get_or_create(
            code=f"{PREFIX}-C{n:02d}", defaults={"name": f"城市{n:02d}", "parent": country}
        )[0].code
        for n in range(CITIES)
    ]
    types = list(CustomerType.objects.values_list("code", flat=True))
    return regions, types, usernames


def rows(count: int, regions, types, usernames, phone_prefix: str) -> list[list[str]]:
    return [
        [
            f"{PREFIX}{n:07d}",
            f"导入客户{n:07d}有限公司",
            f"{phone_prefix}{n:08d}",
            f"导入路{n % 997}号",
            regions[n % len(regions)],
            types[n % len(types)],
            usernames[n % len(usernames)],
        ]
        for n in range(count)
    ]


def write_csv(path: Path, lines: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        writer.writerows(lines)


def _copy_text(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def copy_buffer(lines: list[list[str]]) -> tuple[list[str], io.StringIO]:
    """The customers table's columns (all but the id) and the rows as COPY text: the file's
    values resolved to ids, every other column at the value a new card gets."""
    regions = dict(Region.objects.values_list("code", "pk"))
    types = dict(CustomerType.objects.values_list("code", "pk"))
    users = dict(get_user_model().objects.values_list("username", "pk"))
    now = timezone.now()
    fields = [field for field in Customer._meta.concrete_fields if not field.primary_key]
    defaults = {}
    for field in fields:
        if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
            defaults[field.attname] = now
        elif field.has_default():
            defaults[field.attname] = field.get_default()
        else:
            defaults[field.attname] = None if field.null else ""
    buffer = io.StringIO()
    for code, name, phone, address, region, customer_type, salesperson in lines:
        values = {
            **defaults,
            "code": code,
            "name": name,
            "phone": phone,
            "address": address,
            "region_id": regions[region],
            "customer_type_id": types[customer_type],
            "salesperson_id": users[salesperson],
        }
        buffer.write("\t".join(_copy_text(values[field.attname]) for field in fields) + "\n")
    buffer.seek(0)
    return [field.column for field in fields], buffer


class Rollback(Exception):
    pass


def copy_new_seconds(lines) -> float:
    """COPY of the rows into the customers table, rolled back."""
    columns, buffer = copy_buffer(lines)
    table = Customer._meta.db_table
    started = time.perf_counter()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN",  # noqa: S608
                buffer,
            )
            spent = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return spent


def copy_update_seconds(lines) -> float:
    """COPY of the changed rows into a scratch table and one UPDATE of the customers from
    it (by code), rolled back."""
    table = Customer._meta.db_table
    buffer = io.StringIO("".join(f"{line[0]}\t{line[2]}\n" for line in lines))
    started = time.perf_counter()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE bench_changed (code text, phone text)")
            cursor.copy_expert("COPY bench_changed (code, phone) FROM STDIN", buffer)
            cursor.execute(
                f"UPDATE {table} AS c SET phone = s.phone, version = c.version + 1, "  # noqa: S608
                "updated_at = now() FROM bench_changed AS s WHERE c.code = s.code"
            )
            spent = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return spent


def import_file(path: Path) -> tuple[float, int, str]:
    """Seconds, peak memory (KiB) and output of `manage.py import` in a child process."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        child = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "import", COMMAND, str(path), "--noinput"],
            cwd=BASE_DIR,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        spent = time.perf_counter() - started
        output.seek(0)
        text = output.read().decode(errors="replace")
    if child.returncode != 0:
        sys.exit(f"import of {path} failed ({child.returncode}):\n{text[-2000:]}")
    return spent, usage.ru_maxrss, text


def run(count: int) -> dict:
    if connection.vendor != "postgresql":
        sys.exit("Run it on PostgreSQL (DATABASE_URL=postgres://...).")
    call_command("migrate", verbosity=0)
    if Customer.objects.exists():
        sys.exit("The customers table must be empty: give a fresh database.")
    regions, types, usernames = reference_data()
    new = rows(count, regions, types, usernames, "138")
    changed = rows(count, regions, types, usernames, "139")
    result = {"rows": count}
    with tempfile.TemporaryDirectory() as folder:
        new_path, changed_path = Path(folder, "new.csv"), Path(folder, "changed.csv")
        write_csv(new_path, new)
        write_csv(changed_path, changed)
        result["copy_new_s"] = copy_new_seconds(new)
        result["import_new_s"], result["import_new_kib"], _ = import_file(new_path)
        imported = Customer.objects.filter(code__startswith=PREFIX).count()
        if imported != count:
            sys.exit(f"imported {imported} customers of {count}")
        result["copy_changed_s"] = copy_update_seconds(changed)
        result["import_changed_s"], result["import_changed_kib"], _ = import_file(changed_path)
        still = Customer.objects.filter(code__startswith=PREFIX, phone__startswith="138").count()
        if still:
            sys.exit(f"{still} customers kept their old phone after the second import")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--json", type=Path, help="write the figures to this file as JSON")
    options = parser.parse_args()
    result = run(options.rows)
    count = result["rows"]
    for step in ("new", "changed"):
        project = count / result[f"import_{step}_s"]
        floor = count / result[f"copy_{step}_s"]
        print(
            f"{step}: import {result[f'import_{step}_s']:.1f} s = {project:,.0f} rows/s "
            f"(peak {result[f'import_{step}_kib'] / 1024:.0f} MiB); COPY "
            f"{result[f'copy_{step}_s']:.2f} s = {floor:,.0f} rows/s; ratio {floor / project:.1f}"
        )
    if options.json:
        options.json.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
