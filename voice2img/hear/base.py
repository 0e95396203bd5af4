"""What both Whisper backends share: the guard, the language rule and the Transcript."""

from __future__ import annotations

import os

from ..audio import Audio
from ..errors import ModelUnavailableError, Voice2ImgError, model_unavailable
from . import HearingOptions, Segment, Transcript, guard


class WhisperHearer:
    """A backend supplies ``_decode``; this class turns its segments into a guarded Transcript."""

    backend = ""

    def __init__(self, options: HearingOptions):
        self.options = options
        from .bundled import BUNDLED_NAME, MULTILINGUAL_NAME

        name = options.model or BUNDLED_NAME
        self.model_name = f"{name} (bundled)" if name in (BUNDLED_NAME, MULTILINGUAL_NAME) else name
        self.multilingual = True  # set by the backend once its model is loaded

    def language_for(self, language: str | None = None) -> str | None:
        """The language to decode in: ``language`` (this call's), else the options'; an
        English-only model asked for another one is a one-line error."""
        language = language or self.options.language
        if not self.multilingual:
            if language and language != "en":
                raise Voice2ImgError(
                    f"ASR model {self.model_name} is English-only; it cannot hear {language!r} (leave out "
                    "--asr-model: the default hears every language; or pass a multilingual model such as small)"
                )
            return "en"
        return language

    def _decode(self, audio: Audio, language: str | None, task: str = "transcribe") -> tuple[list[Segment], str]:
        raise NotImplementedError

    def _decode_many(self, audios: list[Audio], language: str | None,
                     task: str = "transcribe") -> list[tuple[list[Segment], str]]:
        """Backends that can decode several clips at once override this."""
        return [self._decode(audio, language, task) for audio in audios]

    def detect_many(self, audios: list[Audio], sure: float | None = None,
                    fallback: str | None = None) -> list[list[tuple[str, float]]]:
        """Each clip's likeliest spoken languages, best first, as (code, probability), from its
        first 30 s (multilingual models only). A backend may look twice at a clip whose best guess
        is below ``sure`` (when given) and is not ``fallback`` (the language an unsure clip is heard in)."""
        raise NotImplementedError

    def transcribe(self, audio: Audio, hint: str | None = None, language: str | None = None) -> Transcript:
        """``language``: the clip's language when the caller knows it."""
        return self.transcribe_many([audio], language=language)[0]

    def transcribe_many(self, audios: list[Audio], language: str | None = None, task: str = "transcribe",
                        hint: str | None = None, speech: list[float] | None = None) -> list[Transcript]:
        """Transcribe several clips (in ``language`` when given, else as the options say; with
        ``task="translate"`` into English); the guard runs on each, the decoding may be batched.
        ``hint`` (a language to assume when unsure) is for hear.languages; one model ignores it.
        ``speech``: each clip's seconds of speech, when the caller has measured them already."""
        language = self.language_for(language)
        results: list[Transcript | None] = [None] * len(audios)
        if speech is None:
            speech = [guard.speech_seconds(a.samples) if self.options.guard else a.duration for a in audios]
        todo = []
        for i, audio in enumerate(audios):
            if speech[i] < guard.MIN_SPEECH_SECONDS:
                results[i] = Transcript("", language or "", speech_seconds=speech[i], duration=audio.duration,
                                        backend=self.backend, model=self.model_name,
                                        dropped=("no speech detected (voice activity detection)",))
            else:
                todo.append(i)
        decoded = self._decode_many([audios[i] for i in todo], language, task) if todo else []
        for i, (segments, detected) in zip(todo, decoded):
            results[i] = self._guarded(audios[i], segments, detected, speech[i])
        return results

    def _guarded(self, audio: Audio, segments: list[Segment], language: str, speech: float) -> Transcript:
        kept, dropped = [], []
        for segment in segments:
            why = guard.judge(segment) if self.options.guard else None
            if why:
                dropped.append(f"{segment.text.strip()!r}: {why}")
            elif segment.text.strip():
                kept.append(segment)
        text = " ".join(s.text.strip() for s in kept)
        return Transcript(text, language, tuple(kept), duration=audio.duration, speech_seconds=speech,
                          backend=self.backend, model=self.model_name, dropped=tuple(dropped))


def resolve_device(device: str, cuda_available) -> str:
    if device == "auto":
        return "cuda" if cuda_available() else "cpu"
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise Voice2ImgError(f"unknown device {device!r} for ASR; use auto, cpu or cuda")
    if device.startswith("cuda") and not cuda_available():
        raise Voice2ImgError(f"--device {device} asked for, but no CUDA GPU is visible; use --device cpu or auto")
    return device


def unavailable(name: str, backend: str, exc: Exception) -> ModelUnavailableError:
    """The one line for an ASR model that did not load (see :func:`voice2img.errors.model_unavailable`)."""
    if os.path.exists(name):
        return ModelUnavailableError(f"ASR model {name}: cannot be loaded by {backend} ({exc})")
    return model_unavailable(f"ASR model {name!r}", exc, "--asr-model PATH to a local copy "
                             "(or omit --asr-model to use the bundled tiny.en)")
