"""The ``evidence`` command line: a thin way in, calling the same functions as the HTTP API.

One module per area; importing them registers their commands on the root app.
"""

# Registration order is the order `evidence --help` lists the commands in.
from . import tag, score, packet, mcp, serve, bench, evaluate, retrieval, rubric, index  # noqa: F401, I001 - imported to register the commands, in --help order
from .common import EXAMPLE
from .root import app, main

__all__ = ["EXAMPLE", "app", "main"]
