"""`python manage.py restore ARCHIVE [--noinput]`: replace the database and the uploaded
files with a backup's (see dataexchange.backup). Asks first unless --noinput."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _

from dataexchange.backup import BackupError, Manifest, backup_restore, media_root


class Command(BaseCommand):
    help = (
        "Replace the database and the uploaded files with an archive made by `backup`. "
        "The archive is checked first; a wrong or damaged one changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="The archive made by `backup`.")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="The database to restore into."
        )

    def handle(self, *args, archive, interactive=True, database=DEFAULT_DB_ALIAS, **options):
        def confirm(manifest: Manifest) -> bool:
            return self._confirm(manifest, database)

        try:
            result = backup_restore(
                archive=archive, using=database, confirm=confirm if interactive else None
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        if result is None:
            self.stdout.write(_("Restore cancelled; nothing was changed."))
            return
        manifest = result.manifest
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Restored %(tables)s tables (%(rows)s rows) and %(files)s uploaded file(s) "
                    "(%(bytes)s bytes) from the backup made at %(created)s."
                )
                % {
                    "tables": len(manifest.tables),
                    "rows": manifest.rows,
                    "files": len(manifest.media),
                    "bytes": manifest.media_bytes,
                    "created": manifest.created_at,
                }
            )
        )
        if result.dropped_tables:
            self.stdout.write(
                _("Dropped the tables the backup does not have: %(tables)s.")
                % {"tables": ", ".join(result.dropped_tables)}
            )
        if result.migrations_differ:
            apps = "; ".join(
                f"{app} ({archived or '-'} / {code or '-'})"
                for app, archived, code in result.migrations_differ
            )
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "The backup's migrations differ from this code's (backup / code): "
                        "%(apps)s. If this code is newer, run `python manage.py migrate`."
                    )
                    % {"apps": apps}
                )
            )

    def _confirm(self, manifest: Manifest, database: str) -> bool:
        self.stdout.write(
            _(
                "This replaces the database %(database)s and every uploaded file in %(media)s "
                "with the backup made at %(created)s (%(tables)s tables, %(rows)s rows, "
                "%(files)s uploaded file(s))."
            )
            % {
                "database": connections[database].settings_dict["NAME"],
                "media": media_root(),
                "created": manifest.created_at,
                "tables": len(manifest.tables),
                "rows": manifest.rows,
                "files": len(manifest.media),
            }
        )
        try:
            answer = input(_("Type 'yes' to continue, or 'no' to cancel: "))
        except EOFError:
            return False
        return answer.strip().lower() == "yes"
