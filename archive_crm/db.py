"""Which database a read goes to, and whether the databases answer.

The analyses (the report pages and API, the audit pages) only read, and read a lot: their
queries may go to a read replica (`DATABASE_REPLICA_URL`, routed by archive_crm.routers).
A view marks its work as such a read with `analysis_reads()`; everything else, and every write,
stays on the primary.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"

_analysis = ContextVar("analysis_reads", default=False)


@contextmanager
def analysis_reads() -> Iterator[None]:
    """Inside it (a `with` block, or a view or method decorated with `@analysis_reads()`) the
    reads may go to the replica: an analysis reads figures a moment old at most, and leaves
    the primary to the writers. A write inside it still goes to the primary."""
    token = _analysis.set(True)
    try:
        yield
    finally:
        _analysis.reset(token)


def reading_analysis() -> bool:
    return _analysis.get()


def replica_configured() -> bool:
    return REPLICA in connections


def databases_down() -> list[str]:
    """The aliases of the databases that do not answer a trivial query (one per database),
    the reason logged for the operators, never told to the caller."""
    down = []
    for alias in connections:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError:
            logger.exception("The %s database does not answer", alias)
            down.append(alias)
    return down
