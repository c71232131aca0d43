from django.core.management.base import BaseCommand
from django.db import transaction

from demo.seeding import DEMO_USERS, demo_password, seed_demo_data

DEFAULT_CUSTOMERS = 300
DEFAULT_SEED = 2026


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the demo logins."

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
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"Random seed of the generated data (default {DEFAULT_SEED}).",
        )

    def handle(
        self, *args, password=None, customers=DEFAULT_CUSTOMERS, seed=DEFAULT_SEED, **options
    ):
        password = password or demo_password()
        with transaction.atomic():
            summary = seed_demo_data(customers=max(customers, 0), seed=seed, password=password)
        self.stdout.write(
            f"Regions {summary.regions}, routes {summary.routes}, customers {summary.customers} "
            f"({summary.new_customers} new), contacts {summary.contacts}, "
            f"credit incidents {summary.credit_incidents}."
        )
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins:"))
        for demo in DEMO_USERS:
            role = demo.role or "admin (superuser)"
            self.stdout.write(f"  {demo.username:<10} {password:<20} {role}")
