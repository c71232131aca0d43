"""Trees of rows linked by a `parent` foreign key (regions, product categories)."""

from django.db import models


class TreeQuerySet(models.QuerySet):
    def subtree_ids(self, node) -> set[int]:
        """The node and all its descendants, at any depth, in one query."""
        children: dict[int | None, list[int]] = {}
        for pk, parent_id in self.values_list("pk", "parent_id"):
            children.setdefault(parent_id, []).append(pk)
        found, stack = set(), [node.pk]
        while stack:
            pk = stack.pop()
            if pk not in found:
                found.add(pk)
                stack.extend(children.get(pk, []))
        return found
