"""The README cannot drift from the code.

- Every ``evidence ...`` command line it shows (fenced code blocks and inline code spans) names a real command of the
  CLI, and every option it uses exists on that command.
- Every ``python -m evidence_matcher.…`` module it names exists (found, never run), and no ``python -m`` names a
  repository folder (``eval.…``) instead of the installed package.
- Its configuration tables (the Markdown tables listing ``EVIDENCE_*`` variables) list exactly the fields of
  ``Settings``, with the defaults the fields have.

Fast: only the CLI's command tree and the settings class are imported, no model is loaded.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import tomllib
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import pytest
import typer.main
from pydantic import AliasChoices
from pydantic_core import PydanticUndefined

from evidence_matcher.api.cli import app
from evidence_matcher.api.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


# ---------------------------------------------------------------------------------------------------------------------
# Reading the README: fenced code lines and inline code spans, each with the line it starts on.


@dataclass(frozen=True)
class Snippet:
    line: int  # 1-based line of README.md where the snippet starts
    text: str  # shell text; a fenced line's continuations are joined, an inline span's line breaks are spaces
    fenced: bool


FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)


def read_snippets(text: str) -> list[Snippet]:
    """Fenced code lines (continuations joined) and inline code spans (which may cross line breaks)."""
    snippets: list[Snippet] = []
    lines = text.splitlines()
    fence: str | None = None
    pending: tuple[int, str] | None = None  # a fenced line ending in a backslash, waiting for its continuation
    paragraph: list[tuple[int, str]] = []

    def flush_paragraph() -> None:
        if not paragraph:
            return
        start, joined = paragraph[0][0], "\n".join(line for _, line in paragraph)
        for m in CODE_SPAN.finditer(joined):
            content = m.group(2).replace("\\|", "|").replace("\n", " ").strip()
            snippets.append(Snippet(start + joined.count("\n", 0, m.start()), content, fenced=False))
        paragraph.clear()

    for number, line in enumerate(lines, start=1):
        marker = FENCE.match(line)
        if fence is None:
            if marker:
                flush_paragraph()
                fence = marker.group(1)
            elif line.strip():
                paragraph.append((number, line))
            else:
                flush_paragraph()
            continue
        if marker and marker.group(1)[0] == fence[0] and len(marker.group(1)) >= len(fence) and not line.strip(" `~"):
            if pending:
                snippets.append(Snippet(pending[0], pending[1], fenced=True))
                pending = None
            fence = None
            continue
        start, so_far = pending if pending else (number, "")
        joined = so_far + line
        if joined.rstrip().endswith("\\"):
            pending = (start, joined.rstrip()[:-1] + " ")
        else:
            pending = None
            snippets.append(Snippet(start, joined, fenced=True))
    flush_paragraph()
    return snippets


def strip_comment(text: str) -> str:
    """The text before a shell comment: a ``#`` starting a word, outside quotes (``a#b`` is not a comment)."""
    quote = None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1].isspace()):
            return text[:i]
    return text


SEPARATORS = {"|", "||", "&&", ";", "&", "|&"}
REDIRECT = re.compile(r"^(\d*>>?|&>>?|<<?)(&\d+)?")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
WRAPPERS = {"env", "time", "/usr/bin/time", "command", "exec", "nohup"}


def evidence_commands(text: str) -> list[list[str]]:
    """The argument lists of the ``evidence`` commands in one shell line.

    A leading ``$`` prompt, environment assignments and wrappers (``env``, ``time``) are skipped; pipes and ``;`` /
    ``&&`` separate commands; a redirection ends one. Raises ValueError when the line cannot be tokenized.
    """
    lexer = shlex.shlex(strip_comment(text), posix=True, punctuation_chars="|&;")
    lexer.whitespace_split = True
    lexer.commenters = ""
    segments: list[list[str]] = [[]]
    for token in lexer:
        if token in SEPARATORS:
            segments.append([])
        else:
            segments[-1].append(token)
    commands = []
    for words in segments:
        for i, word in enumerate(words):  # a redirection ends the command; "<variant>.yaml" is a placeholder
            if REDIRECT.match(word) and not re.search(r"<[^<>]+>", word):
                words = words[:i]
                break
        while words and (words[0] == "$" or words[0] in WRAPPERS or ASSIGNMENT.match(words[0])):
            words = words[1:]
        if words and (words[0] == "evidence" or words[0].endswith("/evidence")):
            commands.append(words[1:])
    return commands


@dataclass(frozen=True)
class Command:
    line: int
    shown: str  # as the README shows it
    args: tuple[str, ...] | None  # None: the line could not be tokenized
    error: str = ""


def readme_commands(snippets: list[Snippet]) -> list[Command]:
    found = []
    for s in snippets:
        try:
            commands = evidence_commands(s.text)
        except ValueError as exc:  # unbalanced quotes: only worth a failure when an evidence command is in there
            if re.search(r"(^|[\s/])evidence\s", s.text):
                found.append(Command(s.line, s.text.strip(), None, str(exc)))
            continue
        for args in commands:
            if args or s.fenced:  # inline, a bare `evidence` names the CLI rather than showing a command line
                found.append(Command(s.line, s.text.strip(), tuple(args)))
    return found


SNIPPETS = read_snippets(README.read_text(encoding="utf-8"))
COMMANDS = readme_commands(SNIPPETS)


# ---------------------------------------------------------------------------------------------------------------------
# Checking a command line against the CLI's command tree.


def _is_option(token: str) -> bool:
    return token.startswith("-") and token != "-" and not re.fullmatch(r"-\d[\d.]*", token)


def check_command(root, args: tuple[str, ...]) -> list[str]:
    """What is wrong with ``evidence *args`` (empty when nothing is): unknown commands, unknown options, too many
    arguments. Argument values are not checked (``PATH...``, ``FILE``, ``<id>`` are fine); ``[...]`` marks optional
    parts and is ignored."""
    cmd, path = root, ["evidence"]
    ctx = root.context_class(root, info_name="evidence")
    rest = [t.strip("[]") for t in args]
    rest = [t for t in rest if t]
    positionals: list[str] = []
    problems: list[str] = []
    while rest:
        token = rest.pop(0)
        if _is_option(token):
            options = {o: p for p in cmd.params if p.param_type_name == "option" for o in (*p.opts, *p.secondary_opts)}
            name, attached = token.split("=", 1) if token.startswith("--") and "=" in token else (token, None)
            param = options.get(name)
            if param is None and not name.startswith("--") and name[:2] in options:  # -n20: a short option's value
                param, attached = options[name[:2]], name[2:]
            if param is None:
                if name in cmd.get_help_option_names(ctx):
                    continue
                known = ", ".join(sorted(options)) or "none"
                problems.append(f"`{' '.join(path)}` has no option {name} (its options: {known})")
                continue
            takes_value = not (param.is_flag or param.count) and name not in param.secondary_opts
            if takes_value and attached is None:
                del rest[: max(param.nargs, 1)]
            continue
        if hasattr(cmd, "commands"):  # a group: let it resolve its subcommand as the CLI would
            try:
                name, sub, rest = cmd.resolve_command(ctx, [token, *rest])
            except Exception as exc:  # click's UsageError, from typer's vendored click
                message = getattr(exc, "message", str(exc))
                problems.append(f"`{' '.join(path)}`: {message} (commands: {', '.join(cmd.commands)})")
                return problems
            cmd, path = sub, [*path, name]
            ctx = cmd.context_class(cmd, info_name=name, parent=ctx)
            continue
        positionals.append(token)
    arguments = [p for p in cmd.params if p.param_type_name == "argument"]
    if not problems and not hasattr(cmd, "commands") and all(p.nargs >= 0 for p in arguments):
        capacity = sum(p.nargs for p in arguments)
        if len(positionals) > capacity:
            problems.append(
                f"`{' '.join(path)}` takes {capacity} argument(s), the README gives {len(positionals)}: "
                + " ".join(positionals)
            )
    return problems


@pytest.fixture(scope="module")
def cli():
    return typer.main.get_command(app)


@pytest.mark.parametrize(
    "command", COMMANDS, ids=[f"README:{c.line}:evidence {' '.join(c.args or ('?',))}"[:90] for c in COMMANDS]
)
def test_readme_command_exists(cli, command: Command):
    where = f"README.md:{command.line}: `{command.shown}`"
    assert command.args is not None, f"{where}: cannot be read as a shell command line ({command.error})"
    problems = check_command(cli, command.args)
    assert not problems, f"{where}: " + "; ".join(problems)


def test_readme_shows_commands():
    """The extraction itself works: the README shows commands of every area (a broken parser would find none)."""
    shown = {args[0] for c in COMMANDS if c.args for args in [c.args] if args}
    assert {"tag", "score", "serve", "eval", "rubric", "index", "bench"} <= shown, sorted(shown)


def test_command_extraction():
    snippets = read_snippets(
        "text `EVIDENCE_X=1 evidence tag\n--example` and `evidence`\n\n"
        "```bash\n$ pbpaste | evidence tag - --format json > out.json  # a comment --nope\n"
        "EVIDENCE_A=1 \\\n  evidence eval x.jsonl --judge llm\nmake demo\n```\n"
    )
    assert [(c.line, c.args) for c in readme_commands(snippets)] == [
        (1, ("tag", "--example")),
        (5, ("tag", "-", "--format", "json")),
        (6, ("eval", "x.jsonl", "--judge", "llm")),
    ]


def test_check_command_finds_drift(cli):
    assert check_command(cli, ("eval", "data.jsonl", "--split", "test", "[--write]"))  # --write is `eval fit`'s
    assert check_command(cli, ("rubric", "lst"))
    assert check_command(cli, ("schema", "extra"))
    assert not check_command(cli, ("eval", "fit", "PATH...", "[--write]"))
    assert not check_command(cli, ("--help",))


# ---------------------------------------------------------------------------------------------------------------------
# `python -m` modules.

PYTHON_M = re.compile(r"(?:^|[\s/(])python(?:3(?:\.\d+)?)?\s+-m\s+([A-Za-z_][\w.]*)")
PROJECT_FOLDERS = {  # the repository folders installed as evidence_matcher.<folder> (pyproject's package-dir)
    folder.split("/")[0]: package
    for package, folder in tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-dir"
    ].items()
    if package != "evidence_matcher"
}
MODULES = [
    (s.line, m.group(1))
    for s in SNIPPETS
    for m in PYTHON_M.finditer(s.text)
    if m.group(1).split(".")[0] == "evidence_matcher" or m.group(1).split(".")[0] in PROJECT_FOLDERS
]


@pytest.mark.parametrize("line, module", MODULES, ids=[f"README:{line}:{module}" for line, module in MODULES])
def test_readme_module_exists(line: int, module: str):
    top, _, rest = module.partition(".")
    assert top not in PROJECT_FOLDERS, (
        f"README.md:{line}: `python -m {module}` names the repository folder {top}/, which is installed as"
        f" {PROJECT_FOLDERS[top]}: write `python -m {PROJECT_FOLDERS[top]}.{rest}`"
    )
    try:
        spec = importlib.util.find_spec(module)
    except ModuleNotFoundError:
        spec = None
    assert spec is not None, f"README.md:{line}: `python -m {module}`: no such module"


def test_readme_names_modules():
    assert len(MODULES) >= 3, MODULES


# ---------------------------------------------------------------------------------------------------------------------
# The configuration tables.


@dataclass(frozen=True)
class Row:
    line: int
    default: str | None  # the default cell, or None when the table has no default column


def _cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]


def readme_variables(text: str) -> tuple[dict[str, Row], list[str]]:
    """Every variable listed in a Markdown table whose first column names ``EVIDENCE_*`` / ``OPENAI_*`` variables,
    and the problems found on the way (a variable listed twice)."""
    rows: dict[str, Row] = {}
    problems: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if not (
            lines[i].lstrip().startswith("|") and i + 1 < len(lines) and re.match(r"^\s*\|[\s:|-]+\|\s*$", lines[i + 1])
        ):
            i += 1
            continue
        header = [h.lower() for h in _cells(lines[i])]
        default_col = next((k for k, h in enumerate(header) if h.strip("`") == "default"), None)
        i += 2
        while i < len(lines) and lines[i].lstrip().startswith("|"):
            cells = _cells(lines[i])
            for name in re.findall(r"`((?:EVIDENCE|OPENAI)_[A-Z0-9_]+)`", cells[0]):
                if name in rows:
                    problems.append(f"README.md:{i + 1}: {name} is listed again (first on line {rows[name].line})")
                    continue
                default = cells[default_col] if default_col is not None and default_col < len(cells) else None
                rows[name] = Row(i + 1, default)
            i += 1
    return rows, problems


def env_name(name: str, field) -> str:
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return next(c for c in alias.choices if isinstance(c, str))
    if isinstance(alias, str):
        return alias
    return (Settings.model_config.get("env_prefix", "") + (field.alias or name)).upper()


class _Unset:
    def __repr__(self) -> str:
        return "unset"


UNSET = _Unset()
WORDS = {"true": True, "on": True, "yes": True, "false": False, "off": False, "no": False}
NOTHING = {"", "none", "null", "unset", "empty", "not set"}


def _value(text: str):
    """A loosely normalised value: True/False, UNSET (None, unset, empty), a float, or a lower-case string."""
    low = text.strip().strip("`\"'").strip().lower()
    if low in WORDS:
        return WORDS[low]
    if low in NOTHING:
        return UNSET
    try:
        return float(low.replace("_", "").replace(",", ""))
    except ValueError:
        return low


def _field_default(field):
    default = field.get_default(call_default_factory=True) if field.default is PydanticUndefined else field.default
    if default is None or (isinstance(default, str | tuple | list | set | frozenset | dict) and not default):
        return UNSET
    if isinstance(default, bool):
        return default
    if isinstance(default, Enum):
        default = default.value
    if isinstance(default, Path):  # shown with ~ for the home (the cache dir honours XDG_CACHE_HOME)
        text, xdg = str(default), os.environ.get("XDG_CACHE_HOME")
        if xdg and text.startswith(xdg.rstrip("/")):
            return "~/.cache" + text[len(xdg.rstrip("/")) :]
        home = str(Path.home())
        return "~" + text[len(home) :] if text.startswith(home) else text
    if isinstance(default, int | float):
        return float(default)
    return str(default).lower()


def default_problem(cell: str, field) -> str | None:
    """Why the README's default cell disagrees with the field's default, or None.

    A literal (in backticks, or a word such as true/off/unset/empty, or a number) must equal the default; a
    description ("all cores", "bundled all-MiniLM-L6-v2") is fine only for a field whose default is None (the
    value is decided at run time)."""
    shown, actual = _value(cell), _field_default(field)
    literal = cell.strip().startswith("`") or not isinstance(shown, str)
    if literal:
        same = shown == actual if not isinstance(shown, bool) else actual is shown
        return None if same else f"the README shows default {cell}, the field's default is {actual!r}"
    if actual is UNSET:
        return None
    return f"the README describes the default as {cell!r}, the field's default is {actual!r}"


README_VARIABLES, README_TABLE_PROBLEMS = readme_variables(README.read_text(encoding="utf-8"))
FIELDS = {env_name(name, field): (name, field) for name, field in Settings.model_fields.items()}


@pytest.mark.parametrize("variable", sorted(FIELDS))
def test_setting_documented(variable: str):
    name, field = FIELDS[variable]
    row = README_VARIABLES.get(variable)
    assert row is not None, (
        f"README.md: the configuration tables (## Configuration, and the LLM judge's) lack {variable}"
        f" (Settings.{name}, default {_field_default(field)!r}): add a row"
    )
    if row.default is not None:
        problem = default_problem(row.default, field)
        assert problem is None, f"README.md:{row.line}: {variable}: {problem}"


def test_no_stale_settings_in_readme():
    stale = [
        f"README.md:{row.line}: {v} is not a field of Settings"
        for v, row in README_VARIABLES.items()
        if v not in FIELDS
    ]
    assert not stale + README_TABLE_PROBLEMS, "; ".join(stale + README_TABLE_PROBLEMS)


def test_default_comparison():
    fields = Settings.model_fields
    assert default_problem("`1_000_000`", fields["max_body_bytes"]) is None
    assert default_problem("1,000,000", fields["max_body_bytes"]) is None
    assert default_problem("`True`", fields["redact"]) is None
    assert default_problem("unset", fields["api_token"]) is None
    assert default_problem("empty", fields["cors_origins"]) is None
    assert default_problem("all cores", fields["threads"]) is None
    assert default_problem("`false`", fields["redact"]) is not None
    assert default_problem("`8`", fields["llm_concurrency"]) is not None
    assert default_problem("a description", fields["llm_concurrency"]) is not None
