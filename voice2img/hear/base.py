"""What both Whisper backends share: the guard, the language rule and the Transcript."""

from __future__ import annotations

import os

from ..audio import Audio
from ..errors import ModelUnavailableError, Voice2ImgError
from . import HearingOptions, Segment, Transcript, guard


class WhisperHearer:
    """A backend supplies ``_decode``; this class turns its segments into a guarded Transcript."""

    backend = ""

    def __init__(self, options: HearingOptions):
        self.options = options
        self.model_name = options.model or "tiny.en (bundled)"
        self.multilingual = True  # set by the backend once its model is loaded

    def language_for(self) -> str | None:
        language = self.options.language
        if not self.multilingual:
            if language and language != "en":
                raise Voice2ImgError(
                    f"ASR model {self.model_name} is English-only; pass --asr-model with a multilingual "
                    f"model (for example small) to hear {language!r}"
                )
            return "en"
        return language

    def _decode(self, audio: Audio, language: str | None) -> tuple[list[Segment], str]:
        raise NotImplementedError

    def transcribe(self, audio: Audio) -> Transcript:
        language = self.language_for()
        facts = dict(duration=audio.duration, backend=self.backend, model=self.model_name)
        speech = guard.speech_seconds(audio.samples) if self.options.guard else audio.duration
        if speech < guard.MIN_SPEECH_SECONDS:
            return Transcript("", language or "", speech_seconds=speech,
                              dropped=("no speech detected (voice activity detection)",), **facts)
        segments, detected = self._decode(audio, language)
        kept, dropped = [], []
        for segment in segments:
            why = guard.judge(segment) if self.options.guard else None
            if why:
                dropped.append(f"{segment.text.strip()!r}: {why}")
            elif segment.text.strip():
                kept.append(segment)
        text = " ".join(s.text.strip() for s in kept)
        return Transcript(text, detected, tuple(kept), speech_seconds=speech, dropped=tuple(dropped), **facts)


def resolve_device(device: str, cuda_available) -> str:
    if device == "auto":
        return "cuda" if cuda_available() else "cpu"
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise Voice2ImgError(f"unknown device {device!r} for ASR; use auto, cpu or cuda")
    return device


def unavailable(name: str, backend: str, exc: Exception) -> ModelUnavailableError:
    """The one line for a model that is neither local nor downloadable."""
    if os.path.exists(name):
        return ModelUnavailableError(f"ASR model {name}: cannot be loaded by {backend} ({exc})")
    return ModelUnavailableError(
        f"ASR model {name!r} is not cached and could not be downloaded ({type(exc).__name__}); "
        f"connect to the network once, or pass --asr-model PATH to a local copy "
        f"(omit --asr-model to use the bundled tiny.en)"
    )
