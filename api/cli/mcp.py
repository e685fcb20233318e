"""``evidence mcp``: serve the matcher to AI assistants over MCP (stdio)."""

from __future__ import annotations

from .common import settings_from_env
from .root import app


@app.command()
def mcp():
    """Serve the matcher over MCP on stdin/stdout, for an AI assistant (tools: match_text, list_rubrics,
    show_rubric, score_folder, level_fit, build_packet; rubrics as resources)."""
    from ..mcp_server import serve

    serve(settings_from_env())
