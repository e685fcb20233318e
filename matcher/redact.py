"""Redact personal data before text leaves the machine, and restore it in what comes back.

Emails (a pattern), phone numbers (Google's libphonenumber via ``phonenumbers``) and the
names the user lists (whole words, any case, possessives included) become placeholders
such as ``[EMAIL_1]``; the same value always gets the same placeholder, so the model can
still tell people apart. Quotes that come back are restored before they are located in
the original text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import phonenumbers

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass
class Redaction:
    text: str
    originals: dict[str, str] = field(default_factory=dict)  # placeholder -> original value

    def hide(self, value: str) -> str:
        """The placeholders in place of the originals: a sentence of the text as the model sees it."""
        for placeholder, original in self.originals.items():
            value = value.replace(original, placeholder)
        return value

    def restore(self, value: str) -> str:
        for placeholder, original in self.originals.items():
            value = value.replace(placeholder, original)
        return value


def _substitute(text: str, spans: list[tuple[int, int, str]]) -> Redaction:
    placeholders: dict[tuple[str, str], str] = {}
    counts: dict[str, int] = {}
    out, last = [], 0
    for start, end, kind in sorted(spans, key=lambda s: (s[0], -s[1])):  # longest first at a position
        if start < last:
            continue  # inside an earlier redaction ("dana" within dana@corp.com)
        value = text[start:end]
        if (kind, value) not in placeholders:
            counts[kind] = counts.get(kind, 0) + 1
            placeholders[(kind, value)] = f"[{kind}_{counts[kind]}]"
        out += [text[last:start], placeholders[(kind, value)]]
        last = end
    out.append(text[last:])
    return Redaction(text="".join(out), originals={ph: value for (_, value), ph in placeholders.items()})


def redact(text: str, names: tuple[str, ...] | list[str] = (), region: str = "US") -> Redaction:
    spans: list[tuple[int, int, str]] = [(m.start(), m.end(), "EMAIL") for m in _EMAIL.finditer(text)]
    for match in phonenumbers.PhoneNumberMatcher(text, region):
        spans.append((match.start, match.end, "PHONE"))
    for name in sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True):
        for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text, flags=re.IGNORECASE):
            spans.append((m.start(), m.end(), "NAME"))
    return _substitute(text, spans)
