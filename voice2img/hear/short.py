"""Short clips, heard fast: fewer encoder frames, and several clips in one batch.

Whisper always encodes a 30-second window (3,000 mel frames); a 4-second spoken prompt is then
87 % padding, and the encoder is most of the time. CTranslate2's Whisper encoder accepts shorter
windows, so clips up to :data:`MAX_CLIP_SECONDS` are encoded in a window that fits the clip plus a
margin, never under :data:`MIN_FRAMES` (shorter windows cost accuracy; see README). Clips with the
same window are encoded and decoded together (one batch), which is what makes a folder of short
recordings fast. Longer audio goes through faster-whisper's own ``transcribe``.

The tests check that this path writes the same words as the full window on real speech.
"""

from __future__ import annotations

import numpy as np

from ..audio import SAMPLE_RATE
from . import Segment

MAX_CLIP_SECONDS = 20.0  # longer clips take the regular path
MIN_FRAMES = 1500  # 15 s: 1,000 cost WER on spoken prompts (see README); much shorter made tiny.en repeat itself
MARGIN_FRAMES = 200  # 2 s of silence after the longest clip
FULL_FRAMES = 3000


def window_frames(samples: int) -> int:
    """The window for a clip of this many samples: depends on the clip alone, so a clip is heard
    the same whichever clips share its batch. Rounded up to whole seconds."""
    frames = samples // 160 + MARGIN_FRAMES
    frames = -(-frames // 100) * 100
    return max(MIN_FRAMES, min(FULL_FRAMES, frames))


def decode_short(model, clips: list[np.ndarray], language: str | None, beam_size: int,
                 initial_prompt: str | None = None) -> list[tuple[list[Segment], str]]:
    """Decode each clip (16 kHz mono float32, at most MAX_CLIP_SECONDS) as one segment, in one batch.

    ``model`` is a faster_whisper.WhisperModel. Returns (segments, language) per clip.
    """
    import ctranslate2
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import get_compression_ratio

    frames = max(window_frames(len(c)) for c in clips)
    extractor = model.feature_extractor
    features = []
    for clip in clips:
        padded = np.zeros(frames * 160, dtype=np.float32)
        padded[: len(clip)] = clip[: frames * 160]
        mel = extractor(padded)[:, :frames]
        features.append(mel)
    batch = ctranslate2.StorageView.from_array(np.ascontiguousarray(np.stack(features), dtype=np.float32))
    encoded = model.model.encode(batch, to_cpu=False)

    languages = [language] * len(clips)
    if language is None and model.model.is_multilingual:
        detected = model.model.detect_language(encoded)
        languages = [d[0][0][2:-2] for d in detected]  # "<|en|>" → "en"
    tokenizer_cache: dict[str, Tokenizer] = {}
    prompts = []
    for lang in languages:
        lang = lang or "en"
        if lang not in tokenizer_cache:
            tokenizer_cache[lang] = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe",
                                              language=lang)
        tokenizer = tokenizer_cache[lang]
        prompt = []
        if initial_prompt:
            prompt = [tokenizer.sot_prev] + tokenizer.encode(" " + initial_prompt.strip())[-(model.max_length // 2 - 1):]
        prompts.append(prompt + list(tokenizer.sot_sequence) + [tokenizer.no_timestamps])
    results = model.model.generate(
        encoded, prompts, beam_size=beam_size, patience=1, length_penalty=1, max_length=model.max_length,
        return_scores=True, return_no_speech_prob=True, suppress_blank=True, suppress_tokens=[-1],
    )
    out = []
    for clip, lang, result in zip(clips, languages, results):
        tokens = [t for t in result.sequences_ids[0] if t < tokenizer_cache[lang or "en"].eot]
        text = tokenizer_cache[lang or "en"].decode(tokens)
        seq_len = len(tokens)
        avg_logprob = result.scores[0] * max(seq_len, 1) / (seq_len + 1)
        segment = Segment(0.0, len(clip) / SAMPLE_RATE, text, avg_logprob, result.no_speech_prob,
                          get_compression_ratio(text) if text.strip() else 0.0)
        out.append(([segment] if text.strip() else [], lang or "en"))
    return out
