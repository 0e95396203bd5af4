"""The default backend: faster-whisper (CTranslate2), int8 on CPU and float16 on CUDA."""

from __future__ import annotations

import logging

from ..audio import Audio
from . import HearingOptions, Segment
from .base import WhisperHearer, resolve_device, unavailable
from .bundled import BUNDLED_NAME, bundled_dir

log = logging.getLogger(__name__)


def _version() -> str:
    from importlib.metadata import version

    return version("faster-whisper")


class FasterWhisperHearer(WhisperHearer):
    backend = "faster-whisper"

    def __init__(self, options: HearingOptions):
        super().__init__(options)
        import ctranslate2
        from faster_whisper import WhisperModel

        device = resolve_device(options.device, lambda: ctranslate2.get_cuda_device_count() > 0)
        compute_type = "int8" if device == "cpu" else "float16"
        name = options.model or BUNDLED_NAME
        # tiny.en and base ship in the install: use them rather than download the same weights.
        source = str(bundled_dir(name) or name)
        try:
            self.model = WhisperModel(source, device=device.split(":")[0], compute_type=compute_type,
                                      device_index=int(device.split(":")[1]) if ":" in device else 0)
        except (OSError, ValueError, RuntimeError) as exc:
            raise unavailable(name, self.backend, exc) from None
        self.multilingual = self.model.model.is_multilingual
        from .short import missing_internals

        # The short-window path uses faster-whisper internals; a version that changed them gets the
        # regular path (slower, same words) and a warning, not a crash.
        self.short_window_broken = missing_internals(self.model)
        if self.short_window_broken and options.short_window:
            log.warning("faster-whisper %s lacks %s: short clips take the regular (slower) path",
                        _version(), ", ".join(self.short_window_broken))

    def _decode(self, audio: Audio, language: str | None, task: str = "transcribe") -> tuple[list[Segment], str]:
        from .short import TRANSLATE_LOG_PROB_THRESHOLD

        unsure = {"log_prob_threshold": TRANSLATE_LOG_PROB_THRESHOLD} if task == "translate" else {}
        segments, info = self.model.transcribe(
            audio.samples, language=language, task=task, beam_size=self.options.beam_size,
            vad_filter=False, initial_prompt=self.options.initial_prompt, **{**unsure, **self.options.extra},
        )
        out = [Segment(s.start, s.end, s.text, s.avg_logprob, s.no_speech_prob, s.compression_ratio)
               for s in segments]
        return out, info.language

    def detect_many(self, audios: list[Audio], sure: float | None = None,
                    fallback: str | None = None) -> list[list[tuple[str, float]]]:
        from .short import detect_short

        return detect_short(self.model, [a.samples for a in audios], short_window=not self.short_window_broken,
                            sure=sure, fallback=fallback)

    def _decode_many(self, audios: list[Audio], language: str | None,
                     task: str = "transcribe") -> list[tuple[list[Segment], str]]:
        from .short import MAX_CLIP_SECONDS, decode_short, window_frames

        if not self.options.short_window or self.options.extra or self.short_window_broken:
            return super()._decode_many(audios, language, task)
        results: list = [None] * len(audios)
        groups: dict[int, list[int]] = {}  # clips with the same window share a batch
        for i, audio in enumerate(audios):
            if audio.duration <= MAX_CLIP_SECONDS:
                groups.setdefault(window_frames(len(audio.samples)), []).append(i)
        chunks = [g[s:s + BATCH] for g in groups.values() for s in range(0, len(g), BATCH)]
        for chunk in chunks:
            decoded = decode_short(self.model, [audios[i].samples for i in chunk], language,
                                   self.options.beam_size, self.options.initial_prompt, task)
            for i, result in zip(chunk, decoded):
                results[i] = result
        for i, audio in enumerate(audios):
            if results[i] is None:
                results[i] = self._decode(audio, language, task)
        return results


BATCH = 8  # clips encoded together; bounded so memory stays small
