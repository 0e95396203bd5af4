"""The hallucination guard: no speech in, no words out.

Whisper was trained to always write something, so silence and noise come back as "you" or
"Thank you." — its users' most common complaint. Two independent signals decide:

1. Voice activity detection (the Silero model that ships inside faster-whisper, run with
   onnxruntime, offline) before decoding: audio with too little speech is never decoded.
2. The decoder's own confidence after decoding: a segment that the model itself thinks is
   not speech (high no-speech probability *and* low average log-probability — the rule
   Whisper's paper uses) or that repeats itself (high compression ratio) is dropped.

Real speech passes both: Silero fires on speech even under noise, and segments the decoder
is sure of are kept whatever their no-speech probability.
"""

from __future__ import annotations

import numpy as np

from ..audio import SAMPLE_RATE
from . import Segment

MIN_SPEECH_SECONDS = 0.2
NO_SPEECH_PROB = 0.6
LOW_LOGPROB = -1.0
MAX_COMPRESSION_RATIO = 2.4


def speech_seconds(samples: np.ndarray) -> float:
    """Seconds of ``samples`` (16 kHz mono) that voice activity detection calls speech."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if len(samples) == 0:
        return 0.0
    spans = get_speech_timestamps(samples, VadOptions(min_silence_duration_ms=500))
    return sum(span["end"] - span["start"] for span in spans) / SAMPLE_RATE


def judge(segment: Segment) -> str | None:
    """Why ``segment`` is a hallucination, or None when it should be kept."""
    if segment.no_speech_prob > NO_SPEECH_PROB and segment.avg_logprob < LOW_LOGPROB:
        return f"no-speech probability {segment.no_speech_prob:.2f} with low confidence"
    if segment.compression_ratio > MAX_COMPRESSION_RATIO:
        return f"repetitive text (compression ratio {segment.compression_ratio:.1f})"
    return None
