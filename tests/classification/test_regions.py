import pytest
from django.core.exceptions import ValidationError

from classification.models import Region
from classification.services.regions import (
    region_create,
    region_delete,
    region_move,
    region_tree,
    region_update,
)
from tests.customers.factories import CustomerFactory, RegionFactory, RouteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """广东 > 深圳 > 南山, and 广东 > 广州."""
    guangdong = RegionFactory(code="GD", name="广东")
    shenzhen = RegionFactory(code="SZ", name="深圳", parent=guangdong, order=1)
    nanshan = RegionFactory(code="NS", name="南山", parent=shenzhen)
    guangzhou = RegionFactory(code="GZ", name="广州", parent=guangdong, order=2)
    return guangdong, shenzhen, nanshan, guangzhou


def parents() -> dict[str, str | None]:
    regions = Region.objects.filter(code__in=["GD", "SZ", "NS", "GZ"])
    return dict(regions.values_list("code", "parent__code"))


@pytest.mark.parametrize(("moved", "under"), [(0, 0), (0, 2), (1, 2), (1, 1)])
def test_a_region_cannot_be_moved_under_itself_or_its_descendants(tree, manager, moved, under):
    before = parents()
    with pytest.raises(ValidationError) as refused:
        region_move(region=tree[moved], parent=tree[under], actor=manager)
    assert list(refused.value.message_dict) == ["parent"]
    assert "cannot be moved under itself" in refused.value.message_dict["parent"][0]
    assert parents() == before


def test_a_region_moves_with_its_subtree(tree, manager):
    guangdong, shenzhen, nanshan, guangzhou = tree
    region_move(region=shenzhen, parent=guangzhou, actor=manager)
    assert parents() == {"GD": None, "GZ": "GD", "SZ": "GZ", "NS": "SZ"}
    assert Region.objects.subtree_ids(guangzhou) == {guangzhou.pk, shenzhen.pk, nanshan.pk}
    region_move(region=shenzhen, parent=None, actor=manager)
    assert parents()["SZ"] is None


def test_create_and_update_validate_the_region(tree, manager):
    created = region_create(data={"code": "FT", "name": "福田", "parent": tree[1]}, actor=manager)
    assert (created.parent, created.is_active) == (tree[1], True)
    with pytest.raises(ValidationError) as refused:
        region_create(data={"code": "FT", "name": "另一个"}, actor=manager)
    assert list(refused.value.message_dict) == ["code"]
    region_update(region=created, changes={"name_en": "Futian"}, actor=manager)
    created.refresh_from_db()
    assert created.name_en == "Futian"


def test_a_region_in_use_is_not_deleted(tree, manager):
    guangdong, shenzhen, nanshan, guangzhou = tree
    RouteFactory(code="R1", region=guangzhou)
    CustomerFactory(code="C1", region=nanshan)
    for region in (guangdong, nanshan, guangzhou):
        with pytest.raises(ValidationError, match="still used by"):
            region_delete(region=region, actor=manager)
    assert Region.objects.filter(code__in=["GD", "SZ", "NS", "GZ"]).count() == 4

    empty = RegionFactory(code="EMPTY", parent=guangdong)
    region_delete(region=empty, actor=manager)
    assert not Region.objects.filter(code="EMPTY").exists()


def test_tree_lists_parents_before_children_with_depths(tree, django_assert_num_queries):
    RouteFactory(code="R1", region=tree[1])
    CustomerFactory(code="C1", region=tree[1])
    CustomerFactory(code="C2", region=tree[1])
    with django_assert_num_queries(1):
        nodes = region_tree()
    ours = [
        (n.region.code, n.depth, n.region.route_count, n.region.customer_count)
        for n in nodes
        if n.region.code in {"GD", "SZ", "NS", "GZ"}
    ]
    assert ours == [("GD", 0, 0, 0), ("SZ", 1, 1, 2), ("NS", 2, 0, 0), ("GZ", 1, 0, 0)]
