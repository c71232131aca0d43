"""Reading import files and writing export files, CSV and XLSX.

Excel saves CSV as GB18030/GBK on a Chinese Windows and as UTF-8 with a byte-order mark
elsewhere; both must import without the user choosing an encoding.

Every export writes its cells through `escape_formula`, so that no cell opens as a live
formula in a spreadsheet: the files for machines (the resources' columns and codes: the
admin's export, `manage.py export`) through `EscapingCSV` / `EscapingXLSX`, the tables for
people (a list page's export) through `table_csv` / `table_xlsx`. Every import reads the
cells back unchanged (`unescape_formula`).
"""

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path

import tablib
from django.utils.translation import gettext_lazy as _
from import_export.formats.base_formats import CSV, XLSX
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

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


# Exports: one escaping rule for every file a spreadsheet opens ------------------------------

# What makes a spreadsheet read a text cell as a formula. Tab and carriage return are on
# the list because some spreadsheets skip them and read a formula after them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
# A number or a phone number: nothing but digits, spaces and + - ( ) . / # *. Without
# letters, "=" or "@" no function can be called, so such text is exported as it is.
NUMBER_OR_PHONE = re.compile(r"[0-9 +\-()./#*]+")


def escape_formula(value):
    """A cell value as an export writes it, so that a spreadsheet never runs it.

    Text that a spreadsheet would read as a formula (it starts with `=`, `+`, `-`, `@`, a
    tab or a carriage return) gets a leading apostrophe: `=HYPERLINK(...)` is written
    `'=HYPERLINK(...)`. Text that is only a number or a phone number (digits, spaces and
    `+-()./#*`, e.g. `+86 755 1234 5678` or `-12.5`) stays as it is. Text that already
    starts with apostrophes before such a character gets one more, so that
    `unescape_formula` gives every value back exactly. Anything that is not text (numbers,
    dates, None) is returned as it is, keeping its type.
    """
    if not isinstance(value, str) or not value.lstrip(QUOTE).startswith(FORMULA_STARTS):
        return value
    if value.startswith(QUOTE) or not NUMBER_OR_PHONE.fullmatch(value):
        return QUOTE + value
    return value


def unescape_formula(text: str) -> str:
    """An imported cell's text as it was before `escape_formula`: one leading apostrophe
    is dropped when what follows it (after any further apostrophes) starts like a formula;
    any other text is returned as it is."""
    if text.startswith(QUOTE) and text.lstrip(QUOTE).startswith(FORMULA_STARTS):
        return text[1:]
    return text


def escape_formulae(dataset: tablib.Dataset) -> tablib.Dataset:
    """A copy of `dataset` with every cell passed through `escape_formula`. The headers are
    the resource's column names, written by the code and not by users: they are kept."""
    escaped = tablib.Dataset(headers=dataset.headers, title=dataset.title)
    for row in dataset:
        escaped.append([escape_formula(value) for value in row])
    return escaped


class EscapingCSV(CSV):
    """CSV export with formula-like text escaped (`escape_formula`)."""

    def export_data(self, dataset, **kwargs):
        return super().export_data(escape_formulae(dataset), **kwargs)


class EscapingXLSX(XLSX):
    """XLSX export with formula-like text escaped (`escape_formula`). openpyxl stores a
    text starting with "=" as a formula; once escaped, no text starts so, and every text
    cell is a plain string."""

    def export_data(self, dataset, **kwargs):
        return super().export_data(escape_formulae(dataset), **kwargs)


#: The export format classes by the names the `export` command takes.
EXPORT_FORMAT_CLASSES = {"csv": EscapingCSV, "xlsx": EscapingXLSX}


# Tables for people: what a page lists, as a file a person opens -------------------------------

# Excel's limits on a sheet name: 31 characters, none of these.
SHEET_NAME_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")
SHEET_NAME_LENGTH = 31
# Column widths in Excel's units (about one Latin character; a Chinese character takes two):
# wide enough for the header and the longest value, within these bounds.
COLUMN_WIDTH_MIN = 6
COLUMN_WIDTH_MAX = 60
REPLACEMENT = "\ufffd"


def text_width(text: str) -> int:
    """How many Latin-character widths `text` takes: wide (East Asian) characters count
    two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _cell_text(value) -> str:
    return "" if value is None else str(value)


def table_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A table as CSV text for Excel: a byte-order mark first (so Excel reads the UTF-8 and
    its Chinese correctly), the headers, then the rows, every cell through
    `escape_formula`."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([escape_formula(_cell_text(value)) for value in row])
    return out.getvalue()


def table_xlsx(headers: Sequence[str], rows: Iterable[Sequence], *, sheet_name: str) -> bytes:
    """A table as an XLSX workbook of one sheet named `sheet_name` (cut to what Excel
    allows): a bold header row that stays in view when scrolling, columns as wide as their
    longest text (within `COLUMN_WIDTH_MIN`..`COLUMN_WIDTH_MAX`), every cell written as
    text through `escape_formula`. Characters XML cannot hold become U+FFFD."""
    headers = [_cell_text(header) for header in headers]
    rows = [
        [ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, _cell_text(value)) for value in row] for row in rows
    ]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_NAME_FORBIDDEN.sub("-", sheet_name)[:SHEET_NAME_LENGTH])
    # A write-only sheet takes its layout before its first row.
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers):
        widest = max([text_width(header), *(text_width(row[index]) for row in rows)])
        width = min(max(widest + 2, COLUMN_WIDTH_MIN), COLUMN_WIDTH_MAX)
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([escape_formula(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
