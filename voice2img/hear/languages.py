"""Any language in, English text out: the default hearer.

Image models read English, and most people do not speak it. With no ``--asr-model`` given,
voice2img uses both bundled Whisper models: multilingual **base** identifies the spoken language
of each clip (its first 30 s, encoded in a short window as :mod:`.short` does); English goes to
**tiny.en**, as before (what measured faster and no worse on English: see docs/languages.md);
any other language is transcribed by base as it was said, and translated by base into English,
which is what the rest of voice2img reads. ``--no-translate`` keeps the transcript in its own
language (for image models that read it); ``--language CODE`` skips identification.

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


class AnyLanguageHearer:
    """tiny.en for English, base for every other language (see the module's docstring)."""

    def __init__(self, options: HearingOptions):
        self.options = options
        self.backend = options.backend
        self.pinned = check_language(options.language) if options.language else None
        self.english = None
        if self.pinned in (None, ENGLISH):
            self.english = load_backend(replace(options, model=BUNDLED_NAME, language=None))
        self.world = None
        if self.pinned != ENGLISH:
            self.world = load_backend(replace(options, model=MULTILINGUAL_NAME, language=None))
        names = [h.model_name.replace(" (bundled)", "") for h in (self.english, self.world) if h is not None]
        self.model_name = " + ".join(names) + " (bundled)"

    def transcribe(self, audio: Audio, hint: str | None = None) -> Transcript:
        return self.transcribe_many([audio], hint=hint)[0]

    def transcribe_many(self, audios: list[Audio], hint: str | None = None) -> list[Transcript]:
        """Each clip heard in its language; ``hint`` is the language to assume when a guess is unsure."""
        if self.pinned == ENGLISH:
            return self.english.transcribe_many(audios)
        if self.pinned is not None:
            return self._other(audios, self.pinned, [None] * len(audios), [""] * len(audios))
        results: list[Transcript | None] = [None] * len(audios)
        speech = [i for i, a in enumerate(audios)
                  if not self.options.guard or guard.speech_seconds(a.samples) >= guard.MIN_SPEECH_SECONDS]
        found = dict(zip(speech, self.world.detect_many([audios[i] for i in speech]))) if speech else {}
        chosen: dict[int, tuple[str, float | None, str]] = {}
        for i in range(len(audios)):
            chosen[i] = decide(found.get(i), hint)
        english = [i for i in range(len(audios)) if chosen[i][0] == ENGLISH]
        for i, transcript in zip(english, self.english.transcribe_many([audios[i] for i in english])):
            results[i] = replace(transcript, language=ENGLISH, language_probability=chosen[i][1],
                                 language_note=chosen[i][2])
        by_language: dict[str, list[int]] = {}
        for i in range(len(audios)):
            if results[i] is None:
                by_language.setdefault(chosen[i][0], []).append(i)
        for language, indices in by_language.items():
            heard = self._other([audios[i] for i in indices], language, [chosen[i][1] for i in indices],
                                [chosen[i][2] for i in indices])
            for i, transcript in zip(indices, heard):
                results[i] = transcript
        return results

    def _other(self, audios, language: str, probabilities, notes) -> list[Transcript]:
        """Heard by base in ``language``: as said, and (unless --no-translate) in English."""
        spoken = self.world.transcribe_many(audios, language=language)
        if not self.options.translate:
            return [replace(t, language_probability=p, language_note=n) for t, p, n in zip(spoken, probabilities, notes)]
        english = self.world.transcribe_many(audios, language=language, task="translate")
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


__all__ = ["AnyLanguageHearer", "SURE", "check_language", "decide", "languages"]
