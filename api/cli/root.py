"""The root ``evidence`` command and the one place errors become one line.

Heavy imports (numpy, faiss, onnxruntime) happen inside commands so that ``--help``
stays instant. Every user error is one line on stderr and a non-zero exit; set
``EVIDENCE_DEBUG=1`` to see the traceback.
"""

from __future__ import annotations

import os
import sys

import typer

from evidence_matcher.errors import EvidenceError

app = typer.Typer(
    help="Show, with proof, which behaviors of a career ladder a piece of writing evidences.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def main() -> None:
    debug = os.environ.get("EVIDENCE_DEBUG", "").lower() in {"1", "true", "yes"}
    try:
        app()
    except EvidenceError as exc:
        if debug:
            raise
        typer.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        if debug:
            raise
        typer.echo(f"Error: unexpected {type(exc).__name__}: {exc} (set EVIDENCE_DEBUG=1 for details)", err=True)
        sys.exit(1)
