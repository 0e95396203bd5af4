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

    @property
    def no_speech(self) -> bool:
        return not self.text.strip()


@dataclass(frozen=True)
class HearingOptions:
    """How to hear. One place defines each default; the CLI's flags map onto these fields."""

    backend: str = DEFAULT_BACKEND
    model: str | None = None  # None: the bundled tiny.en; else a model name or a local path
    language: str | None = None  # None: English for *.en models, detected otherwise
    device: str = "auto"  # auto, cpu, cuda
    beam_size: int = 5
    guard: bool = True  # the voice-activity / hallucination guard
    initial_prompt: str | None = None  # text Whisper takes as what came before (see hear.vocabulary)
    short_window: bool = True  # faster-whisper: encode short clips in a short window, in batches (hear.short)
    extra: dict = field(default_factory=dict, compare=False)  # backend-specific keyword arguments


class Hearer(Protocol):
    backend: str
    model_name: str

    def transcribe(self, audio: Audio) -> Transcript: ...

    def transcribe_many(self, audios: list[Audio]) -> list[Transcript]: ...


def load_hearer(options: HearingOptions | None = None) -> Hearer:
    """Load the backend and model ``options`` name (this is where weights are read)."""
    from ..errors import Voice2ImgError

    options = options or HearingOptions()
    if options.backend == "faster-whisper":
        from .faster import FasterWhisperHearer

        return FasterWhisperHearer(options)
    if options.backend == "openai-whisper":
        from .openai_whisper import OpenAIWhisperHearer

        return OpenAIWhisperHearer(options)
    raise Voice2ImgError(f"unknown ASR backend {options.backend!r}; choose one of {', '.join(BACKENDS)}")


__all__ = ["BACKENDS", "Hearer", "HearingOptions", "Segment", "Transcript", "load_hearer"]
