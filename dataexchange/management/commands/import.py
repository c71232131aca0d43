from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from dataexchange.formats import FORMATS
from dataexchange.services import import_file


class Command(BaseCommand):
    help = (
        "Import a CSV or XLSX file with a resource, all or nothing: any bad row and nothing "
        "is written, every bad row is listed, and the command fails."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "resource", help="Dotted path, e.g. customers.resources.CustomerResource"
        )
        parser.add_argument("file", help="The CSV or XLSX file.")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Never prompt (the command never does; accepted for scripts).",
        )
        parser.add_argument(
            "--encoding",
            help="Encoding of a CSV file (default: UTF-8 with or without BOM, else GB18030).",
        )
        parser.add_argument(
            "--format", choices=FORMATS, dest="file_format", help="Default: from the extension."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and write nothing."
        )
        parser.add_argument(
            "--user", help="Username recorded in the history as the importer (default: none)."
        )

    def handle(self, *args, resource, file, encoding, file_format, dry_run, user, **options):
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user {user}.")
        try:
            report = import_file(
                resource=resource,
                path_or_bytes=file,
                file_format=file_format,
                encoding=encoding,
                dry_run=dry_run,
                actor=actor,
            )
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from error
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{file}: {len(report.errors)} error(s); nothing was imported.")
        summary = (
            f"{report.rows} row(s): {report.new} new, {report.updated} updated, "
            f"{report.unchanged} unchanged."
        )
        if dry_run:
            self.stdout.write(f"Dry run of {file}, nothing written. {summary}")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {file}. {summary}"))
