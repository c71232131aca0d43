"""Backing up and restoring an installation: its database and its uploaded files, in one
archive.

The archive is a gzip-compressed tar file holding
- the database: `database.dump` on PostgreSQL (`pg_dump --format=custom`, without owners or
  privileges, so it restores under any role) or `database.sqlite3` on SQLite (a copy made by
  SQLite's online backup API, consistent while the site keeps writing);
- `media/…`: every file of the default storage (agencies' reports, visit photos);
- `manifest.json`, last: the format version, the engine, when the archive was made, each
  app's last applied migration, every table's row count, and each other member's size and
  SHA-256.

A restore reads and checks the whole archive before it changes anything (the manifest, the
engine, every member against its checksum, the database copy itself), so a wrong or damaged
archive is refused with the database and the files as they were. Then it replaces the
database and the uploaded files with the archive's.
"""

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.postgresql.client import DatabaseClient
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DATABASE_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
MEDIA_DIR = "media"
ARCHIVE_PREFIX = "archive-crm-"
ARCHIVE_SUFFIX = ".tar.gz"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or a restore that cannot be done; the message says why."""


@dataclass(frozen=True)
class Member:
    """A file in the archive besides the manifest, as the manifest records it."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    format_version: int
    engine: str
    created_at: str
    migrations: dict[str, str]
    tables: dict[str, int]
    database: Member
    media: tuple[Member, ...]

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    @property
    def media_bytes(self) -> int:
        return sum(member.size for member in self.media)

    def to_json(self) -> bytes:
        data = asdict(self)
        data["media"] = [asdict(member) for member in self.media]
        return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> "Manifest":
        try:
            data = json.loads(raw)
            if data["format_version"] != FORMAT_VERSION:
                raise BackupError(
                    _(
                        "The archive is in backup format %(found)s; this version of Archive CRM "
                        "restores format %(supported)s."
                    )
                    % {"found": data["format_version"], "supported": FORMAT_VERSION}
                )
            manifest = cls(
                format_version=data["format_version"],
                engine=str(data["engine"]),
                created_at=str(data["created_at"]),
                migrations={str(app): str(name) for app, name in data["migrations"].items()},
                tables={str(table): int(rows) for table, rows in data["tables"].items()},
                database=Member(**data["database"]),
                media=tuple(Member(**member) for member in data["media"]),
            )
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise BackupError(_("The archive's manifest is damaged.")) from error
        for member in manifest.media:
            _check_relative(member.path)
        return manifest


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    manifest: Manifest


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    dropped_tables: list[str]
    # Apps whose last migration in the archive is not this code's: (app, archive's, code's).
    migrations_differ: list[tuple[str, str | None, str | None]]


def backup_default_path(now: datetime.datetime | None = None) -> Path:
    """`backups/archive-crm-<UTC time>.tar.gz` in the project."""
    now = (now or timezone.now()).astimezone(datetime.UTC)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.BASE_DIR) / "backups" / f"{ARCHIVE_PREFIX}{stamp}{ARCHIVE_SUFFIX}"


def backup_create(
    *, destination: Path | None = None, using: str = DEFAULT_DB_ALIAS
) -> BackupResult:
    """Write one archive of the database and the uploaded files to `destination` (a file, or
    a directory to put the default name in). The archive is readable by its owner only (it
    holds every customer and the users' password hashes) and appears under its name only
    once complete; an existing file is never overwritten."""
    connection = connections[using]
    engine = _engine(connection)
    if connection.in_atomic_block:
        raise BackupError(_("A backup cannot be made inside a database transaction."))
    path = _destination(destination)
    uploads = media_root()
    partial = path.with_name(f".{path.name}.partial")
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".backup-") as work:
        dump = Path(work) / DATABASE_NAMES[engine]
        if engine == "postgresql":
            migrations, tables = _postgresql_dump(connection, dump)
        else:
            migrations, tables = _sqlite_dump(connection, dump)
        try:
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                database = _add_file(tar, dump, dump.name)
                media = tuple(
                    _add_file(tar, uploads / relative, f"{MEDIA_DIR}/{relative}")
                    for relative in _media_files(uploads)
                )
                manifest = Manifest(
                    format_version=FORMAT_VERSION,
                    engine=engine,
                    created_at=timezone.now().astimezone(datetime.UTC).isoformat(),
                    migrations=migrations,
                    tables=tables,
                    database=database,
                    media=media,
                )
                _add_bytes(tar, MANIFEST_NAME, manifest.to_json())
            os.replace(partial, path)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise BackupError(
                _("The archive could not be written: %(reason)s") % {"reason": error}
            ) from error
    return BackupResult(path=path, size=path.stat().st_size, manifest=manifest)


def backup_restore(
    *,
    archive: Path,
    using: str = DEFAULT_DB_ALIAS,
    confirm: Callable[[Manifest], bool] | None = None,
) -> RestoreResult | None:
    """Replace the database and the uploaded files with an archive's. The whole archive is
    checked first: an archive of the other database engine, of another format, or damaged
    in any part is refused with nothing changed. `confirm`, when given, sees the checked
    manifest and may still decline (the result is then None and nothing changed)."""
    connection = connections[using]
    engine = _engine(connection)
    if connection.in_atomic_block:
        raise BackupError(_("A restore cannot run inside a database transaction."))
    uploads = media_root()
    with tempfile.TemporaryDirectory(prefix="archive-crm-restore-") as work:
        staged = Path(work)
        manifest = _unpack(Path(archive), staged, engine)
        database = staged / DATABASE_NAMES[engine]
        if engine == "postgresql":
            _postgresql_check(database)
        else:
            _sqlite_check(database, manifest)
        if confirm is not None and not confirm(manifest):
            return None
        if engine == "postgresql":
            dropped = _postgresql_restore(connection, database, manifest)
        else:
            dropped = []
            _sqlite_restore(connection, database)
        if apps.is_installed("django.contrib.contenttypes"):
            # Content types are cached by id in the process; the restored ids may differ.
            from django.contrib.contenttypes.models import ContentType

            ContentType.objects.clear_cache()
        _media_replace(staged / MEDIA_DIR, uploads)
    restored = _table_counts(connection)
    if restored != manifest.tables:
        differing = sorted(
            name
            for name in restored.keys() | manifest.tables.keys()
            if restored.get(name) != manifest.tables.get(name)
        )
        raise BackupError(
            _("The restored database does not match the archive's row counts in: %(tables)s.")
            % {"tables": ", ".join(differing)}
        )
    return RestoreResult(
        manifest=manifest,
        dropped_tables=dropped,
        migrations_differ=_migrations_differ(manifest.migrations),
    )


# The database ---------------------------------------------------------------------------------


def _engine(connection) -> str:
    if connection.vendor not in DATABASE_NAMES:
        raise BackupError(
            _("Backups support PostgreSQL and SQLite, not %(engine)s.")
            % {"engine": connection.vendor}
        )
    return connection.vendor


def _describe(cursor, tables: list[str], quote) -> tuple[dict[str, str], dict[str, int]]:
    """Each app's last applied migration and every table's row count, read through
    `cursor` (one snapshot of the database)."""
    counts = {}
    for table in sorted(tables):
        # The names come from the database's own catalogue and are quoted.
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608
        counts[table] = cursor.fetchone()[0]
    migrations: dict[str, str] = {}
    if "django_migrations" in counts:
        cursor.execute("SELECT app, name FROM django_migrations")
        for app, name in cursor.fetchall():
            # Migration names are numbered: the greatest is the app's last.
            migrations[app] = max(migrations.get(app, name), name)
    return dict(sorted(migrations.items())), counts


def _tables(connection, cursor) -> list[str]:
    """The database's tables as Django's introspection lists them, without SQLite's own."""
    return [
        name
        for name in connection.introspection.table_names(cursor)
        if not name.startswith("sqlite_")
    ]


def _table_counts(connection) -> dict[str, int]:
    with connection.cursor() as cursor:
        return _describe(cursor, _tables(connection, cursor), connection.ops.quote_name)[1]


def _sqlite_tables(database: sqlite3.Connection) -> list[str]:
    """The tables Django's introspection lists, without SQLite's own."""
    rows = database.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
        "ESCAPE '\\'"
    )
    return [name for (name,) in rows]


def _sqlite_dump(connection, target: Path) -> tuple[dict[str, str], dict[str, int]]:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        # Counted on the copy itself: exactly what the archive holds.
        return _describe(copy.cursor(), _sqlite_tables(copy), lambda name: f'"{name}"')
    finally:
        copy.close()


def _sqlite_check(database: Path, manifest: Manifest) -> None:
    try:
        copy = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
        try:
            (verdict,) = copy.execute("PRAGMA integrity_check").fetchone()
            tables = _describe(copy.cursor(), _sqlite_tables(copy), lambda name: f'"{name}"')[1]
        finally:
            copy.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(
            _("The archive's database cannot be read: %(reason)s") % {"reason": error}
        ) from error
    if verdict != "ok" or tables != manifest.tables:
        raise BackupError(_("The archive's database does not match its manifest."))


def _sqlite_restore(connection, database: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    except sqlite3.Error as error:
        raise BackupError(
            _("The database could not be restored: %(reason)s") % {"reason": error}
        ) from error
    finally:
        source.close()


def _postgresql_dump(connection, target: Path) -> tuple[dict[str, str], dict[str, int]]:
    """pg_dump of the connection's database, with the manifest's figures read in the very
    snapshot pg_dump copies (an exported snapshot held open until it is done)."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        described = _describe(cursor, _tables(connection, cursor), connection.ops.quote_name)
        _run_pg(
            "pg_dump",
            connection.settings_dict,
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--snapshot={snapshot}",
            f"--file={target}",
        )
    return described


def _postgresql_check(database: Path) -> None:
    """pg_restore reads the dump's table of contents: a dump it cannot restore (one made by a
    newer pg_dump, for one) is refused before anything changes."""
    _run_pg("pg_restore", None, "--list", str(database))


def _postgresql_restore(connection, database: Path, manifest: Manifest) -> list[str]:
    """pg_restore in one transaction. Tables the archive does not have (added by migrations
    after it was made) are dropped first: the restored database is the archive's, and
    their foreign keys would keep pg_restore from replacing the tables they point to. Should
    pg_restore still fail, those tables stay dropped and everything else is as it was."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        extra = sorted(set(_tables(connection, cursor)) - manifest.tables.keys())
        for table in extra:
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)} CASCADE")
    # pg_restore replaces every table: Django's own connection must hold no lock on any.
    connection.close()
    _run_pg(
        "pg_restore",
        connection.settings_dict,
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        str(database),
    )
    return extra


def _run_pg(program: str, settings_dict: dict | None, *arguments: str) -> None:
    """Run pg_dump or pg_restore against the database in `settings_dict` (the connection's,
    which under tests is the test database), with the connection settings Django's own
    dbshell gives psql."""
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(
            _("%(program)s is not installed; install PostgreSQL's client programs.")
            % {"program": program}
        )
    command, env = [executable], dict(os.environ)
    if settings_dict is not None:
        for option, key in (("--username", "USER"), ("--host", "HOST"), ("--port", "PORT")):
            if settings_dict.get(key):
                command.append(f"{option}={settings_dict[key]}")
        if settings_dict.get("NAME"):
            command.append(f"--dbname={settings_dict['NAME']}")
        env.update(DatabaseClient.settings_to_cmd_args_env(settings_dict, [])[1] or {})
    command.extend(arguments)
    result = subprocess.run(  # noqa: S603 (PostgreSQL's own programs, arguments as a list)
        command, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(
            _("%(program)s failed: %(reason)s")
            % {"program": program, "reason": result.stderr.strip() or result.returncode}
        )


def _migrations_differ(archived: dict[str, str]) -> list[tuple[str, str | None, str | None]]:
    code: dict[str, str] = {}
    for app, name in MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes():
        code[app] = max(code.get(app, name), name)
    return [
        (app, archived.get(app), code.get(app))
        for app in sorted(archived.keys() | code.keys())
        if archived.get(app) != code.get(app)
    ]


# The files -------------------------------------------------------------------------------------


def media_root() -> Path:
    """The folder of the uploaded files (the default storage's)."""
    storage = storages["default"]
    if not isinstance(storage, FileSystemStorage):
        raise BackupError(
            _("Backups hold the uploaded files of a file-system storage only, not of %(storage)s.")
            % {"storage": type(storage).__name__}
        )
    return Path(storage.location)


def _media_files(root: Path) -> list[str]:
    """Every regular file under `root`, as a relative POSIX path, in a stable order."""
    if not root.is_dir():
        return []
    found = []
    for folder, folders, files in os.walk(root):
        folders.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found.append(path.relative_to(root).as_posix())
    return found


def _media_replace(staged: Path, root: Path) -> None:
    """The uploaded files become the archive's: the current ones are removed, not merged."""
    root.mkdir(parents=True, exist_ok=True)
    for child in root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    if staged.is_dir():
        for child in staged.iterdir():
            shutil.move(child, root / child.name)


def _destination(destination: Path | None) -> Path:
    if destination is None:
        path = backup_default_path()
    else:
        path = Path(destination)
        if path.is_dir():
            path = path / backup_default_path().name
    if path.exists():
        raise BackupError(_("%(path)s exists already; choose another name.") % {"path": path})
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(
            _("The archive could not be written: %(reason)s") % {"reason": error}
        ) from error
    return path


def _check_relative(path: str) -> None:
    """A media path from an archive: relative, inside the media folder, nothing odd."""
    parts = PurePosixPath(path).parts
    if not parts or path.startswith("/") or "\\" in path or {"..", "."} & set(parts):
        raise BackupError(_("The archive's manifest is damaged."))


# The archive -----------------------------------------------------------------------------------


class _Hashing:
    """A file read through: what tarfile copies is what is hashed."""

    def __init__(self, raw):
        self.raw = raw
        self.hash = hashlib.sha256()

    def read(self, size=-1):
        data = self.raw.read(size)
        self.hash.update(data)
        return data


def _add_file(tar: tarfile.TarFile, path: Path, name: str) -> Member:
    with path.open("rb") as raw:
        info = tar.gettarinfo(fileobj=raw, arcname=name)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        reader = _Hashing(raw)
        tar.addfile(info, reader)
    member_path = name.removeprefix(f"{MEDIA_DIR}/")
    return Member(path=member_path, size=info.size, sha256=reader.hash.hexdigest())


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(timezone.now().timestamp())
    with tempfile.SpooledTemporaryFile() as raw:
        raw.write(data)
        raw.seek(0)
        tar.addfile(info, raw)


def _unpack(archive: Path, into: Path, engine: str) -> Manifest:
    """Read the whole archive into `into`, checking the manifest and every member."""
    if not archive.is_file():
        raise BackupError(_("There is no file %(path)s.") % {"path": archive})
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            try:
                manifest_member = tar.getmember(MANIFEST_NAME)
            except KeyError:
                raise BackupError(
                    _("%(path)s is not an Archive CRM backup: it has no manifest.")
                    % {"path": archive}
                ) from None
            manifest = Manifest.from_json(tar.extractfile(manifest_member).read())
            if manifest.engine != engine:
                raise BackupError(
                    _(
                        "The archive holds a %(archived)s database; this installation uses "
                        "%(engine)s. Nothing was changed."
                    )
                    % {"archived": manifest.engine, "engine": engine}
                )
            expected = {DATABASE_NAMES[engine]: manifest.database} | {
                f"{MEDIA_DIR}/{member.path}": member for member in manifest.media
            }
            found = set()
            for member in tar.getmembers():
                if member.name == MANIFEST_NAME:
                    continue
                entry = expected.get(member.name)
                if entry is None or not member.isfile() or member.name in found:
                    raise BackupError(
                        _("The archive holds %(name)s, which its manifest does not list.")
                        % {"name": member.name}
                    )
                found.add(member.name)
                _extract(tar, member, into / member.name, entry)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise BackupError(
            _("%(path)s cannot be read as a backup archive: %(reason)s")
            % {"path": archive, "reason": error}
        ) from error
    missing = sorted(expected.keys() - found)
    if missing:
        raise BackupError(
            _("The archive lacks files its manifest lists: %(names)s.")
            % {"names": ", ".join(missing)}
        )
    return manifest


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path, entry: Member):
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    source = tar.extractfile(member)
    with target.open("wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if size != entry.size or digest.hexdigest() != entry.sha256:
        raise BackupError(
            _("%(name)s in the archive is damaged (its checksum does not match).")
            % {"name": member.name}
        )
