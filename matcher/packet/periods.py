"""Calendar periods of a coverage matrix: month (2025-03), quarter (2025-Q1) or half (2025-H1)."""

from __future__ import annotations

from datetime import date

from evidence_matcher.errors import InputError

PERIODS = ("month", "quarter", "half")
MONTHS_IN = {"month": 1, "quarter": 3, "half": 6}


def check_period(kind: str) -> str:
    if kind not in PERIODS:
        raise InputError(f"--period must be {', '.join(PERIODS)}, not {kind!r}")
    return kind


def period_of(day: date, kind: str) -> str:
    if kind == "month":
        return f"{day.year}-{day.month:02d}"
    if kind == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-H{(day.month - 1) // 6 + 1}"


def periods_between(first: date, last: date, kind: str) -> list[str]:
    """Every period from the one holding ``first`` to the one holding ``last``, empty ones included: a quarter
    with no evidence is what the matrix is there to show."""
    step = MONTHS_IN[kind]
    year, month = first.year, (first.month - 1) // step * step + 1
    out = []
    while (year, month) <= (last.year, last.month):
        out.append(period_of(date(year, month, 1), kind))
        month += step
        if month > 12:
            year, month = year + 1, month - 12
    return out
