"""``--fail-under``: metric floors for a CI gate (``rp@5=0.6,f1=0.55``)."""

from __future__ import annotations

from dataclasses import dataclass

from evidence_matcher.errors import EvidenceError

from .metrics import METRIC_ALIASES, METRIC_KEYS


class GateError(EvidenceError):
    """A --fail-under specification cannot be read."""


@dataclass(frozen=True)
class Verdict:
    key: str
    floor: float
    value: float | None  # None: the run did not measure it

    @property
    def passed(self) -> bool:
        return self.value is not None and self.value >= self.floor


def parse_floors(spec: str) -> dict[str, float]:
    """``"rp@5=0.6,f1=0.55"`` -> ``{"rp@5": 0.6, "micro_f1": 0.55}`` (short names resolved)."""
    floors: dict[str, float] = {}
    valid = ", ".join([*METRIC_KEYS, *(f"{a} (= {k})" for a, k in METRIC_ALIASES.items())])
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep:
            raise GateError(f"--fail-under: {part!r} is not METRIC=FLOOR (e.g. micro_f1=0.55)")
        key = METRIC_ALIASES.get(key, key)
        if key not in METRIC_KEYS:
            raise GateError(f"--fail-under: unknown metric {part.partition('=')[0].strip()!r}; valid: {valid}")
        try:
            floors[key] = float(value)
        except ValueError:
            raise GateError(f"--fail-under: the floor for {key} is not a number: {value.strip()!r}") from None
    if not floors:
        raise GateError("--fail-under: no METRIC=FLOOR given")
    return floors


def check_floors(metrics: dict[str, float], floors: dict[str, float]) -> list[Verdict]:
    return [Verdict(key, floor, metrics.get(key)) for key, floor in floors.items()]
