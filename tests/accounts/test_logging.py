"""Each log line is printed once: a record of Django's loggers meets exactly one handler on
its way up, with DEBUG on or off."""

import logging
import logging.config

import pytest
from django.conf import settings
from django.utils.log import DEFAULT_LOGGING, configure_logging
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from archive_crm.logging import RequestContextFilter


def handlers_on_the_way(name: str) -> list[logging.Handler]:
    found, logger = [], logging.getLogger(name)
    while logger is not None:
        found.extend(logger.handlers)
        logger = logger.parent if logger.propagate else None
    return found


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("name", ["django.request", "django.security.csrf", "archive_crm"])
def test_a_record_meets_one_printing_handler(name, debug):
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    record = logging.LogRecord(name, logging.WARNING, __file__, 1, "x", None, None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "DEBUG", debug)
        printing = [
            handler
            for handler in handlers_on_the_way(name)
            if isinstance(handler, logging.StreamHandler) and handler.filter(record)
        ]
    assert len(printing) == 1
    assert DEFAULT_LOGGING["loggers"]["django"]["handlers"]  # Django's own default prints too


class Lines(logging.Handler):
    """The lines as the console would print them (the project's filter and format)."""

    def __init__(self):
        super().__init__()
        self.lines = []
        self.addFilter(RequestContextFilter())
        self.setFormatter(logging.Formatter(settings.LOGGING["formatters"]["line"]["format"]))

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def lines():
    handler = Lines()
    logging.getLogger("django.request").addHandler(handler)
    yield handler.lines
    logging.getLogger("django.request").removeHandler(handler)


def test_a_line_says_which_request_and_user_it_comes_from(client, manager, lines):
    client.force_login(manager)
    response = client.get("/customers/999999/")
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    (line,) = [line for line in lines if "Not Found" in line]
    assert f"[{request_id} manager]" in line


def test_the_proxys_request_id_is_kept_when_sane_and_replaced_otherwise(client, manager):
    client.force_login(manager)
    kept = client.get("/", headers={"X-Request-ID": "edge-42.a"})
    assert kept["X-Request-ID"] == "edge-42.a"
    replaced = client.get("/", headers={"X-Request-ID": "bad id\nwith=newline"})
    assert replaced["X-Request-ID"] != "bad id\nwith=newline"
    assert len(replaced["X-Request-ID"]) == 32


def test_an_api_call_by_token_names_its_user_in_the_line(manager, lines):
    token = Token.objects.create(user=manager)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.get("/api/v1/customers/999999/")
    assert response.status_code == 404
    (line,) = [line for line in lines if "Not Found" in line]
    assert f"[{response['X-Request-ID']} manager]" in line


@pytest.mark.django_db
def test_a_data_form_links_secret_never_reaches_the_log(client, lines):
    secret = "Zq3" + "x" * 40
    response = client.get(f"/forms/f/{secret}/")
    assert response.status_code == 404
    (line,) = [line for line in lines if "/forms/f/" in line]
    assert secret not in line
    assert "/forms/f/…/" in line
