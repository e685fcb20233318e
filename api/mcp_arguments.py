"""Bad tool arguments as one line, like the CLI's: ``Error: match_text: 'text' must be a string``.

The SDK checks a call's arguments against the tool's argument model before the tool runs, and answers a mismatch
with pydantic's report (several lines, the values sent, a URL). ``OneLineArguments`` wraps ``tools/call`` through the
SDK's documented hook for that, ``Extension.intercept_tool_call``, and checks the arguments first with the very model
the SDK will use (each registered ``Tool``'s ``fn_metadata``: what passes here passes there, so a call that passes
goes on to the SDK unchanged). A mismatch is answered at once with a tool error of one line naming each wrong
argument and what it should be, in the words of the tool's input schema (the one the client was shown); an unknown
tool's name gets one line listing the tools.

Imported only by ``mcp_server.build_server``: like the rest of the server, it needs the ``mcp`` SDK.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from mcp.server.extension import Extension
from mcp.server.mcpserver.tools import Tool
from mcp.types import CallToolResult, TextContent
from pydantic import ValidationError

# What a JSON Schema type asks for, for one value and for a list of them.
_TYPES = {
    "string": ("a string", "strings"),
    "number": ("a number", "numbers"),
    "integer": ("an integer", "integers"),
    "boolean": ("true or false", "booleans"),
    "object": ("an object", "objects"),
    "array": ("a list", "lists"),
    "null": ("null", "nulls"),
}


class OneLineArguments(Extension):
    """Answers a call whose arguments do not fit its tool with ``Error: <tool>: <what is wrong>``, one line."""

    # Advertised under the server's capabilities.extensions (SEP-2133); ".local" names no one's domain.
    identifier = "local.evidence-matcher/one-line-argument-errors"

    def __init__(self, tools: Sequence[Tool]):
        self.by_name = {tool.name: tool for tool in tools}  # (not "tools": that is the base class's contributions)

    async def intercept_tool_call(self, params, ctx, call_next):
        tool = self.by_name.get(params.name)
        if tool is None:
            return _error(f"unknown tool {params.name!r} (tools: {', '.join(self.by_name)})")
        try:
            tool.fn_metadata.validate_arguments(params.arguments or {})
        except ValidationError as exc:
            return _error(f"{params.name}: {argument_problems(exc, tool.parameters)}")
        return await call_next(ctx)


def _error(message: str) -> CallToolResult:
    print(f"evidence mcp: {message}", file=sys.stderr, flush=True)  # stdout is the protocol's
    return CallToolResult(content=[TextContent(type="text", text=f"Error: {message}")], is_error=True)


def argument_problems(exc: ValidationError, schema: dict[str, Any]) -> str:
    """Each wrong argument once, ``'name' <what it should be>``, joined with "; " (never a line break)."""
    properties = schema.get("properties", {})
    problems: dict[str, str] = {}
    for error in exc.errors(include_url=False, include_input=False):
        loc = error["loc"]
        name = str(loc[0]) if loc else ""
        if name in problems:
            continue  # one line per argument: a list with two bad items is one wrong argument
        kind, message = error["type"], " ".join(str(error["msg"]).split())
        if kind == "missing":
            problem = "is required"
        elif kind.endswith(("_type", "_parsing")) and name in properties:  # the wrong kind of value
            problem = f"must be {expected(properties[name])}"
        elif message.startswith("Input should be "):  # a bound or a choice: fit_bar=3, "must be ... <= 1"
            problem = "must be " + message.removeprefix("Input should be ")
        else:
            problem = f"is not valid: {message}"
        problems[name] = f"'{name}' {problem}" if name else problem
    return "; ".join(problems.values()) or " ".join(str(exc).split())


def expected(schema: dict[str, Any]) -> str:
    """What a JSON Schema accepts, in words: "a string", "a list of strings", "a string or null"."""
    if "anyOf" in schema:
        return " or ".join(dict.fromkeys(expected(option) for option in schema["anyOf"]))
    kind = schema.get("type")
    if kind == "array" and isinstance(schema.get("items"), dict) and schema["items"].get("type") in _TYPES:
        return f"a list of {_TYPES[schema['items']['type']][1]}"
    if isinstance(kind, str) and kind in _TYPES:
        return _TYPES[kind][0]
    return "a value of the type its schema gives"
