"""The rules rewriter: spoken language → the prompt the speaker meant. Deterministic, offline, fast.

Each step removes one kind of spoken-language debris and records what it removed and why:
restarts ("scratch that"), fillers, request wrappers ("can you draw me"), closings ("thank
you"), self-corrections ("a red, no wait, a blue car"), stutters, settings said aloud (seed,
number of images, aspect, style presets) and negatives ("without people"). The steps run to a
fixpoint, so rewriting a rewritten prompt changes nothing, and none of them adds a word that
was not spoken (style presets aside, by design).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from . import HALLUCINATION, MAX_SEED, NO_PICTURE_YET, ImageRequest, Removal, RequestSettings
from .numbers import NUMBER_PATTERN, parse_number
from .styles import StylePreset, load_styles

MAX_IMAGES = 16
CLIP_TOKENS = 75  # 77 minus the start and end tokens

I = re.IGNORECASE
_DET = r"(?:a|an|the|some|any|my|our|his|her|their|this|that|these|those|one|two|three|four|five|six|seven|eight|nine|ten|\d+)"
_CLAUSE = r"(?:^|(?<=[,.;:!?])\s*|\b(?:and|but|also|then|so|plus)\s+)"  # where a clause may start
_END = r"(?=\s*(?:[,.;:!?]|$))"

# Whisper's favourite inventions on silence and noise; a transcript that is only this is empty.
HALLUCINATIONS = {
    "you", "thank you", "thanks", "thank you very much", "thank you so much", "thanks for watching",
    "thank you for watching", "thanks for watching and see you next time", "thank you for listening",
    "please subscribe", "subscribe", "like and subscribe", "bye", "bye bye", "goodbye", "so", "oh", "okay",
    "ok", "hmm", "the end", "subtitles by the amara org community", "i'm sorry", "www", "music", "applause",
    "silence", "foreign", "you you", "he", "i", "a", "the",
}

# Words that answer or acknowledge but ask for no picture: "yes", "no", "sure", "never mind".
NOT_A_REQUEST = {"yes", "yeah", "yep", "yup", "no", "nope", "nah", "sure", "alright", "all right", "right", "fine", "cool",
                 "great", "nice", "good", "perfect", "wow", "never mind", "nevermind", "nothing", "stop", "cancel",
                 "yes please", "no thanks", "no thank you", "okay then", "ok then", "that's good", "that's great",
                 "that's nice", "that's perfect", "looks good", "looks great", "i like it", "i love it"}

FILLERS = re.compile(
    r"(?<![\w'-])(?:u+m+|u+h+m*|e+r+m*|e+h+|h+m+|m+h*m+|a+h+|o+h+|u+h+-h+u+h+)(?![\w'-])[,.…!?]?\s*", I)
VERBAL_FILLERS = [
    (re.compile(r"(?:^|(?<=[,.;!?]))\s*you know\s*(?:[,.;!?]|$)\s*|,\s*you know\b", I), "filler"),
    (re.compile(r"(?:^|(?<=[,.;!?]))\s*(?:like|basically|literally|kind of|sort of)\s*,\s*", I), "filler"),
    (re.compile(r",\s*(?:like|basically|literally)\s*(?=,)", I), "filler"),
    (re.compile(r"^\s*(?:i mean|you see|look|listen|right|yeah|yes|hey|hi|hello|alright|all right|ok|okay|now|well|so|then)\s*[,.!?]\s*", I), "filler"),
    (re.compile(r"(?:^|(?<=[,.;!?]))\s*(?:let me think|let me see|let's see|how do i put (?:it|this)|what else)\s*[,.;!?]\s*", I), "filler"),
    (re.compile(r"^\s*like\s+(?=(?:a|an|the|some)\b)", I), "filler"),
    (re.compile(r",?\s*\b(?:i guess|i think|i suppose|or something(?: like that)?|or whatever|you know what i mean|"
                r"if that makes sense|if you know what i mean|kind of thing)\b(?=\s*(?:[,.;:!?]|$))", I), "filler"),
    (re.compile(r"^\s*(?:(?:hey|hi|hello)\s+there|okay|ok|alright|all right|hey|hi|hello|yeah|now)\s*[,.!]?\s+(?=\S)", I), "filler"),
    (re.compile(r"^\s*(?:so|well|and|then|now)\s+(?=(?:can|could|would|will|i|i'd|i'm|we|let's|please|draw|make|generate|create|show|give|paint|render)\b)", I), "filler"),
]

_LEAD = r"^(?:(?:please|just|now|then|and|also|quickly|maybe)\s+)*"
_VERB = r"(?:draw|make|generate|create|show|paint|render|give|produce|imagine|design|sketch|do|get|build|illustrate|visualize|depict|picture|come up with)"
WRAPPERS = [
    re.compile(r"^(?:please\s+)?(?:(?:can|could|would|will|won't|and)\s+)?you(?:\s+please)?(?:\s+(?:maybe|just|quickly|now|also))?\s+"
               + _VERB + r"(?:\s+(?:me|us))?(?:\s+up)?\b\s*", I),
    re.compile(_LEAD + r"(?:draw|generate|create|render|sketch|illustrate|visualize|depict|imagine)(?:\s+(?:me|us))?(?:\s+up)?\b\s*", I),
    re.compile(_LEAD + r"(?:make|show|paint|give|produce|design|do|get|build|picture)\s+(?:me|us)\b\s*", I),
    re.compile(_LEAD + r"(?:make|show|paint|give|produce|design|do|get|build|picture)\s+(?=" + _DET + r"\b)", I),
    re.compile(r"^(?:can|could|may|might)\s+(?:i|we)\s+(?:please\s+)?(?:get|have|see|try)\b\s*", I),
    re.compile(r"^(?:i|we)\s+(?:was|were|have been|'ve been|am|'m)\s+(?:thinking|wondering)(?:\s+(?:of|about|if you could|whether you could))?\s*[,]?\s*", I),
    re.compile(r"^(?:i|we)(?:'d|\s+would|\s+really)?\s+(?:want|like|love|need|wanna|prefer)(?:\s+to\s+(?:see|have|get|make|create|draw|generate|look at))?"
               r"(?:\s+(?:you\s+)?to\s+" + _VERB + r"(?:\s+(?:me|us))?)?\b\s*", I),
    re.compile(r"^(?:let's|let us|let me)\s+(?:see|have|get|make|draw|create|generate|try|do|imagine|picture)\b\s*", I),
    re.compile(r"^(?:i'm|i am|we're|we are)\s+(?:thinking(?:\s+(?:of|about))?|imagining|picturing|looking for|after)\b\s*,?\s*"
               r"(?:(?:maybe|perhaps)\s+)?(?:like\s+)?(?=\S)", I),
    re.compile(r"^(?:how about|what about|maybe|perhaps|try|next up|next)\s*,?\s+(?=\S)", I),
    re.compile(r"^what\s+(?:i|we)(?:'d|\s+would)?\s+(?:want|like|need|love)(?:\s+to\s+see)?\s+is\s+(?=\S)", I),
    re.compile(r"^(?:make it|make them|make this|it's|it is|it should be|this time)\s+(?=" + _DET + r"\b)", I),
]
CARRIER = re.compile(r"^(?:(?:(?:a|an|the|some)\s+)?(?:picture|image|pic|pics|pictures|images|visual)\s+(?:of|showing|depicting|featuring|with)|"
                     r"something like|something with|"
                     r"some kind of|some sort of)\s+(?=\S)", I)
POLITE = re.compile(r"(?:,\s*|\s+|^)please\b(?:\s*,)?", I)


def _polite_gap(match: re.Match) -> str:
    """What is left where "please" was: the comma that ended a clause stays ("no cars please,
    square image" keeps its two clauses), a comma around "please" alone goes ("can you, please,
    draw")."""
    said = match.group(0).strip()
    return "," if said.endswith(",") and not said.startswith(",") else " "


_STRONG_CLOSING = (r"thank you(?:\s+(?:very|so)\s+much)?|thanks(?:\s+(?:a lot|so much|very much))?|cheers|"
                   r"that's it|that is it|that's all|that is all|that'll be all|that would be (?:great|nice|awesome)|"
                   r"that'd be (?:great|nice|awesome)|if you can|if you could|if possible|for me|for us")
CLOSINGS = [
    re.compile(r"[\s,.!?]*\b(?:" + _STRONG_CLOSING + r")[\s.!?,]*$", I),
    re.compile(r"[,.!?]+\s*(?:done|okay|ok|bye|over|go|great|perfect|thanks again|yeah|yes|yep|right)[\s.!?,]*$", I),
    re.compile(r"[\s,]+(?:instead|this time|for a change)[\s.!?,]*$", I),
]
RESTART = re.compile(r"^.*\b(?:scratch that|start over|start again|never\s?mind|forget (?:that|it|all that)|let me start (?:over|again)|"
                     r"let me rephrase|cancel that|ignore that|delete that)\b[\s,.!?;:]*", I | re.S)
# "no way" and "no weight" are how Whisper tiny often writes a quick "no wait".
_MARKERS = (r"no[,-]?\s*wait|wait,?\s+no|no,?\s+(?:way|weight)(?=\s*[,.;!?])|no,?\s+no|oh,?\s+no|actually,?\s+no|no,?\s+actually|actually|wait|sorry|i mean|i meant|"
            r"or rather|rather(?!\s+than)|make that|no,?\s+make (?:that|it)|change (?:that|it) to|correction|oops|instead")
CORRECTION = re.compile(r"(?:^|[,.;!?]\s*|\s+(?=(?:no[,-]?\s*wait|wait,?\s+no|i mean|i meant|or rather|make that|no,?\s+make)\b)"
                        r"|\s+(?=sorry\s*[,.;!?]))(?P<marker>" + _MARKERS + r")(?:\s*[,.;!?]\s*|\s+)"
                        r"|(?:[,.;!?]\s*)(?P<no>no)\s*[,.;!?]\s*", I)
LOOK_LIKE = re.compile(r"^what\s+(?P<x>(?:a|an|the|some)\s+.+?)\s+(?:would|might|could|will|should)\s+look\s+like$", I)
MAKE_IT = re.compile(r"(?:(?<=[,.;!?])|^)\s*(?:and\s+|then\s+|also\s+)?(?:please\s+)?make (?:it|them|him|her|that|this)\s+(?:look\s+)?(?:like\s+)?(?=\S)", I)
CORRECTION_LEAD = re.compile(r"^(?:make it|make that|make them|it's|it is|it should be|let's do|let's make it|do|i want|i'd like|"
                             r"i meant|i mean|should be)\s+(?=\S)", I)

NUMBER = NUMBER_PATTERN
SEED = re.compile(r"(?:,\s*)?\b(?:with\s+|using\s+|and\s+|on\s+)?(?:the\s+|a\s+)?(?:random\s+)?seed(?:\s+(?:number|of|is|=|value|to))?\s*(?:,\s*)?(?P<n>"
                  + NUMBER + r")\b", I)
COUNT = re.compile(r"\b(?P<n>" + NUMBER + r"|a couple of|a couple|a few|several)\s+(?:different\s+|more\s+|new\s+)?"
                   r"(?:images|pictures|pics|versions|variations|variants|options|takes|copies|renders|renderings|drafts|shots|ones)\b(?:\s+of\b)?", I)
ASPECTS = {"landscape": "3:2", "horizontal": "3:2", "wide": "16:9", "wider": "16:9", "taller": "9:16", "widescreen": "16:9", "wide screen": "16:9",
           "panoramic": "2:1", "panorama": "2:1", "portrait": "2:3", "vertical": "2:3",
           "tall": "9:16", "square": "1:1"}
_ASPECT = r"(?P<aspect>" + "|".join(sorted(ASPECTS, key=len, reverse=True)) + r")"
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
    re.compile(r"(?:,\s*|\s+|^)(?:in|as|with|at)\s+(?:an?\s+)?" + _ASPECT + r"\s+" + _FORMAT + r"\b", I),
    re.compile(r"(?:,\s*|\s+|^)(?:in|as|at)\s+" + _ASPECT + r"(?=\s*(?:[,.;:!?]|$)|\s+(?:and|but|please)\b)", I),
    re.compile(r"(?:,\s*|\s+|^)(?:in|as|at)\s+(?:an?\s+)?" + _CANVAS_ASPECT + r"\s+" + _CANVAS + _END, I),
    re.compile(r"(?:,\s*|\s+|^)" + _ASPECT + r"\s+" + _FORMAT + r"\b(?!\s+of\b)", I),
    re.compile(r"(?:,\s*|^)(?:(?:an?|the)\s+)?" + _CANVAS_ASPECT + r"\s+" + _CANVAS + r"(?:\s+of\b|" + _END + r")", I),
    re.compile(r"(?:,\s*|\s+|^)(?:make it|make them|make this|and make it)\s+" + _ASPECT + _END, I),
    re.compile(r"(?:,\s*|\s+|^)(?:make it|make them|make this|and make it)\s+(?:an?\s+)?" + _CANVAS_ASPECT + r"\s+"
               + _CANVAS + _END, I),
    re.compile(r"(?:^|,)\s*(?:but\s+|and\s+|in\s+)?" + _ASPECT + _END, I),
    re.compile(r"(?:,\s*|\s+|^)(?:in\s+|with\s+|at\s+)?(?:an?\s+)?" + _RATIO + r"\s+(?:aspect(?:\s+ratio)?|ratio|format)\b", I),
    re.compile(r"(?:^|,\s*|\s+)(?:(?:in|at|as|make it|and)\s+)?" + _RATIO.replace("?P<w>", "?P<rw>").replace("?P<h>", "?P<rh>")
               + _END, I),
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
                r"(?:\s+(?:of|to|is|=|at|set to))?\s+" + _STRENGTH_VALUE + _END, I), None),
    (re.compile(r"(?:,\s*|\s+|^)(?:at\s+|with\s+)?(?:an?\s+)?" + _STRENGTH_VALUE + r"\s+strength" + _END, I), None),
    (re.compile(r"(?:^|,)\s*(?:but\s+|and\s+)?(?:(?:change|alter|edit)\s+(?:it|this|that)\s+)?(?:only\s+|just\s+)?"
                r"(?:a\s+little(?:\s+bit)?|a\s+tiny\s+bit|a\s+bit|slightly|subtly|a\s+touch)" + _END, I), LOW_STRENGTH),
    # Whisper often writes no comma: "make it a watercolor just a little" — "just"/"only" mark it.
    (re.compile(r"\s+(?:but\s+)?(?:just|only)\s+(?:a\s+little(?:\s+bit)?|a\s+tiny\s+bit|a\s+bit|slightly|a\s+touch)" + _END, I),
     LOW_STRENGTH),
    (re.compile(r"(?:,\s*|\s+|^)(?:and\s+|but\s+)?(?:please\s+)?keep(?:ing)?\s+(?:the\s+)?(?:same\s+)?"
                r"(?:layout|composition|shapes|structure|outlines)(?:\s+(?:the same|as it is|intact))?" + _END, I), LOW_STRENGTH),
    (re.compile(r"(?:^|,)\s*(?:but\s+|and\s+)?(?:(?:change|redo|alter)\s+(?:it|this|that|everything)\s+)?"
                r"(?:completely|totally|entirely|all of it)" + _END, I), HIGH_STRENGTH),
    (re.compile(r"(?:^|,)\s*(?:but\s+|and\s+)?(?:make\s+it\s+|as\s+|into\s+)?an?\s+(?:totally|completely|entirely)\s+"
                r"(?:different|new)\s+(?:picture|image|one|photo|scene)" + _END, I), HIGH_STRENGTH),
    (re.compile(r"(?:^|,)\s*(?:but\s+|and\s+)?change\s+everything" + _END, I), HIGH_STRENGTH),
]


# How a follow-up is drawn, when said as a clause of its own: "from scratch" / "redraw it" (from
# noise with the same seed) or "change this picture" / "keep the picture" (image to image from it).
FOLLOW_UP_PATTERNS = [
    (re.compile(r"(?:^|,)\s*(?:but\s+|and\s+)?(?:redraw(?:\s+it|\s+everything|\s+the\s+whole\s+thing)?(?:\s+from\s+scratch)?|"
                r"(?:draw\s+it\s+|start\s+|do\s+it\s+)?(?:again\s+)?from\s+scratch|(?:draw\s+it\s+)?from\s+noise)" + _END, I), "redraw"),
    (re.compile(r"(?:^|,)\s*(?:but\s+|and\s+)?(?:(?:change|edit|refine|keep|use|work\s+on)\s+(?:this|the|that)\s+(?:same\s+)?"
                r"(?:picture|image|one|drawing|photo)|on\s+(?:this|the\s+same)\s+(?:picture|image|one|drawing))" + _END, I), "refine"),
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
# Words a request cannot end on ("a red car with…"). Not "by" ("a ship passing by", "close by"),
# nor "on" after "with …" ("with the lights on", "with a hat on"): there they end the phrase.
_DANGLING = re.compile(r"(?:^|\s)(?:and|but|with|or|so|then|also|plus|of|in|at|to|for|from|as|while|just)$", I)
_DANGLING_ON = re.compile(r"(?:^|\s)on$", I)
_WORN_ON = re.compile(r"\bwith\s+(?:\S+\s+){1,3}on$", I)
_DANGLING_START = re.compile(r"^(?:and|but|or|then|also|plus)\b\s*", I)
_REDUPLICATIVES = {"very", "really", "so", "bora", "chop", "bye", "tick", "ha", "knock", "ding", "ping", "pom", "tut",
                   "choo", "tom", "baden", "walla", "no", "yum", "go", "night", "hush", "boo", "la", "na", "cha", "mahi"}


@dataclass
class _Work:
    """What one rewrite has found so far."""

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


class RulesRewriter:
    """The default rewriter. ``styles`` maps preset names to presets (see :mod:`.styles`)."""

    def __init__(self, styles: dict[str, StylePreset] | None = None):
        self.styles = styles if styles is not None else load_styles()
        says = sorted(((s, p) for p in self.styles.values() for s in p.says), key=lambda sp: -len(sp[0]))
        self._style_by_say = {s.lower(): p for s, p in says}
        alternatives = "|".join(re.escape(s) for s, _ in says) or r"(?!x)x"
        say = r"(?P<say>" + alternatives + r")"
        self._style_patterns = [
            re.compile(r"(?:,\s*|\s+|^)(?:(?:and\s+)?make it\s+(?:look\s+)?|done\s+)?(?:in|as|like)\s+(?:an?\s+|the\s+)?(?:style of\s+(?:an?\s+)?)?"
                       + say + r"(?:\s+(?:style|form|version|look|format))?" + r"(?=\s*(?:[,.;:!?]|$|\s+(?:and|with|please|thank|but)\b))", I),
            re.compile(r"(?:,\s*|\s+|^)(?:in\s+)?(?:an?\s+|the\s+)?" + say + r"\s+style\b", I),
            re.compile(r"(?:,\s*|\s+|^)(?:and\s+)?make it\s+(?:look\s+)?(?:like\s+)?(?:an?\s+)?" + say + _END, I),
        ]
        self._restyle_pattern = re.compile(
            r"(?P<lead>^|,\s*|\s+)(?:(?:and|now|then|please|just|can you|could you)\s+)*(?:make|turn|change|redo|paint|draw)\s+"
            r"(?:it|this|that|the\s+(?:picture|image|photo|drawing)|everything)\s+(?:look\s+)?(?:like\s+|into\s+|to\s+|as\s+|in\s+)?"
            r"(?:an?\s+)?" + say + r"(?:\s+(?:painting|picture|image|drawing|version|style|look))?" + _END, I)

    def rewrite(self, transcript: str, previous: ImageRequest | None = None) -> ImageRequest:
        """The request ``transcript`` asks for; with ``previous``, a follow-up such as "make it
        blue" or "undo" changes that request instead (see :mod:`.refine`)."""
        from .refine import changes_a_picture, refine

        on_screen = previous is not None and (not previous.empty or previous.describes_nothing)
        # "make it a watercolor" to a picture on screen is its style, not a new subject "a watercolor".
        fresh = replace(self._rewrite(self._restyle(transcript) if on_screen else transcript), transcript=transcript)
        if previous is not None and previous.describes_nothing:
            return self._for_picture(fresh, transcript)
        if fresh.empty and (previous is None or previous.empty):
            return fresh  # nothing said, and nothing on screen to change
        light = self._settle_light(transcript)
        if previous is None or previous.empty:
            # Checked on what was said ("blue instead"), on it cleaned, and on the prompt (so that
            # rewriting a prompt again changes nothing).
            if not any(changes_a_picture(t) for t in (_tidy(_normalize(transcript)), _finish(light), fresh.prompt)):
                return fresh
            # "make it blue", "again", "undo" with nothing on screen: there is nothing to change,
            # and "blue" or "undo" drawn as a picture is not what was asked.
            return _no_picture_yet(fresh, transcript, _finish(light))
        # Settings said with a change ("make it blue, just a little", "add a hat, in watercolor") are
        # read as settings; what is left is the change.
        said = _finish(self._settings(self._restyle(light), _Work())) or _finish(light)
        joined = re.match(r"^\s*(?:and|plus|also)\s+(?=\S)", light, I)  # "and a hat" adds; "a hat" is a new picture
        changed = refine(previous, joined.group(0).strip() + " " + said if joined and said else said, fresh)
        return self._with_settings_said(changed, previous, fresh) if changed is not None else fresh

    def _restyle(self, text: str) -> str:
        """"make it a watercolor (painting)", "turn it into an oil painting" → "in watercolor":
        said to a picture on screen, a style preset's name after "make it" is its new style."""
        def as_style(match: re.Match) -> str:
            return f"{match.group('lead')}in {match.group('say')}"

        return self._restyle_pattern.sub(as_style, text)

    def _for_picture(self, fresh: ImageRequest, transcript: str) -> ImageRequest:
        """A turn said to a starting picture that has no words yet: what was said is the prompt
        for it ("make it blue" → "blue"; "make it a watercolor" → the watercolor preset's words)."""
        from .refine import AGAIN, UNDO, _OPENERS

        said = _OPENERS.sub("", _finish(self._settle_light(transcript)).strip(" ,.!?")).strip(" ,.!?")
        if UNDO.match(said) or AGAIN.match(said):
            return _no_picture_yet(fresh, transcript, said)
        # "turn it into a night scene", "as a Monet painting": the words for what it becomes
        fresh = replace(fresh, prompt=re.sub(r"^(?:(?:turn|change|make)\s+(?:it|this|that)\s+(?:in)?to|as)\s+(?=an?\s)", "",
                                             fresh.prompt, flags=I))
        if fresh.empty and fresh.settings.style:
            style = self.styles[fresh.settings.style]
            fresh = replace(fresh, prompt=style.prompt, negative_prompt=_join_unique(
                [n for n in (fresh.negative_prompt, style.negative) if n]))
        return replace(fresh, follows=not fresh.empty)

    def _with_settings_said(self, changed: ImageRequest, previous: ImageRequest, fresh: ImageRequest) -> ImageRequest:
        """A follow-up with the settings said in this turn; a new style's words replace the old
        style's. How a follow-up is drawn (refine or redraw) holds for the turn it was said in."""
        if changed.action != "draw":
            return changed
        said = {k: v for k, v in fresh.settings.as_dict().items() if k != "follow_up"}
        settings = replace(changed.settings, follow_up=fresh.settings.follow_up, **said)
        prompt, negative = changed.prompt, changed.negative_prompt
        new, old = self.styles.get(said.get("style", "")), self.styles.get(previous.settings.style or "")
        if new is not None and new is not old:
            if old is not None:
                prompt = prompt.replace(", " + old.prompt, "")
                negative = ", ".join(n for n in negative.split(", ") if n and n != old.negative)
            if new.prompt not in prompt:
                prompt = f"{prompt}, {new.prompt}"
            negative = _join_unique([n for n in (negative, new.negative) if n])
        return replace(changed, prompt=prompt, negative_prompt=negative, settings=settings)

    def _settle_light(self, transcript: str) -> str:
        """The transcript without fillers, politeness and closings, for reading follow-ups."""
        work = _Work()
        text = work.cut(FILLERS, _repeated_sentences(_normalize(transcript), work), "filler")
        text = _tidy(work.cut(POLITE, text, "politeness", _polite_gap))
        for pattern in CLOSINGS:
            text = _tidy(work.cut(pattern, text, "closing", ""))
        return text

    def _rewrite(self, transcript: str) -> ImageRequest:
        work = _Work()
        text = _repeated_sentences(_normalize(transcript), work)
        why = _nothing_to_draw(text)
        if why:  # checked on what was said, and again on what is left once it is settled
            work.removed.append(Removal(transcript.strip(), why))
            text = ""
        text = self._settle(text, work)
        why = _nothing_to_draw(text)
        if why:
            work.removed.append(Removal(text, why))
            text = ""
        prompt = text
        negative = _join_unique(work.negatives)
        if work.style and prompt:
            # Style after content: truncation cuts style, not subject. Settled again so that
            # rewriting the result changes nothing.
            prompt = self._settle(f"{prompt}, {work.style.prompt}", _Work())
            negative = _join_unique(work.negatives + [work.style.negative] if work.style.negative else work.negatives)
        tokens = estimate_clip_tokens(prompt)
        if tokens > CLIP_TOKENS:
            work.notes.append(f"the prompt is about {tokens} CLIP tokens; models with a 77-token text encoder ignore "
                              f"the words after about {CLIP_TOKENS}, so the subject comes first and style last")
        return ImageRequest(prompt=prompt, negative_prompt=negative, settings=RequestSettings(**work.settings),
                            removed=tuple(work.removed), transcript=transcript, notes=tuple(work.notes))

    def _settle(self, text: str, work: _Work) -> str:
        """Run every step until nothing changes (bounded)."""
        for _ in range(8):
            new = self._pass(text, work)
            if new == text:
                break
            text = new
        return text

    # -- one pass of every step -------------------------------------------------------------
    def _pass(self, text: str, work: _Work) -> str:
        text = work.cut(RESTART, text, "restart", "")
        text = work.cut(FILLERS, text, "filler")
        for pattern, reason in VERBAL_FILLERS:
            text = work.cut(pattern, _tidy(text), reason, " ")
        text = _tidy(text)
        text = self._wrappers(text, work)
        text = _tidy(work.cut(POLITE, text, "politeness", _polite_gap))
        for pattern in CLOSINGS:
            text = _tidy(work.cut(pattern, text, "closing", ""))
        text = _corrections(text, work)
        text = _tidy(work.cut(MAKE_IT, text, "request wrapper", " "))
        # Settings before stutters: in "seed forty two, two cats" and "Times Square, square image"
        # the repeated word belongs to two different things.
        text = self._settings(text, work)
        text = _repetitions(text, work)
        text = _negatives(text, work)
        return _finish(text)

    def _wrappers(self, text: str, work: _Work) -> str:
        match = LOOK_LIKE.match(text.rstrip(" .?!"))
        if match:  # "show me what a dragon would look like" → "a dragon"
            work.removed.append(Removal(text.replace(match.group("x"), "…"), "request wrapper"))
            text = match.group("x")
        for _ in range(4):
            before = text
            for pattern in WRAPPERS:
                text = work.cut(pattern, text, "request wrapper", "").lstrip(" ,.")
            text = work.cut(CARRIER, text, "request wrapper", "")
            if text == before:
                break
        return text

    def _settings(self, text: str, work: _Work) -> str:
        def seed(match: re.Match) -> str:
            value = parse_number(match.group("n"))
            if value is None or value > MAX_SEED:
                work.notes.append(f"ignored seed {match.group('n')!r}: a seed is a whole number up to {MAX_SEED}")
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
            if groups.get("aspect"):
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
            work.style = self._style_by_say[match.group("say").lower()]
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
        for pattern in ASPECT_PATTERNS:
            text = pattern.sub(aspect, text)
        for pattern in self._style_patterns:
            text = pattern.sub(style, text)
        return _tidy(text)


def _no_picture_yet(fresh: ImageRequest, transcript: str, said: str) -> ImageRequest:
    """An empty request for a change said before anything was drawn, saying why."""
    return ImageRequest(prompt="", transcript=transcript, removed=fresh.removed + (Removal(said, NO_PICTURE_YET),),
                        notes=fresh.notes)


# -- steps that need no configuration -------------------------------------------------------
def _corrections(text: str, work: _Work) -> str:
    """``X, no wait, Y`` → Y replaces the part of X it restates (see :mod:`.repairs`)."""
    from .repairs import merge

    for _ in range(6):
        match = CORRECTION.search(text)
        if not match:
            break
        marker = (match.group("marker") or match.group("no") or "").lower()
        before, after = text[: match.start()].strip(" ,.;"), text[match.end():].strip()
        after = CORRECTION_LEAD.sub("", re.sub(r"^(?:but|and|so|then|oh)\b[,\s]*", "", after, flags=I))
        merged, replaced, note = merge(before, after, marker)
        if note:
            work.notes.append(note)
        if replaced:
            work.removed.append(Removal(_tidy(f"{replaced} {match.group(0).strip()}"), "self-correction"))
        else:
            work.removed.append(Removal(match.group(0).strip(" ,"), "filler"))
        text = _tidy(merged)
    return text


def _nothing_to_draw(text: str) -> str | None:
    """Why ``text`` asks for no picture (Whisper's words for silence, "yes", "never mind"), or None."""
    words = _words(text)
    if words in HALLUCINATIONS:
        return HALLUCINATION
    if words in NOT_A_REQUEST:
        return "not a request"
    return None


def _repeated_sentences(text: str, work: _Work) -> str:
    """"Draw a bowl of fruit. Draw a bowl of fruit.": Whisper's decoder looping, not a second request."""
    kept, seen = [], set()
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        key = _words(sentence)
        if key in seen and " " in key:
            work.removed.append(Removal(sentence, "repetition"))
            continue
        seen.add(key)
        kept.append(sentence)
    return " ".join(kept)


def _repetitions(text: str, work: _Work) -> str:
    """"a a red car", "the the old library", "of, of a castle", "in the, in the forest"."""
    tokens = text.split()
    core = [t.lower().strip(",.;:!?") for t in tokens]
    i = 0
    while i < len(tokens):
        for n in (3, 2, 1):
            if i + 2 * n <= len(tokens) and core[i:i + n] == core[i + n:i + 2 * n] and all(core[i:i + n]):
                if n == 1 and core[i] in _REDUPLICATIVES:
                    continue
                work.removed.append(Removal(" ".join(tokens[i:i + n]), "repetition"))
                del tokens[i:i + n]
                del core[i:i + n]
                break
        else:
            i += 1
    return " ".join(tokens)


def _negatives(text: str, work: _Work) -> str:
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
            text = _tidy(text[: match.start()] + (", " + keep if keep else "") + text[end:])
    return text


def _negative_items(span: str) -> tuple[list[str], str]:
    """Split a negative span into items; a part that starts like a new positive phrase goes back."""
    parts = re.split(r"\s*,\s*|\s+(?:and|or|nor)\s+", span.strip())
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


# -- text helpers ---------------------------------------------------------------------------
def _normalize(text: str) -> str:
    text = re.sub(r"\s*(?:…|\.{2,}|—|–|--|\s-\s)\s*", ", ", text or "")
    return " ".join(text.split())


def _tidy(text: str) -> str:
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r"([.!?])\s*,", r"\1", text)
    text = re.sub(r",\s*([.!?])", r"\1", text)
    return " ".join(text.split()).strip(" ,;:")


def _finish(text: str) -> str:
    text = re.sub(r"[.!?;]+\s+", ", ", _tidy(text))  # one prompt, one line
    text = re.sub(r"\b(a|an|the|and|or|but|of|with)[,;:]\s*", r"\1 ", text, flags=I)  # "a, uh, lighthouse" → "a lighthouse"
    for _ in range(3):
        text = _DANGLING_START.sub("", text.strip(" ,.;:!?"))
        text = _DANGLING.sub("", text).strip(" ,.;:!?")
        if not _WORN_ON.search(text):
            text = _DANGLING_ON.sub("", text).strip(" ,.;:!?")
    text = _tidy(text)
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


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def _join_unique(items: list[str]) -> str:
    seen, out = set(), []
    for item in items:
        for part in (p.strip() for p in item.split(",")):
            if part and part.lower() not in seen:
                seen.add(part.lower())
                out.append(part)
    return ", ".join(out)


def estimate_clip_tokens(text: str) -> int:
    """CLIP's BPE gives common words one token and splits long or rare ones; this errs high."""
    words = re.findall(r"[A-Za-z]+|\d|[^\sA-Za-z\d]", text)
    return sum(1 + (len(w) - 1) // 7 if w.isalpha() else 1 for w in words)
