from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dataexchange.formats import EXPORT_FORMAT_CLASSES, FORMATS, FileReadError, format_for
from dataexchange.services import resource_instance


class Command(BaseCommand):
    help = "Export every row of a resource to a CSV or XLSX file that imports back unchanged."

    def add_arguments(self, parser):
        parser.add_argument(
            "resource", help="Dotted path, e.g. customers.resources.CustomerResource"
        )
        parser.add_argument("file", help="Where to write; '-' writes CSV to standard output.")
        parser.add_argument(
            "--format", choices=FORMATS, dest="file_format", help="Default: from the extension."
        )
        parser.add_argument(
            "--encoding",
            default="utf-8-sig",
            help="Encoding of a CSV file (default: UTF-8 with a BOM, which Excel recognises).",
        )

    def handle(self, *args, resource, file, file_format, encoding, **options):
        try:
            resource = resource_instance(resource)
            chosen = "csv" if file == "-" and not file_format else format_for(file, file_format)
        except (ValueError, FileReadError) as error:
            raise CommandError(str(error)) from error
        if chosen == "xlsx" and file == "-":
            raise CommandError("XLSX cannot be written to standard output; give a file.")
        try:
            "".encode(encoding)
        except LookupError as error:
            raise CommandError(f"Unknown encoding {encoding}.") from error
        dataset = resource.export()
        # The same escaping formats as every other export (see dataexchange.formats).
        data = EXPORT_FORMAT_CLASSES[chosen]().export_data(dataset)
        if chosen == "csv" and file == "-":
            self.stdout.write(data, ending="")
            return
        try:
            if chosen == "csv":
                data = data.encode(encoding)
            Path(file).write_bytes(data)
        except UnicodeEncodeError as error:
            raise CommandError(
                f"Row data cannot be written in {encoding} ({error.reason}); use utf-8-sig."
            ) from error
        except OSError as error:
            raise CommandError(f"Cannot write {file}: {error.strerror}.") from error
        self.stdout.write(self.style.SUCCESS(f"Exported {len(dataset)} row(s) to {file}."))
