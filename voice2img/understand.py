"""Understand: spoken text → the image request the speaker meant.

This is the basic cleanup (whitespace, filler words, trailing punctuation) behind the
:class:`Rewriter` interface; the full rewriting stage plugs in behind the same interface and
returns the same :class:`ImageRequest`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class RequestSettings:
    """Settings asked for by voice; None means "use the model profile's default"."""

    width: int | None = None
    height: int | None = None
    steps: int | None = None
    guidance: float | None = None
    seed: int | None = None
    num_images: int | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Removal:
    text: str
    reason: str


@dataclass(frozen=True)
class ImageRequest:
    """What to draw. ``removed`` lists what was taken out of the transcript and why."""

    prompt: str
    negative_prompt: str = ""
    settings: RequestSettings = field(default_factory=RequestSettings)
    removed: tuple[Removal, ...] = ()
    transcript: str = ""

    @property
    def empty(self) -> bool:
        return not self.prompt.strip()


class Rewriter(Protocol):
    def rewrite(self, transcript: str, previous: ImageRequest | None = None) -> ImageRequest: ...


_FILLERS = re.compile(r"(?<![\w'-])(?:u+m+|u+h+m*|e+r+m*|e+h+|h+m+|m+h+m+|a+h+)(?![\w'-])[,.…]?\s*", re.IGNORECASE)
_TRAILING = re.compile(r"[\s.,;:!?…]+$")
_LEADING = re.compile(r"^[\s.,;:!?…-]+")


class BasicCleanup:
    """Whitespace, hesitation sounds (um, uh, er, hmm) and trailing punctuation; nothing else."""

    def rewrite(self, transcript: str, previous: ImageRequest | None = None) -> ImageRequest:
        removed: list[Removal] = []
        text = " ".join(transcript.split())

        def drop_filler(match: re.Match) -> str:
            removed.append(Removal(match.group(0).strip(), "filler"))
            return ""

        text = _FILLERS.sub(drop_filler, text)
        for pattern in (_LEADING, _TRAILING):
            match = pattern.search(text)
            if match and match.group(0).strip():
                removed.append(Removal(match.group(0).strip(), "punctuation"))
            text = pattern.sub("", text)
        text = " ".join(text.split())
        first = text.split(" ", 1)[0]
        if first.istitle() and first != "I" and not first.startswith("I'"):
            text = text[0].lower() + text[1:]  # Whisper's sentence case: "A red fox" → "a red fox"; NASA stays
        return ImageRequest(prompt=text, removed=tuple(removed), transcript=transcript)


def rewrite(transcript: str, previous: ImageRequest | None = None) -> ImageRequest:
    """Rewrite with the default rewriter."""
    return BasicCleanup().rewrite(transcript, previous)
