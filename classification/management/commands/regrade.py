"""`python manage.py regrade [--dry-run] [--user USERNAME] [--date YYYY-MM-DD]`: apply the
grade standards to every active customer (SPEC 4). Prints the preview first."""

from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from classification.services.grading import regrade_apply, regrade_preview
from customers.services import GradesChanged


def _name(level) -> str:
    return level.code if level is not None else "-"


class Command(BaseCommand):
    help = "Recompute customer grades from sales; --dry-run only prints what would change."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the preview and change nothing."
        )
        parser.add_argument("--user", help="Username recorded as the author of the changes.")
        parser.add_argument(
            "--date", type=date.fromisoformat, help="Grade as of this day (default: today)."
        )

    def handle(self, *args, dry_run=False, user=None, date=None, **options):
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user named {user!r}.")
        preview = regrade_preview(today=date)
        self.stdout.write(
            f"Window {preview.window_start} to {preview.window_end}: "
            f"{len(preview.changes)} changes (up {preview.up}, down {preview.down}, "
            f"gaining a grade {preview.gained}, losing one {preview.lost}); "
            f"pinned, left alone {preview.pinned_count}."
        )
        for change in preview.changes:
            self.stdout.write(
                f"  {change.code}\t{change.name}\t{_name(change.old)} -> {_name(change.new)}"
                f"\t{change.amount if change.amount is not None else '-'}"
            )
        if dry_run:
            self.stdout.write("Dry run: nothing changed.")
            return
        try:
            result = regrade_apply(actor=actor, preview=preview)
        except GradesChanged as error:
            raise CommandError(str(error)) from error
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS(f"Regrade applied: {result.changed} changed."))
