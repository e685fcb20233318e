"""Open the scoring database: a SQLite file (the default) or PostgreSQL, migrated to the current schema.

Everything above this module speaks SQLAlchemy Core against ``schema``; the only place the two
databases differ is here, in how a connection is set up (SQLite's journal and transactions).
Migrations (Alembic, ``migrations/``, shipped in the package) run on every open, so a new
database, an old `evidence score` store from before migrations, and a database a newer version
migrated all open the same way.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from evidence_matcher.errors import StoreError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Alembic's running context is a module global (alembic.context, alembic.op): one upgrade at a time per process.
_ALEMBIC = threading.Lock()
log = logging.getLogger(__name__)


def database_url(target: str | Path) -> URL:
    """A file path (SQLite) or a database URL as a SQLAlchemy URL; ``postgresql://`` uses psycopg 3."""
    if isinstance(target, Path) or "://" not in target:
        path = Path(target).expanduser().resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        return URL.create("sqlite", database=str(path))
    try:
        url = make_url(target)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {exc}") from exc
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres"):
        # SQLAlchemy's default PostgreSQL driver is psycopg2; the one installed is psycopg 3.
        return url.set(drivername="postgresql+psycopg") if "+" not in url.drivername else url
    if backend == "sqlite":
        return url
    raise StoreError(f"unsupported database {url.drivername!r}: use a file path, sqlite:///PATH or postgresql://...")


def shown(url: URL) -> str:
    """The URL for messages: never the password."""
    return url.render_as_string(hide_password=True)


def open_database(target: str | Path, migrate: bool = True) -> Engine:
    """An engine on ``target`` (a SQLite file path or a URL), its schema migrated to the newest version."""
    url = database_url(target)
    try:
        if url.get_backend_name() == "sqlite":
            engine = create_engine(url, connect_args={"timeout": 30})
            _sqlite_transactions(engine)
        else:
            engine = create_engine(url, pool_pre_ping=True)  # replicas outlive database restarts
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"cannot use the database {shown(url)}: {exc}") from exc
    try:
        with engine.connect():  # unreachable or refused: say so at once (only migrations are retried)
            pass
        if migrate:
            upgrade(engine)
    except DBAPIError as exc:
        engine.dispose()
        raise StoreError(f"cannot open the database {shown(url)}: {reason(exc)}") from exc
    return engine


def upgrade(engine: Engine, revision: str = "head", attempts: int = 5) -> None:
    """Run the migrations up to ``revision``.

    Replicas (processes) starting at once may migrate at the same moment: the migration is one
    transaction, so the loser's fails (the tables exist by then) and is retried, finding the
    schema current.
    """
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    for attempt in range(attempts):
        try:
            with _ALEMBIC, engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
            return
        except DBAPIError:
            if attempt == attempts - 1:
                raise
            log.info("the schema migration collided with another process's; trying again")
            time.sleep(0.2 * (attempt + 1))


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def reason(exc: DBAPIError) -> str:
    """The driver's first line (psycopg's and sqlite3's say what went wrong), without SQLAlchemy's SQL echo."""
    lines = str(exc.orig if exc.orig is not None else exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _sqlite_transactions(engine: Engine) -> None:
    """SQLite as a proper transactional store (SQLAlchemy's documented pysqlite recipe).

    Python's sqlite3 module opens transactions only before INSERT/UPDATE/DELETE, so DDL and
    reads would run outside them: a migration killed half-way would leave half a schema. Here
    SQLAlchemy emits BEGIN itself. WAL lets readers (progress polls, `sqlite3` on a running
    store) read while one writer writes; synchronous=NORMAL in WAL still survives a killed
    process (only a power cut may lose the last commits). secure_delete: batch texts are set to
    NULL once scored, and this overwrites their old bytes instead of leaving them in free pages.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # no implicit BEGIN from the driver
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")  # a dropped text is zeroed in the file, not left in free pages
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN")
