"""Any language in, English text out: the default hearer.

Image models read English, and most people do not speak it. With no ``--asr-model`` given,
voice2img uses both bundled Whisper models: multilingual **base** identifies the spoken language
of each clip (its first 5 s, in a short window: :func:`.short.detect_short`); English goes to
**tiny.en**, as before (what measured faster and no worse on English: see docs/languages.md);
any other language is transcribed by base as it was said, and translated by base into English,
which is what the rest of voice2img reads. ``--no-translate`` keeps the transcript in its own
language (for image models that read it); ``--language CODE`` skips identification. A single
multilingual model named with ``--asr-model`` (base, small, large-v3, …) does all of this alone.

Whisper guesses wrong on short clips ("Continue" heard as Korean). A guess below
:data:`SURE` is not trusted: the caller's hint is used instead (the web UI's session language, the
last language ``listen`` heard surely), else English, and the transcript says what was guessed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..errors import Voice2ImgError
from . import HearingOptions, Transcript, guard, load_backend
from .bundled import BUNDLED_NAME, MULTILINGUAL_NAME

if TYPE_CHECKING:
    from ..audio import Audio

SURE = 0.8  # a language identified with less probability is a guess (see docs/languages.md)
ENGLISH = "en"
AUTO = "auto"  # a person's choice of "find the language by itself"


def languages() -> dict[str, str]:
    """Whisper's languages: code → English name ("de" → "german")."""
    from whisper.tokenizer import LANGUAGES

    return dict(LANGUAGES)


def check_language(code: str) -> str:
    """The Whisper code for ``code`` (a code or an English name, any case): "German" → "de".
    An unknown one is a one-line error that lists the codes."""
    from whisper.tokenizer import TO_LANGUAGE_CODE

    known = languages()
    wanted = code.strip().lower()
    if wanted in known:
        return wanted
    if wanted in TO_LANGUAGE_CODE:
        return TO_LANGUAGE_CODE[wanted]
    raise Voice2ImgError(f"unknown language {code!r}; Whisper knows these codes: {', '.join(sorted(known))}")


def chosen_language(value: str | None) -> str | None:
    """A person's choice of spoken language (the web UI's "I speak", the API's argument): None for
    none, "" or "auto" (find it), else its code as :func:`check_language` gives it."""
    if value is None or value.strip().lower() in ("", AUTO):
        return None
    return check_language(value)


class AnyLanguageHearer:
    """tiny.en for English, base for every other language (see the module's docstring); or, given
    ``world`` (the one multilingual model a person named), that model for every language."""

    def __init__(self, options: HearingOptions, world=None):
        self.options = options
        self.backend = options.backend
        self.pinned = check_language(options.language) if options.language else None
        self.english, self.world = None, world
        if world is not None:
            self.model_name = world.model_name
            return
        if self.pinned in (None, ENGLISH):
            self.english = load_backend(replace(options, model=BUNDLED_NAME, language=None))
        if self.pinned != ENGLISH:
            self.world = load_backend(replace(options, model=MULTILINGUAL_NAME, language=None))
        names = [h.model_name.replace(" (bundled)", "") for h in (self.english, self.world) if h is not None]
        self.model_name = " + ".join(names) + " (bundled)"

    def transcribe(self, audio: Audio, hint: str | None = None, language: str | None = None) -> Transcript:
        return self.transcribe_many([audio], hint=hint, language=language)[0]

    def transcribe_many(self, audios: list[Audio], hint: str | None = None,
                        language: str | None = None) -> list[Transcript]:
        """Each clip heard in its language; ``hint`` is the language to assume when a guess is unsure.
        ``language`` skips identification for this call (``listen`` passes the language it already
        identified surely earlier in the same utterance)."""
        pinned = self.pinned or (check_language(language) if language else None)
        speech = [guard.speech_seconds(a.samples) if self.options.guard else a.duration for a in audios]
        results: list[Transcript | None] = [None] * len(audios)
        if pinned is not None:
            chosen = {i: (pinned, None, "") for i in range(len(audios))}
        else:
            voiced = [i for i in range(len(audios)) if speech[i] >= guard.MIN_SPEECH_SECONDS]
            found = dict(zip(voiced, self.world.detect_many([audios[i] for i in voiced], sure=SURE,
                                                             fallback=hint or ENGLISH))) if voiced else {}
            chosen = {i: decide(found.get(i), hint) for i in range(len(audios))}
        groups: dict[str, list[int]] = {}
        for i in range(len(audios)):
            groups.setdefault(chosen[i][0], []).append(i)
        for code, indices in groups.items():
            clips, seconds = [audios[i] for i in indices], [speech[i] for i in indices]
            probabilities, notes = [chosen[i][1] for i in indices], [chosen[i][2] for i in indices]
            if code == ENGLISH:  # English is heard as said: by tiny.en, or by the one model named
                english = self.english or self.world
                heard = [replace(t, language=ENGLISH, language_probability=p, language_note=n)
                         for t, p, n in zip(english.transcribe_many(clips, language=ENGLISH, speech=seconds),
                                            probabilities, notes)]
            else:
                heard = self._other(clips, code, probabilities, notes, seconds)
            for i, transcript in zip(indices, heard):
                results[i] = transcript
        return results

    def _other(self, audios, language: str, probabilities, notes, speech) -> list[Transcript]:
        """Heard by base in ``language``: as said, and (unless --no-translate) in English."""
        spoken = self.world.transcribe_many(audios, language=language, speech=speech)
        if not self.options.translate:
            return [replace(t, language_probability=p, language_note=n) for t, p, n in zip(spoken, probabilities, notes)]
        english = self.world.transcribe_many(audios, language=language, task="translate", speech=speech)
        return [replace(e, spoken=s.text, language=language, language_probability=p, language_note=n,
                        dropped=s.dropped + e.dropped)
                for s, e, p, n in zip(spoken, english, probabilities, notes)]


def decide(ranked: list[tuple[str, float]] | None, hint: str | None) -> tuple[str, float | None, str]:
    """The language to hear a clip in, how sure identification was, and a note when it was overruled.

    ``ranked`` is identification's answer (best first); None when the clip has no speech (it is
    then heard by tiny.en, whose guard says so)."""
    if not ranked:
        return hint or ENGLISH, None, ""
    best, probability = ranked[0]
    if probability >= SURE:
        return best, probability, ""
    fallback = hint or ENGLISH
    if best == fallback:
        return best, probability, ""
    why = "the language heard before" if hint else "English, the default"
    return fallback, probability, f"sounded like {best} (p {probability:.2f}, unsure): heard as {fallback}, {why}"


__all__ = ["AUTO", "AnyLanguageHearer", "SURE", "check_language", "chosen_language", "decide", "languages"]
