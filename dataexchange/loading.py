"""What the streaming bulk loaders share (sales records, customers): the report they return,
file rows read a batch at a time, and the cycle collector paused for a load.

A loader takes the file's `header` and its data `rows` (an iterator, read as consumed) and
returns a `LoadReport`; `dataexchange.services.import_file` runs the loader named by a
resource's `bulk_loader`. Memory stays flat in the file size: a batch of rows at a time and
at most `MAX_REPORTED_ERRORS` errors are kept."""

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from dataexchange.services import RowError

MAX_REPORTED_ERRORS = 1000

#: Called by a loader as it goes with the number of data rows read so far.
Progress = Callable[[int], None]


@dataclass
class LoadReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0  # rows already in the database as they are
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0  # all errors, also those past MAX_REPORTED_ERRORS

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add_error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, column, message))


def row_batches(rows: Iterable[Sequence], size: int) -> Iterator[list[tuple[int, Sequence]]]:
    """The data rows with their row numbers in the file (the header is row 1), `size` at a
    time; blank rows (e.g. at the end of a spreadsheet) are left out."""
    batch = []
    for row_no, row in enumerate(rows, start=2):
        if not any(row):
            continue
        batch.append((row_no, row))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@contextmanager
def without_cycle_collection():
    """Pause Python's cycle collector for a load: it makes millions of short-lived objects
    and no reference cycles, so they are all freed as they go, and the collector's passes
    over them cost about a third of the load's Python time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
