"""Report benchmark: each report API endpoint over one year, side by side with the plain SQL
that computes the same rows, at 100k customers and 2M sales lines on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/archive_crm_bench_reports \
        .venv/bin/python bench/report_queries.py [--customers 100000] [--rows 2000000] \
        [--runs 7] [--only SLUG ...] [--explain]

Builds the data once (kept in that database between runs): a region tree (a country, six
provinces, thirty cities) with two routes per city, a two-level product category tree with
200 products, 20 salespeople, `--customers` customers spread over the cities, routes,
customer types, ownership forms, grades (a quarter without one) and salespeople, a grade
history in which a third of the customers changed grade in the middle of the data's span,
`--rows` sales lines over three years loaded with COPY, and each customer's first and last
sale dates.

The endpoints are the analyses of `reports.catalogue.ANALYSES`, so an analysis added there
is measured too: those on the reports' index over all customers, those reached from a
customer's card (`listed=False`) for one customer; and the sales composition once more by
the grade each customer had on the day of each sale. Each endpoint is requested for 2025 by
a manager with an API token through Django's test client (the whole API path: token
authentication, the role, the filters, the generator's queries, serialisation, JSON) and
timed against the statements that request ran, executed directly on the database cursor
and fetched, the two alternating. The medians of `--runs` runs after two warm-ups are
printed as a Markdown table with their ratio and the number of statements. `--explain`
prints each statement's `EXPLAIN (ANALYZE, BUFFERS)` plan, to find where an endpoint's time
goes.
"""

import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive_crm.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts.roles import MANAGER, SALES  # noqa: E402
from classification.models import (  # noqa: E402
    CustomerType,
    GradeLevel,
    OwnershipForm,
    Region,
    Route,
)
from classification.services.lifecycle import customer_sale_dates_refresh  # noqa: E402
from customers.models import Customer, GradeHistory  # noqa: E402
from reports.catalogue import ANALYSES  # noqa: E402
from sales.models import Product, ProductCategory, SalesRecord  # noqa: E402

PREFIX = "RB"
START = date(2024, 1, 1)
SPAN_DAYS = 3 * 365
REGRADE_DAY = START + timedelta(days=SPAN_DAYS // 2)
PERIOD = (date(2025, 1, 1), date(2025, 12, 31))
TARGET_RATIO = 1.5
SLOW_MS = 2000


def _reference_data(rng: random.Random):
    """The users, regions, routes and product tree the customers and sales refer to."""
    User = get_user_model()
    sales_group, _ = Group.objects.get_or_create(name=SALES)
    manager_group, _ = Group.objects.get_or_create(name=MANAGER)
    manager, _ = User.objects.get_or_create(username=f"{PREFIX.lower()}-manager")
    manager.groups.add(manager_group)
    salespeople = []
    for n in range(20):
        user, _ = User.objects.get_or_create(username=f"{PREFIX.lower()}-sales{n:02d}")
        user.groups.add(sales_group)
        salespeople.append(user)
    country, _ = Region.objects.get_or_create(code=f"{PREFIX}-CN", defaults={"name": "中国"})
    provinces = [
        Region.objects.get_or_create(
            code=f"{PREFIX}-P{n}", defaults={"name": f"省{n}", "parent": country}
        )[0]
        for n in range(6)
    ]
    cities = [
        Region.objects.get_or_create(
            code=f"{PREFIX}-C{n}", defaults={"name": f"市{n}", "parent": provinces[n % 6]}
        )[0]
        for n in range(30)
    ]
    routes = {
        city.pk: [
            Route.objects.get_or_create(
                code=f"{PREFIX}-R{n}-{k}",
                defaults={
                    "name": f"路线{n}-{k}",
                    "region": city,
                    "salesperson": rng.choice(salespeople),
                },
            )[0]
            for k in range(2)
        ]
        for n, city in enumerate(cities)
    }
    tops = [
        ProductCategory.objects.get_or_create(code=f"{PREFIX}-T{n}", defaults={"name": f"大类{n}"})[
            0
        ]
        for n in range(4)
    ]
    subs = [
        ProductCategory.objects.get_or_create(
            code=f"{PREFIX}-S{n}", defaults={"name": f"小类{n}", "parent": tops[n % 4]}
        )[0]
        for n in range(12)
    ]
    existing = Product.objects.filter(code__startswith=PREFIX).count()
    Product.objects.bulk_create(
        [
            Product(code=f"{PREFIX}-PR{n:04d}", name=f"商品{n}", category=subs[n % 12])
            for n in range(existing, 200)
        ]
    )
    return salespeople, cities, routes


def _customers(rng: random.Random, customers: int, salespeople, cities, routes) -> None:
    """The customers and their grade history, in one transaction (a run stopped halfway
    leaves none of them)."""
    grades = list(GradeLevel.objects.filter(is_active=True).order_by("order"))
    types = list(CustomerType.objects.all())
    ownerships = list(OwnershipForm.objects.all())
    existing = Customer.objects.filter(code__startswith=PREFIX).count()
    positions: dict[int, int] = {}
    batch = []
    for n in range(existing, customers):
        city = rng.choice(cities)
        route = rng.choice([*routes[city.pk], None])
        if route is not None:
            positions[route.pk] = positions.get(route.pk, 0) + 1
        batch.append(
            Customer(
                code=f"{PREFIX}{n:06d}",
                name=f"基准客户{n:06d}",
                region=city,
                route=route,
                route_position=positions[route.pk] if route else None,
                customer_type=rng.choice(types),
                ownership=rng.choice(ownerships),
                salesperson=rng.choice(salespeople),
                grade=rng.choice([*grades, None]),
            )
        )
    with transaction.atomic():
        created = Customer.objects.bulk_create(batch, batch_size=5000)
        history = []
        for customer in created:
            periods = [(START, None, customer.grade)]
            if customer.pk % 3 == 0:
                periods = [
                    (START, REGRADE_DAY, rng.choice(grades)),
                    (REGRADE_DAY, None, customer.grade),
                ]
            history.extend(
                GradeHistory(
                    customer=customer,
                    grade=grade,
                    valid_from=valid_from,
                    valid_to=valid_to,
                    source=GradeHistory.Source.REGRADE,
                )
                for valid_from, valid_to, grade in periods
            )
        GradeHistory.objects.bulk_create(history, batch_size=10000)


def _sales(rng: random.Random, rows: int) -> None:
    """The missing sales lines, with COPY in chunks (each chunk commits: a stopped run
    resumes where it was)."""
    customer_ids = list(
        Customer.objects.filter(code__startswith=PREFIX).values_list("pk", "salesperson_id")
    )
    product_ids = list(Product.objects.filter(code__startswith=PREFIX).values_list("pk", flat=True))
    missing = rows - SalesRecord.objects.count()
    columns = (
        "date, customer_id, product_id, quantity, amount, salesperson_id, document_no, line_key"
    )
    chunk = 200_000
    with connection.cursor() as cursor:
        for start in range(0, missing, chunk):
            buffer = io.StringIO()
            for _n in range(min(chunk, missing - start)):
                customer_id, salesperson_id = rng.choice(customer_ids)
                quantity = rng.randint(1, 50)
                amount = quantity * rng.randint(100, 99999) / 100
                day = START + timedelta(days=rng.randrange(SPAN_DAYS))
                buffer.write(
                    f"{day}\t{customer_id}\t{rng.choice(product_ids)}\t{quantity}\t"
                    f"{amount:.2f}\t{salesperson_id}\t\t{rng.getrandbits(128):032x}\n"
                )
            buffer.seek(0)
            cursor.copy_expert(f"COPY {SalesRecord._meta.db_table} ({columns}) FROM STDIN", buffer)
            done = start + min(chunk, missing - start)
            print(f"  {done:,} of {missing:,} sales lines", flush=True)


def build(customers: int, rows: int) -> None:
    """The benchmark's data, made once: reference data, customers, grade history, sales,
    the customers' first and last sale dates, and fresh planner statistics."""
    if Customer.objects.filter(code__startswith=PREFIX).count() >= customers and (
        SalesRecord.objects.count() >= rows
    ):
        return
    rng = random.Random(2026)
    salespeople, cities, routes = _reference_data(rng)
    _customers(rng, customers, salespeople, cities, routes)
    _sales(rng, rows)
    customer_sale_dates_refresh()
    with connection.cursor() as cursor:
        for model in (SalesRecord, Customer, GradeHistory):
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def endpoints(customer: Customer | None = None) -> list[tuple[str, str, dict]]:
    """(label, URL, parameters) of every analysis in the catalogue: over all customers, or
    for one customer (`customer`, by default this script's first) when the analysis is
    reached from a card; and the sales composition by the grade on the day of each sale."""
    if customer is None:
        customer = Customer.objects.filter(code__startswith=PREFIX).order_by("code").first()
    found = []
    for analysis in ANALYSES:
        url = reverse(f"report-{analysis.slug}")
        extra = {} if analysis.listed else {"customer": str(customer.pk)}
        found.append((analysis.slug, url, extra))
        if analysis.slug == "sales-composition":
            found.append((analysis.slug, url, {"grade_basis": "at_sale"}))
    return [
        (slug + (f"?{urlencode(extra)}" if extra else ""), url, extra) for slug, url, extra in found
    ]


def timings_ms(first, second, runs: int, warmups: int = 2) -> tuple[list[float], list[float]]:
    """The times of `runs` runs of two functions, after `warmups` warm-ups each. Their runs
    alternate, so that both meet the same load on a shared machine."""
    for _n in range(warmups):
        first()
        second()
    times = ([], [])
    for _n in range(runs):
        for function, spent in zip((first, second), times, strict=True):
            started = time.perf_counter()
            function()
            spent.append((time.perf_counter() - started) * 1000)
    return times


def medians_ms(first, second, runs: int) -> tuple[float, float]:
    """The median times of two functions (see `timings_ms`)."""
    times = timings_ms(first, second, runs)
    return statistics.median(times[0]), statistics.median(times[1])


def captured_statements(request) -> list[str]:
    """The SQL statements one call of `request` runs, after a first call (so they are those
    of a request like the timed ones, not of the first)."""
    request()
    with CaptureQueriesContext(connection) as captured:
        request()
    return [query["sql"] for query in captured.captured_queries]


def plain_sql(statements: list[str]) -> list[list[tuple]]:
    """Run `statements` directly on the database cursor and fetch their rows."""
    rows = []
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            rows.append(cursor.fetchall() if cursor.description else [])
    return rows


def report_client(user) -> APIClient:
    """An API client signed in as `user` with an API token, as an integration is."""
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the test client's
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0]}")
    return client


def endpoint_timings(
    client, url: str, params: dict, runs: int, warmups: int = 2
) -> tuple[list[float], list[float], list[str]]:
    """The times of `runs` requests of a report endpoint and of its statements run directly
    (see `timings_ms`), and those statements. A request that does not answer 200 stops."""

    def request():
        response = client.get(url, params)
        if response.status_code != 200:
            sys.exit(f"{url}: {response.status_code} {response.content[:300]!r}")
        return response

    statements = captured_statements(request)
    api_ms, sql_ms = timings_ms(request, lambda: plain_sql(statements), runs, warmups)
    return api_ms, sql_ms, statements


def explain(statements: list[str]) -> None:
    """Each statement with its plan as run (times, rows, buffers, sorts spilled to disk)."""
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            print(f"\n{sql}\n" + "\n".join(line for (line,) in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--only", action="append", help="measure only this analysis (its slug); repeatable"
    )
    parser.add_argument("--explain", action="store_true", help="print each statement's plan")
    options = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run it on PostgreSQL (DATABASE_URL=postgres://...).")
    started = time.perf_counter()
    build(options.customers, options.rows)
    print(
        f"data ready in {time.perf_counter() - started:.1f} s: "
        f"{Customer.objects.count():,} customers, {SalesRecord.objects.count():,} sales lines"
    )
    manager = get_user_model().objects.get(username=f"{PREFIX.lower()}-manager")
    client = report_client(manager)
    period = {"date_from": PERIOD[0].isoformat(), "date_to": PERIOD[1].isoformat()}
    print(f"\nperiod {PERIOD[0]} to {PERIOD[1]}, medians of {options.runs} runs\n")
    print("| endpoint | median ms | SQL median ms | ratio | queries |\n|---|---|---|---|---|")
    missed = []
    for label, url, extra in endpoints():
        if options.only and label.split("?")[0] not in options.only:
            continue
        api_times, sql_times, statements = endpoint_timings(
            client, url, {**period, **extra}, options.runs
        )
        api_ms, sql_ms = statistics.median(api_times), statistics.median(sql_times)
        ratio = api_ms / sql_ms
        print(f"| {label} | {api_ms:.1f} | {sql_ms:.1f} | {ratio:.2f} | {len(statements)} |")
        if ratio > TARGET_RATIO or api_ms > SLOW_MS:
            missed.append(label)
        if options.explain:
            explain(statements)
    if missed:
        print(f"\nover {TARGET_RATIO}x its SQL or {SLOW_MS} ms: {', '.join(missed)}")


if __name__ == "__main__":
    main()
