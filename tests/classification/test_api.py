import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from classification.models import CustomerType, GradeLevel, OwnershipForm, Region, Route
from tests.accounts.factories import UserFactory
from tests.customers.factories import CustomerFactory, RegionFactory, RouteFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/api/v1/customer-types/",
    "/api/v1/ownership-forms/",
    "/api/v1/regions/",
    "/api/v1/grade-levels/",
    "/api/v1/routes/",
]


def as_user(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_customer_types_are_listed_with_their_codes_and_names(salesperson):
    response = as_user(salesperson).get("/api/v1/customer-types/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    assert body["results"][0] == {
        "id": CustomerType.objects.get(code="government").pk,
        "code": "government",
        "name": "政府机构",
        "name_en": "Government agency",
        "order": 1,
        "is_active": True,
    }
    assert [item["code"] for item in body["results"]] == [
        "government",
        "special",
        "ordinary",
        "consumer",
        "partner",
    ]


def test_grade_levels_show_their_colour(salesperson):
    body = as_user(salesperson).get("/api/v1/grade-levels/").json()
    assert [(item["code"], item["name"], item["color"]) for item in body["results"]] == [
        ("key", "主力客户", "#c62828"),
        ("general", "一般客户", "#1f6feb"),
        ("scattered", "零散客户", "#616e7c"),
    ]


@pytest.mark.parametrize("colour", ['#fff"><', "red", "#12345g", "#1234567"])
def test_a_grade_colour_the_page_would_refuse_is_refused_by_the_api_too(manager, colour):
    key = GradeLevel.objects.get(code="key")
    response = as_user(manager).patch(f"/api/v1/grade-levels/{key.pk}/", {"color": colour})
    assert response.status_code == 400
    assert "color" in response.json()
    key.refresh_from_db()
    assert key.color == "#c62828"


def test_regions_show_their_parent_by_code_and_filter_by_parent(salesperson):
    province = RegionFactory(code="GD", name="广东")
    RegionFactory(code="GZ", name="广州", parent=province)
    RegionFactory(code="FJ", name="福建")
    client = as_user(salesperson)
    body = client.get("/api/v1/regions/").json()
    assert [(item["code"], item["parent"]) for item in body["results"]] == [
        ("FJ", None),
        ("GD", None),
        ("GZ", "GD"),
    ]
    body = client.get("/api/v1/regions/", {"parent": province.pk}).json()
    assert [item["code"] for item in body["results"]] == ["GZ"]
    body = client.get("/api/v1/regions/", {"search": "广州"}).json()
    assert [item["code"] for item in body["results"]] == ["GZ"]


def test_routes_show_region_and_salesperson(salesperson):
    RouteFactory(
        code="RT1", name="一号线", region=RegionFactory(code="GD"), salesperson=salesperson
    )
    (item,) = as_user(salesperson).get("/api/v1/routes/").json()["results"]
    assert {key: item[key] for key in ("code", "name", "region", "salesperson")} == {
        "code": "RT1",
        "name": "一号线",
        "region": "GD",
        "salesperson": "sales1",
    }


@pytest.mark.parametrize("page_size", [2, 50])
def test_route_list_query_count_does_not_depend_on_page_size(
    salesperson, django_assert_num_queries, page_size
):
    for n in range(4):
        RouteFactory(code=f"RT{n}", salesperson=salesperson)
    client = as_user(salesperson)
    # token and user, the user's roles (which routes they see), count, the page with region
    # and salesperson joined
    with django_assert_num_queries(4):
        response = client.get("/api/v1/routes/", {"page_size": page_size})
    assert len(response.json()["results"]) == min(4, page_size)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_any_signed_in_user_reads_reference_data(path):
    client = as_user(UserFactory(username="nobody"))
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", ENDPOINTS)
def test_anonymous_is_refused(path):
    client = APIClient()
    assert client.get(path).status_code == 401
    assert client.post(path, {"code": "X", "name": "X"}).status_code == 401


@pytest.mark.parametrize("path", ENDPOINTS)
def test_sales_staff_cannot_write_reference_data(salesperson, path):
    RouteFactory(code="RT1", region=RegionFactory(code="GD"), salesperson=salesperson)
    client = as_user(salesperson)
    before = client.get(path).json()
    first = before["results"][0]["id"]
    assert client.post(path, {"code": "NEW", "name": "新", "region": "GD"}).status_code == 403
    assert client.patch(f"{path}{first}/", {"name": "改"}).status_code == 403
    assert client.delete(f"{path}{first}/").status_code == 403
    assert client.get(path).json() == before


def test_wrong_method_is_refused(manager):
    assert as_user(manager).put("/api/v1/customer-types/", {}).status_code == 405


def test_manager_creates_and_edits_a_region_under_a_parent(manager):
    RegionFactory(code="GD", name="广东")
    client = as_user(manager)
    response = client.post(
        "/api/v1/regions/", {"code": "SZ", "name": "深圳", "parent": "GD"}, format="json"
    )
    assert response.status_code == 201
    region = Region.objects.get(code="SZ")
    assert region.parent.code == "GD"
    response = client.patch(f"/api/v1/regions/{region.pk}/", {"name_en": "Shenzhen"})
    assert response.status_code == 200
    region.refresh_from_db()
    assert region.name_en == "Shenzhen"


def test_region_cannot_be_moved_under_its_own_subtree(manager):
    province = RegionFactory(code="GD", name="广东省")
    city = RegionFactory(code="GZ", name="广州市", parent=province)
    client = as_user(manager)
    response = client.patch(f"/api/v1/regions/{province.pk}/", {"parent": "GZ"})
    assert response.status_code == 400
    assert response.json() == {
        "parent": [
            "A region cannot be moved under itself or under one of its own sub-regions "
            "(广州市 is inside 广东省)."
        ]
    }
    response = client.patch(f"/api/v1/regions/{city.pk}/", {"parent": "GZ"})
    assert response.status_code == 400
    province.refresh_from_db()
    assert province.parent is None


def test_bad_reference_input_is_400(manager):
    client = as_user(manager)
    response = client.post(
        "/api/v1/routes/", {"code": "RT9", "name": "九", "region": "NOPE"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"region": ["Object with code=NOPE does not exist."]}
    response = client.post("/api/v1/customer-types/", {"code": "ordinary", "name": "X"})
    assert response.status_code == 400
    assert set(response.json()) == {"code"}
    response = client.post("/api/v1/grade-levels/", {"code": "vip", "name": "X", "order": -1})
    assert response.status_code == 400
    assert set(response.json()) == {"order"}
    assert not Route.objects.exists()
    assert CustomerType.objects.count() == 5


def test_manager_cannot_delete_reference_data(manager):
    ownership = OwnershipForm.objects.get(code="private")
    response = as_user(manager).delete(f"/api/v1/ownership-forms/{ownership.pk}/")
    assert response.status_code == 403
    assert OwnershipForm.objects.filter(pk=ownership.pk).exists()


def test_admin_deletes_unused_reference_data(admin_user):
    ownership = OwnershipForm.objects.get(code="private")
    response = as_user(admin_user).delete(f"/api/v1/ownership-forms/{ownership.pk}/")
    assert response.status_code == 204
    assert not OwnershipForm.objects.filter(pk=ownership.pk).exists()


def test_reference_data_in_use_is_not_deleted(admin_user):
    grade = GradeLevel.objects.get(code="key")
    CustomerFactory(grade=grade)
    response = as_user(admin_user).delete(f"/api/v1/grade-levels/{grade.pk}/")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "“Key customer” is still used by: customers. Deactivate it instead.",
        "code": "in_use",
    }
    assert GradeLevel.objects.filter(pk=grade.pk).exists()


def test_route_in_use_is_not_deleted_although_customers_would_only_lose_it(admin_user):
    route = RouteFactory(code="RT1")
    customer = CustomerFactory(route=route)
    response = as_user(admin_user).delete(f"/api/v1/routes/{route.pk}/")
    assert response.status_code == 409
    customer.refresh_from_db()
    assert customer.route == route


def test_region_with_sub_regions_is_not_deleted(admin_user):
    province = RegionFactory(code="GD")
    RegionFactory(code="GZ", parent=province)
    response = as_user(admin_user).delete(f"/api/v1/regions/{province.pk}/")
    assert response.status_code == 409
    assert "regions" in response.json()["detail"]
    assert Region.objects.filter(pk=province.pk).exists()


def test_a_salesperson_reads_only_the_routes_they_ride(salesperson, other_salesperson):
    RouteFactory(code="OWN", salesperson=salesperson)
    other = RouteFactory(code="OTHER", salesperson=other_salesperson)
    RouteFactory(code="NOBODY")
    client = as_user(salesperson)

    body = client.get("/api/v1/routes/").json()

    assert [item["code"] for item in body["results"]] == ["OWN"]
    assert client.get(f"/api/v1/routes/{other.pk}/").status_code == 404


def test_a_manager_reads_every_route(manager, salesperson):
    RouteFactory(code="OWN", salesperson=salesperson)
    route = RouteFactory(code="NOBODY")
    client = as_user(manager)

    body = client.get("/api/v1/routes/").json()

    assert [item["code"] for item in body["results"]] == ["NOBODY", "OWN"]
    assert client.get(f"/api/v1/routes/{route.pk}/").json()["code"] == "NOBODY"


def test_deactivating_the_level_starting_at_0_is_refused_with_the_reason(manager):
    scattered = GradeLevel.objects.get(code="scattered")

    response = as_user(manager).patch(
        f"/api/v1/grade-levels/{scattered.pk}/", {"is_active": False}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": [
            "The lowest grade “一般客户” must start at 0, so that every customer "
            "with sales in the window gets a grade (it is 50000.00)."
        ]
    }
    scattered.refresh_from_db()
    assert scattered.is_active is True


def test_grade_levels_are_changed_when_the_standards_stay_valid(manager):
    general = GradeLevel.objects.get(code="general")

    response = as_user(manager).patch(
        f"/api/v1/grade-levels/{general.pk}/", {"min_amount": "80000.00"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["min_amount"] == "80000.00"
    general.refresh_from_db()
    assert general.min_amount == 80000


def test_a_new_level_breaking_the_order_of_the_minimums_is_refused(manager):
    response = as_user(manager).post(
        "/api/v1/grade-levels/",
        {"code": "vip", "name": "VIP", "order": 4, "min_amount": "1000000"},
        format="json",
    )

    assert response.status_code == 400
    assert "must need less than" in response.json()["detail"][0]
    assert not GradeLevel.objects.filter(code="vip").exists()


def test_deleting_the_level_starting_at_0_is_refused_with_the_reason(admin_user):
    scattered = GradeLevel.objects.get(code="scattered")

    response = as_user(admin_user).delete(f"/api/v1/grade-levels/{scattered.pk}/")

    assert response.status_code == 400
    assert "must start at 0" in response.json()["detail"][0]
    assert GradeLevel.objects.filter(pk=scattered.pk).exists()
