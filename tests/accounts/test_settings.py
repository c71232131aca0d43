"""The settings module read from the environment, checked in a fresh interpreter each time
(settings are read once per process)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x7!kq2-production-like-secret-key-for-tests-0123456789abcdef",
    "ALLOWED_HOSTS": "crm.example.com",
}


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    inherited = {
        "DATABASE_URL",
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
    clean = {k: v for k, v in os.environ.items() if k not in inherited}
    clean["DJANGO_SETTINGS_MODULE"] = "archive_crm.settings"
    return subprocess.run(  # noqa: S603
        [sys.executable, *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def read_settings(**env: str) -> dict:
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "db = settings.DATABASES['default'];"
        "print(json.dumps({'ENGINE': db['ENGINE'], 'NAME': str(db['NAME']),"
        " 'HOST': db.get('HOST', ''), 'PORT': str(db.get('PORT', '')), 'USER': db.get('USER', ''),"
        " 'DEBUG': settings.DEBUG, 'ALLOWED_HOSTS': settings.ALLOWED_HOSTS}))"
    )
    result = run(["-c", code], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_default_database_is_an_sqlite_file_inside_the_project():
    values = read_settings()
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["NAME"] == str(BASE_DIR / "db.sqlite3")


def test_database_url_selects_postgresql():
    values = read_settings(DATABASE_URL="postgres://crm:pw@db.internal:6543/archive")
    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert (values["NAME"], values["HOST"], values["PORT"], values["USER"]) == (
        "archive",
        "db.internal",
        "6543",
        "crm",
    )


def test_database_url_selects_an_sqlite_path():
    values = read_settings(DATABASE_URL="sqlite:////srv/crm/other.sqlite3")
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["NAME"] == "/srv/crm/other.sqlite3"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), ("yes", True), ("0", False), ("false", False), ("no", False)],
)
def test_debug_flag_accepts_common_spellings(raw, expected):
    env = {"DEBUG": raw, "SECRET_KEY": PRODUCTION_ENV["SECRET_KEY"]}
    assert read_settings(**env)["DEBUG"] is expected


def test_allowed_hosts_is_a_comma_separated_list():
    values = read_settings(ALLOWED_HOSTS="crm.example.com,.example.org")
    assert values["ALLOWED_HOSTS"] == ["crm.example.com", ".example.org"]


def test_production_refuses_to_start_without_a_secret_key():
    result = run(["manage.py", "check"], DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_deploy_check_is_clean_with_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
