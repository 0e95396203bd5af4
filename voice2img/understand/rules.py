"""The rules rewriter: spoken language → the prompt the speaker meant. Deterministic, offline, fast.

Each step removes one kind of spoken-language debris and records what it removed and why:
restarts ("scratch that"), fillers, request wrappers ("can you draw me"), closings ("thank
you"), self-corrections ("a red, no wait, a blue car"), stutters, settings said aloud (seed,
number of images, aspect, style presets: :mod:`.spoken_settings`) and negatives ("without
people": :mod:`.negatives`). The steps run to a
fixpoint, so rewriting a rewritten prompt changes nothing, and none of them adds a word that
was not spoken (style presets aside, by design).
"""

from __future__ import annotations

import re
from dataclasses import replace

from . import HALLUCINATION, NO_PICTURE_YET, ImageRequest, Removal, RequestSettings
from .negatives import cut_negatives
from .refine import AGAIN, UNDO, changes_a_picture, refine
from .repairs import known_thing, merge, resolve_ones
from .spoken_settings import SpokenSettings
from .styles import StylePreset, load_styles
from .text import Findings, finish, join_unique, normalize, tidy, words_of
from .vocabulary import DETERMINERS, OPENERS, I, describing

CLIP_TOKENS = 75  # 77 minus the start and end tokens

_CLAUSE = r"(?:^|(?<=[,.;:!?])\s*|\b(?:and|but|also|then|so|plus)\s+)"  # where a clause may start

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
    r"(?<![\w'-])(?:u+m+|u+h+m*|e+r+m*|e+h+|e+m+|h+m+|h+u+m+|h+u+h+|m+h*m+|a+h+|o+h+|u+h+-h+u+h+)(?![\w'-])[,.…!?]?\s*", I)
VERBAL_FILLERS = [
    # "um" written as a word at the start: "Him, I want an image of …", "Hum, …"
    (re.compile(r"^\s*(?:him|hum|hm+)\s*,\s*", I), "filler"),
    # "… a map, um, highlighting Vietnam" written as "… a map. I'm highlighting Vietnam"
    (re.compile(r"(?<=[,.;!?])\s*i'm\s+(?=\w+ing\b)(?!(?:thinking|looking|wondering|going|trying|imagining|picturing|"
                r"hoping|asking|getting|having|doing|feeling|being)\b)", I), "filler"),
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
    re.compile(_LEAD + r"(?:make|show|paint|give|produce|design|do|get|build|picture)\s+(?=" + DETERMINERS + r"\b)", I),
    re.compile(r"^(?:can|could|may|might)\s+(?:i|we)\s+(?:please\s+)?(?:get|have|see|try)\b\s*", I),
    re.compile(r"^(?:i|we)\s+(?:was|were|have been|'ve been|am|'m)\s+(?:thinking|wondering)(?:\s+(?:of|about|if you could|whether you could))?\s*[,]?\s*", I),
    re.compile(r"^(?:i|we)(?:'d|\s+would|\s+really)?\s+(?:want|like|love|need|wanna|prefer)(?:\s+to\s+(?:see|have|get|make|create|draw|generate|look at))?"
               r"(?:\s+(?:you\s+)?to\s+" + _VERB + r"(?:\s+(?:me|us))?)?\b\s*", I),
    re.compile(r"^(?:i|we)\s+won\s+(?=(?:a|an)\s+(?:image|picture|pic|photo|drawing)\s+of\b)", I),  # "I want …", misheard
    re.compile(r"^(?:let's|let us|let me)\s+(?:see|have|get|make|draw|create|generate|try|do|imagine|picture)\b\s*", I),
    re.compile(r"^(?:i'm|i am|we're|we are)\s+(?:thinking(?:\s+(?:of|about))?|imagining|picturing|looking for|after)\b\s*,?\s*"
               r"(?:(?:maybe|perhaps)\s+)?(?:like\s+)?(?=\S)", I),
    re.compile(r"^(?:how about|what about|maybe|perhaps|try|next up|next)\s*,?\s+(?=\S)", I),
    re.compile(r"^what\s+(?:i|we)(?:'d|\s+would)?\s+(?:want|like|need|love)(?:\s+to\s+see)?\s+is\s+(?=\S)", I),
    re.compile(r"^(?:make it|make them|make this|it's|it is|it should be|this time)\s+(?=" + DETERMINERS + r"\b)", I),
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
_MARKERS = (r"no[,.-]?\s*wait|wait,?\s+no|no,?\s+(?:way|weight)(?=\s*[,.;!?])|no,?\s+no|oh,?\s+no|actually,?\s+no|no,?\s+actually|actually|wait|sorry|i mean|i meant|"
            r"or rather|rather(?!\s+than)|make that|no,?\s+make (?:that|it)|change (?:that|it) to|correction|oops|instead")
CORRECTION = re.compile(r"(?:^|[,.;!?]\s*|\s+(?=(?:no[,-]?\s*wait|wait,?\s+no|i mean|i meant|or rather|make that|no,?\s+make|no,?\s+actually)\b)"
                        r"|\s+(?=sorry\s*[,.;!?]))(?P<marker>" + _MARKERS + r")(?:\s*[,.;!?]\s*|\s+)"
                        r"|(?:[,.;!?]\s*)(?P<no>no)\s*[,.;!?]\s*", I)
# A filler right after a repair marker that Whisper writes as a word: "um" → "I'm", "come".
MISHEARD_FILLER = re.compile(r"(?:(?:come|him|about|um+|uh+)[,.]?\s+(?=" + DETERMINERS + r"\b)|(?:i'm|im)[,.]?\s+(?!(?:thinking|looking|"
                             r"wondering|going|not|sure|sorry|trying|after|imagining|picturing|just|kind|sort|also)\b))", I)
# Whisper often writes a first "A" as "I": "I green umbrella", "I cat on a sofa".
LEADING_I = re.compile(r"^(?P<said>i|at)\s+(?=(?P<next>[\w'-]+))", I)
# Hedges before a describing word carry nothing: "sort of misty" → "misty".
HEDGE = re.compile(r"\b(?:sort of|kind of|you know)\s+(?=(?P<next>[\w'-]+))", I)
LOOK_LIKE = re.compile(r"^what\s+(?P<x>(?:a|an|the|some)\s+.+?)\s+(?:would|might|could|will|should)\s+look\s+like$", I)
MAKE_IT = re.compile(r"(?:(?<=[,.;!?])|^)\s*(?:and\s+|then\s+|also\s+)?(?:please\s+)?make (?:it|them|him|her|that|this)\s+(?:look\s+)?(?:like\s+)?(?=\S)", I)
CORRECTION_LEAD = re.compile(r"^(?:make it|make that|make them|it's|it is|it should be|let's do|let's make it|do|i want|i'd like|"
                             r"i meant|i mean|should be)\s+(?=\S)", I)

_REDUPLICATIVES = {"very", "really", "so", "bora", "chop", "bye", "tick", "ha", "knock", "ding", "ping", "pom", "tut",
                   "choo", "tom", "baden", "walla", "no", "yum", "go", "night", "hush", "boo", "la", "na", "cha", "mahi"}


class RulesRewriter:
    """The default rewriter. ``styles`` maps preset names to presets (see :mod:`.styles`)."""

    def __init__(self, styles: dict[str, StylePreset] | None = None):
        self.styles = styles if styles is not None else load_styles()
        self.spoken_settings = SpokenSettings(self.styles)

    def rewrite(self, transcript: str, previous: ImageRequest | None = None) -> ImageRequest:
        """The request ``transcript`` asks for; with ``previous``, a follow-up such as "make it
        blue" or "undo" changes that request instead (see :mod:`.refine`)."""
        on_screen = previous is not None and (not previous.empty or previous.describes_nothing)
        # "make it a watercolor" to a picture on screen is its style, not a new subject "a watercolor".
        fresh = replace(self._rewrite(self.spoken_settings.restyle(transcript) if on_screen else transcript), transcript=transcript)
        if previous is not None and previous.describes_nothing:
            return self._for_picture(fresh, transcript)
        if fresh.empty and (previous is None or previous.empty):
            return fresh  # nothing said, and nothing on screen to change
        light = self._settle_light(transcript)
        if previous is None or previous.empty:
            # Checked on what was said ("blue instead"), on it cleaned, and on the prompt (so that
            # rewriting a prompt again changes nothing).
            if not any(changes_a_picture(t) for t in (tidy(normalize(transcript)), finish(light), fresh.prompt)):
                return fresh
            # "make it blue", "again", "undo" with nothing on screen: there is nothing to change,
            # and "blue" or "undo" drawn as a picture is not what was asked.
            return _no_picture_yet(fresh, transcript, finish(light))
        # Settings said with a change ("make it blue, just a little", "add a hat, in watercolor") are
        # read as settings; what is left is the change.
        said = finish(self.spoken_settings.read(self.spoken_settings.restyle(light), Findings())) or finish(light)
        joined = re.match(r"^\s*(?:and|plus|also)\s+(?=\S)", light, I)  # "and a hat" adds; "a hat" is a new picture
        changed = refine(previous, joined.group(0).strip() + " " + said if joined and said else said, fresh)
        return self._with_settings_said(changed, previous, fresh) if changed is not None else fresh

    def _for_picture(self, fresh: ImageRequest, transcript: str) -> ImageRequest:
        """A turn said to a starting picture that has no words yet: what was said is the prompt
        for it ("make it blue" → "blue"; "make it a watercolor" → the watercolor preset's words)."""
        said = OPENERS.sub("", finish(self._settle_light(transcript)).strip(" ,.!?")).strip(" ,.!?")
        if UNDO.match(said) or AGAIN.match(said):
            return _no_picture_yet(fresh, transcript, said)
        # "turn it into a night scene", "as a Monet painting": the words for what it becomes
        fresh = replace(fresh, prompt=re.sub(r"^(?:(?:turn|change|make)\s+(?:it|this|that)\s+(?:in)?to|as)\s+(?=an?\s)", "",
                                             fresh.prompt, flags=I))
        if fresh.empty and fresh.settings.style:
            style = self.styles[fresh.settings.style]
            fresh = replace(fresh, prompt=style.prompt, negative_prompt=join_unique(
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
            negative = join_unique([n for n in (negative, new.negative) if n])
        return replace(changed, prompt=prompt, negative_prompt=negative, settings=settings)

    def _settle_light(self, transcript: str) -> str:
        """The transcript without fillers, politeness and closings, for reading follow-ups."""
        work = Findings()
        text = work.cut(FILLERS, _repeated_sentences(normalize(transcript), work), "filler")
        text = tidy(work.cut(POLITE, text, "politeness", _polite_gap))
        for pattern in CLOSINGS:
            text = tidy(work.cut(pattern, text, "closing", ""))
        return text

    def _rewrite(self, transcript: str) -> ImageRequest:
        work = Findings()
        text = _repeated_sentences(normalize(transcript), work)
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
        negative = join_unique(work.negatives)
        if work.style and prompt:
            # Style after content: truncation cuts style, not subject. Settled again so that
            # rewriting the result changes nothing.
            prompt = self._settle(f"{prompt}, {work.style.prompt}", Findings())
            negative = join_unique(work.negatives + [work.style.negative] if work.style.negative else work.negatives)
        tokens = estimate_clip_tokens(prompt)
        if tokens > CLIP_TOKENS:
            work.notes.append(f"the prompt is about {tokens} CLIP tokens; models with a 77-token text encoder ignore "
                              f"the words after about {CLIP_TOKENS}, so the subject comes first and style last")
        return ImageRequest(prompt=prompt, negative_prompt=negative, settings=RequestSettings(**work.settings),
                            removed=tuple(work.removed), transcript=transcript, notes=tuple(work.notes))

    def _settle(self, text: str, work: Findings) -> str:
        """Run every step until nothing changes (bounded)."""
        for _ in range(8):
            new = self._pass(text, work)
            if new == text:
                break
            text = new
        return text

    # -- one pass of every step -------------------------------------------------------------
    def _pass(self, text: str, work: Findings) -> str:
        text = work.cut(RESTART, text, "restart", "")
        text = work.cut(FILLERS, text, "filler")
        for pattern, reason in VERBAL_FILLERS:
            text = work.cut(pattern, tidy(text), reason, " ")
        text = tidy(text)
        text = self._wrappers(text, work)
        text = _leading_i(text, work)
        text = tidy(work.cut(POLITE, text, "politeness", _polite_gap))
        for pattern in CLOSINGS:
            text = tidy(work.cut(pattern, text, "closing", ""))
        text = _corrections(text, work)
        text, folded = resolve_ones(text)
        work.removed.extend(Removal(aside, "reference back") for aside in folded)
        text = _hedges(text, work)
        text = tidy(work.cut(MAKE_IT, text, "request wrapper", " "))
        # Settings before stutters: in "seed forty two, two cats" and "Times Square, square image"
        # the repeated word belongs to two different things.
        text = self.spoken_settings.read(text, work)
        text = _repetitions(text, work)
        text = cut_negatives(text, work)
        return finish(text)

    def _wrappers(self, text: str, work: Findings) -> str:
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



def _no_picture_yet(fresh: ImageRequest, transcript: str, said: str) -> ImageRequest:
    """An empty request for a change said before anything was drawn, saying why."""
    return ImageRequest(prompt="", transcript=transcript, removed=fresh.removed + (Removal(said, NO_PICTURE_YET),),
                        notes=fresh.notes)


# -- steps that need no configuration -------------------------------------------------------
def _corrections(text: str, work: Findings) -> str:
    """``X, no wait, Y`` → Y replaces the part of X it restates (see :mod:`.repairs`)."""
    for _ in range(6):
        match = CORRECTION.search(text)
        if not match:
            break
        marker = (match.group("marker") or match.group("no") or "").lower()
        before, after = text[: match.start()].strip(" ,.;"), text[match.end():].strip()
        # "a glass vase actually. Make that a clay one": a marker said just before another one
        before = re.sub(r"[,\s]+(?:actually|wait|sorry|i mean|no)$", "", before, flags=I)
        after = CORRECTION_LEAD.sub("", re.sub(r"^(?:but|and|so|then|oh)\b[,\s]*", "", after, flags=I))
        misheard = MISHEARD_FILLER.match(after)
        if misheard:  # "no wait, um, a windmill" written down as "No wait. I'm a windmill"
            work.removed.append(Removal(misheard.group(0).strip(), "filler"))
            after = after[misheard.end():]
        merged, replaced, note = merge(before, after, marker)
        if note:
            work.notes.append(note)
        if replaced:
            work.removed.append(Removal(tidy(f"{replaced} {match.group(0).strip()}"), "self-correction"))
        else:
            work.removed.append(Removal(match.group(0).strip(" ,"), "filler"))
        text = tidy(merged)
    return text


def _leading_i(text: str, work: Findings) -> str:
    """"I green umbrella", "at green umbrella" → "a green umbrella": a first "I" before a describing
    word or a thing, or "at" before a describing word, is a misheard "a" ("I want", "I'd like"
    are wrappers, gone by now; "at night" stays)."""
    match = LEADING_I.match(text)
    thing = match and (describing(match.group("next")) or match.group("said").lower() == "i" and known_thing(match.group("next")))
    if not thing:
        return text
    work.notes.append(f"read the first word {match.group('said')!r} as 'a' (Whisper often writes one for the other)")
    return "a " + text[match.end():]


def _hedges(text: str, work: Findings) -> str:
    """"sort of", "kind of" and "you know" said as hedges go ("sort of misty" → "misty"); where they
    name a kind ("a kind of bird") or lead into a thing ("kind of a castle") they stay."""
    def cut(match: re.Match) -> str:
        before = text[:match.start()].split()
        names_a_kind = bool(before) and re.fullmatch(DETERMINERS + r"|what", before[-1], I)  # "a kind of bird"
        after_det = re.fullmatch(DETERMINERS, match.group("next"), I)
        if not describing(match.group("next")) and (names_a_kind or after_det):
            return match.group(0)
        work.removed.append(Removal(match.group(0).strip(), "filler"))
        return ""

    return tidy(HEDGE.sub(cut, text))


def _nothing_to_draw(text: str) -> str | None:
    """Why ``text`` asks for no picture (Whisper's words for silence, "yes", "never mind"), or None."""
    words = words_of(text)
    if words in HALLUCINATIONS:
        return HALLUCINATION
    if words in NOT_A_REQUEST:
        return "not a request"
    return None


def _repeated_sentences(text: str, work: Findings) -> str:
    """"Draw a bowl of fruit. Draw a bowl of fruit.": Whisper's decoder looping, not a second request."""
    kept, seen = [], set()
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        key = words_of(sentence)
        if key in seen and " " in key:
            work.removed.append(Removal(sentence, "repetition"))
            continue
        seen.add(key)
        kept.append(sentence)
    return " ".join(kept)


# A stammered word Whisper wrote twice, once with a sound more: "the shaper, shape of".
_SAME_START = 4  # letters both must share at least


def _stammered(a: str, b: str) -> bool:
    if a == b or min(len(a), len(b)) < _SAME_START or abs(len(a) - len(b)) > 2 or not (a.isalpha() and b.isalpha()):
        return False
    short, long = sorted((a, b), key=len)
    # "shaper, shape": the word and a sound more (not "panoramic panorama"; nor "leaves, leave out": a plural)
    return long.startswith(short) and long[len(short):] not in ("s", "es")


# "er" or "um" said inside a phrase, written as a word with a comma: "a red earth, ribbon", "a shiny
# red up, apple" (after a describing word), "the er, side of" (after a determiner).
_ER_AFTER_DESCRIBING = {"earth", "ear", "er", "err", "her", "or", "up", "uh", "um", "all", "are", "air", "our"}
_ER_AFTER_DETERMINER = {"ear", "er", "err", "her", "or", "up", "uh", "um"}
# "with um, an elephant" heard as "with um, and an elephant": no "and" joins a preposition to its object.
_STRAY_AND = re.compile(r"\b(?P<prep>with|of|on|in|at|from|by|under|over|near|behind|beside|holding|wearing)\s+and\s+"
                        r"(?=(?:a|an|the|some|two|three|four|five|his|her|its|their)\b)", I)


def _er_between(tokens: list[str], core: list[str], i: int) -> int:
    """How many words after ``tokens[i]`` are an "er" Whisper wrote as words: "a red or triangle",
    "a red or a ribbon" (no "or" joins a describing word to a thing), "an earth, chess knight",
    "facing her, the viewer" (no "her" before "the")."""
    if i + 2 >= len(tokens) or tokens[i].endswith(","):
        return 0
    said, after = core[i + 1], core[i + 2]
    is_determiner = lambda w: bool(re.fullmatch(DETERMINERS, w, I))  # noqa: E731
    if said == "or" and not tokens[i + 1].endswith(",") and describing(core[i]):
        n = 2 if after in ("a", "an") and i + 3 < len(tokens) else 1
        thing = core[i + 1 + n]
        return n if thing.isalpha() and not describing(thing) and not is_determiner(thing) else 0
    if tokens[i + 1].endswith(",") and (said == "earth" and core[i] in ("a", "an") or said == "her" and is_determiner(after)):
        return 1
    return 0


def _repetitions(text: str, work: Findings) -> str:
    """"a a red car", "the the old library", "of, of a castle", "in the, in the forest"; a word
    stammered ("street-street", "the shaper, shape of") or repeated around a filler ("a compass
    all, compass"); a filler written as a word inside a phrase ("a red earth, ribbon")."""
    def hyphen(match: re.Match) -> str:
        if match.group(1).lower() in _REDUPLICATIVES:
            return match.group(0)
        work.removed.append(Removal(match.group(0), "repetition"))
        return match.group(1)

    text = re.sub(r"\b([A-Za-z]{3,})-\1\b", hyphen, text, flags=I)
    stray = _STRAY_AND.search(text)
    if stray:
        work.removed.append(Removal("and", "filler"))
        text = text[:stray.start()] + stray.group("prep") + " " + text[stray.end():]
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
            if i + 1 < len(tokens) and _stammered(core[i], core[i + 1]) and not tokens[i + 1].endswith(","):
                drop = i if len(core[i]) > len(core[i + 1]) else i + 1  # the longer one carries the stammer's extra sound
                keep = i + i + 1 - drop
                tokens[keep] = core[keep] if tokens[keep][0].islower() else tokens[keep].strip(",")
                tokens[keep] += tokens[i + 1][len(tokens[i + 1].rstrip(",.;:!?")):] if keep == i else ""
                work.removed.append(Removal(tokens[drop].strip(",.;:!?"), "repetition"))
                del tokens[drop], core[drop]
                continue
            filler = i + 2 < len(tokens) and core[i] == core[i + 2] and core[i].isalpha()
            if filler and core[i + 1] in _ER_AFTER_DESCRIBING and len(core[i]) >= 4 and not tokens[i].endswith(","):
                work.removed.append(Removal(" ".join(tokens[i:i + 2]), "repetition"))  # "a compass all, compass next to"
                del tokens[i:i + 2], core[i:i + 2]
                continue
            if i + 2 < len(tokens) and tokens[i + 1].endswith(",") and not tokens[i].endswith(",") \
                    and (describing(core[i]) and core[i + 1] in _ER_AFTER_DESCRIBING
                         or re.fullmatch(DETERMINERS, core[i], I) and core[i + 1] in _ER_AFTER_DETERMINER) \
                    and core[i + 2].isalpha() and not re.fullmatch(DETERMINERS, core[i + 2], I) and not describing(core[i + 2]):
                work.removed.append(Removal(tokens[i + 1].strip(","), "filler"))  # "a red earth, ribbon"
                del tokens[i + 1], core[i + 1]
                continue
            if i + 1 < len(tokens) and core[i] in ("a", "an", "the") and core[i + 1] in ("a", "an") \
                    and not tokens[i].endswith(","):  # "on an, uh, a mountain" once the "uh" is gone: the second was meant
                work.removed.append(Removal(tokens[i], "repetition"))
                del tokens[i], core[i]
                continue
            filler = _er_between(tokens, core, i)
            if filler:
                work.removed.append(Removal(" ".join(tokens[i + 1:i + 1 + filler]).strip(","), "filler"))
                del tokens[i + 1:i + 1 + filler], core[i + 1:i + 1 + filler]
                if core[i] in ("a", "an") and i + 1 < len(tokens):  # "an earth, chess knight" → "a chess knight"
                    article = "an" if core[i + 1][:1] in "aeiou" else "a"
                    tokens[i], core[i] = (article.capitalize() if tokens[i][0].isupper() else article), article
                continue
            i += 1
    return " ".join(tokens)


def estimate_clip_tokens(text: str) -> int:
    """CLIP's BPE gives common words one token and splits long or rare ones; this errs high."""
    words = re.findall(r"[A-Za-z]+|\d|[^\sA-Za-z\d]", text)
    return sum(1 + (len(w) - 1) // 7 if w.isalpha() else 1 for w in words)
