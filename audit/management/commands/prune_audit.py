"""`python manage.py prune_audit [--dry-run]`: apply the audit trail's retention."""

from django.core.management.base import BaseCommand

from audit.services import audit_prune, retention_days


class Command(BaseCommand):
    help = (
        "Delete card history (cards, contacts, credit incidents) and sign-in records "
        "(sign-ins, sign-outs, failed sign-ins, lockout counters) older than "
        "AUDIT_RETENTION_DAYS (730 days by default). This is the product's retention: the "
        "card page's history and the audit pages then start at that day. Of each card, "
        "contact and credit incident the newest record older than the retention is kept, so "
        "that the first change kept still shows what it replaced and an unchanged record "
        "keeps its values; a contact or credit incident deleted before then loses all its "
        "records. --dry-run prints the counts and deletes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be deleted; delete nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        result = audit_prune(dry_run=dry_run)
        self.stdout.write(
            f"Retention {retention_days()} days: records before {result.cutoff.isoformat()}."
        )
        for label, count in result.counts.items():
            self.stdout.write(f"  {label}\t{count}")
        total = sum(result.counts.values())
        if dry_run:
            self.stdout.write(f"Dry run: {total} records would be deleted; nothing changed.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Deleted {total} records."))
