"""/healthz: no login, one trivial query per database; 200 `ok`, or 503 with a short reason
and none of the error's details when a database does not answer."""

import socket

import pytest
from django.db import OperationalError, connections
from django.db.backends.postgresql.base import DatabaseWrapper
from django.test.utils import CaptureQueriesContext

from archive_crm.db import REPLICA

# What a refused connection says: addresses and names an outsider must not read.
SECRET_DETAIL = 'connection to server at "10.1.2.3", port 5432 failed: password for "crm"'

on_both = pytest.mark.django_db(databases=["default", REPLICA])


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def assert_refused_without_details(response, reason: bytes):
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == reason
    assert b"10.1.2.3" not in response.content
    assert b"crm" not in response.content
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_answers_ok_without_a_login_after_one_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    # A load balancer, never a cache, decides from it.
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_without_details_when_the_database_is_down(client, monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise OperationalError(SECRET_DETAIL)

    monkeypatch.setattr(connections["default"], "cursor", refuse)

    response = client.get("/healthz")

    assert_refused_without_details(response, b"database unavailable")
    # The operators read the reason in the log.
    assert SECRET_DETAIL in caplog.text


@on_both
def test_healthz_queries_the_replica_too(client, replica):
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as mirror,
    ):
        response = client.get("/healthz")

    assert (response.status_code, response.content) == (200, b"ok")
    assert (len(primary), len(mirror)) == (1, 1)


@on_both
def test_healthz_is_503_when_the_replica_does_not_answer(client, replica, monkeypatch):
    """The replica on a port where nothing listens: a real refused connection."""
    port = closed_port()
    unreachable = {
        **replica.settings_dict,
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "crm",
        "USER": "crm",
        "PASSWORD": "",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "OPTIONS": {"connect_timeout": 2},
    }
    # The test keeps its own connection (and its transaction); the probe's cursor is asked
    # of one that cannot connect.
    monkeypatch.setattr(replica, "cursor", DatabaseWrapper(unreachable, alias=REPLICA).cursor)

    response = client.get("/healthz")

    assert_refused_without_details(response, b"replica database unavailable")
    assert str(port).encode() not in response.content
