"""Follow-ups: speech that changes the current request instead of starting over.

"make it blue", "add a hat", "without the people", "wider", "again" (a new seed), "undo".
The rules rewriter tries these when it is given the previous request; anything else is a new
request. Undo cannot be done here — only the caller keeps the history — so it is returned as
the request with ``action="undo"``.
"""

from __future__ import annotations

import re
from dataclasses import replace

from . import ImageRequest

I = re.IGNORECASE
_LEAD = r"^(?:(?:and|also|now|then|please|can you|could you|okay|ok|so)\s+)*"
UNDO = re.compile(_LEAD + r"(?:undo(?: that)?|go back|back|previous(?: one)?|the previous one|revert|take that back)$", I)
AGAIN = re.compile(_LEAD + r"(?:(?:do it|try it|try|draw it|one more time|once more|and)\s+)?(?:again|another(?: one)?|one more"
                   r"(?: time)?|once more|new seed|a different one|different one|redo|reroll|another version|more)$", I)
ADD = re.compile(_LEAD + r"(?:add|put|include|give (?:it|him|her|them))\s+(?P<x>.+)$", I)
WITH = re.compile(_LEAD + r"with\s+(?P<x>.+)$", I)
REMOVE = re.compile(_LEAD + r"(?:remove|take out|take away|get rid of|delete|lose|erase)\s+(?:the\s+|any\s+|all\s+(?:the\s+)?)?(?P<x>.+)$", I)
MAKE = re.compile(_LEAD + r"(?:make|turn|change|paint|colou?r)\s+(?:it|them|him|her|that|this|everything)\s+(?:to\s+|into\s+)?(?P<x>.+)$", I)
COLORS = ("red orange yellow green blue purple violet pink brown black white gray grey silver gold golden "
          "turquoise teal cyan magenta beige navy maroon crimson").split()
_COLOR = re.compile(r"\b(?:" + "|".join(COLORS) + r")\b", I)
_DETERMINER = re.compile(r"^(?:a|an|the|some|two|three|four|five|my|his|her|their)\s+", I)


def refine(previous: ImageRequest, said: str, fresh: ImageRequest) -> ImageRequest | None:
    """The follow-up ``said`` (already cleaned of fillers and politeness) applied to ``previous``;
    ``fresh`` is what the rules make of it as a new request. None: it is a new request."""
    text = said.strip(" ,.!?")
    carry = dict(transcript=fresh.transcript, removed=fresh.removed)
    if UNDO.match(text):
        return replace(previous, action="undo", **carry)
    if AGAIN.match(text):
        return replace(previous, settings=replace(previous.settings, seed=None), action="again", **carry)
    match = REMOVE.match(text)
    if match:  # "remove the people" says what "without the people" says
        fresh = replace(fresh, prompt="", negative_prompt=match.group("x"))
    if fresh.empty and (fresh.negative_prompt or fresh.settings.as_dict()):
        # "without the people", "wider", "seed 7": only negatives or settings were said.
        negatives = [n for n in (previous.negative_prompt, fresh.negative_prompt) if n]
        prompt = previous.prompt
        for item in filter(None, fresh.negative_prompt.split(", ")):
            prompt = _drop_phrase(prompt, item)
        settings = replace(previous.settings, **fresh.settings.as_dict())
        return replace(previous, prompt=prompt or previous.prompt, negative_prompt=", ".join(dict.fromkeys(
            ", ".join(negatives).split(", "))), settings=settings, action="draw", **carry)
    match = MAKE.match(text)
    if match and not _DETERMINER.match(match.group("x")):
        return replace(previous, prompt=_recolor(previous.prompt, match.group("x")), action="draw", **carry)
    match = ADD.match(text) or WITH.match(text)
    if match:
        return replace(previous, prompt=f"{previous.prompt}, with {match.group('x')}", action="draw", **carry)
    return None


def _recolor(prompt: str, change: str) -> str:
    """"make it blue": the first colour is replaced, or the colour goes before the subject."""
    if _COLOR.fullmatch(change):
        if _COLOR.search(prompt):
            return _COLOR.sub(change, prompt, count=1)
        det = _DETERMINER.match(prompt)
        if det:
            return prompt[: det.end()] + change + " " + prompt[det.end():]
    return f"{prompt}, {change}"


def _drop_phrase(prompt: str, item: str) -> str:
    """Remove "with the people" / "and people" / "people" from the prompt when it names the item."""
    words = re.escape(item).replace(r"\ ", r"\s+")
    pattern = re.compile(r"(?:,?\s*(?:with|and)\s+(?:the\s+|some\s+|a\s+|an\s+|many\s+)?)?\b" + words + r"\b", I)
    return " ".join(pattern.sub("", prompt).split()).strip(" ,")
