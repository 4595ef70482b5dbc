"""The database handle: one engine, and one transaction per user action (a unit of work)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from lrs_core import secrets
from lrs_core.config import data_dir
from lrs_core.errors import ConfigurationError
from lrs_core.files import private_sqlite_file

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# Session.info entry every unit of work carries: its database's application keys (``key``),
# so the audit trail's ``append`` keys its hash whichever service opened the transaction.
_KEYS = "lrs_application_keys"


class SchemaState(StrEnum):
    CURRENT = "current"
    EMPTY = "empty"  # never migrated
    BEHIND = "behind"  # needs `lrs-desk db upgrade`
    UNKNOWN = "unknown"  # migrated by a newer LRS Desk


def parse_url(url: str) -> URL:
    """Parse a database URL, adding the keyring's database password when none is given."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(
            f"the database URL is malformed: {redact(url)!r} "
            "(expected e.g. postgresql+psycopg://user@host:5432/name or sqlite:///path)"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise ConfigurationError(f"database {backend!r} is not supported: use SQLite or PostgreSQL")
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        if parsed.password is None:
            found = secrets.lookup("database-password")
            if found.value:
                parsed = parsed.set(password=found.value)
    return parsed


def redact(url: str | URL) -> str:
    """A URL fit to print: any password hidden, including one passed as a query parameter."""
    try:
        parsed = url if isinstance(url, URL) else make_url(url)
    except ArgumentError:
        return "<unparseable URL>"
    query = {k: ("***" if "password" in k.lower() else v) for k, v in parsed.query.items()}
    return parsed.set(query=query).render_as_string(hide_password=True)


def alembic_config(url: URL) -> AlembicConfig:
    # Alembic is imported only when migrations are looked at: it costs ~0.3 s at start-up.
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = url
    return config


class Database:
    """Owns the engine. ``transaction()`` is the unit of work every service uses."""

    def __init__(self, url: str | URL, *, echo: bool = False) -> None:
        self.url = url if isinstance(url, URL) else parse_url(url)
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.url.get_backend_name() == "sqlite":
            kwargs["connect_args"] = {"timeout": 15}
        else:
            kwargs["pool_pre_ping"] = True
            kwargs["connect_args"] = {"connect_timeout": 5}
        try:
            self.engine: Engine = create_engine(self.url, **kwargs)
        except (ArgumentError, NoSuchModuleError) as exc:
            raise ConfigurationError(f"cannot use database URL {self.display_url}: {exc}") from None
        if self.url.get_backend_name() == "sqlite":
            if self.url.database and self.url.database != ":memory:":
                file = _PrivateSqliteFile(Path(self.url.database))
                event.listen(self.engine, "do_connect", file.before_connect)
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        self._keys: dict[str, secrets.ApplicationKey] = {}
        self._keys_lock = threading.Lock()
        info = {_KEYS: self.key}
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, info=info)
        self._read_sessions = sessionmaker(
            self.engine.execution_options(lrs_read_only=True), expire_on_commit=False, info=info
        )

    @property
    def display_url(self) -> str:
        return redact(self.url)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def key(self, name: str) -> secrets.ApplicationKey:
        """One of LRS Desk's own keys (``audit-key``, ``totp-key``), read once when first
        needed; the embedded SQLite database makes a missing one, a deployment must set it.

        The keys belong to the deployment whose database this is (the audit chain in it is
        keyed with its ``audit-key``), so the database handle holds them, and every writer of
        this database, a service or the demo seed, keys the chain alike. Read lazily: start-up
        and commands that write no audit (``config show``, ``secrets status``) need no key.
        """
        with self._keys_lock:  # two workers at once must not make two different keys
            if name not in self._keys:
                self._keys[name] = secrets.application_key(name, create=self.is_sqlite)
            return self._keys[name]

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[Session]:
        """One user action: commit on success, roll back everything on any error.

        ``read_only`` lets a long read (say, verifying the audit trail) run on SQLite
        without holding the write lock that every other unit of work takes at its start.
        """
        sessions = self._read_sessions if read_only else self._sessions
        try:
            with sessions.begin() as session:
                yield session
        except DBAPIError as exc:
            if exc.connection_invalidated or _is_connect_error(exc):
                raise ConfigurationError(
                    f"cannot reach the database at {self.display_url}: {_first_line(exc)}"
                ) from None
            raise

    def schema_state(self) -> SchemaState:
        """Whether the schema is at the newest migration. Raises if unreachable."""
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(alembic_config(self.url))
        heads = set(script.get_heads())
        try:
            with self.engine.connect() as connection:
                current = set(MigrationContext.configure(connection).get_current_heads())
        except DBAPIError as exc:
            raise ConfigurationError(
                f"cannot reach the database at {self.display_url}: {_first_line(exc)}"
            ) from None
        if not current:
            return SchemaState.EMPTY
        if current == heads:
            return SchemaState.CURRENT
        known = {rev.revision for rev in script.walk_revisions()}
        return SchemaState.BEHIND if current <= known else SchemaState.UNKNOWN

    def require_current_schema(self) -> None:
        state = self.schema_state()
        if state is SchemaState.CURRENT:
            return
        if state is SchemaState.UNKNOWN:
            raise ConfigurationError(
                f"the database at {self.display_url} was migrated by a newer LRS Desk: "
                "upgrade LRS Desk"
            )
        raise ConfigurationError(
            f"the database at {self.display_url} needs migrating: run `lrs-desk db upgrade`"
        )

    def upgrade(self, revision: str = "head") -> None:
        from alembic import command

        try:
            with self.engine.connect():
                pass  # through this engine first: a new SQLite file is created private
            command.upgrade(alembic_config(self.url), revision)
        except DBAPIError as exc:
            raise ConfigurationError(
                f"cannot migrate the database at {self.display_url}: {_first_line(exc)}"
            ) from None

    def dispose(self) -> None:
        self.engine.dispose()


def session_key(session: Session, name: str) -> secrets.ApplicationKey:
    """The application key ``name`` of the database ``session`` is a unit of work on."""
    keys: Callable[[str], secrets.ApplicationKey] | None = session.info.get(_KEYS)
    if keys is None:  # a session not made by Database.transaction()
        raise ConfigurationError(f"this unit of work has no {name}: open it with transaction()")
    return keys(name)


class _PrivateSqliteFile:
    """Minors' personal data: before SQLite opens (or creates) the file, it is made 0600
    (and so its WAL and shared memory, which SQLite gives the database file's mode), and its
    folder created 0700; the folder is tightened too when it is LRS Desk's own data
    directory. Done as each connection opens, so a Database never made a file it did not use."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def before_connect(self, *_: Any) -> None:
        try:
            private_sqlite_file(self.path, tighten_folder=_is_data_dir(self.path.parent))
        except OSError as exc:
            raise ConfigurationError(
                f"cannot create the database {self.path}: {exc.strerror or exc}"
            ) from None


def _is_data_dir(folder: Path) -> bool:
    try:
        return folder.resolve() == data_dir().resolve()
    except OSError:
        return False


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")  # readers never block the writer
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # Take the write lock at the start of each unit of work, so two operators' actions on
    # one SQLite file run one after the other instead of failing half-way. Reads don't.
    read_only = connection.get_execution_options().get("lrs_read_only", False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _is_connect_error(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return any(
        word in text
        for word in (
            "connection refused",
            "could not connect",
            "unable to open",
            "timeout expired",
            "password authentication failed",
            "no password supplied",
        )
    )


def _first_line(exc: DBAPIError) -> str:
    text = str(exc.orig).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    if "password" in text.lower():
        first += " (set the database password: see `lrs-desk secrets status`)"
    return first
