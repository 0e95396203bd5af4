"""Hear: speech to text through a Whisper backend behind one small interface.

Two backends implement :class:`Hearer`: ``faster-whisper`` (the default; CTranslate2, int8 on
CPU, float16 on CUDA) and ``openai-whisper``. Both start on the bundled tiny.en weights, so a
fresh install transcribes with no download; any other model name goes to the backend's own
loading code. A voice-activity gate in front of both keeps silence and noise from turning into
Whisper's favourite hallucinations ("Thank you.", "you").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # annotations only: --help does not import numpy
    from ..audio import Audio

BACKENDS = ("faster-whisper", "openai-whisper")
DEFAULT_BACKEND = "faster-whisper"


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float


@dataclass(frozen=True)
class Transcript:
    """What was heard, with the signals that say how far to trust it."""

    text: str
    language: str
    segments: tuple[Segment, ...] = ()
    duration: float = 0.0  # seconds of audio heard
    speech_seconds: float = 0.0  # seconds that voice activity detection called speech
    backend: str = ""
    model: str = ""
    dropped: tuple[str, ...] = ()  # segments the hallucination guard removed, with why
    spoken: str | None = None  # what was said, in its own language, when ``text`` is its English translation
    language_probability: float | None = None  # how sure language identification was (None: not identified)
    language_note: str = ""  # when the language used is not the one identified, why (a short guess was overruled)

    @property
    def no_speech(self) -> bool:
        return not self.text.strip()

    @property
    def as_spoken(self) -> str:
        """The transcript as it was said (``text`` unless that is a translation)."""
        return self.text if self.spoken is None else self.spoken

    @property
    def translated(self) -> bool:
        return self.spoken is not None

    @property
    def shown(self) -> str:
        """What to show a person as heard: "(de) Ein roter Fuchs → A red fox" when translated."""
        if self.spoken is None:
            return self.text
        return f"({self.language}) {self.spoken.strip()} → {self.text.strip()}"

    def language_fields(self) -> dict:
        """What JSON and PNG metadata say about the language, beside ``text`` and ``language``."""
        out: dict = {}
        if self.language_probability is not None:
            out["language_probability"] = round(self.language_probability, 3)
        if self.spoken is not None:
            out["spoken"] = self.spoken  # as said; "text" is its English translation
        if self.language_note:
            out["language_note"] = self.language_note
        return out


@dataclass(frozen=True)
class HearingOptions:
    """How to hear. One place defines each default; the CLI's flags map onto these fields."""

    backend: str = DEFAULT_BACKEND
    model: str | None = None  # None: the bundled models, any language (hear.languages); else a name or a local path
    language: str | None = None  # None: identified from the speech (English for *.en models)
    translate: bool = True  # speech in another language becomes English text (what image models read)
    device: str = "auto"  # auto, cpu, cuda
    beam_size: int = 5
    guard: bool = True  # the voice-activity / hallucination guard
    initial_prompt: str | None = None  # text Whisper takes as what came before (see hear.vocabulary)
    short_window: bool = True  # faster-whisper: encode short clips in a short window, in batches (hear.short)
    extra: dict = field(default_factory=dict, compare=False)  # backend-specific keyword arguments


class Hearer(Protocol):
    backend: str
    model_name: str

    def transcribe(self, audio: Audio, hint: str | None = None, language: str | None = None) -> Transcript:
        """What was said in ``audio``. ``hint``: the language to assume when identification is
        unsure; ``language``: the language it is in (no identification)."""
        ...

    def transcribe_many(self, audios: list[Audio], *, hint: str | None = None,
                        language: str | None = None) -> list[Transcript]:
        """:meth:`transcribe` for several clips, decoded together where the backend can (``hint``
        and ``language`` are given by name: backends take further options after ``audios``)."""
        ...


def load_hearer(options: HearingOptions | None = None) -> Hearer:
    """Load the backend and model ``options`` name (this is where weights are read)."""
    from ..errors import Voice2ImgError

    options = options or HearingOptions()
    if options.backend not in BACKENDS:
        raise Voice2ImgError(f"unknown ASR backend {options.backend!r}; choose one of {', '.join(BACKENDS)}")
    from .languages import AnyLanguageHearer

    if options.model is None:
        return AnyLanguageHearer(options)
    hearer = load_backend(options)
    # One multilingual model (base, small, large-v3, …) hears every language the same way the
    # default pair does: identified with the unsure guard, translated into English.
    return AnyLanguageHearer(options, world=hearer) if hearer.multilingual else hearer


def load_backend(options: HearingOptions) -> Hearer:
    """One Whisper model on one backend."""
    if options.backend == "faster-whisper":
        from .faster import FasterWhisperHearer

        return FasterWhisperHearer(options)
    if options.backend == "openai-whisper":
        from .openai_whisper import OpenAIWhisperHearer

        return OpenAIWhisperHearer(options)
    from ..errors import Voice2ImgError

    raise Voice2ImgError(f"unknown ASR backend {options.backend!r}; choose one of {', '.join(BACKENDS)}")


__all__ = ["BACKENDS", "Hearer", "HearingOptions", "Segment", "Transcript", "load_backend", "load_hearer"]
