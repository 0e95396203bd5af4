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
- a number alone, "make that four": the number of the first thing ("one duck on a pond, no,
  make that four" → "four ducks on a pond");
- a phrase that refers back with "one" ("a green kite, no, a yellow one"): X's thing, with the
  words Y says of it in place of the ones of the same sort (colour, size, the rest) →
  "a yellow kite"; said as an aside with no marker, "a cat, a fluffy one, on a windowsill" →
  "a fluffy cat on a windowsill" (:func:`resolve_ones`);
- otherwise all of X: the speaker started again.

"I mean" and "actually" are also said as pauses ("a castle, I mean, on a hill"); when Y repeats
nothing and is not one of the above, both halves are kept. Where the rules cannot tell what Y
corrects, the request says so in a note.
"""

from __future__ import annotations

import re

from .vocabulary import COLORS, DETERMINERS, describing

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


_NUMBERS = {w: n for n, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())}
_SIZES = {"big", "small", "large", "little", "tiny", "huge", "giant", "tall", "short", "long", "wide", "narrow",
          "thin", "fat", "thick", "bigger", "smaller", "larger", "taller", "shorter", "longer"}
_IRREGULAR = {"mouse": "mice", "goose": "geese", "child": "children", "person": "people", "man": "men", "woman": "women",
              "sheep": "sheep", "fish": "fish", "deer": "deer", "foot": "feet", "tooth": "teeth", "ox": "oxen"}
# "one" or "ones" that stands for the thing said before: "a yellow one", "the big ones".
_ONE = re.compile(r"^(?P<det>a|an|the|some)\s+(?P<mods>(?:[\w'-]+\s+){1,3}?)(?P<one>ones?)\b(?P<rest>.*)$", I | re.S)
# The same, said as an aside right after the thing: "a cat, a fluffy one, on a windowsill".
_ASIDE = re.compile(r"(?P<x>\b(?:a|an|the|some|one|two|three|four|five)\s+(?:[\w'-]+\s+){0,3}?[\w'-]+)\s*,?\s+"
                    r"(?P<y>(?:a|an|the|some)\s+(?:[\w'-]+\s+){1,3}?ones?)\b\s*"
                    r"(?:,\s*|(?=[.;!?]|$)|(?<=\s)(?=(?:on|in|at|with|by|under|near|next|beside|behind|inside|sitting|"
                    r"standing|running|lying|flying|sleeping|playing)\b))", I)


def resolve_ones(text: str) -> tuple[str, list[str]]:
    """Asides that refer back with "one" folded into the thing they describe: "a cat, a fluffy
    one, on a windowsill" → "a fluffy cat on a windowsill". Returns the text and what was folded."""
    folded = []

    def fold(match: re.Match) -> str:
        thing = match.group("x").split()
        if _phrase_end([w.lower() for w in thing], 0) < len(thing):  # "a house and a small one": two things
            return match.group(0)
        merged = _one_repair(thing, match.group("y"))
        if merged is None:
            return match.group(0)
        folded.append(match.group(0).strip(" ,"))
        return merged[0] + (" " if match.group(0).rstrip().endswith(",") or match.group(0).endswith(" ") else "")

    return _ASIDE.sub(fold, text), folded


def known_thing(word: str) -> bool:
    """Whether ``word`` names a thing of one of the kinds the repairs know (people, animals, …)."""
    w = _singular(word.lower())
    return any(w in kind for kind in _KINDS)


def _one_repair(words: list[str], after: str) -> tuple[str, str, str] | None:
    """Y refers back with "one": X's first thing, described as Y says. None when Y does not."""
    match = _ONE.match(after.strip(" ,.;:!?"))
    if not match:
        return None
    core = [w.lower().strip(",.;") for w in words]
    start = 0
    end = _phrase_end(core, start)
    noun = words[end - 1].strip(",.;")
    if not _noun_like(noun) or noun.lower() in ("one", "ones"):
        return None
    said = match.group("mods").split()
    if not all(describing(w) or _noun_like(w) for w in said):
        return None
    det_x = core[start] if re.fullmatch(DETERMINERS, core[start], I) else ""
    kept = [w for w in words[start + (1 if det_x else 0):end - 1]]
    sorts = {_sort(w) for w in said}
    kept = [w for w in kept if _sort(w) not in sorts]
    mods = sorted(kept + said, key=_sort)
    if match.group("one").lower() == "ones" and not noun.lower().endswith("s"):
        noun = _plural(noun)
    det = match.group("det").lower()
    if det in ("a", "an"):
        det = _article(mods[0] if mods else noun)
    new = " ".join([det, *mods, noun])
    rest = match.group("rest").strip(" ,")
    tail = rest or " ".join(words[end:])  # Y's own continuation replaces X's
    return " ".join(x for x in (new, tail) if x), " ".join(words[start:end]), ""


def _quantity_repair(words: list[str], number: str) -> tuple[str, str, str] | None:
    """"one duck on a pond, no, make that four" → "four ducks on a pond"."""
    core = [w.lower().strip(",.;") for w in words]
    end = _phrase_end(core, 0)
    noun = words[end - 1].strip(",.;")
    if end < 2 or not _noun_like(noun):
        return None
    value = _NUMBERS.get(number.lower(), int(number) if number.isdigit() else None)
    if value is None:
        return None
    first = 1 if re.fullmatch(DETERMINERS, core[0], I) else 0
    singular = _singular(noun) if noun.lower() not in _IRREGULAR.values() else next(
        k for k, v in _IRREGULAR.items() if v == noun.lower())
    noun = singular if value == 1 else _plural(singular)
    new = [number.lower(), *words[first:end - 1], noun]
    return " ".join(new + words[end:]), " ".join(words[:end]), ""


def _sort(word: str) -> int:
    """Where a describing word stands before a noun: size, then most others, colour, then material."""
    w = word.lower()
    return 0 if w in _SIZES else 2 if w in COLORS else 3 if _noun_like(w) else 1


def _plural(noun: str) -> str:
    low = noun.lower()
    if low in _IRREGULAR:
        return _IRREGULAR[low]
    if low.endswith(("s", "sh", "ch", "x", "z")):
        return noun + "es"
    if low.endswith("y") and low[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


# How Whisper writes a number said alone after "make that": the word that sounds the same.
_SAID_LIKE_NUMBERS = {"too": "two", "to": "two", "for": "four", "won": "one", "tree": "three"}


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
    if len(repair) == 1 and "make" in marker and first in _SAID_LIKE_NUMBERS:  # "no, make that too": two
        first = _SAID_LIKE_NUMBERS[first]
    is_det = bool(re.fullmatch(DETERMINERS, first, I))
    if len(repair) == 1 and (first in _NUMBERS or first.isdigit()):
        repaired = _quantity_repair(words, first)
        if repaired:
            return repaired
    if "one" in repair or "ones" in repair:
        repaired = _one_repair(words, after)
        if repaired:
            return repaired

    positions = [i for i, w in enumerate(core) if w == first]
    if positions:
        # Y restarts where it overlaps what was said the most; ties go to the latest. A shared
        # determiner alone is no overlap: that is a new phrase (below).
        i = max(positions, key=lambda p: (_overlap(core, repair, p), p))
        if not is_det or _overlap(core, repair, i) > 1:
            return " ".join(words[:i] + [after]), " ".join(words[i:]), ""
    if len(repair) <= 2 and describing(repair[-1]) and all(describing(w) or w in _SHADES for w in repair[:-1]):
        # "a red car, no, blue", "a red car. Actually, make it blue": the describing word after the
        # determiner is swapped, or the new one goes before the noun.
        j = 1 if re.fullmatch(DETERMINERS, core[0], I) else 0
        if j < len(words) - 1 and describing(core[j]):
            return " ".join(words[:j] + [bare] + words[j + 1:]), words[j], ""
        return " ".join(words[:j] + [bare] + words[j:]), "", ""
    if is_det:
        return _phrase_repair(words, core, repair, after, bare)
    if len(repair) == 1 and _noun_like(first):
        return _noun_repair(words, core, first)
    head, comma, rest = after.partition(",")
    if comma and len(head.split()) == 1 and _noun_like(first) and rest.strip():
        # "a mug of coffee, no wait, tea, on a desk": one noun repaired, then the request goes on
        merged, replaced, note = _noun_repair(words, core, first)
        return f"{merged} {rest.strip()}", replaced, note
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


def _noun_like(word: str) -> bool:
    """A word that can name a thing: not a determiner, preposition or describing word, not a
    verb form (-ing, -ed)."""
    word = word.lower()
    return (word.isalpha() and len(word) > 1 and not _NOT_NOUNS.fullmatch(word) and not describing(word)
            and not word.endswith(("ing", "ed", "ly")))
