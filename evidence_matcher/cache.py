"""Where the product keeps what it derives (merged models, ONNX exports, indexes, eval runs).

Beside ``errors`` in the package root so both kinds of edge find one default: the settings of
the CLI and HTTP app (``EVIDENCE_CACHE_DIR`` overrides it) and the eval scripts' command lines.
Only edges call it; the layers below take the folder as an argument.
"""

from __future__ import annotations

import os
from pathlib import Path


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/evidence-matcher``, else ``~/.cache/evidence-matcher``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "evidence-matcher"
