"""Pagination of long lists that stays fast on deep pages, shared by the pages and the API.

`OFFSET 12000` over full rows makes the database build and throw away every row before the
page: the joined reference data, the annotations, the wide columns. The paginator here
first reads only the primary keys of the page, in the list's order (an index can serve
that, often without reading the table), then reads the page's rows by those keys: the same
two queries on page 500, the deep one no longer carrying the row's weight. Near the top of
the list (`DEEP_OFFSET`) the plain slice is as fast and one query fewer, so it is kept.

Counting a list of a million rows takes the database longer than the page itself, on every
page; a count that large is kept for `COUNT_SECONDS` (keyed by its query, so by the user's
scope and filters), and "page 7 of 40,000" may be that old. Smaller counts are always exact.
"""

import hashlib

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import F, OrderBy, QuerySet
from django.db.models.query import ModelIterable
from django.utils.functional import cached_property

# From this many rows skipped on, a page is read by its keys first.
DEEP_OFFSET = 1000
# Counts from this many rows on are kept this long.
LARGE_COUNT = 10_000
COUNT_SECONDS = 60


def total_order(queryset: QuerySet) -> QuerySet:
    """`queryset` sorted so that no two rows tie, or rows could move between pages: its
    ordering (the model's default when it has none) with the primary key appended, unless
    the last key is already unique. Querysets of values or of combined queries are left
    as they are (their rows are not the model's)."""
    if not _is_model_rows(queryset):
        return queryset
    query = queryset.query
    ordering = list(
        query.order_by or (queryset.model._meta.ordering if query.default_ordering else ())
    )
    if ordering and _is_unique(queryset.model, ordering[-1]):
        return queryset
    return queryset.order_by(*ordering, "pk")


def _is_model_rows(queryset) -> bool:
    return (
        isinstance(queryset, QuerySet)
        and queryset._iterable_class is ModelIterable
        and not queryset.query.combinator
        and not queryset.query.distinct
    )


def _is_unique(model, key) -> bool:
    if isinstance(key, OrderBy):
        key = key.expression
    if isinstance(key, F):
        key = key.name
    if not isinstance(key, str):
        return False
    name = key.removeprefix("-")
    if name == "pk":
        return True
    if "__" in name:
        return False
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # an annotation or an alias: not known to be unique
        return False
    return bool(field.unique and not field.null)


def page_rows(queryset: QuerySet, bottom: int, top: int) -> list:
    """Rows `bottom` to `top` of `queryset`, read by their keys (a "deferred join"): one
    query for the keys of the slice in the list's order, one for those rows with what the
    queryset joins, annotates and prefetches."""
    pks = list(queryset.values_list("pk", flat=True)[bottom:top])
    if not pks:
        return []
    found = {row.pk: row for row in queryset.filter(pk__in=pks).order_by()}
    return [found[pk] for pk in pks if pk in found]


def count_cache_key(queryset: QuerySet) -> str:
    sql, params = queryset.query.sql_with_params()
    digest = hashlib.sha256(repr((queryset.db, sql, params)).encode()).hexdigest()
    return f"list-count:{digest}"


class ListPaginator(Paginator):
    """Django's paginator over a totally ordered list whose deep pages are read by their
    keys. Any queryset or sequence is taken; querysets of values keep Django's plain
    slicing."""

    deep_offset = DEEP_OFFSET

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True):
        if isinstance(object_list, QuerySet):
            object_list = total_order(object_list)
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)

    @cached_property
    def count(self):
        if not isinstance(self.object_list, QuerySet):
            return super().count
        try:
            key = count_cache_key(self.object_list)
        except EmptyResultSet:  # a list that is empty by its filters (`.none()`)
            return 0
        count = cache.get(key)
        if count is None:
            count = self.object_list.count()
            if count >= LARGE_COUNT:
                cache.set(key, count, COUNT_SECONDS)
        return count

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if bottom >= self.deep_offset and _is_model_rows(self.object_list):
            rows = page_rows(self.object_list, bottom, top)
        else:
            rows = self.object_list[bottom:top]
        return self._get_page(rows, number, self)
