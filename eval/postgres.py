"""A throwaway PostgreSQL server for tests and benchmarks: a fresh cluster in a temporary folder.

Uses the server binaries of Debian's ``postgresql`` package (``initdb``, ``pg_ctl``, ``createdb``,
found on PATH or under /usr/lib/postgresql/*/bin). Trust authentication, a unix socket in the
temporary folder and TCP on 127.0.0.1 only, at a free port. PostgreSQL refuses to run as root:
as root, the cluster runs as the ``postgres`` user the package creates (through ``runuser``).
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .server_process import free_port

USER = "evidence"  # the cluster's superuser, trusted on 127.0.0.1


class PostgresUnavailable(RuntimeError):
    """Why no throwaway cluster can be started here (the caller skips, or says so)."""


def server_binaries() -> Path:
    """The folder holding initdb and pg_ctl: PATH first, then the newest Debian install."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", path.parent.parent.name))

    installed = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=version)
    if installed:
        return installed[-1].parent
    raise PostgresUnavailable("PostgreSQL is not installed (no initdb): apt-get install postgresql")


def _as_server_user() -> tuple[list[str], str | None]:
    """The command prefix that runs PostgreSQL's programs, and the user to hand the folder to (root only)."""
    if os.geteuid() != 0:
        return [], None
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise PostgresUnavailable("running as root and there is no postgres user to run PostgreSQL as") from exc
    runuser = shutil.which("runuser")
    if runuser is None:
        raise PostgresUnavailable("running as root and runuser (util-linux) is missing")
    return [runuser, "-u", "postgres", "--"], "postgres"


@contextmanager
def throwaway_cluster(fast: bool = True) -> Iterator[str]:
    """Start a fresh cluster, yield its URL (``postgresql://evidence@127.0.0.1:PORT/postgres``), then stop
    and delete it. ``fast`` turns fsync off (tests: nothing to keep); benchmarks keep PostgreSQL's defaults."""
    bin_dir = server_binaries()
    prefix, owner = _as_server_user()
    folder = Path(tempfile.mkdtemp(prefix="evidence-pg-"))
    if owner:
        shutil.chown(folder, owner, owner)
    data = folder / "data"
    port = free_port()

    def run(*args: str) -> None:
        done = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise PostgresUnavailable(f"{Path(args[0]).name} failed: {(done.stderr or done.stdout).strip()[-500:]}")

    options = f"-k {folder} -p {port} -c listen_addresses=127.0.0.1" + (" -c fsync=off" if fast else "")
    started = False
    try:
        init = [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", USER, "-E", "UTF8", "--no-locale"]
        run(*init, *(["--no-sync"] if fast else []))
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-o", options, "-w", "start")
        started = True
        yield f"postgresql://{USER}@127.0.0.1:{port}/postgres"
    finally:
        if started:
            subprocess.run(
                [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(folder, ignore_errors=True)


def create_database(url: str, name: str) -> str:
    """A new empty database on the server of ``url`` (``createdb``); its URL."""
    from sqlalchemy.engine import make_url

    server = make_url(url)
    createdb = [str(server_binaries() / "createdb"), "-h", str(server.host), "-p", str(server.port)]
    subprocess.run([*createdb, "-U", str(server.username), name], check=True, capture_output=True, timeout=60)
    return server.set(database=name).render_as_string(hide_password=False)
