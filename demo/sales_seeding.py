"""Demo products and a realistic sales history, loaded through the project's own bulk
loader (so a large demo also exercises the import path). Idempotent: the lines are
generated from the seed, so a second run finds them all present and adds none."""

import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from customers.models import Customer
from dataexchange.loading import LoadReport
from sales.loader import COLUMNS, sales_records_load
from sales.models import Product, ProductCategory, SalesRecord

DOCUMENT_PREFIX = "DEMO"

CATALOGUE = {
    ("FOOD", "食品"): [
        ("大米 5kg", "袋", "39.90"),
        ("挂面", "箱", "58.00"),
        ("食用油 5L", "桶", "79.00"),
        ("酱油", "箱", "96.00"),
        ("方便面", "箱", "45.00"),
    ],
    ("DRINK", "饮料"): [
        ("矿泉水", "箱", "24.00"),
        ("绿茶饮料", "箱", "42.00"),
        ("果汁", "箱", "68.00"),
        ("啤酒", "箱", "55.00"),
        ("白酒", "瓶", "288.00"),
    ],
    ("DAILY", "日用品"): [
        ("洗衣液", "箱", "86.00"),
        ("纸巾", "箱", "49.00"),
        ("洗洁精", "箱", "36.00"),
        ("垃圾袋", "箱", "28.00"),
    ],
    ("HOME", "家电"): [
        ("电饭煲", "台", "399.00"),
        ("电水壶", "台", "129.00"),
        ("微波炉", "台", "599.00"),
    ],
    ("OFFICE", "办公用品"): [
        ("复印纸 A4", "箱", "135.00"),
        ("签字笔", "盒", "25.00"),
        ("文件夹", "包", "18.00"),
    ],
    ("CARE", "个人护理"): [
        ("洗发水", "箱", "168.00"),
        ("牙膏", "箱", "96.00"),
        ("沐浴露", "箱", "152.00"),
    ],
}


def seed_products() -> list[Product]:
    """The demo catalogue: six categories, twenty-three products (created once)."""
    products = []
    for (category_code, category_name), items in CATALOGUE.items():
        category, _ = ProductCategory.objects.get_or_create(
            code=category_code, defaults={"name": category_name}
        )
        for number, (name, unit, price) in enumerate(items, start=1):
            product, _ = Product.objects.get_or_create(
                code=f"{category_code}-{number:02d}",
                defaults={
                    "name": name,
                    "category": category,
                    "unit": unit,
                    "unit_price": Decimal(price),
                },
            )
            products.append(product)
    return products


def seed_sales(*, lines: int, seed: int, today: date | None = None, years: int = 3) -> LoadReport:
    """About `lines` sales lines over the last `years` years for the active demo customers.

    Customers' sizes follow a heavy-tailed distribution (a few large buyers, many small
    ones), so grades and ABC analysis have something to show; prospects never buy. A second
    run adds nothing: lines are numbered (document DEMO…), and when as many are present the
    load is skipped altogether.
    """
    if lines <= 0:
        return LoadReport()
    present = SalesRecord.objects.filter(document_no__startswith=DOCUMENT_PREFIX).count()
    if present >= lines:
        # Seeded before: the lines are generated from the seed, so all of them are there.
        return LoadReport(skipped=present)
    today = today or timezone.localdate()
    rng = random.Random(seed)
    products = list(Product.objects.filter(is_active=True).values_list("code", "unit_price"))
    # Prospects (no trading date) have not bought anything yet.
    codes = list(
        Customer.objects.active()
        .filter(trading_since__isnull=False)
        .order_by("code")
        .values_list("code", flat=True)
    )
    if not products or not codes:
        return LoadReport()
    cumulative, total = [], 0.0
    for _ in codes:
        total += rng.lognormvariate(0, 1.2)
        cumulative.append(total)
    return sales_records_load(
        header=COLUMNS,
        rows=_lines(seed, lines, codes, cumulative, products, today, years),
        batch_size=50_000,
    )


def _lines(seed, count, buyers, cumulative, products, today, years) -> Iterator[list[str]]:
    """Line N depends on the seed and N only (one random stream per block of lines), so
    asking for more lines later keeps the first ones as they were."""
    days = 365 * years
    start = today - timedelta(days=days)
    chunk = 10_000
    for block, offset in enumerate(range(0, count, chunk)):
        rng = random.Random(seed * 1_000_003 + block)
        chosen = rng.choices(buyers, cum_weights=cumulative, k=chunk)[: count - offset]
        for index, customer in enumerate(chosen, start=offset):
            code, price = products[rng.randrange(len(products))]
            quantity = rng.randint(1, 40)
            discount = Decimal(rng.choice(("1", "1", "0.95", "0.9")))
            amount = (price * quantity * discount).quantize(Decimal("0.01"))
            day = start + timedelta(days=rng.randrange(days + 1))
            yield [
                day.isoformat(),
                customer,
                code,
                str(quantity),
                str(amount),
                f"{DOCUMENT_PREFIX}{index:09d}",
            ]
