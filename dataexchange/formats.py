"""Reading import files: CSV in whatever encoding Chinese spreadsheets are saved in, and XLSX.

Excel saves CSV as GB18030/GBK on a Chinese Windows and as UTF-8 with a byte-order mark
elsewhere; both must import without the user choosing an encoding.
"""

import csv
from contextlib import contextmanager
from pathlib import Path

import tablib
from django.utils.translation import gettext_lazy as _
from import_export.formats.base_formats import CSV, XLSX
from openpyxl import load_workbook

# Tried in this order when no encoding is given: UTF-8 (a BOM is dropped) fails fast on
# GB18030 bytes, while GB18030 would accept almost any bytes, so it comes last.
AUTO_ENCODINGS = ("utf-8-sig", "gb18030")
BOM = "\ufeff"
FORMATS = ("csv", "xlsx")


class FileReadError(ValueError):
    """The file cannot be read as a table (encoding, format or layout)."""


def decode_text(data: bytes, encoding: str | None = None) -> str:
    """The text of a CSV file: in `encoding` if given, otherwise the first of
    `AUTO_ENCODINGS` that decodes it. A leading byte-order mark is always dropped."""
    candidates = (encoding,) if encoding else AUTO_ENCODINGS
    for candidate in candidates:
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError:
            continue
        except LookupError as error:
            raise FileReadError(
                _("Unknown encoding %(encoding)s.") % {"encoding": candidate}
            ) from error
        return text.removeprefix(BOM)
    raise FileReadError(
        _("The file is not in %(encodings)s; give its encoding.")
        % {"encodings": " / ".join(candidates)}
    )


def format_for(name: str | None, file_format: str | None = None) -> str:
    """`csv` or `xlsx`: the given format, else the file name's extension."""
    chosen = (file_format or Path(name or "").suffix.lstrip(".")).lower()
    if chosen not in FORMATS:
        raise FileReadError(
            _("Cannot tell the file format of %(name)s; use csv or xlsx.") % {"name": name}
        )
    return chosen


def read_dataset(data: bytes, *, file_format: str, encoding: str | None = None) -> tablib.Dataset:
    """A dataset from file bytes, headers stripped of spaces and BOM, trailing blank rows
    dropped (spreadsheets keep them; blank rows in the middle stay, so that row numbers
    match the file)."""
    try:
        if file_format == "xlsx":
            dataset = XLSX().create_dataset(data)
        else:
            dataset = tablib.import_set(decode_text(data, encoding), format="csv")
    except FileReadError:
        raise
    except Exception as error:
        raise FileReadError(
            _("The file cannot be read as %(format)s: %(error)s")
            % {"format": file_format.upper(), "error": error}
        ) from error
    normalize_headers(dataset)
    while len(dataset) and all(value in (None, "") for value in dataset[-1]):
        del dataset[-1]
    return dataset


def normalize_headers(dataset: tablib.Dataset) -> None:
    if dataset.headers:
        dataset.headers = [
            str(header or "").removeprefix(BOM).strip() for header in dataset.headers
        ]


class AutoEncodingCSV(CSV):
    """CSV for the admin's import page: the bytes are decoded here (UTF-8 with or without
    BOM, or GB18030), not with one fixed encoding."""

    def is_binary(self):
        # Binary to the admin: it hands over the bytes and leaves decoding to us.
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            in_stream = decode_text(in_stream)
        return super().create_dataset(in_stream.removeprefix(BOM), **kwargs)


SNIFF_BYTES = 64 * 1024


def sniff_encoding(head: bytes, encoding: str | None = None) -> str:
    """The encoding to stream a CSV file in, judged from its first bytes: the given one,
    else UTF-8 (with or without BOM) if they decode as such, else GB18030."""
    if encoding:
        try:
            "".encode(encoding)
        except LookupError as error:
            raise FileReadError(
                _("Unknown encoding %(encoding)s.") % {"encoding": encoding}
            ) from error
        return encoding
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if error.start < len(head) - 3:
            return "gb18030"
    return "utf-8-sig"


@contextmanager
def open_rows(path: str | Path, *, file_format: str, encoding: str | None = None):
    """Stream a file's rows: yields (header, rows) where rows is an iterator of lists, read
    as they are consumed, so memory does not grow with the file. A decoding error met late
    in the file is a FileReadError."""
    path = Path(path)
    if file_format == "xlsx":
        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as error:
            raise FileReadError(
                _("The file cannot be read as %(format)s: %(error)s")
                % {"format": "XLSX", "error": error}
            ) from error
        try:
            rows = workbook.active.iter_rows(values_only=True)
            header = [str(cell or "").removeprefix(BOM).strip() for cell in next(rows, ())]
            yield header, (list(row) for row in rows)
        finally:
            workbook.close()
        return
    with path.open("rb") as raw:
        chosen = sniff_encoding(raw.read(SNIFF_BYTES), encoding)
    with path.open(encoding=chosen, newline="") as text:
        reader = csv.reader(text)
        try:
            header = [name.removeprefix(BOM).strip() for name in next(reader, [])]
            yield header, reader
        except UnicodeDecodeError as error:
            raise FileReadError(
                _("The file is not in %(encodings)s; give its encoding.") % {"encodings": chosen}
            ) from error
