"""Sale dates benchmark: what keeping the customers' first and last sale dates current costs
a sales load, and the refresh on its own, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/archive_crm_bench \
        .venv/bin/python bench/sale_dates.py --rows 2000000 --customers 100000 --extra 400000

Creates (once) the customers and products, empties the sales table and every customer's
sale dates, then:
  1. loads `--rows` lines over all customers into the empty table (every customer's dates
     are set);
  2. loads the same file again (adds nothing, so no customer is written);
  3. loads `--extra` new lines, dated after all the others, into the full table (most
     customers' last sale moves);
  4. calls the refresh directly for all customers: once with nothing to change, once after
     clearing every customer's dates (all of them written).
For each load it prints the whole load's time and the time of the statements that write the
sale dates (found by their SQL), so the refresh's share of a load is read directly.
"""

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive_crm.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from customers.models import Customer  # noqa: E402
from sales.loader import COLUMNS, sales_records_load  # noqa: E402
from sales.models import SalesRecord  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_sales import PREFIX, ensure_reference, truncate  # noqa: E402


def write_file(path: Path, *, rows: int, customers: int, products: int, start: date, days: int):
    rng = random.Random(f"{path.name}{rows}")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for n in range(rows):
            quantity = rng.randint(1, 50)
            writer.writerow(
                [
                    (start + timedelta(days=rng.randrange(days))).isoformat(),
                    f"{PREFIX}-C{rng.randrange(customers):06d}",
                    f"{PREFIX}-P{rng.randrange(products):05d}",
                    quantity,
                    f"{quantity * rng.randint(100, 99999) / 100:.2f}",
                    f"{path.stem}{n:010d}",
                ]
            )


def timed_load(label: str, path: Path) -> None:
    with path.open(encoding="utf-8") as handle, CaptureQueriesContext(connection) as queries:
        reader = csv.reader(handle)
        header = next(reader)
        started = time.perf_counter()
        report = sales_records_load(header=header, rows=reader)
        elapsed = time.perf_counter() - started
    if not report.ok:
        sys.exit(f"{label}: the load failed: {report.errors[:3]}")
    refresh = sum(float(q["time"]) for q in queries.captured_queries if "first_sale_on" in q["sql"])
    print(
        f"{label:<22}: load {elapsed:7.2f} s, of which sale dates {refresh:6.2f} s "
        f"({report.created:,} new lines)"
    )


def clear_sale_dates() -> None:
    Customer.objects.update(first_sale_on=None, last_sale_on=None)


def timed_refresh(label: str) -> None:
    from classification.services.lifecycle import customer_sale_dates_refresh

    started = time.perf_counter()
    written = customer_sale_dates_refresh()
    elapsed = time.perf_counter() - started
    print(f"{label:<22}: {elapsed:7.2f} s ({written:,} customers written)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--extra", type=int, default=400_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--products", type=int, default=2_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    call_command("migrate", verbosity=0)
    ensure_reference(args.customers, args.products)
    truncate()
    clear_sale_dates()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Customer._meta.db_table}")
    print(
        f"{Customer.objects.count():,} customers, PostgreSQL {connection.pg_version}; "
        f"{args.rows:,} lines, then {args.extra:,} more"
    )

    with tempfile.TemporaryDirectory() as folder:
        first, extra = Path(folder) / "BD.csv", Path(folder) / "BX.csv"
        sizes = {"customers": args.customers, "products": args.products}
        write_file(first, rows=args.rows, start=date(2024, 1, 1), days=1000, **sizes)
        write_file(extra, rows=args.extra, start=date(2027, 1, 1), days=90, **sizes)
        timed_load("load into empty table", first)
        timed_load("same file again", first)
        timed_load("later lines", extra)
    if SalesRecord.objects.count() != args.rows + args.extra:
        sys.exit("unexpected number of sales lines")
    timed_refresh("refresh, no change")
    clear_sale_dates()
    timed_refresh("refresh, all change")
    truncate()
    clear_sale_dates()


if __name__ == "__main__":
    main()
