"""Spoken numbers: "forty two" → 42, "1,234" → 1234, "four" → 4."""

from __future__ import annotations

import re

_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if w != "_"}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
NUMBER_WORDS = set(_UNITS) | set(_TENS) | set(_SCALES) | {"and", "a"}

# A number as Whisper writes it (digits, maybe with thousands separators) or as words.
_WORD = r"(?:" + "|".join(sorted(set(_UNITS) | set(_TENS) | set(_SCALES), key=len, reverse=True)) + r")"
NUMBER_PATTERN = (r"(?:\d{1,3}(?:,\d{3})+|\d+|" + _WORD + r"(?:[\s-]+(?:and\s+)?" + _WORD + r")*)")


def parse_number(text: str) -> int | None:
    """The integer that ``text`` says, or None when it is not a number."""
    text = text.strip().lower()
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+", text):
        return int(text.replace(",", ""))
    words = [w for w in re.split(r"[\s-]+", text) if w and w != "and"]
    if not words or any(w not in _UNITS and w not in _TENS and w not in _SCALES for w in words):
        return None
    total, current = 0, 0
    for word in words:
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        else:
            total += max(current, 1) * _SCALES[word]
            current = 0
    return total + current
