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
from .vocabulary import ADJECTIVES, COLORS, COMPARATIVES, OPENERS

I = re.IGNORECASE
_LEAD = r"^(?:(?:and|also|now|then|please|can you|could you|would you|will you|okay|ok|so|just|let's|lets|i want you to)\s+)*"
_ONE = r"(?:one|image|picture|version|drawing|pic|try|attempt)"
# Whisper tiny.en hears a lone "Undo." as "and do." (festival, flite) or "Endo."; after a picture,
# nothing else would be meant by those.
UNDO = re.compile(_LEAD + r"(?:(?:undo|un-do|un do|and do|an do|on do|endo)(?: that| it| the last(?: one| change| step)?| last)?|go back(?: one(?: step)?)?|back|revert(?: that| it)?"
                  r"|(?:the\s+)?previous(?: " + _ONE + r")?|take (?:that|it) back|scratch that|(?:i liked |i prefer )?the (?:last|previous) "
                  + _ONE + r" (?:was )?better|(?:go |revert |switch |change it )?back to (?:the )?(?:last|previous|earlier|old|one before|other) "
                  + _ONE + r"|(?:go |revert |change it |switch )?back to (?:the )?(?:one before|way it was|previous)|(?:go back to |back to )?how it was(?: before)?)$", I)
AGAIN = re.compile(_LEAD + r"(?:(?:do it|try it|try|draw it|one more time|once more|and|show me|give me|make|draw|generate|let me see|"
                   r"i want|i'd like)\s+)?(?:again|another(?: one| " + _ONE + r"| variation)?|one more(?: time| " + _ONE + r")?|once more|"
                   r"(?:a )?new seed|(?:a |another )?different (?:seed|" + _ONE + r")|a new " + _ONE + r"|redo|reroll|re-roll|"
                   r"another version|more|same (?:thing|prompt|again)(?: again)?|same again)$", I)
ADD = re.compile(_LEAD + r"(?:add|put|include|give (?:it|him|her|them)|stick|throw in)\s+(?P<x>.+)$", I)
WITH = re.compile(_LEAD + r"(?:with|and|plus)\s+(?P<x>(?:a|an|some|two|three|four|five|many|lots of|a few)\s+.+)$", I)
WITH_ANY = re.compile(_LEAD + r"with\s+(?P<x>.+)$", I)
REMOVE = re.compile(_LEAD + r"(?:remove|take out|take away|get rid of|delete|lose|erase|drop)\s+(?:the\s+|any\s+|all\s+(?:the\s+)?)?(?P<x>.+)$", I)
MAKE = re.compile(_LEAD + r"(?:make|turn|change|paint|colou?r)\s+(?:it|them|him|her|that|this|everything|the whole thing|the (?:image|picture))\s+"
                  r"(?:to\s+|into\s+)?(?P<x>.+?)(?:\s+instead)?$", I)
_COLOR_WORDS = r"(?:" + "|".join(COLORS) + r")"
_COLOR = re.compile(r"\b" + _COLOR_WORDS + r"\b", I)
_SHADED_COLOR = r"(?:(?:light|dark|bright|pale|deep)\s+)?" + _COLOR_WORDS + r"(?:\s+and\s+" + _COLOR_WORDS + r")?"
_COLOR_PHRASE = r"(?P<c>" + _SHADED_COLOR + r")"
_COLOR_SPAN = re.compile(r"\b" + _SHADED_COLOR + r"\b", I)  # "red", "light blue", "green and gold" in a prompt
# "make the car blue", "paint the house green", "turn the sky purple", "the car should be blue"
MAKE_THING = re.compile(_LEAD + r"(?:make|turn|paint|colou?r|change)\s+(?:the|that|this|his|her|its|their)\s+(?P<obj>[\w' -]+?)\s+"
                        r"(?:to\s+|into\s+)?" + _COLOR_PHRASE + r"(?:\s+instead)?$", I)
THING_BE = re.compile(_LEAD + r"(?:i want |i'd like )?(?:the|that|this|his|her|its|their)\s+(?P<obj>[\w' -]+?)\s+(?:should be|needs to be|must be|"
                      r"to be|is|could be)\s+" + _COLOR_PHRASE + r"(?:\s+instead)?$", I)
# "change the colour to blue", "change the colour of the car to blue", "blue instead", "in green"
COLOR_TO = re.compile(_LEAD + r"(?:change|switch|set|make)\s+(?:the|its|it's)\s+colou?r(?:\s+of\s+(?:the\s+)?(?P<obj>[\w' -]+?))?\s+(?:to|into)\s+"
                      + _COLOR_PHRASE + r"$", I)
BARE_COLOR = re.compile(_LEAD + r"(?:in\s+|make it\s+)?" + _COLOR_PHRASE + r"(?:\s+instead|\s+this time)?$", I)
# "at night", "in the snow", "on a beach at sunset": a place or time for what is already there
SCENE = re.compile(_LEAD + r"(?:but\s+)?(?:put it\s+|set it\s+|make it\s+)?(?P<x>(?:at|in|on|under|underneath|beneath|during|inside|near|by|beside|behind|"
                   r"in front of|next to|above|over|through|across|at the|on top of)\s+.+)$", I)
# "more detailed", "a bit darker", "less busy": a change of look, kept as words for the model
LOOK = re.compile(_LEAD + r"(?:make it\s+|make them\s+)?(?:a (?:bit|little|lot) |much |even |slightly |way )?"
                  r"(?P<x>(?:more|less) [\w-]+(?:\s+and\s+(?:more|less)?\s*[\w-]+)?|(?:" + "|".join(COMPARATIVES) + r")"
                  r"(?:\s+and\s+(?:" + "|".join(COMPARATIVES) + r"))?)$", I)
_DETERMINER = re.compile(r"^(?:a|an|the|some|two|three|four|five|my|his|her|their)\s+", I)
_ADJECTIVE_ENDINGS = ("er", "y", "ed", "ful", "ous", "ic", "al", "ish", "less", "ive", "ent", "ant", "ble", "en")


# What a thing in the picture can be made to do ("make the dog sit", "make the people dance"):
# common verbs only, so that a word the rules do not know is kept as said rather than bent into one.
_ACTIONS = set("""sit stand run jump fly swim dance sleep smile laugh cry sing play walk eat drink read write
    look lie kneel wave talk fight ride climb fall float glow shine hide hug kiss wait pose bark roar howl
    sail race spin fold rest crawl dive surf skate ski paint cook hunt graze roll stretch yawn""".split())


def _gerund(verb: str) -> str:
    """sit → sitting, dance → dancing, lie → lying, sleep → sleeping, fix → fixing."""
    verb = verb.lower()
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        return verb[:-1] + "ing"
    if re.fullmatch(r"[^aeiou]*[aeiou][^aeiouwxy]", verb):
        return verb + verb[-1] + "ing"
    return verb + "ing"


def _describes(word: str) -> bool:
    word = word.lower()
    return word in ADJECTIVES or word in COMPARATIVES or (len(word) > 4 and word.endswith(_ADJECTIVE_ENDINGS))


# "make the street wet", "make the people smaller": one word for one thing already there
MAKE_THING_LOOK = re.compile(_LEAD + r"(?:make|turn)\s+(?:the|that|this|his|her|its|their)\s+(?P<obj>[\w' -]+?)\s+(?P<x>[\w-]+)$", I)
# "make it a truck", "turn it into a truck", "replace the car with a truck": a new subject
SUBJECT = re.compile(_LEAD + r"(?:make it|make that|turn it into|turn that into|change it (?:in)?to|change that (?:in)?to|make it into)\s+"
                     r"(?P<x>(?:a|an|some|two|three|four|five)\s+.+?)(?:\s+instead)?$", I)
THING_INTO = re.compile(_LEAD + r"(?:make|turn|change)\s+(?:the|that|this|his|her|its|their)\s+(?P<obj>[\w'-]+(?:\s+[\w'-]+)??)\s+(?:into\s+|to\s+)?"
                        r"(?P<x>(?:a|an|some|two|three|four|five)\s+.+?)(?:\s+instead)?$", I)
MAKE_ANY = re.compile(_LEAD + r"(?:make|turn|change)\s+(?P<x>(?:it|them|the|that|this|his|her|its|their)\s+.+)$", I)
REPLACE = re.compile(_LEAD + r"(?:replace|swap|switch|exchange)\s+(?:the\s+|that\s+)?(?P<obj>[\w' -]+?)\s+(?:with|for)\s+(?P<x>.+?)(?:\s+instead)?$", I)
_PHRASE_END = re.compile(r",|\s+(?:with|on|in|at|under|near|by|beside|behind|next to|inside|over|above|below|during|and|while|that|which|"
                         r"who|wearing|holding|sitting|standing|riding|flying|running|walking|playing|eating|looking)\s+", I)


def refine(previous: ImageRequest, said: str, fresh: ImageRequest) -> ImageRequest | None:
    """The follow-up ``said`` (already cleaned of fillers and politeness) applied to ``previous``;
    ``fresh`` is what the rules make of it as a new request. None: it is a new request."""
    text = OPENERS.sub("", said.strip(" ,.!?")).strip(" ,.!?")
    carry = dict(transcript=fresh.transcript, removed=fresh.removed, follows=True)
    if not text:
        return None
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
    drawn = lambda prompt: replace(previous, prompt=prompt, action="draw", **carry)  # noqa: E731
    match = SUBJECT.match(text)
    if match:
        return drawn(_new_subject(previous.prompt, match.group("x")))
    match = REPLACE.match(text) or THING_INTO.match(text)
    if match and _find(previous.prompt, match.group("obj")):
        return drawn(_replace_thing(previous.prompt, match.group("obj"), match.group("x")))
    match = COLOR_TO.match(text) or MAKE_THING.match(text) or THING_BE.match(text)
    if match:
        return drawn(_recolor(previous.prompt, match.group("c").lower(), match.group("obj")))
    match = BARE_COLOR.match(text)
    if match:
        return drawn(_recolor(previous.prompt, match.group("c").lower()))
    match = MAKE.match(text)
    if match and not _DETERMINER.match(match.group("x")):
        return drawn(_recolor(previous.prompt, re.sub(r"^look\s+(?:like\s+)?", "", match.group("x"), flags=I)))
    match = LOOK.match(text)
    if match:
        return drawn(f"{previous.prompt}, {match.group('x').lower()}")
    match = MAKE_THING_LOOK.match(text)
    if match and len(match.group("obj").split()) <= 2 and not re.search(r"\b(?:a|an|the|some|it)\b", match.group("obj"), I) \
            and (found := _find(previous.prompt, match.group("obj"))):
        if _describes(match.group("x")):  # "make the street wet"
            return drawn(_recolor(previous.prompt, match.group("x"), match.group("obj")))
        if match.group("x").lower() in _ACTIONS:  # "make the dog sit": the dog, sitting
            return drawn(f"{previous.prompt[:found.end()]} {_gerund(match.group('x'))}{previous.prompt[found.end():]}")
    match = SCENE.match(text)
    if match and not _names_a_subject(match.group("x")):
        return drawn(f"{previous.prompt}, {match.group('x')}")
    match = ADD.match(text) or WITH.match(text) or WITH_ANY.match(text)
    if match and not (match.re is not ADD and _names_a_subject(match.group("x"))):
        return drawn(f"{previous.prompt}, with {match.group('x')}")
    match = MAKE_ANY.match(text)
    if match:  # "make the car go faster": not understood in detail, but clearly about this picture
        return drawn(f"{previous.prompt}, {match.group('x')}")
    return None


def changes_a_picture(said: str) -> bool:
    """Whether ``said`` (cleaned as for :func:`refine`) only makes sense as a change to a picture
    on screen: "make it blue", "blue instead", "brighter", "again", "undo"."""
    text = OPENERS.sub("", said.strip(" ,.!?")).strip(" ,.!?")
    if UNDO.match(text) or AGAIN.match(text) or LOOK.match(text):
        return True
    if BARE_COLOR.match(text) and not _COLOR_SPAN.fullmatch(text):  # "blue instead"; "blue" alone is a picture of blue
        return True
    match = MAKE.match(text)  # "make it blue", "make it look older"; not "make it tall, a lighthouse"
    return bool(match and not re.search(r"[,;]|\b(?:a|an|the|some|two|three|four|five)\b", match.group("x"), I))


def _names_a_subject(phrase: str) -> bool:
    """"in a forest, a deer drinking" is a new picture that opens with its place, not a place for this one."""
    return bool(re.search(r",\s*(?:a|an|the|some|two|three|four|five|\d+)\s", phrase, I)) or len(phrase.split()) > 10


def _find(prompt: str, thing: str) -> re.Match | None:
    """Where the thing's head word (its last word, plural or not) is in the prompt; or a word that
    differs from it by one letter added at the end ("card" heard for "car")."""
    head = _DETERMINER.sub("", thing.strip()).split()[-1]
    found = re.search(r"\b" + re.escape(head) + r"(?:s|es)?\b", prompt, I)
    if found or len(head) < 4:
        return found
    return re.search(r"\b" + re.escape(head[:-1]) + r"\b", prompt, I)


def _new_subject(prompt: str, subject: str) -> str:
    """"make it a truck": the first noun phrase gives way to the new one; the scene stays."""
    end = _PHRASE_END.search(prompt)
    return subject + (prompt[end.start():] if end else "")


def _replace_thing(prompt: str, thing: str, new: str) -> str:
    """"replace the car with a truck": the phrase naming the thing (with its adjectives) is replaced."""
    found = _find(prompt, thing)
    head = prompt[: _phrase_start(prompt, found.start())]
    return (head + (" " if head and not head.endswith(" ") else "") + new.strip() + prompt[found.end():]).strip()


def _phrase_start(prompt: str, at: int) -> int:
    """Where the noun phrase that ends at ``at`` begins: after the last comma or linking word."""
    before = prompt[:at]
    cuts = [before.rfind(",")] + [m.end() - 1 for m in re.finditer(
        r"\s(?:with|and|on|in|of|at|under|near|by|beside|behind|inside|over|above|below|during)\s", before, I)]
    start = max(cuts)
    return start + 1 if start >= 0 else 0


def _recolor(prompt: str, change: str, thing: str | None = None) -> str:
    """"make it blue": the first colour is replaced, or the colour goes before the subject.
    "make the car blue": the colour of that thing is replaced, or goes before it, or the thing
    is named with its colour when the prompt did not have it."""
    colored = _COLOR.match(change) and _COLOR.sub("", change).strip() in ("", "and") or \
        re.fullmatch(r"(?:light|dark|bright|pale|deep)\s+" + _COLOR_WORDS, change, I)
    if thing:
        thing = _DETERMINER.sub("", thing.strip())
        found = _find(prompt, thing)
        if not found:
            return f"{prompt}, {change} {thing}"
        phrase_start = _phrase_start(prompt, found.start())
        phrase = prompt[phrase_start: found.start()]
        if colored and _COLOR.search(phrase):
            phrase = _COLOR_SPAN.sub(change, phrase, count=1)
            return prompt[:phrase_start] + phrase + prompt[found.start():]
        return prompt[: found.start()] + change + " " + prompt[found.start():]
    if colored:
        if _COLOR.search(prompt):
            return _COLOR_SPAN.sub(change, prompt, count=1)
        det = _DETERMINER.match(prompt)
        if det:
            return prompt[: det.end()] + change + " " + prompt[det.end():]
    return f"{prompt}, {change}"


def _drop_phrase(prompt: str, item: str) -> str:
    """Remove "with the people" / "and people" / "people" from the prompt when it names the item."""
    words = re.escape(item).replace(r"\ ", r"\s+")
    pattern = re.compile(r"(?:,?\s*(?:with|and)\s+(?:the\s+|some\s+|a\s+|an\s+|many\s+)?)?\b" + words + r"\b", I)
    return " ".join(pattern.sub("", prompt).split()).strip(" ,")
