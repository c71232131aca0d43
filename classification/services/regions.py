"""The region tree (地域): managers create regions, rename them and move them under another
parent. The tree stays a tree (no region below itself) and a region in use is never
deleted."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from classification.models import Region
from classification.services.reference import reference_delete

REGION_FIELDS = ("code", "name", "name_en", "parent", "order", "is_active")


def _refuse_cycle(region: Region) -> None:
    if region.parent_id is None:
        return
    if region.parent_id in Region.objects.subtree_ids(region):
        raise ValidationError(
            {
                "parent": _(
                    "A region cannot be moved under itself or under one of its own "
                    "sub-regions (%(parent)s is inside %(region)s)."
                )
                % {"parent": region.parent, "region": region}
            },
            code="cycle",
        )


def region_create(*, data: Mapping[str, Any], actor) -> Region:
    """A new region, at the top or under a parent."""
    unknown = set(data) - set(REGION_FIELDS)
    if unknown:
        raise ValueError(f"Not region fields: {sorted(unknown)}")
    region = Region(**data)
    region.full_clean()
    # A new region has no sub-regions yet, so no parent can put it below itself.
    region.save()
    return region


def region_update(*, region: Region, changes: Mapping[str, Any], actor) -> Region:
    """Change a region, including its parent: moving a region under itself or one of its
    descendants is refused with a ValidationError on `parent`. The changes are applied to the
    saved row, locked, and only their columns are written; a move locks the whole tree first,
    so that two moves made at the same time cannot each pass the check and together close a
    cycle. Returns the region as saved."""
    unknown = set(changes) - set(REGION_FIELDS)
    if unknown:
        raise ValueError(f"Not region fields: {sorted(unknown)}")
    with transaction.atomic():
        if "parent" in changes:
            list(Region.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
        current = Region.objects.select_for_update().get(pk=region.pk)
        for name, value in changes.items():
            setattr(current, name, value)
        current.full_clean()
        _refuse_cycle(current)
        current.save(update_fields=list(changes))
    return current


def region_move(*, region: Region, parent: Region | None, actor) -> Region:
    """Put a region (with its whole subtree) under `parent`, or at the top with None."""
    return region_update(region=region, changes={"parent": parent}, actor=actor)


def region_delete(*, region: Region, actor) -> None:
    """Delete a region nothing uses; a region with sub-regions, routes or customers is
    refused (deactivate it instead)."""
    reference_delete(instance=region)


@dataclass(frozen=True)
class RegionNode:
    region: Region
    depth: int


def region_tree() -> list[RegionNode]:
    """Every region in tree order (each parent followed by its children, siblings by order
    and code), with its depth and `route_count` / `customer_count`. One query."""
    regions = list(
        Region.objects.annotate(
            route_count=Count("routes", distinct=True),
            customer_count=Count("customer", distinct=True),
        ).order_by("order", "code")
    )
    children: dict[int | None, list[Region]] = {}
    for region in regions:
        children.setdefault(region.parent_id, []).append(region)
    tree: list[RegionNode] = []
    stack = [(region, 0) for region in reversed(children.get(None, []))]
    while stack:
        region, depth = stack.pop()
        tree.append(RegionNode(region, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(region.pk, [])))
    return tree
