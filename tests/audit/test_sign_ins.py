"""The audit page of sign-ins: sign-ins, sign-outs, failed sign-ins and lockouts as
django-axes records them through the real login page, newest first, with username, address
and time; filtered by username, kind and period; the lockouts running now; for managers and
admins only, in a fixed number of queries."""

import pytest
from axes.models import AccessFailureLog, AccessLog

from tests.accounts.factories import PASSWORD
from tests.audit.conftest import day

pytestmark = pytest.mark.django_db

SIGN_INS = "/audit/sign-ins/"
LOGIN = "/accounts/login/"
LIMIT = 3


@pytest.fixture(autouse=True)
def _low_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def events(response) -> list[tuple[str, str, str]]:
    return [
        (event["kind"], event["username"], event["ip_address"])
        for event in response.context["page_obj"].object_list
    ]


def test_a_sign_in_a_sign_out_and_a_wrong_password_through_the_login_page_are_listed(
    client, salesperson, admin_user
):
    assert client.post(LOGIN, {"username": "sales1", "password": "wrong"}).status_code == 200
    assert client.post(LOGIN, {"username": "sales1", "password": PASSWORD}).status_code == 302
    assert client.post("/accounts/logout/").status_code == 302

    client.force_login(admin_user)
    response = client.get(SIGN_INS + "?username=sales1")

    assert response.status_code == 200
    assert events(response) == [
        ("logout", "sales1", "127.0.0.1"),
        ("login", "sales1", "127.0.0.1"),
        ("failed", "sales1", "127.0.0.1"),
    ]
    login = AccessLog.objects.get(username="sales1")
    logout, signed_in, failed = response.context["page_obj"].object_list
    assert (signed_in["at"], logout["at"]) == (login.attempt_time, login.logout_time)
    assert failed["at"] == AccessFailureLog.objects.get(username="sales1").attempt_time
    html = response.content.decode()
    for label in ("Signed out", "Signed in", "Failed sign-in"):
        assert label in html
    assert "3 events" in html


def test_repeated_wrong_passwords_show_as_a_lockout_and_under_locked_out_now(
    client, manager, admin_user
):
    for _ in range(LIMIT + 1):
        client.post(LOGIN, {"username": "manager", "password": "wrong"})

    client.force_login(admin_user)
    response = client.get(SIGN_INS + "?username=manager")

    assert [kind for kind, _name, _ip in events(response)] == [
        "locked_out",
        "locked_out",
        "failed",
        "failed",
    ]
    [lockout] = response.context["lockouts"]
    assert (lockout.username, lockout.ip_address, lockout.failures) == ("manager", "127.0.0.1", 4)
    assert 'data-testid="lockouts"' in response.content.decode()


def test_an_unknown_username_is_listed_as_typed(client, admin_user):
    client.post(LOGIN, {"username": "mallory", "password": "guess"})
    client.force_login(admin_user)
    assert events(client.get(SIGN_INS + "?username=MALL")) == [("failed", "mallory", "127.0.0.1")]


@pytest.fixture
def dated_events(db):
    """Sign-ins of two people on known days: wang in ten days ago and out the day after,
    li failing eight days ago and locked out seven days ago."""
    wang = AccessLog.objects.create(username="wang", ip_address="10.0.0.1", user_agent="Phone")
    AccessLog.objects.filter(pk=wang.pk).update(attempt_time=day(10), logout_time=day(9))
    for when, locked in ((day(8), False), (day(7), True)):
        failure = AccessFailureLog.objects.create(
            username="li", ip_address="10.0.0.2", user_agent="Desktop", locked_out=locked
        )
        AccessFailureLog.objects.filter(pk=failure.pk).update(attempt_time=when)


def test_each_filter_narrows_the_sign_ins(client, admin_user, dated_events):
    client.force_login(admin_user)

    def listed(query: str) -> list[tuple[str, str]]:
        response = client.get(SIGN_INS + query)
        return [(kind, name) for kind, name, _ip in events(response) if name != "admin"]

    assert listed("") == [
        ("locked_out", "li"),
        ("failed", "li"),
        ("logout", "wang"),
        ("login", "wang"),
    ]
    assert listed("?username=wang") == [("logout", "wang"), ("login", "wang")]
    assert listed("?kind=login") == [("login", "wang")]
    assert listed("?kind=logout") == [("logout", "wang")]
    assert listed("?kind=failed") == [("failed", "li")]
    assert listed("?kind=locked_out") == [("locked_out", "li")]
    nine, eight = day(9).date().isoformat(), day(8).date().isoformat()
    assert listed(f"?date_from={nine}&date_to={eight}") == [("failed", "li"), ("logout", "wang")]
    assert listed(f"?date_to={day(10).date().isoformat()}") == [("login", "wang")]
    assert listed("?kind=login&username=li") == []
    assert listed("?kind=nonsense") == []


def test_a_salesperson_is_refused_and_a_manager_admitted(client, salesperson, manager):
    client.force_login(salesperson)
    assert client.get(SIGN_INS).status_code == 403
    client.force_login(manager)
    assert client.get(SIGN_INS).status_code == 200


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(SIGN_INS)
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


# The session, the user and their role; the lockouts now; the count and the page.
PAGE_QUERIES = 6


def test_a_page_takes_the_same_queries_for_5_and_for_50_events(
    client, admin_user, django_assert_num_queries
):
    def record(count: int) -> None:
        for number in range(count):
            AccessLog.objects.create(username=f"user{number}", ip_address="10.0.0.9")
            AccessFailureLog.objects.create(username=f"user{number}", ip_address="10.0.0.9")

    client.force_login(admin_user)  # one sign-in already
    record(2)
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(SIGN_INS + "?page_size=50")
    assert len(response.context["page_obj"].object_list) == 5
    record(22)
    AccessLog.objects.filter(username="user0").update(logout_time=day(0))
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(SIGN_INS + "?page_size=50")
    assert len(response.context["page_obj"].object_list) == 50
