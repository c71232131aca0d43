"""The error pages belong to the product: styled, in the user's language, with the navigation
where there is a signed-in user; the 400 and 500 pages render without a request or a
database."""

import pytest
from django.core.exceptions import SuspiciousOperation
from django.test import Client, RequestFactory
from django.urls import path, reverse
from django.utils import translation
from django.views.defaults import bad_request, server_error

from tests.customers.factories import CustomerFactory

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}
# Django's own wording when a project has no error templates, and its debug pages' titles.
DJANGO_DEFAULTS = ("Forbidden", "Not Found", "Server Error", "Bad Request", "Page not found at")


def boom(request):
    raise RuntimeError("a bug")


# The URLconf of the tests that need a failing view (`pytest.mark.urls`).
urlpatterns = [path("boom/", boom)]


def has_navigation(html: str) -> bool:
    return 'class="nav"' in html and f'href="{reverse("customers:list")}"' in html


# 403 ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_salesperson_on_a_managers_page_gets_the_products_403_with_navigation(client, salesperson):
    client.force_login(salesperson)
    response = client.get(reverse("classification:region_list"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "You cannot open this page" in html
    assert "Only managers can do this." in html
    assert has_navigation(html)
    assert f'href="{reverse("home")}"' in html
    assert [word for word in DJANGO_DEFAULTS if word in html] == []


@pytest.mark.django_db
def test_the_403_page_in_chinese(client, salesperson):
    client.force_login(salesperson)
    response = client.get(reverse("classification:region_list"), **ZH)
    html = response.content.decode()
    assert response.status_code == 403
    assert response["Content-Language"] == "zh-hans"
    for chinese in ("您无权打开此页面", "只有经理才能执行此操作。", "返回首页", "客户"):
        assert chinese in html
    assert has_navigation(html)
    for english in ("Forbidden", "You cannot open", "Back to the home page", "Only managers"):
        assert english not in html


# 404 ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unknown_address_gets_the_products_404_with_navigation(client, manager):
    client.force_login(manager)
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html
    assert "/no-such-page/" in html
    assert has_navigation(html)
    assert [word for word in DJANGO_DEFAULTS if word in html] == []


@pytest.mark.django_db
def test_a_colleagues_customer_is_a_404_that_says_why_it_may_be(
    client, salesperson, other_salesperson
):
    theirs = CustomerFactory(salesperson=other_salesperson)
    client.force_login(salesperson)
    response = client.get(theirs.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 404
    assert "a customer who is not assigned to you" in html
    assert theirs.name not in html
    assert has_navigation(html)


@pytest.mark.django_db
def test_the_404_page_in_chinese(client, salesperson):
    client.force_login(salesperson)
    response = client.get("/no-such-page/", **ZH)
    html = response.content.decode()
    assert response.status_code == 404
    for chinese in ("找不到此页面", "网址可能输错了或已过时", "返回首页"):
        assert chinese in html
    assert has_navigation(html)
    for english in ("Not Found", "not found", "Page not", "mistyped", "Back to the home page"):
        assert english not in html


# 500 and 400: rendered by Django without a request, a context or the database -------------------


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "Something went wrong"), ("zh-hans", "出错了")]
)
def test_the_500_page_renders_without_the_database(language, heading):
    """No `db` mark: any query here would fail the test."""
    with translation.override(language):
        response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert heading in html
    assert f'<html lang="{language}">' in html
    assert 'class="topbar"' in html
    # One stylesheet, no inline style (the Content-Security-Policy allows none).
    assert "css/error" in html and "<style" not in html
    assert "Server Error" not in html


@pytest.mark.django_db
@pytest.mark.urls("tests.accounts.test_error_pages")
def test_a_failing_view_answers_with_the_500_page_in_the_users_language(salesperson):
    client = Client(raise_request_exception=False)
    client.force_login(salesperson)
    response = client.get("/boom/", **ZH)
    html = response.content.decode()
    assert response.status_code == 500
    assert "出错了" in html
    assert "a bug" not in html
    assert "Traceback" not in html


@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "The request could not be read"), ("zh-hans", "无法读取这个请求")],
)
def test_the_400_page_renders_without_the_database(language, heading):
    with translation.override(language):
        response = bad_request(RequestFactory().get("/"), SuspiciousOperation("bad"))
    html = response.content.decode()
    assert response.status_code == 400
    assert heading in html
    assert "Bad Request" not in html


@pytest.mark.django_db
def test_an_unknown_host_gets_the_products_400(client):
    response = client.get(reverse("login"), HTTP_HOST="unknown.example", **ZH)
    assert response.status_code == 400
    assert "无法读取这个请求" in response.content.decode()


# An expired form (CSRF) -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "heading"), [({}, "This form has expired"), (ZH, "此表单已过期")]
)
def test_a_form_without_a_valid_csrf_token_gets_the_expired_form_page(
    salesperson, headers, heading
):
    client = Client(enforce_csrf_checks=True)
    client.force_login(salesperson)
    response = client.post(reverse("logout"), **headers)
    html = response.content.decode()
    assert response.status_code == 403
    assert heading in html
    assert has_navigation(html)
    assert "CSRF" not in html
    # The page hands out a fresh token, so reloading the form and sending it again works.
    assert response.cookies["csrftoken"].value
    assert "_auth_user_id" in client.session
