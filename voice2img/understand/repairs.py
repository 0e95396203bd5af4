"""Self-repairs: "X, no wait, Y" keeps what Y means and only the part of X that Y did not correct.

The rules rewriter finds the repair marker ("no wait", "sorry", "I mean", "or rather",
"actually, make it") and hands the two halves to :func:`merge`. What Y replaces, in order:

- the part of X that Y repeats the start of: "a beach with palm trees, no wait, with pine trees";
- one describing word: "a red car, no, blue" → "a blue car";
- one noun phrase, when Y starts with a determiner: the phrase whose noun Y repeats, else the
  subject ("a house in the woods, actually, a cabin" → "a cabin in the woods"); a thing of the
  same kind keeps what was said of it ("an anime girl, no, a boy" → "an anime boy"), another kind
  does not ("a red bicycle, no wait, a capybara" → "a capybara");
- one noun, when Y is a bare noun: "a cup of coffee, I mean tea" → "a cup of tea";
- otherwise all of X: the speaker started again.

"I mean" and "actually" are also said as pauses ("a castle, I mean, on a hill"); when Y repeats
nothing and is not one of the above, both halves are kept. Where the rules cannot tell what Y
corrects, the request says so in a note.
"""

from __future__ import annotations

import re

from .vocabulary import ADJECTIVES, COLORS, COMPARATIVES, DETERMINERS

I = re.IGNORECASE

# Things of one kind: a repair within a kind changes the thing and keeps what was said of it.
_KINDS = [set(group.split()) for group in (
    "girl boy man woman child kid baby lady gentleman person teenager grandma grandpa king queen prince princess "
    "knight wizard witch robot astronaut pirate soldier chef doctor farmer student teacher",
    "cat dog puppy kitten horse pony fox wolf bear lion tiger rabbit bunny owl eagle parrot bird duck goose mouse "
    "rat hamster cow pig sheep goat deer elephant giraffe zebra monkey panda penguin dolphin whale shark fish frog "
    "turtle snake dragon unicorn corgi",
    "car truck bus van bicycle bike motorcycle scooter train tram boat ship yacht sailboat plane airplane "
    "helicopter rocket tractor taxi",
    "coffee tea milk water juice wine beer soda lemonade cocoa chocolate soup",
    "house cabin cottage castle tower church barn hut mansion palace tent lighthouse skyscraper",
    "apple orange banana pear cherry lemon peach grape strawberry plum mango",
    "chair table sofa couch bed desk bench stool armchair lamp",
    "cup mug glass bowl plate bottle vase jar teapot",
    "forest woods jungle desert beach mountain mountains field meadow park garden city village town street road "
    "river lake sea ocean island valley",
    "rose tulip daisy sunflower lily orchid flower tree oak pine palm",
)]

_QUANTITIES = re.compile(r"(?:one|two|three|four|five|six|seven|eight|nine|ten|some|many|several|\d+)", I)
_NOT_NOUNS = re.compile(DETERMINERS + r"|(?:with|on|in|at|of|by|for|from|to|under|near|over|and|or|but|while|that|which|who|"
                        r"very|really|so|too|is|are|was|be|it|its|his|her|their|our|my)", I)
# What ends a noun phrase ("of" does not: "a cup of coffee" is one thing).
_PHRASE_LINKS = re.compile(r"with|on|in|at|by|for|from|under|near|over|above|below|behind|beside|inside|during|and|"
                           r"while|that|which|who|wearing|holding|next|through|across|around", I)
_FILLER_MARKERS = ("i mean", "i meant", "actually")
_SHADES = {"light", "dark", "bright", "pale", "deep"}


def merge(before: str, after: str, marker: str) -> tuple[str, str, str]:
    """(X and Y merged, the words of X that Y replaced, a note when the rules could not be sure)."""
    if not after:
        return before, "", ""
    if not before:
        return after, "", ""
    words = before.split()
    core = [w.lower().strip(",.;") for w in words]
    repair = [w.lower().strip(",.;") for w in after.split()]
    first, bare = repair[0], after.strip(" ,.;:!?")
    is_det = bool(re.fullmatch(DETERMINERS, first, I))

    positions = [i for i, w in enumerate(core) if w == first]
    if positions:
        # Y restarts where it overlaps what was said the most; ties go to the latest. A shared
        # determiner alone is no overlap: that is a new phrase (below).
        i = max(positions, key=lambda p: (_overlap(core, repair, p), p))
        if not is_det or _overlap(core, repair, i) > 1:
            return " ".join(words[:i] + [after]), " ".join(words[i:]), ""
    if len(repair) <= 2 and _describing(repair[-1]) and all(_describing(w) or w in _SHADES for w in repair[:-1]):
        # "a red car, no, blue", "a red car. Actually, make it blue": the describing word after the
        # determiner is swapped, or the new one goes before the noun.
        j = 1 if re.fullmatch(DETERMINERS, core[0], I) else 0
        if j < len(words) - 1 and _describing(core[j]):
            return " ".join(words[:j] + [bare] + words[j + 1:]), words[j], ""
        return " ".join(words[:j] + [bare] + words[j:]), "", ""
    if is_det:
        return _phrase_repair(words, core, repair, after, bare)
    if len(repair) == 1 and _noun_like(first):
        return _noun_repair(words, core, first)
    if marker in _FILLER_MARKERS:  # no restatement: said as a pause ("a castle, I mean, on a hill")
        unsure = len(repair) <= 3 and _noun_like(first)  # or did a thing replace a thing?
        return f"{before}, {after}", "", (f"'{marker}' may have corrected '{before}' or only been a pause; "
                                          f"both were kept" if unsure else "")
    return after, before, ""


def _overlap(core: list[str], repair: list[str], at: int) -> int:
    n = 0
    while at + n < len(core) and n < len(repair) and core[at + n] == repair[n]:
        n += 1
    return n


def _phrase_repair(words, core, repair, after, bare) -> tuple[str, str, str]:
    """Y starts with a determiner: it replaces one noun phrase of X, and X's other phrases stay."""
    starts = [i for i, w in enumerate(core) if re.fullmatch(DETERMINERS, w, I)] or [0]
    if starts[0] != 0 and not _PHRASE_LINKS.fullmatch(core[starts[0] - 1]):
        starts.insert(0, 0)  # "dogs playing in a park": the subject has no determiner
    head = repair[_phrase_end(repair, 0) - 1]  # the repair's own noun: "a compass" in "a compass next to a pear"
    restated = [s for s in starts if _same_kind(core[_phrase_end(core, s) - 1], head)]
    at = (restated or starts)[0]
    if _phrase_end(repair, 0) < len(repair):
        # The repair is a whole description of its own ("…, I mean, a compass next to a pear"):
        # what was said from that phrase on gives way to it.
        return " ".join(words[:at] + [after]), " ".join(words[at:]), ""
    end = _phrase_end(core, at)
    note = ""
    if len(starts) > 1 and not restated and end < len(core):
        note = (f"'{bare}' could correct more than one part of '{' '.join(words)}'; it replaced "
                f"'{' '.join(words[at:end]).strip(',')}' — say the whole request again if that was not what you meant")
    phrase, noun = core[at:end], core[end - 1]
    if len(repair) == 2 and _same_kind(noun, repair[1]) and end - at > 2 and \
            not any(_NOT_NOUNS.fullmatch(w) or not w.isalpha() for w in phrase[1:-1]):
        # "an anime girl, no, a boy": the same kind of thing, so what was said of it stays. The
        # determiner said with those words already agrees with them ("an anime"); a number or
        # "the" in the repair is what was meant instead.
        det = repair[0] if _QUANTITIES.fullmatch(repair[0]) or repair[0] == "the" else words[at]
        kept = words[at + 1:end - 1]
        note = note or f"kept {' '.join(kept)!r} from what was said before the correction"
        new = [det, *kept, bare.split()[-1]]
    else:
        new = [bare if end < len(words) else after]
    return " ".join(words[:at] + new + words[end:]), " ".join(words[at:end]), note


def _noun_repair(words, core, noun) -> tuple[str, str, str]:
    """A bare noun replaces a noun of X: one of the same kind, else the last that agrees in number
    ("a cup of coffee, I mean tea", "dogs playing in a park, no, cats")."""
    nouns = [i for i, w in enumerate(core) if _noun_like(w)]
    if not nouns:
        return noun, " ".join(words), ""
    kin = [i for i in nouns if _same_kind(core[i], noun)]
    agreeing = [i for i in nouns if core[i].endswith("s") == noun.endswith("s")]
    i = (kin or agreeing or nouns)[-1]
    return " ".join(words[:i] + [noun] + words[i + 1:]), words[i], ""


def _phrase_end(core: list[str], start: int) -> int:
    """Where the noun phrase that starts at ``start`` ends: at the next linking word, or the end."""
    for k in range(start + 1, len(core)):
        if _PHRASE_LINKS.fullmatch(core[k]):
            return k
    return len(core)


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _same_kind(a: str, b: str) -> bool:
    a, b = _singular(a.lower()), _singular(b.lower())
    return a == b or any(a in kind and b in kind for kind in _KINDS)


def _describing(word: str) -> bool:
    """A word that can only describe: a colour, a common adjective or comparative, or an ending
    that nouns do not have (-ful, -ous, -less). Unsure words count as nouns."""
    word = word.lower()
    return word in COLORS or word in ADJECTIVES or word in COMPARATIVES or \
        (len(word) > 5 and word.endswith(("ful", "ous", "less")))


def _noun_like(word: str) -> bool:
    """A word that can name a thing: not a determiner, preposition or describing word, not a
    verb form (-ing, -ed)."""
    word = word.lower()
    return (word.isalpha() and len(word) > 1 and not _NOT_NOUNS.fullmatch(word) and not _describing(word)
            and not word.endswith(("ing", "ed", "ly")))
