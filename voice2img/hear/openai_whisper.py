"""The openai-whisper backend (PyTorch), on the same bundled weights as faster-whisper.

openai-whisper reads its own checkpoint format, so the bundled CTranslate2 tiny.en is converted
once (see :mod:`voice2img.hear.bundled`). A CTranslate2 folder given as ``--asr-model`` is
converted the same way; a ``.pt`` checkpoint or an official model name goes to
``whisper.load_model``, which downloads when a network exists.
"""

from __future__ import annotations

import json
import os

import numpy as np

from ..audio import Audio
from ..errors import ModelUnavailableError
from . import HearingOptions, Segment
from .base import WhisperHearer, resolve_device, unavailable
from .bundled import BUNDLED_NAME, bundled_dir, openai_checkpoint


class OpenAIWhisperHearer(WhisperHearer):
    backend = "openai-whisper"

    def __init__(self, options: HearingOptions):
        super().__init__(options)
        import torch
        import whisper

        self.device = resolve_device(options.device, torch.cuda.is_available)
        name = options.model or BUNDLED_NAME
        ct2_dir = bundled_dir(name)
        if ct2_dir is None and os.path.isdir(name) and os.path.isfile(os.path.join(name, "model.bin")):
            ct2_dir = name
        if ct2_dir is not None:
            source = str(openai_checkpoint(ct2_dir))
        elif name in whisper.available_models() or os.path.isfile(name):
            source = name
        else:
            raise ModelUnavailableError(
                f"ASR model {name!r} is neither an openai-whisper model name "
                f"({', '.join(whisper.available_models())}) nor a checkpoint file or CTranslate2 folder"
            )
        try:
            self.model = whisper.load_model(source, device=self.device)
        except (OSError, RuntimeError, KeyError) as exc:
            raise unavailable(name, self.backend, exc) from None
        if ct2_dir is not None:
            _set_alignment_heads(self.model, ct2_dir)
        self.multilingual = self.model.is_multilingual

    def detect_many(self, audios: list[Audio], sure: float | None = None,
                    fallback: str | None = None) -> list[list[tuple[str, float]]]:
        import whisper

        out = []
        for audio in audios:
            mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(audio.samples.astype(np.float32)),
                                              self.model.dims.n_mels).to(self.model.device)
            _, probs = self.model.detect_language(mel)
            out.append(sorted(((code, float(p)) for code, p in probs.items()), key=lambda kv: -kv[1]))
        return out

    def _decode(self, audio: Audio, language: str | None, task: str = "transcribe") -> tuple[list[Segment], str]:
        from .short import TRANSLATE_LOG_PROB_THRESHOLD

        # As on faster-whisper's short path: a translation is retried only when it repeats itself.
        unsure = {"logprob_threshold": TRANSLATE_LOG_PROB_THRESHOLD} if task == "translate" else {}
        result = self.model.transcribe(
            audio.samples.astype(np.float32), language=language, task=task, beam_size=self.options.beam_size,
            fp16=self.device.startswith("cuda"), verbose=None, initial_prompt=self.options.initial_prompt,
            **{**unsure, **self.options.extra},
        )
        out = [Segment(s["start"], s["end"], s["text"], s["avg_logprob"], s["no_speech_prob"],
                       s["compression_ratio"]) for s in result["segments"]]
        return out, result.get("language") or language or ""


def _set_alignment_heads(model, ct2_dir) -> None:
    """Word timestamps need the alignment heads that CTranslate2 keeps in config.json."""
    import torch

    config = os.path.join(ct2_dir, "config.json")
    if not os.path.isfile(config):
        return
    heads = json.loads(open(config).read()).get("alignment_heads") or []
    mask = torch.zeros(model.dims.n_text_layer, model.dims.n_text_head, dtype=torch.bool)
    for layer, head in heads:
        mask[layer, head] = True
    model.register_buffer("alignment_heads", mask.to_sparse(), persistent=False)
