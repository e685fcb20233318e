"""The root ``evidence`` command and the one place errors become one line.

Heavy imports (numpy, faiss, onnxruntime) happen inside commands so that ``--help``
stays instant. Every user error is one line on stderr and a non-zero exit; set
``EVIDENCE_DEBUG=1`` to see the traceback.
"""

from __future__ import annotations

import sys

import typer

from evidence_matcher.errors import EvidenceError

app = typer.Typer(
    help="Show, with proof, which behaviors of a career ladder a piece of writing evidences.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _debug() -> bool:
    """``Settings.debug`` (EVIDENCE_DEBUG), read only once an error has happened: ``--help`` stays light."""
    from ..settings import Settings

    try:
        return Settings().debug
    except Exception:  # settings that do not validate cannot ask for tracebacks either
        return False


def main() -> None:
    try:
        app()
    except EvidenceError as exc:
        if _debug():
            raise
        typer.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as exc:  # the last line of defence against tracebacks
        if _debug():
            raise
        typer.echo(f"Error: unexpected {type(exc).__name__}: {exc} (set EVIDENCE_DEBUG=1 for details)", err=True)
        sys.exit(1)
