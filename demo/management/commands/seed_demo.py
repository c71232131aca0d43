from django.core.management.base import BaseCommand
from django.db import transaction

from demo.seeding import DEMO_USERS, demo_password, seed_users


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="Password for every demo user (default: $DEMO_PASSWORD or a fixed demo one).",
        )

    def handle(self, *args, password=None, **options):
        password = password or demo_password()
        with transaction.atomic():
            seed_users(password=password)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins:"))
        for demo in DEMO_USERS:
            role = demo.role or "admin (superuser)"
            self.stdout.write(f"  {demo.username:<10} {password:<20} {role}")
