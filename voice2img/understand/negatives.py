"""Negatives said aloud: "without people", "no cars", "don't include any text" become the
negative prompt, and come off the words."""

from __future__ import annotations

import re

from . import Removal
from .text import Findings, tidy
from .vocabulary import I

_NEG_TRIGGER = (r"(?:(?:but\s+|and\s+)?(?:please\s+)?(?:don't|do not|dont|doesn't|does not|shouldn't|should not|i don't want|we don't want|no need for)"
                r"(?:\s+(?:include|add|show|put|draw|want|have|make|use|contain|feature|need|give it|put in))?(?:\s+(?:any|a|an|the|some))?"
                r"|(?:make sure\s+|be sure\s+)?(?:that\s+)?there(?:'s|\s+is|\s+are|\s+should be|\s+will be)\s+(?:no|not any)"
                r"|no more|nothing like|minus|except(?:\s+for)?|excluding|leave out|avoid(?:\s+any)?|no|not(?:\s+any)?)")
NEGATIVE_ANYWHERE = re.compile(r"(?:^|,\s*|\s+)(?:(?:but|and)\s+)?(?:without(?:\s+any)?|with\s+no|with\s+zero|free of|devoid of)\s+", I)
NEGATIVE_CLAUSE = re.compile(r"(?:^|(?<=[,.;:!?])\s*|\s+(?:and|but|also|plus|with)\s+)" + _NEG_TRIGGER + r"\s+", I)
NEGATIVE_STOP = re.compile(r"\s*[,.;:!?]|\s+but\s+|\s+(?:and|or)\s+(?=(?:without|with no|no|not|don't|do not)\b)"
                           r"|\s+(?=(?:on|in|at|under|near|behind|beside|next to|inside|over|above|below|during|while|that|which|who)\s+(?!it\b|them\b|there\b|the (?:picture|image|photo|scene|background|foreground|shot|frame)\b))", I)
NEGATIVE_TAIL = re.compile(r"\s+(?:in it|in them|in there|on it|on them|on there|in the (?:picture|image|photo|scene|background|foreground|shot|frame)|"
                           r"at all|anywhere|around|visible|present|whatsoever|please|though|either|thanks|thank you)$", I)
_NEG_DET = re.compile(r"^(?:any|a|an|the|some|more|other|of|all)\s+", I)
_POSITIVE_START = re.compile(r"^(?:a|an|the|one|two|three|four|five|his|her|my|their|our|\d+)\b", I)


def cut_negatives(text: str, work: Findings) -> str:
    """"without people", "no cars", "don't include any text" → the negative prompt."""
    for pattern in (NEGATIVE_ANYWHERE, NEGATIVE_CLAUSE):
        for _ in range(8):
            match = pattern.search(text)
            if not match:
                break
            start = match.end()
            stop = NEGATIVE_STOP.search(text, start)
            end = stop.start() if stop else len(text)
            span = text[start:end]
            items, keep = _negative_items(span)
            if not items:  # "no" with nothing after it: leave the words alone
                break
            work.negatives.extend(items)
            work.removed.append(Removal(f"{match.group(0).strip(' ,')} {span[:len(span) - len(keep)].strip()}".strip(), "negative"))
            text = tidy(text[: match.start()] + (", " + keep if keep else "") + text[end:])
    return text


def _negative_items(span: str) -> tuple[list[str], str]:
    """Split a negative span into items; a part that starts like a new positive phrase goes back."""
    # "without any text and" once "and portrait format" was read as a setting: the "and" led to it.
    parts = re.split(r"\s*,\s*|\s+(?:and|or|nor)\s+", re.sub(r"\s+(?:and|or|nor|but)$", "", span.strip(), flags=I))
    items: list[str] = []
    for k, part in enumerate(parts):
        if k and _POSITIVE_START.match(part):
            rest = re.split(r"\s+(?:and|or|nor)\s+", span, maxsplit=k)[-1] if k else span
            return items, rest
        item = NEGATIVE_TAIL.sub("", _NEG_DET.sub("", part.strip(" ,.;"))).strip()
        item = NEGATIVE_TAIL.sub("", item).strip()
        if item:
            items.append(item)
    return items, ""
