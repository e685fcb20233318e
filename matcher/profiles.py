"""The shipped model sets a user chooses between (``EVIDENCE_PROFILE``): which evidence encoder
embeds, which verifier and evidence bank decide on its vectors, and which fitted thresholds apply.

``default``: the evidence encoder on all-mpnet-base-v2, the best quality measured (README,
Measured quality). ``fast``: the same recipe on all-MiniLM-L6-v2 (``index/encoder_fast/``,
``matcher/verifier_fast/``, ``thresholds.fast*.json``), about a sixth of the arithmetic per
sentence, for a server under concurrent load (README, Speed), at lower quality. The fast set
ships no no-bank fallback (the 25 MB budget): a ladder the bank has no rows of is decided by its
bank network with the bank columns empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evidence_matcher.errors import EvidenceError
from evidence_matcher.index.encoder import ENCODER_DIR, FAST_ENCODER_DIR

from .verifier import VERIFIER_DIR


@dataclass(frozen=True)
class Profile:
    name: str
    encoder_dir: Path  # the evidence encoder's adapter (its card names the base model)
    verifier_dir: Path  # weights.npz, bank.npz, card.json[, weights.no-bank.npz]
    thresholds: str  # the stem of its fitted thresholds beside matcher/decision.py
    fallback: bool = True  # ships a no-bank fallback network (verifier_train writes one)


DEFAULT_PROFILE = Profile("default", ENCODER_DIR, VERIFIER_DIR, "thresholds")
FAST_PROFILE = Profile("fast", FAST_ENCODER_DIR, VERIFIER_DIR.with_name("verifier_fast"), "thresholds.fast", False)
PROFILES = {p.name: p for p in (DEFAULT_PROFILE, FAST_PROFILE)}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise EvidenceError(f"unknown profile {name!r}: use one of {', '.join(PROFILES)}") from None
