"""Import benchmark: sales records through the project's import path versus plain COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/archive_crm_bench \
        .venv/bin/python bench/import_sales.py --rows 1000000

Creates (once) the customers and products the file refers to, writes a CSV of `--rows`
sales lines, then in the same run:
  1. imports it with `manage.py import sales.resources.SalesRecordResource FILE --noinput`
     (the project's path: decoding, validation, code resolution, all-or-nothing load);
  2. imports it again (every line already there: adds nothing);
  3. empties the table and loads the same rows, already resolved to ids, with plain COPY
     into the same table (same indexes), and once more with the indexes dropped before
     and built again after the COPY;
and prints rows/s for each and the ratios. Peak memory of the project's path is measured
in a child process at a quarter of the rows and at all of them (flat means constant).
"""

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from datetime import date, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive_crm.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from customers.models import Customer  # noqa: E402
from sales.loader import COLUMNS, line_key, secondary_indexes_rebuilt  # noqa: E402
from sales.models import Product, ProductCategory, SalesRecord  # noqa: E402

PREFIX = "BENCH"


def ensure_reference(customers: int, products: int) -> None:
    existing = Customer.objects.filter(code__startswith=f"{PREFIX}-C").count()
    if existing < customers:
        Customer.objects.bulk_create(
            [
                Customer(code=f"{PREFIX}-C{n:06d}", name=f"基准客户{n:06d}")
                for n in range(existing, customers)
            ],
            batch_size=5000,
        )
    category, _ = ProductCategory.objects.get_or_create(
        code=f"{PREFIX}-CAT", defaults={"name": "基准类别"}
    )
    existing = Product.objects.filter(code__startswith=f"{PREFIX}-P").count()
    if existing < products:
        Product.objects.bulk_create(
            [
                Product(code=f"{PREFIX}-P{n:05d}", name=f"基准商品{n}", category=category)
                for n in range(existing, products)
            ]
        )


def write_file(path: Path, rows: int, customers: int, products: int, seed: int) -> None:
    rng = random.Random(seed)
    start = date(2024, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for n in range(rows):
            quantity = rng.randint(1, 50)
            writer.writerow(
                [
                    (start + timedelta(days=rng.randrange(1000))).isoformat(),
                    f"{PREFIX}-C{rng.randrange(customers):06d}",
                    f"{PREFIX}-P{rng.randrange(products):05d}",
                    quantity,
                    f"{quantity * rng.randint(100, 99999) / 100:.2f}",
                    f"B{n:010d}",
                ]
            )


def truncate() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {SalesRecord._meta.db_table}")


def project_import(path: Path) -> float:
    started = time.perf_counter()
    call_command("import", "sales.resources.SalesRecordResource", str(path), "--noinput")
    return time.perf_counter() - started


def copy_baselines(path: Path) -> tuple[float, float]:
    """The same rows with plain COPY, from a file already holding ids: straight into the
    indexed table, and into the table with its indexes dropped and built again afterwards
    (PostgreSQL's own advice for a large load, and what the project's path does for one)."""
    customers = dict(Customer.objects.filter(code__startswith=PREFIX).values_list("code", "pk"))
    products = dict(Product.objects.filter(code__startswith=PREFIX).values_list("code", "pk"))
    resolved = path.with_suffix(".ids.csv")
    with path.open(encoding="utf-8") as source, resolved.open("w", newline="") as target:
        reader, writer = csv.reader(source), csv.writer(target)
        next(reader)
        for day, customer, product, quantity, amount, document_no in reader:
            # The same natural key the import computes (the file always has document_no).
            key = line_key(
                document_no=document_no,
                sale_date=day,
                customer_code=customer,
                product_code=product,
                quantity=quantity,
                amount=amount,
            )
            writer.writerow(
                [day, customers[customer], products[product], quantity, amount, document_no, key]
            )
    table = SalesRecord._meta.db_table
    statement = (
        f"COPY {table} (date, customer_id, product_id, quantity, amount, document_no, "
        "line_key) FROM STDIN WITH (FORMAT csv)"
    )
    elapsed = []
    for rebuild in (False, True):
        truncate()
        started = time.perf_counter()
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            resolved.open() as handle,
            secondary_indexes_rebuilt(cursor, table) if rebuild else nullcontext(),
        ):
            cursor.cursor.copy_expert(statement, handle)
        elapsed.append(time.perf_counter() - started)
    resolved.unlink()
    return elapsed[0], elapsed[1]


CHILD = """
import os, resource, sys
sys.path.insert(0, sys.argv[1])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive_crm.settings")
import django
django.setup()
from django.core.management import call_command
call_command("import", "sales.resources.SalesRecordResource", sys.argv[2], "--noinput")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def child_peak_memory(path: Path) -> int:
    """Peak RSS (KiB) of a fresh process importing `path` through the project's path."""
    truncate()
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", CHILD, str(BASE_DIR), str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout.strip().splitlines()[-1])


def expect_rows(count: int) -> None:
    if SalesRecord.objects.count() != count:
        sys.exit(f"expected {count:,} sales records, found {SalesRecord.objects.count():,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--products", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the baseline is COPY.")
    call_command("migrate", verbosity=0)
    ensure_reference(args.customers, args.products)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sales.csv"
        write_file(path, args.rows, args.customers, args.products, args.seed)
        size_mb = path.stat().st_size / 1e6
        print(
            f"file: {args.rows:,} rows, {size_mb:.1f} MB; {args.customers:,} customers, "
            f"{args.products:,} products; PostgreSQL {connection.pg_version}"
        )

        truncate()
        project = project_import(path)
        expect_rows(args.rows)
        again = project_import(path)  # re-import: everything is already there
        expect_rows(args.rows)
        copy, copy_rebuilt = copy_baselines(path)
        expect_rows(args.rows)

        project_rate = args.rows / project
        copy_rate, rebuilt_rate = args.rows / copy, args.rows / copy_rebuilt
        print(f"project import : {project:7.2f} s  {project_rate:>10,.0f} rows/s")
        print(f"re-import      : {again:7.2f} s  (adds nothing)")
        print(f"plain COPY     : {copy:7.2f} s  {copy_rate:>10,.0f} rows/s  (indexes kept)")
        print(
            f"COPY + rebuild : {copy_rebuilt:7.2f} s  {rebuilt_rate:>10,.0f} rows/s  "
            "(indexes dropped and rebuilt)"
        )
        print(
            f"ratio          : {project_rate / copy_rate:.2f} of plain COPY's rate, "
            f"{project_rate / rebuilt_rate:.2f} of COPY + rebuild"
        )

        if not args.skip_memory:
            quarter = Path(folder) / "quarter.csv"
            with path.open() as source, quarter.open("w") as target:
                for number, line in enumerate(source):
                    if number > args.rows // 4:
                        break
                    target.write(line)
            small, large = child_peak_memory(quarter), child_peak_memory(path)
            print(
                f"peak memory    : {small / 1024:.0f} MiB at {args.rows // 4:,} rows, "
                f"{large / 1024:.0f} MiB at {args.rows:,} rows"
            )
        truncate()
    print(f"self rusage    : {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
