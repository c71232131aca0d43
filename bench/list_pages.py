"""List benchmark: the customer list page and the customers API list, first and deep pages,
for a manager and a salesperson, plain and with three filters and a name search, on a
seeded database (`manage.py seed_demo --customers 100000 --sales 2000000`) on PostgreSQL.

    DEBUG=0 SECRET_KEY=bench \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<copy of the seeded database> \
        .venv/bin/python bench/list_pages.py [--runs 30] [--warmups 3] [--page 500] \
        [--q TEXT] [--only LABEL ...] [--explain]

Each case is requested through Django's test client in this process (the whole path: the
session, the role, the filters, the paginator, the template or the serializer), `--warmups`
times unmeasured and then `--runs` times; the median and the 95th percentile are printed as
a Markdown table with the number of statements of one request and the time the database
took for them. The filters are the active status, the province (with its cities) of the
most customers and the most common customer type; the search is `--q` (by default three
characters of a name that about one customer in a hundred shares). `--explain` prints the
`EXPLAIN (ANALYZE, BUFFERS)` plan of each case's slowest statement.

Run it as production runs, with `DEBUG=0` (and any `SECRET_KEY`): with DEBUG on, Django
records every statement and renders templates with debugging aids, a good share of a
page's time. Nothing is written to the database but the test client's sessions.
"""

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive_crm.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.roles import MANAGER, SALES  # noqa: E402
from classification.models import Region  # noqa: E402
from customers.models import Customer  # noqa: E402


def _users():
    users = get_user_model().objects
    manager = users.filter(groups__name=MANAGER, is_active=True).order_by("pk").first()
    salesperson = (
        users.filter(groups__name=SALES, is_active=True)
        .annotate(customer_count=Count("customers"))
        .order_by("-customer_count", "pk")
        .first()
    )
    if manager is None or salesperson is None:
        sys.exit("No manager or salesperson: seed the database first (manage.py seed_demo).")
    return manager, salesperson


def _search_term() -> str:
    """Three characters of a name that about one customer in a hundred shares (the search
    of the filtered cases, as a person types a distinctive part of a name): among a sample
    of names, the trigram whose frequency is nearest to 1 %."""
    names = list(Customer.objects.order_by("pk").values_list("name", flat=True)[:5000])
    trigrams = Counter()
    for name in names:
        trigrams.update({name[i : i + 3] for i in range(len(name) - 2)})
    target = len(names) / 100
    return min(trigrams, key=lambda trigram: (abs(trigrams[trigram] - target), trigram))


def _filters(q: str) -> dict:
    """The active status, the province (a region one level under the top, with its cities)
    with the most customers and the most common customer type; and the search."""
    provinces = Region.objects.filter(parent__isnull=False, parent__parent__isnull=True)
    province = max(
        provinces,
        key=lambda region: Customer.objects.filter(
            region__in=Region.objects.subtree_ids(region)
        ).count(),
    )
    kind = (
        Customer.objects.values_list("customer_type__code", flat=True)
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    return {"status": "active", "region": province.code, "customer_type": kind, "q": q}


def cases(page: int, q: str) -> list[tuple[str, str, str]]:
    """(label, role, URL) of each measured request."""
    filtered = _filters(q)
    found = []
    for role in ("manager", "sales"):
        for number in (1, page):
            found.append(
                (
                    f"page {role} p{number}",
                    role,
                    "/customers/?" + urlencode({"page": number}),
                )
            )
            found.append(
                (
                    f"page {role} p{number} name-sorted",
                    role,
                    "/customers/?" + urlencode({"ordering": "name", "page": number}),
                )
            )
        found.append(
            (
                f"page {role} p1 3 filters + search",
                role,
                "/customers/?" + urlencode({**filtered, "ordering": "name", "page": 1}),
            )
        )
        for number in (1, page):
            found.append(
                (f"api {role} p{number}", role, "/api/v1/customers/?" + urlencode({"page": number}))
            )
        found.append(
            (
                f"api {role} p1 3 filters + search",
                role,
                "/api/v1/customers/?" + urlencode({**filtered, "page": 1}),
            )
        )
    return found


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _check(response, url: str) -> None:
    if response.status_code != 200:
        sys.exit(f"{url} answered {response.status_code}")


def measure(client: Client, url: str, *, runs: int, warmups: int) -> dict:
    for _ in range(warmups):
        _check(client.get(url, secure=True), url)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url, secure=True)
        times.append((time.perf_counter() - start) * 1000)
        _check(response, url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, secure=True)
    db_times = [float(query["time"]) * 1000 for query in queries.captured_queries]
    slowest = max(queries.captured_queries, key=lambda query: float(query["time"]))
    return {
        "p50": statistics.median(times),
        "p95": _percentile(times, 0.95),
        "queries": len(queries),
        "db": sum(db_times),
        "slowest_sql": slowest["sql"],
        "slowest_ms": float(slowest["time"]) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--page", type=int, default=500, help="the deep page's number")
    parser.add_argument("--q", default="", help="the search text of the filtered cases")
    parser.add_argument("--only", nargs="*", default=(), help="labels containing any of these")
    parser.add_argument("--explain", action="store_true")
    options = parser.parse_args()

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the test client's
    manager, salesperson = _users()
    clients = {}
    for role, user in (("manager", manager), ("sales", salesperson)):
        clients[role] = Client()
        clients[role].force_login(user)
    q = options.q or _search_term()
    total = Customer.objects.count()
    theirs = Customer.objects.filter(salesperson=salesperson).count()
    print(
        f"{total} customers ({theirs} of salesperson {salesperson.username}), "
        f"{connection.vendor}, search {q!r}, {options.runs} runs after {options.warmups} "
        "warm-ups\n"
    )
    print("| case | p50 ms | p95 ms | statements | database ms |")
    print("|---|---:|---:|---:|---:|")
    plans = []
    for label, role, url in cases(options.page, q):
        if options.only and not any(part in label for part in options.only):
            continue
        figures = measure(clients[role], url, runs=options.runs, warmups=options.warmups)
        print(
            f"| {label} | {figures['p50']:.1f} | {figures['p95']:.1f} | "
            f"{figures['queries']} | {figures['db']:.1f} |",
            flush=True,
        )
        plans.append((label, url, figures))
    if options.explain:
        for label, url, figures in plans:
            print(f"\n## {label}: {url} (slowest statement {figures['slowest_ms']:.1f} ms)\n")
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + figures["slowest_sql"])
                print("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
