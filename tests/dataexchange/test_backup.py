"""`manage.py backup` and `manage.py restore` (and `make backup` / `make restore`): one
archive of the database and the uploaded files, restored table for table and byte for byte
on the engine in use; a wrong or damaged archive is refused and changes nothing."""

import gzip
import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import tarfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from customers.models import Customer
from dataexchange.backup import MANIFEST_NAME, BackupError, backup_create, backup_restore
from investigations.services import investigation_report_attach
from tests.customers.factories import ContactFactory, CreditIncidentFactory, CustomerFactory
from tests.investigations.factories import PDF, InvestigationFactory, pdf_upload
from tests.sales.factories import SalesRecordFactory
from tests.visits.factories import (
    PNG,
    ProposalFactory,
    VisitFactory,
    VisitReportFactory,
    png_upload,
)
from visits.services import photo_add

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BASE_DIR = Path(__file__).resolve().parents[2]
OTHER_ENGINE = {"postgresql": "sqlite", "sqlite": "postgresql"}


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def seed_world(manager, salesperson) -> None:
    """Customers with contacts, a credit incident and sales; a visit report with a proposal
    and a photo; an investigation with the agency's report file."""
    customers = CustomerFactory.create_batch(3, salesperson=salesperson)
    for customer in customers:
        ContactFactory.create_batch(2, customer=customer)
        SalesRecordFactory.create_batch(4, customer=customer)
    CreditIncidentFactory(customer=customers[0])
    visit = VisitFactory(report=VisitReportFactory(salesperson=salesperson), customer=customers[0])
    ProposalFactory(source=visit)
    photo_add(visit=visit, upload=png_upload(), kind="storefront", actor=salesperson)
    investigation = InvestigationFactory(customer=customers[1], requested_by=manager)
    investigation_report_attach(
        investigation=investigation, upload=pdf_upload("调查报告.pdf"), actor=manager
    )


def _plain(value):
    return bytes(value) if isinstance(value, memoryview) else value


def database_state() -> dict[str, tuple[int, str]]:
    """Every table's row count and a checksum of its rows (in a fixed order)."""
    state = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows = sorted(repr(tuple(map(_plain, row))) for row in cursor.fetchall())
            digest = hashlib.md5("\n".join(rows).encode(), usedforsecurity=False).hexdigest()
            state[table] = (len(rows), digest)
    return state


def media_state(root: Path) -> dict[str, bytes]:
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_a_restore_brings_back_every_table_row_for_row_and_every_file_byte_for_byte(
    media, tmp_path, manager, salesperson, capsys
):
    seed_world(manager, salesperson)
    database_before, media_before = database_state(), media_state(media)
    archive = tmp_path / "backup.tar.gz"

    out = run("backup", "--output", str(archive))

    rows = sum(count for count, _ in database_before.values())
    media_bytes = sum(len(data) for data in media_before.values())
    assert out.startswith(
        f"Backed up {len(database_before)} tables ({rows} rows) and 2 uploaded file(s) "
        f"({media_bytes} bytes) to {archive}"
    )
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile(MANIFEST_NAME).read())
    database_member = "database.dump" if connection.vendor == "postgresql" else "database.sqlite3"
    assert sorted(names) == sorted(
        [MANIFEST_NAME, database_member, *(f"media/{name}" for name in media_before)]
    )
    assert manifest["engine"] == connection.vendor
    assert manifest["tables"] == {table: count for table, (count, _) in database_before.items()}
    assert manifest["migrations"]["customers"].startswith("00")
    assert set(media_before.values()) == {PNG, PDF}

    # The site is wiped: every table emptied, the files gone, a stray file left behind.
    call_command("flush", "--noinput", verbosity=0)
    shutil.rmtree(media)
    (media / "investigations").mkdir(parents=True)
    (media / "investigations" / "stray.pdf").write_bytes(PDF)
    assert database_state() != database_before

    out = run("restore", str(archive), "--noinput")

    assert database_state() == database_before
    assert media_state(media) == media_before
    assert out.startswith(f"Restored {len(database_before)} tables ({rows} rows) and 2 uploaded")
    assert "differ" not in out and "Dropped" not in out
    # The sequences came back too: a new card gets a fresh id.
    last = max(Customer.objects.values_list("pk", flat=True))
    assert CustomerFactory(salesperson=salesperson).pk > last
    with capsys.disabled():
        print(
            f"\nbackup round trip on {connection.vendor}: {len(database_before)} tables "
            f"compared, {rows} rows, {len(media_before)} files of {media_bytes} bytes, "
            f"archive {archive.stat().st_size} bytes"
        )


def test_a_backup_is_named_by_its_utc_time_readable_by_its_owner_only_and_never_overwritten(
    media, tmp_path, salesperson
):
    folder = tmp_path / "backups"
    folder.mkdir()

    first = backup_create(destination=folder)

    assert first.path.parent == folder
    assert first.path.name.startswith("archive-crm-")
    assert first.path.name.endswith("Z.tar.gz")
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    assert sorted(folder.iterdir()) == [first.path]  # no partial or working files left
    with pytest.raises(BackupError, match="exists already"):
        backup_create(destination=first.path)
    assert sorted(folder.iterdir()) == [first.path]


# Refusals: each leaves the database and the files exactly as they were. -----------------------


@pytest.fixture
def archive(media, tmp_path, manager, salesperson) -> Path:
    """A backup of a small world, after which the site moved on (one more customer and one
    more file), so a restore that went ahead would show."""
    seed_world(manager, salesperson)
    path = backup_create(destination=tmp_path / "backup.tar.gz").path
    CustomerFactory(salesperson=salesperson)
    (media / "later.txt").write_text("added after the backup", encoding="utf-8")
    return path


def rewritten(archive: Path, target: Path, *, manifest=None, members=None) -> Path:
    """A copy of `archive` with its manifest changed by `manifest(dict)` and its other
    members' bytes by `members(name, bytes)` (None leaves a member out)."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as copy:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == MANIFEST_NAME and manifest is not None:
                content = json.loads(data)
                manifest(content)
                data = json.dumps(content).encode()
            elif member.name != MANIFEST_NAME and members is not None:
                data = members(member.name, data)
                if data is None:
                    continue
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return target


def add_member(path: Path, name: str, data: bytes) -> None:
    with tarfile.open(path) as source:
        members = [(member, source.extractfile(member).read()) for member in source]
    with tarfile.open(path, "w:gz") as copy:
        for member, content in [*members, (tarfile.TarInfo(name), data)]:
            member.size = len(content)
            copy.addfile(member, io.BytesIO(content))


def assert_refused(archive: Path, media: Path, message: str) -> None:
    database_before, media_before = database_state(), media_state(media)

    with pytest.raises(CommandError, match=message):
        call_command("restore", str(archive), "--noinput")

    assert database_state() == database_before
    assert media_state(media) == media_before


def test_an_archive_of_the_other_engine_is_refused(archive, media, tmp_path):
    def other_engine(manifest):
        manifest["engine"] = OTHER_ENGINE[connection.vendor]

    wrong = rewritten(archive, tmp_path / "wrong.tar.gz", manifest=other_engine)

    assert_refused(
        wrong, media, f"holds a {OTHER_ENGINE[connection.vendor]} database; this installation"
    )


def test_a_truncated_archive_is_refused(archive, media, tmp_path):
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])

    assert_refused(truncated, media, "cannot be read as a backup archive")


def test_a_file_that_is_no_archive_is_refused(media, tmp_path):
    CustomerFactory()
    text = tmp_path / "notes.tar.gz"
    text.write_text("not an archive", encoding="utf-8")
    plain_gzip = tmp_path / "plain.tar.gz"
    plain_gzip.write_bytes(gzip.compress(b"not a tar file" * 100))

    assert_refused(text, media, "cannot be read as a backup archive")
    assert_refused(plain_gzip, media, "cannot be read as a backup archive")
    assert_refused(tmp_path / "missing.tar.gz", media, "There is no file")


def test_an_archive_without_a_manifest_is_refused(archive, media, tmp_path):
    with tarfile.open(tmp_path / "bare.tar.gz", "w:gz") as bare:
        bare.add(archive, arcname="database.sqlite3")

    assert_refused(tmp_path / "bare.tar.gz", media, "not an Archive CRM backup")


def test_an_archive_of_another_format_version_is_refused(archive, media, tmp_path):
    def newer(manifest):
        manifest["format_version"] = 99

    assert_refused(
        rewritten(archive, tmp_path / "newer.tar.gz", manifest=newer), media, "format 99"
    )


def test_a_damaged_manifest_is_refused(archive, media, tmp_path):
    def escaping(manifest):
        manifest["media"][0]["path"] = "../../outside.pdf"

    def broken(manifest):
        del manifest["tables"]

    assert_refused(rewritten(archive, tmp_path / "a.tar.gz", manifest=escaping), media, "damaged")
    assert_refused(rewritten(archive, tmp_path / "b.tar.gz", manifest=broken), media, "damaged")


def test_a_damaged_file_in_the_archive_is_refused(archive, media, tmp_path):
    def flipped(data: bytes) -> bytes:
        middle = len(data) // 2
        return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]

    def flip_a_byte(name, data):
        return flipped(data) if name.startswith("media/") else data

    def flip_the_database(name, data):
        return flipped(data) if name.startswith("database") else data

    damaged_file = rewritten(archive, tmp_path / "a.tar.gz", members=flip_a_byte)
    damaged_database = rewritten(archive, tmp_path / "b.tar.gz", members=flip_the_database)

    assert_refused(damaged_file, media, "is damaged")
    assert_refused(damaged_database, media, "database.* is damaged")


def test_an_archive_missing_a_listed_file_or_holding_an_unlisted_one_is_refused(
    archive, media, tmp_path
):
    without = rewritten(
        archive,
        tmp_path / "without.tar.gz",
        members=lambda name, data: None if name.startswith("media/") else data,
    )
    extra = rewritten(archive, tmp_path / "extra.tar.gz")
    add_member(extra, "../outside.txt", b"written outside the media folder")

    assert_refused(without, media, "lacks files its manifest lists")
    assert_refused(extra, media, "which its manifest does not list")
    assert not (tmp_path / "outside.txt").exists()


def test_restore_asks_first_and_a_no_changes_nothing(archive, media, monkeypatch):
    database_before, media_before = database_state(), media_state(media)
    questions = []

    def answer(question):
        questions.append(question)
        return "no"

    monkeypatch.setattr("builtins.input", answer)

    out = run("restore", str(archive))

    assert questions == ["Type 'yes' to continue, or 'no' to cancel: "]
    assert "This replaces the database" in out
    assert out.endswith("Restore cancelled; nothing was changed.\n")
    assert database_state() == database_before
    assert media_state(media) == media_before


def test_restore_answered_yes_restores(archive, media, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda question: "yes")
    customers_after_backup = Customer.objects.count()

    run("restore", str(archive))

    assert Customer.objects.count() == customers_after_backup - 1
    assert not (media / "later.txt").exists()


def test_tables_the_backup_does_not_have_are_dropped(archive, media):
    # As a migration made after the backup would leave one: pointing at a restored table.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE later_notes (id integer PRIMARY KEY, "
            "customer_id bigint REFERENCES customers_customer (id))"
        )
        cursor.execute("INSERT INTO later_notes VALUES (1, %s)", [Customer.objects.first().pk])
    try:
        out = run("restore", str(archive), "--noinput")
    finally:
        with connection.cursor() as cursor:
            remaining = connection.introspection.table_names(cursor)
            cursor.execute("DROP TABLE IF EXISTS later_notes")

    assert "later_notes" not in remaining
    if connection.vendor == "postgresql":
        assert "Dropped the tables the backup does not have: later_notes." in out


def test_a_backup_of_other_migrations_is_restored_with_a_warning(archive, media, tmp_path):
    def older(manifest):
        manifest["migrations"]["customers"] = "0001_initial"

    out = run(
        "restore", str(rewritten(archive, tmp_path / "old.tar.gz", manifest=older)), "--noinput"
    )

    assert "migrations differ from this code's (backup / code): customers (0001_initial / 0" in out
    assert "run `python manage.py migrate`" in out


def test_restore_needs_the_archive(media):
    with pytest.raises(CommandError, match="archive"):
        call_command("restore", "--noinput")


def test_a_restore_inside_a_transaction_is_refused(archive, media):
    from django.db import transaction

    with transaction.atomic(), pytest.raises(BackupError, match="inside a database transaction"):
        backup_restore(archive=archive)


# make backup / make restore --------------------------------------------------------------------


def make(*args: str) -> subprocess.CompletedProcess:
    """`make` with the venv taken as installed and manage.py replaced by `echo`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    return subprocess.run(  # noqa: S603 (make with the project's own Makefile)
        [
            shutil.which("make"),
            "--silent",
            "--no-print-directory",
            "--old-file=.venv/.installed",
            "MANAGE=echo manage.py",
            *args,
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_backup_and_restore_run_the_commands_and_restore_refuses_without_a_file():
    assert make("backup").stdout == "manage.py backup\n"
    assert make("backup", "FILE=/srv/backups").stdout == "manage.py backup --output /srv/backups\n"
    assert make("restore", "FILE=b.tar.gz").stdout == "manage.py restore b.tar.gz --noinput\n"

    refused = make("restore")

    assert refused.returncode != 0
    assert refused.stdout == ""
    assert "make restore needs the archive: make restore FILE=" in refused.stderr
