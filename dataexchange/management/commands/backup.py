"""`python manage.py backup [--output PATH]`: one archive of the database and the uploaded
files (see dataexchange.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from dataexchange.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write one archive of the database and the uploaded files "
        "(default: backups/archive-crm-<UTC time>.tar.gz)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help="The archive to write, or an existing directory to write it in.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database to back up.")

    def handle(self, *args, output=None, database=DEFAULT_DB_ALIAS, **options):
        try:
            result = backup_create(destination=output, using=database)
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = result.manifest
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Backed up %(tables)s tables (%(rows)s rows) and %(files)s uploaded file(s) "
                    "(%(bytes)s bytes) to %(path)s (%(size)s bytes)."
                )
                % {
                    "tables": len(manifest.tables),
                    "rows": manifest.rows,
                    "files": len(manifest.media),
                    "bytes": manifest.media_bytes,
                    "path": result.path,
                    "size": result.size,
                }
            )
        )
