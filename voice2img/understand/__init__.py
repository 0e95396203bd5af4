"""Understand: spoken text → the image request the speaker meant.

The default is :class:`~voice2img.understand.rules.RulesRewriter` (deterministic, offline); an
LLM behind any OpenAI-compatible endpoint is an option (:mod:`voice2img.understand.llm`). Every
rewriter returns the same :class:`ImageRequest`, which lists what was removed and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


MAX_SEED = 2**32 - 1  # seeds are unsigned 32-bit numbers, as in AUTOMATIC1111 and diffusers' examples


@dataclass(frozen=True)
class RequestSettings:
    """Settings asked for by voice; None means "use the model profile's or operator's default"."""

    width: int | None = None
    height: int | None = None
    steps: int | None = None
    guidance: float | None = None
    seed: int | None = None
    num_images: int | None = None
    aspect: str | None = None  # "W:H", e.g. "16:9"; sizes follow the model's own pixel budget
    style: str | None = None  # the style preset's name
    strength: float | None = None  # image-to-image: how much of the starting picture may change (0-1)
    follow_up: str | None = None  # how a follow-up is drawn, when said: "refine" (change the picture) or "redraw"

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Removal:
    text: str
    reason: str


# The reason a Removal gives when a transcript was only Whisper's words for silence ("Thank you.").
HALLUCINATION = "known Whisper hallucination"
# ... and when it asked to change a picture ("make it blue", "undo") before there was one.
NO_PICTURE_YET = "a change to a picture, and there is no picture yet: say what to draw first"


@dataclass(frozen=True)
class ImageRequest:
    """What to draw. ``removed`` lists what was taken out of the transcript and why."""

    prompt: str
    negative_prompt: str = ""
    settings: RequestSettings = field(default_factory=RequestSettings)
    removed: tuple[Removal, ...] = ()
    transcript: str = ""
    notes: tuple[str, ...] = ()  # things the speaker should know (a prompt too long, a setting ignored)
    action: str = "draw"  # "draw"; "again" (same request, new seed); "undo" (the caller goes back one request)
    follows: bool = False  # a change to the request before it ("make it blue"), not a new one

    @property
    def describes_nothing(self) -> bool:
        """The stand-in for a starting picture that has no words yet (see :data:`A_PICTURE`)."""
        return self.action == "picture"

    @property
    def empty(self) -> bool:
        return not self.prompt.strip()

    @property
    def why_empty(self) -> str:
        """What was said that asks for no picture, and why: "'never mind': not a request"."""
        return "; ".join(f"{r.text.strip(' ,.!?')!r}: {r.reason}" for r in self.removed) or "nothing to draw"

    def as_dict(self) -> dict:
        return {"prompt": self.prompt, "negative_prompt": self.negative_prompt, "settings": self.settings.as_dict(),
                "removed": [{"text": r.text, "reason": r.reason} for r in self.removed], "notes": list(self.notes),
                "action": self.action}


# What a follow-up changes when the only thing on screen is a starting picture (an uploaded photo):
# there are no words for it, so "make it blue" becomes the prompt "blue" for that picture.
A_PICTURE = ImageRequest(prompt="", action="picture")


class Rewriter(Protocol):
    def rewrite(self, transcript: str, previous: ImageRequest | None = None) -> ImageRequest: ...


_DEFAULT = None


def rewrite(transcript: str, previous: ImageRequest | None = None) -> ImageRequest:
    """Rewrite with the default rules rewriter."""
    global _DEFAULT
    if _DEFAULT is None:
        from .rules import RulesRewriter

        _DEFAULT = RulesRewriter()
    return _DEFAULT.rewrite(transcript, previous)


__all__ = ["A_PICTURE", "HALLUCINATION", "MAX_SEED", "NO_PICTURE_YET", "ImageRequest", "Removal", "RequestSettings", "Rewriter", "rewrite"]
