from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.roles import MANAGER
from demo.form_seeding import seed_customer_forms
from demo.investigation_seeding import seed_investigations
from demo.seeding import DEMO_USERS, demo_password, seed_demo_data, seed_grades
from demo.visit_seeding import seed_visit_reports

DEFAULT_CUSTOMERS = 300
DEFAULT_SEED = 2026
# About 67 lines per customer: 20 000 for the default 300 customers (a quick `make run`).
DEFAULT_SALES_PER_CUSTOMER = 20_000 / DEFAULT_CUSTOMERS


class Command(BaseCommand):
    help = (
        "Load the demo data (idempotent) and print the demo logins. For the benchmark's size: "
        "--customers 100000 --sales 2000000."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="Password for every demo user (default: $DEMO_PASSWORD or a fixed demo one).",
        )
        parser.add_argument(
            "--customers",
            type=int,
            default=DEFAULT_CUSTOMERS,
            help=f"How many demo customers there should be (default {DEFAULT_CUSTOMERS}).",
        )
        parser.add_argument(
            "--sales",
            type=int,
            default=None,
            help=(
                "How many demo sales lines there should be (default: 20000 for 300 customers, "
                "in proportion for other sizes; 0 for none)."
            ),
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"Random seed of the generated data (default {DEFAULT_SEED}).",
        )

    def handle(
        self,
        *args,
        password=None,
        customers=DEFAULT_CUSTOMERS,
        sales=None,
        seed=DEFAULT_SEED,
        **options,
    ):
        password = password or demo_password()
        customers = max(customers, 0)
        if sales is None:
            sales = round(customers * DEFAULT_SALES_PER_CUSTOMER)
        with transaction.atomic():
            summary = seed_demo_data(
                customers=customers, seed=seed, password=password, sales=max(sales, 0)
            )
            manager = get_user_model().objects.get(
                username=next(demo.username for demo in DEMO_USERS if demo.role == MANAGER)
            )
            grades = seed_grades(seed=seed, manager=manager)
            visits = seed_visit_reports(seed=seed, manager=manager)
            forms = seed_customer_forms(seed=seed, manager=manager)
            investigations = seed_investigations(seed=seed, manager=manager)
        self.stdout.write(
            f"Regions {summary.regions}, routes {summary.routes}, customers {summary.customers} "
            f"({summary.new_customers} new), contacts {summary.contacts}, "
            f"credit incidents {summary.credit_incidents}, products {summary.products}, "
            f"sales lines {summary.sales_lines} ({summary.new_sales_lines} new), "
            f"grades changed by the regrade {grades.regraded}, grades pinned {grades.pinned}, "
            f"visit reports {visits.reports} ({visits.new_reports} new), "
            f"customer form links {forms} new, credit investigations {investigations} new, "
            f"proposed changes waiting for review {visits.pending}."
        )
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins:"))
        for demo in DEMO_USERS:
            role = demo.role or "admin (superuser)"
            self.stdout.write(f"  {demo.username:<10} {password:<20} {role}")
