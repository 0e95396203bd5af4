"""The text of a request being rewritten, and what the rewrite has found in it.

:class:`Findings` is the record each step of the rules adds to (what it cut and why); the
functions here tidy the words between steps. Shared by :mod:`.rules`, :mod:`.spoken_settings`
and :mod:`.negatives`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import Removal
from .styles import StylePreset
from .vocabulary import I

# Words a request cannot end on ("a red car with…"). Not "by" ("a ship passing by", "close by"),
# nor "on" after "with …" ("with the lights on", "with a hat on"): there they end the phrase.
_DANGLING = re.compile(r"(?:^|\s)(?:and|but|with|or|so|then|also|plus|of|in|at|to|for|from|as|while|just)$", I)
_DANGLING_ON = re.compile(r"(?:^|\s)on$", I)
_WORN_ON = re.compile(r"\bwith\s+(?:\S+\s+){1,3}on$", I)
_DANGLING_START = re.compile(r"^(?:and|but|or|then|also|plus)\b\s*", I)


@dataclass
class Findings:
    """What one rewrite has found so far: what it removed and why, the negatives, the settings said
    and the notes for the speaker."""

    removed: list[Removal] = field(default_factory=list)
    negatives: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    style: StylePreset | None = None

    def cut(self, pattern: re.Pattern, text: str, reason: str, repl=" ") -> str:
        """Remove what ``pattern`` matches, recording it; ``repl`` is a string or a function of the match."""
        def record(match: re.Match) -> str:
            if match.group(0).strip(" ,.;:!?"):
                self.removed.append(Removal(match.group(0).strip(), reason))
            return repl(match) if callable(repl) else repl

        return pattern.sub(record, text)


def normalize(text: str) -> str:
    text = re.sub(r"\s*(?:…|\.{2,}|—|–|--|\s-\s)\s*", ", ", text or "")
    return " ".join(text.split())


def tidy(text: str) -> str:
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r"([.!?])\s*,", r"\1", text)
    text = re.sub(r",\s*([.!?])", r"\1", text)
    return " ".join(text.split()).strip(" ,;:")


def finish(text: str) -> str:
    text = re.sub(r"[.!?;]+\s+", ", ", tidy(text))  # one prompt, one line
    text = re.sub(r"\b(a|an|the|and|or|but|of|with)[,;:]\s*", r"\1 ", text, flags=I)  # "a, uh, lighthouse" → "a lighthouse"
    for _ in range(3):
        text = _DANGLING_START.sub("", text.strip(" ,.;:!?"))
        text = _DANGLING.sub("", text).strip(" ,.;:!?")
        if not _WORN_ON.search(text):
            text = _DANGLING_ON.sub("", text).strip(" ,.;:!?")
    text = tidy(text)
    return _sentence_case_off(text)


def _sentence_case_off(text: str) -> str:
    """Whisper's sentence case comes off the first word; a name of two capitalised words ("Bora
    Bora at sunset", "New York at night"), NASA and I keep theirs. An article never is a name."""
    words = text.split(" ", 2)
    first = words[0] if text else ""
    if not first.istitle() or first == "I" or first.startswith("I'"):
        return text
    name = len(words) > 1 and words[1][:1].isupper() and first.lower() not in _ARTICLES
    return text if name else text[0].lower() + text[1:]


_ARTICLES = {"a", "an", "the", "some", "this", "that", "these", "those", "my", "our", "his", "her", "their", "two",
             "three", "four", "five"}


def words_of(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def join_unique(items: list[str]) -> str:
    seen, out = set(), []
    for item in items:
        for part in (p.strip() for p in item.split(",")):
            if part and part.lower() not in seen:
                seen.add(part.lower())
                out.append(part)
    return ", ".join(out)
