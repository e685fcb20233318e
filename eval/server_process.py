"""Start `evidence serve` (or any local HTTP server) in a child process and wait until it is up.

Used by the load benchmark (``loadbench``) and by the tests that need a real server on 127.0.0.1.
The caller names the command line: eval never imports the CLI it measures.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float) -> None:
    """Poll ``url`` until it answers 200; fail if the process dies or time runs out."""
    deadline = time.time() + timeout
    while True:
        try:
            if urllib.request.urlopen(url, timeout=2).status == 200:
                return
        except OSError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode} before {url} answered")
        if time.time() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(0.5)


@contextmanager
def running(
    cmd: list[str], ready_path: str, port: int, env: dict | None = None, timeout: float = 300, quiet: bool = True
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run ``cmd`` (which listens on ``port``), yield (base URL, process) once ``ready_path`` answers."""
    out = subprocess.DEVNULL if quiet else None
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + ready_path, proc, timeout)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def evidence_server(cli: list[str], cache_dir: Path, extra_env: dict | None = None, timeout: float = 600):
    """``evidence serve`` (``cli``: the ``evidence`` command line) on a free port with a given cache
    and no LLM or token from the caller's shell."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EVIDENCE_", "OPENAI_"))}
    env.update({"EVIDENCE_CACHE_DIR": str(cache_dir), **(extra_env or {})})
    cmd = [*cli, "serve", "--port", str(port)]
    return running(cmd, "/readyz", port, env, timeout)
