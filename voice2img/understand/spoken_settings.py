"""Settings said aloud: a seed, a number of images, an aspect, a strength, how a follow-up is
drawn, and the style presets. Each is cut from the words and recorded as a setting."""

from __future__ import annotations

import re

from . import MAX_SEED, Removal
from .numbers import NUMBER_PATTERN, parse_number
from .styles import StylePreset
from .text import Findings, tidy
from .vocabulary import CLAUSE_END, I

MAX_IMAGES = 16

NUMBER = NUMBER_PATTERN
SEED = re.compile(r"(?:,\s*)?\b(?:with\s+|using\s+|and\s+|on\s+)?(?:the\s+|a\s+)?(?:random\s+)?seed(?:\s+(?:number|of|is|=|value|to))?\s*(?:,\s*)?(?P<n>"
                  + NUMBER + r")\b"
                  # "seat seven", "see you at 7", "C42": how Whisper often writes "seed seven", as a clause of its own
                  r"|(?:(?<=[,.;!?])|^)\s*(?:seat|see you at|c-?(?=\d))\s*(?P<heard>" + NUMBER + r")" + CLAUSE_END, I)
COUNT = re.compile(r"\b(?P<n>" + NUMBER + r"|a couple of|a couple|a few|several)\s+(?:different\s+|more\s+|new\s+)?"
                   r"(?:images|pictures|pics|versions|variations|variants|options|takes|copies|renders|renderings|drafts|shots|ones)\b(?:\s+of\b)?", I)
ASPECTS = {"landscape": "3:2", "horizontal": "3:2", "wide": "16:9", "wider": "16:9", "taller": "9:16", "widescreen": "16:9", "wide screen": "16:9",
           "panoramic": "2:1", "panorama": "2:1", "portrait": "2:3", "vertical": "2:3",
           "tall": "9:16", "square": "1:1"}
_ASPECT = r"(?P<aspect>" + "|".join(sorted(ASPECTS, key=len, reverse=True)) + r")"
# How Whisper writes a setting word said on its own: "No cars. Why? That's it." for "no cars, wide".
MISHEARD_ASPECTS = {"why": "wide"}
# Format words Whisper runs together or cuts: "importrait", "important format", "scape mode".
MISHEARD_FORMATS = [(re.compile(r"\bimportrait\b|\bimportant\s+format\b", I), "in portrait format"),
                    (re.compile(r"(?<!land)\bscape\s+(?=mode\b|format\b)", I), "landscape ")]
# A setting word is a setting only when it is said as one — "in portrait", "wide format", "make it
# tall", "square image", "sixteen by nine", or alone as a clause ("a cat, square") — never when it
# describes a thing in the picture: "tall legs", "a square window", "a wide river", "in a landscape".
_FORMAT = r"(?:format|form|mode|orientation|aspect(?:\s+ratio)?|ratio|layout)"  # "form": how tiny.en often hears "format"
# "a square image of a cat", "a cat, wide picture": the picture itself. Not for portrait and
# landscape, which before these words name a genre ("a portrait photo of a woman").
_CANVAS_ASPECT = r"(?P<aspect>" + "|".join(sorted((a for a in ASPECTS if a not in ("portrait", "landscape")),
                                                   key=len, reverse=True)) + r")"
_CANVAS = r"(?:image|picture|photo|photograph|pic)"
# A ratio said on its own is a setting only when it is one that screens and prints use, so that
# "a two by four" stays wood.
COMMON_RATIOS = {(1, 1), (4, 3), (3, 4), (3, 2), (2, 3), (16, 9), (9, 16), (21, 9), (9, 21), (2, 1), (1, 2), (5, 4),
                 (4, 5), (16, 10), (10, 16)}
_RATIO = r"(?P<w>\d+|" + NUMBER + r")\s*(?:by|:|x|to)\s*(?P<h>\d+|" + NUMBER + r")"
ASPECT_PATTERNS = [
    # (also as Whisper writes "in": "and I landscape mode", "and my landscape mode", "am I in scape mode")
    re.compile(r"(?:,\s*|\s+|^)(?:in|as|with|at|(?:and\s+)?(?:i|my)|am\s+i\s+in)\s+(?:an?\s+)?" + _ASPECT + r"\s+" + _FORMAT + r"\b", I),
    re.compile(r"(?:,\s*|\s+|^)(?:in|as|at)\s+" + _ASPECT + r"(?=\s*(?:[,.;:!?]|$)|\s+(?:and|but|please)\b)", I),
    re.compile(r"(?:,\s*|\s+|^)(?:in|as|at)\s+(?:an?\s+)?" + _CANVAS_ASPECT + r"\s+" + _CANVAS + CLAUSE_END, I),
    re.compile(r"(?:,\s*|\s+|^)" + _ASPECT + r"\s+" + _FORMAT + r"\b(?!\s+of\b)", I),
    re.compile(r"(?:,\s*|^)(?:(?:an?|the)\s+)?" + _CANVAS_ASPECT + r"\s+" + _CANVAS + r"(?:\s+of\b|" + CLAUSE_END + r")", I),
    re.compile(r"(?:,\s*|\s+|^)(?:make it|make them|make this|and make it)\s+" + _ASPECT + CLAUSE_END, I),
    re.compile(r"(?:,\s*|\s+|^)(?:make it|make them|make this|and make it)\s+(?:an?\s+)?" + _CANVAS_ASPECT + r"\s+"
               + _CANVAS + CLAUSE_END, I),
    re.compile(r"(?:^|,)\s*(?:but\s+|and\s+|in\s+)?" + _ASPECT + CLAUSE_END, I),
    # (after something else was said: "Why?" on its own is a question, not a setting)
    re.compile(r",\s*(?P<misheard>" + "|".join(MISHEARD_ASPECTS) + r")" + CLAUSE_END, I),
    re.compile(r"(?:,\s*|\s+|^)(?:in\s+|with\s+|at\s+)?(?:an?\s+)?" + _RATIO + r"\s+(?:aspect(?:\s+ratio)?|ratio|format)\b", I),
    re.compile(r"(?:^|,\s*|\s+)(?:(?:in|at|as|make it|and)\s+)?" + _RATIO.replace("?P<w>", "?P<rw>").replace("?P<h>", "?P<rh>")
               + CLAUSE_END, I),
]
# How much a starting picture may change (image-to-image), said as a setting: "strength 0.3",
# "strength point three", "30 percent strength"; or as a clause of its own — "just a little",
# "slightly", "keep the layout" (low), "completely", "a totally different picture" (high). Words
# that describe the picture stay content: "a slightly open door", "a completely white room".
LOW_STRENGTH, HIGH_STRENGTH = 0.3, 0.85
_UNIT_WORD = r"(?:zero|one|two|three|four|five|six|seven|eight|nine)"
_STRENGTH_VALUE = (r"(?P<v>\d*\.\d+|\d+\s*(?:%|percent)|\d+|(?:(?:zero|oh)\s+)?point\s+" + _UNIT_WORD + r"(?:\s+" + _UNIT_WORD
                   + r")?|" + NUMBER + r"\s+percent|" + NUMBER + r")")
STRENGTH_PATTERNS = [
    (re.compile(r"(?:,\s*|\s+|^)(?:with\s+|at\s+|and\s+|use\s+)?(?:an?\s+|the\s+)?(?:denoising\s+|denoise\s+|change\s+)?strength"
                r"(?:\s+(?:of|to|is|=|at|set to))?\s+" + _STRENGTH_VALUE + CLAUSE_END, I), None),
    (re.compile(r"(?:,\s*|\s+|^)(?:at\s+|with\s+)?(?:an?\s+)?" + _STRENGTH_VALUE + r"\s+strength" + CLAUSE_END, I), None),
    (re.compile(r"(?:^|,)\s*(?:but\s+|and\s+)?(?:(?:change|alter|edit)\s+(?:it|this|that)\s+)?(?:only\s+|just\s+)?"
                r"(?:a\s+little(?:\s+bit)?|a\s+tiny\s+bit|a\s+bit|slightly|subtly|a\s+touch)" + CLAUSE_END, I), LOW_STRENGTH),
    # Whisper often writes no comma: "make it a watercolor just a little" — "just"/"only" mark it.
    (re.compile(r"\s+(?:but\s+)?(?:just|only)\s+(?:a\s+little(?:\s+bit)?|a\s+tiny\s+bit|a\s+bit|slightly|a\s+touch)" + CLAUSE_END, I),
     LOW_STRENGTH),
    (re.compile(r"(?:,\s*|\s+|^)(?:and\s+|but\s+)?(?:please\s+)?keep(?:ing)?\s+(?:the\s+)?(?:same\s+)?"
                r"(?:layout|composition|shapes|structure|outlines)(?:\s+(?:the same|as it is|intact))?" + CLAUSE_END, I), LOW_STRENGTH),
    (re.compile(r"(?:^|,)\s*(?:but\s+|and\s+)?(?:(?:change|redo|alter)\s+(?:it|this|that|everything)\s+)?"
                r"(?:completely|totally|entirely|all of it)" + CLAUSE_END, I), HIGH_STRENGTH),
    (re.compile(r"(?:^|,)\s*(?:but\s+|and\s+)?(?:make\s+it\s+|as\s+|into\s+)?an?\s+(?:totally|completely|entirely)\s+"
                r"(?:different|new)\s+(?:picture|image|one|photo|scene)" + CLAUSE_END, I), HIGH_STRENGTH),
    (re.compile(r"(?:^|,)\s*(?:but\s+|and\s+)?change\s+everything" + CLAUSE_END, I), HIGH_STRENGTH),
    (re.compile(r"(?:^|,|\s+(?=and\b|but\b))\s*(?:but\s+|and\s+)?(?:make\s+it\s+(?:look\s+)?)?(?:completely|totally|entirely|very)\s+"
                r"different" + CLAUSE_END, I), HIGH_STRENGTH),
]


# How a follow-up is drawn, when said as a clause of its own: "from scratch" / "redraw it" (from
# noise with the same seed) or "change this picture" / "keep the picture" (image to image from it).
FOLLOW_UP_PATTERNS = [
    (re.compile(r"(?:^|,)\s*(?:but\s+|and\s+)?(?:redraw(?:\s+it|\s+everything|\s+the\s+whole\s+thing)?(?:\s+from\s+scratch)?|"
                r"(?:draw\s+it\s+|start\s+|do\s+it\s+)?(?:again\s+)?from\s+scratch|(?:draw\s+it\s+)?from\s+noise)" + CLAUSE_END, I), "redraw"),
    (re.compile(r"(?:^|,)\s*(?:but\s+|and\s+)?(?:(?:change|edit|refine|keep|use|work\s+on)\s+(?:this|the|that)\s+(?:same\s+)?"
                r"(?:picture|image|one|drawing|photo)|on\s+(?:this|the\s+same)\s+(?:picture|image|one|drawing))" + CLAUSE_END, I), "refine"),
]


def parse_strength(said: str) -> float | None:
    """0.3 from "0.3", ".3", "point three", "zero point three", "30 percent"; None if not a strength."""
    said = said.strip().lower()
    percent = re.fullmatch(r"(.+?)\s*(?:%|percent)", said)
    if percent:
        value = parse_number(percent.group(1))
        return value / 100 if value is not None else None
    if re.fullmatch(r"\d*\.\d+", said):
        return float(said)
    point = re.fullmatch(r"(?:(?:zero|oh)\s+)?point\s+(.+)", said)
    if point:
        digits = [parse_number(w) for w in point.group(1).split()]
        return float("0." + "".join(str(d) for d in digits)) if all(d is not None and d < 10 for d in digits) else None
    value = parse_number(said)  # a whole number: 0 or 1 as it is, 10 to 100 as a percentage
    if value is None or 1 < value < 10 or value > 100:
        return None
    return value / 100 if value > 1 else float(value)


class SpokenSettings:
    """Reads the settings said in a request; ``styles`` maps preset names to presets."""

    def __init__(self, styles: dict[str, StylePreset]):
        self.styles = styles
        says = sorted(((s, p) for p in self.styles.values() for s in p.says), key=lambda sp: -len(sp[0]))
        self.style_by_say = {s.lower(): p for s, p in says}
        alternatives = "|".join(re.escape(s) for s, _ in says) or r"(?!x)x"
        say = r"(?P<say>" + alternatives + r")"
        self.style_patterns = [
            re.compile(r"(?:,\s*|\s+|^)(?:(?:and\s+)?make it\s+(?:look\s+)?|done\s+)?(?:in|as|like)\s+(?:an?\s+|the\s+)?(?:style of\s+(?:an?\s+)?)?"
                       + say + r"(?:\s+(?:style|form|version|look|format))?" + r"(?=\s*(?:[,.;:!?]|$|\s+(?:and|with|please|thank|but)\b))", I),
            re.compile(r"(?:,\s*|\s+|^)(?:in\s+)?(?:an?\s+|the\s+)?" + say + r"\s+style\b", I),
            re.compile(r"(?:,\s*|\s+|^)(?:and\s+)?make it\s+(?:look\s+)?(?:like\s+)?(?:an?\s+)?" + say + CLAUSE_END, I),
        ]
        self._restyle_pattern = re.compile(
            r"(?P<lead>^|,\s*|\s+)(?:(?:and|now|then|please|just|can you|could you)\s+)*(?:make|turn|change|redo|paint|draw)\s+"
            r"(?:it|this|that|the\s+(?:picture|image|photo|drawing)|everything)\s+(?:look\s+)?(?:like\s+|into\s+|to\s+|as\s+|in\s+)?"
            r"(?:an?\s+)?" + say + r"(?:\s+(?:painting|picture|image|drawing|version|style|look))?" + CLAUSE_END, I)

    def restyle(self, text: str) -> str:
        """"make it a watercolor (painting)", "turn it into an oil painting" → "in watercolor":
        said to a picture on screen, a style preset's name after "make it" is its new style."""
        def as_style(match: re.Match) -> str:
            return f"{match.group('lead')}in {match.group('say')}"

        return self._restyle_pattern.sub(as_style, text)

    def read(self, text: str, work: Findings) -> str:
        """``text`` without the settings said in it; each one goes into ``work``."""
        def seed(match: re.Match) -> str:
            said = match.group("n") or match.group("heard")
            value = parse_number(said)
            if value is None or value > MAX_SEED:
                work.notes.append(f"ignored seed {said!r}: a seed is a whole number up to {MAX_SEED}")
                return " "
            work.settings["seed"] = value
            work.removed.append(Removal(match.group(0).strip(" ,"), "setting: seed"))
            return " "

        def count(match: re.Match) -> str:
            said = match.group("n").lower()
            value = {"a couple of": 2, "a couple": 2, "a few": 3, "several": 4}.get(said) or parse_number(said)
            if not value:
                return match.group(0)
            if value > MAX_IMAGES:
                work.notes.append(f"asked for {value} images; drawing the most, {MAX_IMAGES}")
                value = MAX_IMAGES
            work.settings["num_images"] = value
            work.removed.append(Removal(match.group(0).strip(), "setting: number of images"))
            return " "

        def aspect(match: re.Match) -> str:
            groups = match.groupdict()
            if groups.get("misheard"):  # a clause of its own that only a setting word could be
                meant = MISHEARD_ASPECTS[groups["misheard"].lower()]
                ratio = ASPECTS[meant]
                work.notes.append(f"read {groups['misheard']!r} said on its own as {meant!r} (Whisper often writes one for the other)")
            elif groups.get("aspect"):
                ratio = ASPECTS[groups["aspect"].lower()]
            else:
                said_alone = groups.get("rw") is not None
                w, h = parse_number(groups["rw" if said_alone else "w"]), parse_number(groups["rh" if said_alone else "h"])
                if not w or not h or max(w / h, h / w) > 4 or (said_alone and (w, h) not in COMMON_RATIOS):
                    return match.group(0)
                ratio = f"{w}:{h}"
            work.settings["aspect"] = ratio
            work.removed.append(Removal(match.group(0).strip(" ,"), "setting: aspect"))
            return " "

        def style(match: re.Match) -> str:
            work.style = self.style_by_say[match.group("say").lower()]
            work.settings["style"] = work.style.name
            work.removed.append(Removal(match.group(0).strip(" ,"), f"style preset: {work.style.name}"))
            return " "

        def strength(match: re.Match, fixed: float | None) -> str:
            value = fixed if fixed is not None else parse_strength(match.group("v"))
            if value is None or not 0 < value <= 1:
                work.notes.append(f"ignored strength {match.group(0).strip(' ,')!r}: a strength is above 0 and at most 1")
                return " "
            work.settings["strength"] = value
            work.removed.append(Removal(match.group(0).strip(" ,"), "setting: strength"))
            return " "

        def follow_up(match: re.Match, way: str) -> str:
            work.settings["follow_up"] = way
            work.removed.append(Removal(match.group(0).strip(" ,"), "setting: follow-up drawn as " + way))
            return " "

        text = SEED.sub(seed, text)
        text = COUNT.sub(count, text)
        for pattern, way in FOLLOW_UP_PATTERNS:
            text = pattern.sub(lambda m, way=way: follow_up(m, way), text)
        for pattern, fixed in STRENGTH_PATTERNS:
            text = pattern.sub(lambda m, fixed=fixed: strength(m, fixed), text)
        for pattern, meant in MISHEARD_FORMATS:
            text = pattern.sub(meant, text)
        for pattern in ASPECT_PATTERNS:
            text = pattern.sub(aspect, text)
        for pattern in self.style_patterns:
            text = pattern.sub(style, text)
        return tidy(text)
