import datetime

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_login_page_is_public_and_renders_the_form(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_login_with_right_password_reaches_home(client, salesperson):
    response = client.post(
        reverse("login"),
        {"username": salesperson.username, "password": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.context["user"] == salesperson
    assert "you see the customers assigned to you" in response.content.decode()


def test_login_with_wrong_password_is_refused(client, salesperson):
    response = client.post(
        reverse("login"), {"username": salesperson.username, "password": "wrong"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "enter a correct username and password" in response.content.decode()


def test_logout_ends_the_session(client, manager):
    client.force_login(manager)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302


def test_logout_by_get_is_refused(client, manager):
    client.force_login(manager)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("home")).status_code == 200


def test_manager_home_says_manager(client, manager):
    client.force_login(manager)
    assert "You are a manager" in client.get(reverse("home")).content.decode()


def test_role_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {"sales", "manager"}


def test_manager_group_can_view_users():
    manager_group = Group.objects.get(name="manager")
    assert manager_group.permissions.filter(
        content_type__app_label="auth", codename="view_user"
    ).exists()


def test_health_check_needs_no_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_api_schema_requires_authentication(client, manager):
    assert client.get("/api/schema/").status_code in (401, 403)
    client.force_login(manager)
    assert client.get("/api/schema/").status_code == 200


def test_swagger_ui_is_served_without_a_cdn(client, manager):
    client.force_login(manager)
    html = client.get("/api/docs/").content.decode()
    assert "cdn.jsdelivr" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html


def test_a_sign_in_expires_after_the_session_age(client, salesperson, settings):
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60
    client.post(reverse("login"), {"username": salesperson.username, "password": PASSWORD})
    session = Session.objects.get(session_key=client.session.session_key)
    lasts = session.expire_date - timezone.now()
    assert datetime.timedelta(hours=11, minutes=59) < lasts <= datetime.timedelta(hours=12)
    assert client.get(reverse("home")).status_code == 200

    session.expire_date = timezone.now() - datetime.timedelta(seconds=1)
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_logging_out_deletes_the_session_so_its_cookie_opens_nothing(client, manager):
    client.force_login(manager)
    stolen = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=stolen).exists()
    client.cookies["sessionid"] = stolen
    assert client.get(reverse("home")).status_code == 302
