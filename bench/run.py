"""`make bench`: the product at 100k customers and 2M sales lines on PostgreSQL, each figure
beside its floor (the database doing the same work directly), all measured in one run.

    .venv/bin/python bench/run.py [--runs 30] [--warmups 3] [--duration 60]
        [--only list,api,card,review,reports,import,load] [--import-rows 100000]

The database is DATABASE_URL when it is PostgreSQL, else
postgres://postgres@127.0.0.1:5432/archive_crm_bench; it is created when missing, migrated,
and seeded with `seed_demo --customers 100000 --sales 2000000` when it holds fewer
customers. The run then adds what it measures (idempotent, so a second run reuses it): 50
salespeople and 5 managers (`bench-sales01`…, `bench-manager1`…), most customers shared out
among those salespeople, one card with 500 history records (written through `card_update`),
and 1,000 proposals pending review (visit reports written and submitted through the visits
services).

Figures, in this order (`--only` picks some):
- list, api: the customer list page and the customers API with three filters and a name
  search, and a deep page (page 500), as a manager and as a salesperson, in process with
  Django's test client: p50/p95 of `--runs` runs after `--warmups`, alternating with the
  floor: the statements the request ran (less the session and sign-in look-ups) run directly
  and fetched (and, for the API, the rows serialised with json.dumps).
- card: the long-history card page; review: the review queue page, with the same floors.
- reports: each report endpoint against its statements (bench/report_queries.py), p50/p95
  of `--report-runs` runs after two warm-ups.
- import: 100k customers through `manage.py import` (new, then every row changed) against
  COPY, in a fresh scratch database (bench/import_customers.py).
- load: locust (in .venv-bench) against gunicorn with DEBUG off on loopback: 50
  salespeople (list, search, card, visit report saved and submitted) and 5 managers
  (reports, review queue, proposals accepted) for `--duration` seconds.
The table is printed and written as Markdown to bench/results/latest.md.
"""

import argparse
import json
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/archive_crm_bench"
SECTIONS = ("list", "api", "card", "review", "reports", "import", "load")
CUSTOMERS, SALES_LINES = 100_000, 2_000_000
SALESPEOPLE, MANAGERS = 50, 5
HISTORY = 500
PENDING = 1_000
VISITS_PER_REPORT = 20
DEEP_PAGE = 500
PAGE_P95_MS, CARD_P95_MS, IMPORT_ROWS_S = 150, 200, 5_000


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_URL


def database_ensure(url: str) -> None:
    """Create the database of `url` when it does not exist."""
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(path="/postgres"))
    connection = psycopg2.connect(server)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            print(f"creating database {name}", flush=True)
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def database_recreate(url: str) -> None:
    """Drop and create the (scratch) database of `url`."""
    import psycopg2

    parts = urlsplit(url)
    connection = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}"')
        cursor.execute(f'CREATE DATABASE "{parts.path.lstrip("/")}"')
    connection.close()


os.environ["DATABASE_URL"] = database_url()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive_crm.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")
database_ensure(os.environ["DATABASE_URL"])
sys.path.insert(0, str(BASE_DIR))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Min  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from accounts.roles import MANAGER, SALES  # noqa: E402
from archive_crm.api.pagination import PageNumberPagination  # noqa: E402
from customers.models import Channel, Customer  # noqa: E402
from customers.services import card_update  # noqa: E402
from customers.views import PAGE_SIZE_DEFAULT  # noqa: E402
from review.models import Proposal  # noqa: E402
from sales.models import SalesRecord  # noqa: E402
from visits.models import VisitReport  # noqa: E402
from visits.services import report_create, report_submit  # noqa: E402

sys.path.insert(0, str(BASE_DIR / "bench"))
import report_queries  # noqa: E402


@dataclass
class Row:
    figure: str
    p50: str
    p95: str
    floor: str
    ratio: str
    target: str
    met: str


def ms(value: float) -> str:
    return f"{value:.1f} ms"


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


# The data the run measures -----------------------------------------------------------------


def seed(customers: int, sales: int) -> None:
    """Migrate, seed when the database holds fewer customers, and collect the static files
    when they never were (with DEBUG off, pages name them through the collected manifest)."""
    call_command("migrate", verbosity=0)
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)
    if Customer.objects.count() < customers:
        print(f"seeding {customers:,} customers and {sales:,} sales lines (minutes)", flush=True)
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                "manage.py",
                "seed_demo",
                "--customers",
                str(customers),
                "--sales",
                str(sales),
            ],
            cwd=BASE_DIR,
            check=True,
        )


def bench_users() -> tuple[list, list]:
    """The bench's salespeople and managers; every customer but one in 51 belongs to one of
    the salespeople (about 2,000 each; the rest keep their salesperson). The customers are
    shared out with one UPDATE per salesperson, not card by card: it is the bench's set-up,
    not a card change anybody made."""
    User = get_user_model()
    groups = {role: Group.objects.get_or_create(name=role)[0] for role in (SALES, MANAGER)}
    salespeople, managers = [], []
    for n in range(1, SALESPEOPLE + 1):
        user, created = User.objects.get_or_create(username=f"bench-sales{n:02d}")
        if created:
            user.set_unusable_password()
            user.save()
        user.groups.add(groups[SALES])
        salespeople.append(user)
    for n in range(1, MANAGERS + 1):
        user, created = User.objects.get_or_create(username=f"bench-manager{n}")
        if created:
            user.set_unusable_password()
            user.save()
        user.groups.add(groups[MANAGER])
        managers.append(user)
    if not Customer.objects.filter(salesperson=salespeople[-1]).exists():
        print("sharing the customers out among the bench salespeople", flush=True)
        table = Customer._meta.db_table
        with connection.cursor() as cursor:
            for n, user in enumerate(salespeople, start=1):
                cursor.execute(
                    f"UPDATE {table} SET salesperson_id = %s WHERE id %% 51 = %s",  # noqa: S608
                    [user.pk, n],
                )
            cursor.execute(f"ANALYZE {table}")
    return salespeople, managers


def long_history_card(salesperson, manager) -> Customer:
    """The salesperson's first card, with at least `HISTORY` history records, written
    through `card_update` as a manager's edits."""
    customer = Customer.objects.filter(salesperson=salesperson).order_by("pk").first()
    missing = HISTORY - customer.history.count()
    if missing > 0:
        print(f"writing {missing} changes to card {customer.code}", flush=True)
    for n in range(missing):
        customer = card_update(
            customer=customer,
            changes={"phone": f"1380{n % 10000:07d}", "payment_terms": f"月结 {n % 90} 天"},
            actor=manager,
            channel=Channel.MANUAL,
            expected_version=customer.version,
        )
    return customer


def free_day(salesperson):
    """A day before every report the salesperson has (one report a day)."""
    first = VisitReport.objects.filter(salesperson=salesperson).aggregate(day=Min("date"))["day"]
    return (first or timezone.localdate()) - timedelta(days=1)


def pending_proposals(salespeople, skip: Customer) -> None:
    """At least `PENDING` proposals waiting for review, from visit reports of the
    salespeople, written and submitted through the visits services."""
    missing = PENDING - Proposal.objects.pending().count()
    if missing <= 0:
        return
    print(f"filing {missing} proposals through visit reports", flush=True)
    for salesperson in salespeople:
        if missing <= 0:
            break
        count = min(VISITS_PER_REPORT, missing)
        customers = (
            Customer.objects.filter(salesperson=salesperson, status=Customer.Status.ACTIVE)
            .exclude(pk=skip.pk)
            .order_by("?")[:count]
        )
        visits = [
            {
                "customer": customer,
                "kind": "visit",
                "summary": "基准拜访",
                "proposals": [{"field": "phone", "value": f"1391{customer.pk % 10000000:07d}"}],
            }
            for customer in customers
        ]
        report = report_create(salesperson=salesperson, day=free_day(salesperson), visits=visits)
        report_submit(report=report, actor=salesperson)
        missing -= len(visits)


# In-process figures ------------------------------------------------------------------------


def signed_in(user) -> Client:
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(user)
    return client


def data_statements(statements: list[str], user) -> list[str]:
    """The statements that fetch the page's data: not the session, the token or the
    signed-in user's own rows (the user, its groups and permissions), nor writes."""
    kept = []
    for sql in statements:
        # A form's choices are read through a server-side cursor: the floor reads them at once.
        sql = re.sub(r"^DECLARE .*? CURSOR WITH(OUT)? HOLD FOR ", "", sql.lstrip())
        if not sql.upper().startswith("SELECT"):
            continue
        if '"django_session"' in sql or '"authtoken_token"' in sql or '"axes_' in sql:
            continue
        if '"auth_' in sql and (
            f'"auth_user"."id" = {user.pk}' in sql or f'user_id" = {user.pk}' in sql
        ):
            continue
        kept.append(sql)
    return kept


def timed(label: str, client, url: str, params: dict, user, options, *, api: bool, target):
    """One figure: the request against its statements run directly (and for the API, the
    rows serialised as JSON)."""

    def request():
        response = client.get(url, params)
        if response.status_code != 200:
            sys.exit(f"{label}: {url}?{urlencode(params)} answered {response.status_code}")
        return response

    statements = data_statements(report_queries.captured_statements(request), user)

    def floor():
        rows = report_queries.plain_sql(statements)
        if api:
            json.dumps(rows, default=str)

    times, floors = report_queries.timings_ms(request, floor, options.runs, options.warmups)
    p50, p95_ = statistics.median(times), p95(times)
    floor_p50 = statistics.median(floors)
    row = Row(
        label,
        ms(p50),
        ms(p95_),
        f"{ms(floor_p50)} ({len(statements)} statements)",
        f"{p50 / floor_p50:.1f}",
        f"p95 < {target} ms",
        "yes" if p95_ < target else "NO",
    )
    print(f"  {label}: p50 {row.p50}, p95 {row.p95}, floor {row.floor}", flush=True)
    return row


def filters_for(user, customer: Customer) -> dict:
    """Three filters and a name search that match `customer` (so the page is not empty)."""
    return {
        "region": customer.region.code,
        "customer_type": customer.customer_type.code,
        "grade": customer.grade.code,
        "q": customer.name[:2],
    }


def sample_customer(queryset) -> Customer:
    return (
        queryset.filter(region__isnull=False, customer_type__isnull=False, grade__isnull=False)
        .select_related("region", "customer_type", "grade")
        .order_by("pk")
        .first()
    )


def list_figures(kind: str, people: dict, options) -> list[Row]:
    page = kind == "list"
    url = reverse("customers:list") if page else "/api/v1/customers/"
    name = "customer list page" if page else "customers API list"
    rows = []
    for role, user in people.items():
        visible = Customer.objects.visible_to(user)
        client = signed_in(user) if page else report_queries.report_client(user)
        params = filters_for(user, sample_customer(visible))
        rows.append(
            timed(
                f"{name}, {role}, 3 filters + search",
                client,
                url,
                params,
                user,
                options,
                api=not page,
                target=PAGE_P95_MS,
            )
        )
        if role == "manager":
            size = PAGE_SIZE_DEFAULT if page else PageNumberPagination.page_size
            deep = min(DEEP_PAGE, -(-visible.count() // size))
            rows.append(
                timed(
                    f"{name}, {role}, page {deep}",
                    client,
                    url,
                    {"page": deep},
                    user,
                    options,
                    api=not page,
                    target=PAGE_P95_MS,
                )
            )
    return rows


def report_figures(manager, customer: Customer, options) -> list[Row]:
    client = report_queries.report_client(manager)
    today = timezone.localdate()
    period = {"date_from": (today - timedelta(days=364)).isoformat(), "date_to": today.isoformat()}
    rows = []
    for label, url, extra in report_queries.endpoints(customer):
        api_times, sql_times, statements = report_queries.endpoint_timings(
            client, url, {**period, **extra}, options.report_runs
        )
        p50, sql_p50 = statistics.median(api_times), statistics.median(sql_times)
        ratio = p50 / sql_p50
        met = ratio <= report_queries.TARGET_RATIO and p50 <= report_queries.SLOW_MS
        rows.append(
            Row(
                f"report API {label}",
                ms(p50),
                ms(p95(api_times)),
                f"{ms(sql_p50)} ({len(statements)} statements)",
                f"{ratio:.2f}",
                f"≤ {report_queries.TARGET_RATIO}× SQL, ≤ {report_queries.SLOW_MS} ms",
                "yes" if met else "NO",
            )
        )
        print(f"  report {label}: p50 {ms(p50)}, SQL {ms(sql_p50)}", flush=True)
    return rows


# The import, in a scratch database ---------------------------------------------------------


def import_figures(options) -> list[Row]:
    parts = urlsplit(os.environ["DATABASE_URL"])
    scratch = urlunsplit(parts._replace(path=parts.path + "_import"))
    database_recreate(scratch)
    with tempfile.NamedTemporaryFile(suffix=".json") as result_file:
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                "bench/import_customers.py",
                "--rows",
                str(options.import_rows),
                "--json",
                result_file.name,
            ],
            cwd=BASE_DIR,
            env={**os.environ, "DATABASE_URL": scratch},
            check=True,
        )
        result = json.loads(Path(result_file.name).read_text())
    rows = []
    count = result["rows"]
    for step, title, floor in (
        ("new", "all new", "COPY into the table"),
        ("changed", "all existing, phone changed", "COPY + UPDATE"),
    ):
        rate = count / result[f"import_{step}_s"]
        floor_rate = count / result[f"copy_{step}_s"]
        rows.append(
            Row(
                f"import {count:,} customers, {title} (peak "
                f"{result[f'import_{step}_kib'] / 1024:.0f} MiB)",
                f"{rate:,.0f} rows/s",
                f"{result[f'import_{step}_s']:.1f} s",
                f"{floor_rate:,.0f} rows/s ({floor})",
                f"{floor_rate / rate:.1f}",
                f"≥ {IMPORT_ROWS_S:,} rows/s",
                "yes" if rate >= IMPORT_ROWS_S else "NO",
            )
        )
    return rows


# The load test -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def credentials(salespeople, managers, customer: Customer) -> dict:
    """Per locust user a session cookie and an API token made here, so that signing in is
    not what is measured and the sign-in rate limits do not apply."""
    token = Token.objects.get_or_create
    today = timezone.localdate()
    period = {"date_from": (today - timedelta(days=364)).isoformat(), "date_to": today.isoformat()}
    reports = [
        f"{url}?{urlencode({**period, **extra})}"
        for _label, url, extra in report_queries.endpoints(customer)
    ]

    def session(user) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    people = []
    for user in salespeople:
        customers = list(
            Customer.objects.filter(salesperson=user, status=Customer.Status.ACTIVE)
            .order_by("?")
            .values_list("pk", "name")[:50]
        )
        people.append(
            {
                "session": session(user),
                "token": token(user=user)[0].key,
                "customers": [pk for pk, _name in customers],
                "searches": sorted({name[:2] for _pk, name in customers}),
                "first_day": free_day(user).isoformat(),
            }
        )
    return {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "salespeople": people,
        "managers": [{"session": session(u), "token": token(user=u)[0].key} for u in managers],
        "reports": reports,
    }


def server(port: int, log) -> subprocess.Popen:
    """`make serve` when the Makefile has it, else gunicorn with DEBUG off on loopback."""
    env = {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost", "HOST": "127.0.0.1"}
    env["PORT"] = str(port)
    makefile = (BASE_DIR / "Makefile").read_text()
    if "\nserve:" in makefile:
        command = ["make", "--no-print-directory", "serve", f"PORT={port}"]
    else:
        command = [
            str(BASE_DIR / ".venv" / "bin" / "gunicorn"),
            "archive_crm.wsgi",
            "-w",
            "5",
            "-b",
            f"127.0.0.1:{port}",
        ]
    process = subprocess.Popen(  # noqa: S603
        command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    # `make serve` may install, collect the static files and migrate first.
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server stopped ({process.returncode}): see {log.name}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.5)
    server_stop(process)
    sys.exit(f"the server did not start in 600 s: see {log.name}")


def server_stop(process: subprocess.Popen) -> None:
    """Stop the server and everything it started (its own process group)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        # gunicorn finishes its requests after make has gone: wait for the whole group.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            os.killpg(process.pid, 0)
            time.sleep(0.5)
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def load_figures(salespeople, managers, customer: Customer, options) -> list[Row]:
    locust = BASE_DIR / ".venv-bench" / "bin" / "locust"
    if not locust.exists():
        sys.exit("locust is missing: `make bench` makes .venv-bench from requirements-bench.txt")
    RESULTS.mkdir(parents=True, exist_ok=True)
    users_file = RESULTS / "locust-users.json"
    users_file.write_text(json.dumps(credentials(salespeople, managers, customer)))
    users_file.chmod(0o600)
    port = free_port()
    log_path = RESULTS / "server.log"
    with log_path.open("w") as log:
        process = server(port, log)
        try:
            locust_run = subprocess.run(  # noqa: S603
                [
                    str(locust),
                    "-f",
                    "bench/locustfile.py",
                    "--headless",
                    "--users",
                    str(SALESPEOPLE + MANAGERS),
                    "--spawn-rate",
                    "10",
                    "--run-time",
                    f"{options.duration}s",
                    "--host",
                    f"http://127.0.0.1:{port}",
                    "--csv",
                    str(RESULTS / "locust"),
                    "--only-summary",
                    "--loglevel",
                    "INFO",
                ],
                cwd=BASE_DIR,
                env={**os.environ, "BENCH_USERS_FILE": str(users_file), "BENCH_WAIT": options.wait},
                check=False,
            )
        finally:
            server_stop(process)
    return locust_rows(RESULTS / "locust_stats.csv", options.duration, locust_run.returncode)


def locust_rows(path: Path, duration: int, returncode: int) -> list[Row]:
    import csv

    rows = []
    with path.open() as file:
        for stat in csv.DictReader(file):
            failures = int(stat["Failure Count"])
            requests = int(stat["Request Count"])
            name = stat["Name"] if stat["Name"] != "Aggregated" else "all requests"
            rows.append(
                Row(
                    f"load {name} ({requests:,} requests, {float(stat['Requests/s']):.1f}/s)",
                    f"{stat['50%']} ms",
                    f"{stat['95%']} ms",
                    "—",
                    "—",
                    "0 errors",
                    "yes" if failures == 0 else f"NO: {failures} errors",
                )
            )
    if returncode not in (0, 1):  # 1: some requests failed, counted above
        sys.exit(f"locust ended with {returncode}")
    return rows


# The table ---------------------------------------------------------------------------------


def table(rows: list[Row], header: str) -> str:
    lines = [
        header,
        "",
        "| figure | p50 (or rate) | p95 (or time) | floor | ratio | target | met? |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.figure} | {r.p50} | {r.p95} | {r.floor} | {r.ratio} | {r.target} | {r.met} |"
        for r in rows
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument(
        "--report-runs", type=int, default=7, help="runs per report endpoint (after 2 warm-ups)"
    )
    parser.add_argument("--duration", type=int, default=60, help="load test seconds")
    parser.add_argument(
        "--wait", default="1-3", help="load test think time per user, MIN-MAX seconds"
    )
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=CUSTOMERS, help="seed to this size")
    parser.add_argument("--sales", type=int, default=SALES_LINES, help="seed to this size")
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated, of {','.join(SECTIONS)}"
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.md")
    options = parser.parse_args()
    sections = [name.strip() for name in options.only.split(",") if name.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    random.seed(2026)
    started = time.perf_counter()
    seed(options.customers, options.sales)
    salespeople, managers = bench_users()
    card = long_history_card(salespeople[0], managers[0])
    if "review" in sections or "load" in sections:
        pending_proposals(salespeople, card)
    print(f"data ready in {time.perf_counter() - started:.0f} s", flush=True)
    people = {"manager": managers[0], "salesperson": salespeople[0]}
    rows = []
    for section in sections:
        print(f"{section}:", flush=True)
        if section in ("list", "api"):
            rows += list_figures(section, people, options)
        elif section == "card":
            url = reverse("customers:detail", args=[card.pk])
            for role, user in people.items():
                label = f"card page ({card.history.count()} history records), {role}"
                rows.append(
                    timed(
                        label,
                        signed_in(user),
                        url,
                        {},
                        user,
                        options,
                        api=False,
                        target=CARD_P95_MS,
                    )
                )
        elif section == "review":
            label = f"review queue page ({Proposal.objects.pending().count():,} pending)"
            user = people["manager"]
            rows.append(
                timed(
                    label,
                    signed_in(user),
                    reverse("review:queue"),
                    {},
                    user,
                    options,
                    api=False,
                    target=PAGE_P95_MS,
                )
            )
        elif section == "reports":
            rows += report_figures(people["manager"], card, options)
        elif section == "import":
            rows += import_figures(options)
        elif section == "load":
            rows += load_figures(salespeople, managers, card, options)
    header = (
        f"{Customer.objects.count():,} customers, "
        f"{SalesRecord.objects.count():,} sales lines; in-process figures: "
        f"{options.runs} runs after {options.warmups} warm-ups (reports: "
        f"{options.report_runs} after 2); load: {options.duration} s, think time {options.wait} s, "
        f"{SALESPEOPLE} salespeople + {MANAGERS} managers ({timezone.now():%Y-%m-%d %H:%M} UTC)"
    )
    text = table(rows, header)
    print("\n" + text)
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(text)
    print(f"written to {options.output}")


if __name__ == "__main__":
    main()
