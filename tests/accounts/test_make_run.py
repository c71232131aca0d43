"""`make run` serves the demo as production does (DEBUG off, static files collected), over
plain http on this machine; `make dev` serves with DEBUG on. The Makefile's own recipes are
run with `manage.py` replaced by a script that prints the settings each command would get,
so these tests read what the targets really set, without installing, seeding or serving."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = """
import json, sys
import django
from django.conf import settings
django.setup()
print(json.dumps({
    "command": sys.argv[1],
    "DEBUG": settings.DEBUG,
    "SECRET_KEY": settings.SECRET_KEY,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "STATICFILES": settings.STORAGES["staticfiles"]["BACKEND"],
}))
"""
KEY = "k3y-from-the-local-file-0123456789abcdefghijklmnopqrstuvwxyz-!@#$%^&*(-_=+)"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def settings_per_command(target: str, tmp_path: Path) -> dict[str, dict]:
    """Run `make <target>` with the venv and the seeding taken as done, the secret key file
    and the static manifest in `tmp_path`; the settings each manage.py command got, by
    command."""
    script = tmp_path / "print_settings.py"
    script.write_text(PRINT_SETTINGS, encoding="utf-8")
    key_file = tmp_path / "secret-key"
    key_file.write_text(KEY + "\n", encoding="utf-8")
    inherited = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "SECURE_COOKIES"}
    env = {k: v for k, v in os.environ.items() if k not in inherited and not k.startswith("MAKE")}
    env["DJANGO_SETTINGS_MODULE"] = "archive_crm.settings"
    env["PYTHONPATH"] = str(BASE_DIR)  # the script lives in tmp_path, the project here
    result = subprocess.run(  # noqa: S603 (make with the project's own Makefile)
        [
            shutil.which("make"),
            "--silent",
            "--no-print-directory",
            "--old-file=seed",
            "--old-file=.venv/.installed",
            target,
            f"MANAGE={sys.executable} {script}",
            f"SECRET_KEY_FILE={key_file}",
            f"STATIC_MANIFEST={tmp_path / 'staticfiles.json'}",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return {line["command"]: line for line in lines}


def test_make_run_serves_with_debug_off_over_plain_http(tmp_path):
    commands = settings_per_command("run", tmp_path)
    served = commands["runserver"]
    assert served["DEBUG"] is False
    assert served["SECRET_KEY"] == KEY
    assert "127.0.0.1" in served["ALLOWED_HOSTS"]
    # Plain http on 127.0.0.1: no redirect to https, cookies a browser sends over http.
    assert served["SECURE_SSL_REDIRECT"] is False
    assert served["SESSION_COOKIE_SECURE"] is False
    assert served["CSRF_COOKIE_SECURE"] is False
    assert served["STATICFILES"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    # The static files are collected with the same settings before serving.
    assert commands["collectstatic"]["STATICFILES"] == served["STATICFILES"]
    assert commands["collectstatic"]["DEBUG"] is False


def test_make_dev_serves_with_debug_on(tmp_path):
    served = settings_per_command("dev", tmp_path)["runserver"]
    assert served["DEBUG"] is True
    assert served["SECRET_KEY"] == KEY
