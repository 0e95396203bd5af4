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

import logging

import numpy as np

from ..audio import SAMPLE_RATE
from . import Segment

log = logging.getLogger(__name__)

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


# Whisper's own fallback (openai-whisper's and faster-whisper's defaults): a decoding that repeats
# itself (compresses too well) or is unsure of every word is tried again, sampling at rising
# temperatures, and the best attempt is kept. Silence that decodes badly is not retried. A
# translation is retried only when it repeats itself: measured with benchmarks/languages.py (24
# requests in de/es/ja), retrying unsure ones changed 1 of 24 translations and none of the
# counts (subject, negative, size kept), and made Japanese 3x slower (4.14 s a clip, not 1.39 s).
COMPRESSION_RATIO_THRESHOLD = 2.4
LOG_PROB_THRESHOLD = -1.0
TRANSLATE_LOG_PROB_THRESHOLD = float("-inf")  # translations: no retry for being unsure (see needs_fallback)
NO_SPEECH_THRESHOLD = 0.6
FALLBACK_TEMPERATURES = (0.2, 0.4, 0.6, 0.8, 1.0)
FALLBACK_SEED = 0  # sampling at those temperatures is seeded, so hearing a clip twice gives one transcript
BEST_OF = 5

# What this path uses of faster-whisper beyond its public transcribe(): checked by
# missing_internals() when the model loads, and by a test against the installed version.
# pyproject bounds faster-whisper to the versions checked.
MODEL_INTERNALS = ("feature_extractor", "hf_tokenizer", "max_length", "model")
CT2_INTERNALS = ("encode", "generate", "detect_language", "is_multilingual")
TOKENIZER_INTERNALS = ("sot_prev", "sot_sequence", "no_timestamps", "eot", "encode", "decode")


def missing_internals(model) -> list[str]:
    """The faster-whisper internals this path needs that ``model`` (a WhisperModel) lacks."""
    try:
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_compression_ratio  # noqa: F401
        from faster_whisper.vad import get_vad_model  # noqa: F401 — live listening's voice-activity model
    except ImportError as exc:
        return [str(exc)]
    missing = [f"WhisperModel.{name}" for name in MODEL_INTERNALS if not hasattr(model, name)]
    if hasattr(model, "model"):
        missing += [f"ctranslate2 Whisper.{name}" for name in CT2_INTERNALS if not hasattr(model.model, name)]
    if not missing:
        try:
            tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="en")
        except TypeError as exc:
            return [f"faster_whisper.tokenizer.Tokenizer({exc})"]
        missing += [f"Tokenizer.{name}" for name in TOKENIZER_INTERNALS if not hasattr(tokenizer, name)]
    return missing


def needs_fallback(segment: Segment, task: str = "transcribe") -> bool:
    """Whisper's rule: repeated or unsure text is decoded again, unless it is silence. A
    translation is decoded again only when it repeats itself: base is unsure of nearly every
    translation it makes, and sampling then trades its likeliest one for a random one."""
    if segment.no_speech_prob > NO_SPEECH_THRESHOLD and segment.avg_logprob < LOG_PROB_THRESHOLD:
        return False
    threshold = TRANSLATE_LOG_PROB_THRESHOLD if task == "translate" else LOG_PROB_THRESHOLD
    return segment.compression_ratio > COMPRESSION_RATIO_THRESHOLD or segment.avg_logprob < threshold


def _features(model, clips: list[np.ndarray], frames: int) -> list[np.ndarray]:
    features = []
    for clip in clips:
        padded = np.zeros(frames * 160, dtype=np.float32)
        padded[: len(clip)] = clip[: frames * 160]
        features.append(model.feature_extractor(padded)[:, :frames])
    return features


def _encode(model, features: list[np.ndarray]):
    import ctranslate2

    batch = np.ascontiguousarray(np.stack(features), dtype=np.float32)
    return model.model.encode(ctranslate2.StorageView.from_array(batch), to_cpu=False)


DETECT_MIN_FRAMES = 400  # identification reads one token, not a sentence: a short window is enough
DETECT_MAX_FRAMES = 600  # ... and the first 5 s of a clip say its language
DETECT_MARGIN_FRAMES = 100


def detect_frames(samples: int) -> int:
    """The window language identification encodes a clip in: its first 5 s, 1 s more, whole
    seconds, never under :data:`DETECT_MIN_FRAMES`. Identification reads a single token after the
    start of transcript, so it needs neither the padding the decoder does nor the whole clip;
    measured on 69 clips in four languages (``benchmarks/identify.py``), this costs about a third
    of the transcription window. A clip it is unsure of may be identified again in
    :func:`window_frames` (see :func:`detect_short`)."""
    frames = min(samples // 160, DETECT_MAX_FRAMES - DETECT_MARGIN_FRAMES) + DETECT_MARGIN_FRAMES
    frames = -(-frames // 100) * 100
    return max(DETECT_MIN_FRAMES, frames)


def _identify(model, clips: list[np.ndarray], window) -> list[list[tuple[str, float]]]:
    out: list = [None] * len(clips)
    groups: dict[int, list[int]] = {}
    for i, clip in enumerate(clips):
        groups.setdefault(window(len(clip)), []).append(i)
    for frames, indices in groups.items():
        for start in range(0, len(indices), 8):
            chunk = indices[start:start + 8]
            encoded = _encode(model, _features(model, [clips[i][: FULL_FRAMES * 160] for i in chunk], frames))
            for i, ranked in zip(chunk, model.model.detect_language(encoded)):
                out[i] = [(token[2:-2], float(p)) for token, p in ranked]  # "<|de|>" → "de"
    return out


def detect_short(model, clips: list[np.ndarray], short_window: bool = True, sure: float | None = None,
                 fallback: str | None = None) -> list[list[tuple[str, float]]]:
    """The likeliest languages of each clip (from its first 30 s), best first: [("de", 0.97), ...].

    Clips are encoded in the window :func:`detect_frames` gives them, in batches of clips that
    share a window. When ``sure`` is given, a clip whose best guess is below it — and, when ``fallback`` is given,
    is not ``fallback``, the language an unsure clip is heard in anyway — is identified again in
    the window transcription uses (:func:`window_frames`), and the surer answer is kept. Without
    ``short_window``, every clip is encoded in the full 30 s."""
    if not short_window:
        return _identify(model, clips, lambda samples: FULL_FRAMES)
    out = _identify(model, clips, detect_frames)
    if sure is None:
        return out
    again = [i for i, ranked in enumerate(out) if ranked[0][1] < sure and ranked[0][0] != fallback]
    if again:
        for i, ranked in zip(again, _identify(model, [clips[i] for i in again], window_frames)):
            if ranked[0][1] > out[i][0][1]:
                out[i] = ranked
    return out


def decode_short(model, clips: list[np.ndarray], language: str | None, beam_size: int,
                 initial_prompt: str | None = None, task: str = "transcribe") -> list[tuple[list[Segment], str]]:
    """Decode each clip (16 kHz mono float32, at most MAX_CLIP_SECONDS) as one segment, in one batch.

    ``model`` is a faster_whisper.WhisperModel. Returns (segments, language) per clip. A clip whose
    first decoding fails Whisper's checks is decoded again at rising temperatures (sampling,
    :data:`BEST_OF` candidates), as Whisper's own transcribe does.
    """
    from faster_whisper.tokenizer import Tokenizer

    frames = max(window_frames(len(c)) for c in clips)
    features = _features(model, clips, frames)

    def encode(indices):
        return _encode(model, [features[i] for i in indices])

    everything = list(range(len(clips)))
    encoded = encode(everything)
    languages = [language] * len(clips)
    if language is None and model.model.is_multilingual:
        detected = model.model.detect_language(encoded)
        languages = [d[0][0][2:-2] for d in detected]  # "<|en|>" → "en"
    languages = [lang or "en" for lang in languages]
    tokenizers: dict[str, Tokenizer] = {}
    prompts = []
    for lang in languages:
        if lang not in tokenizers:
            tokenizers[lang] = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task=task,
                                         language=lang)
        tokenizer = tokenizers[lang]
        prompt = []
        if initial_prompt:
            prompt = [tokenizer.sot_prev] + tokenizer.encode(" " + initial_prompt.strip())[-(model.max_length // 2 - 1):]
        prompts.append(prompt + list(tokenizer.sot_sequence) + [tokenizer.no_timestamps])

    def generate(indices, encoded, **how) -> list[Segment]:
        results = model.model.generate(
            encoded, [prompts[i] for i in indices], patience=1, length_penalty=1, max_length=model.max_length,
            return_scores=True, return_no_speech_prob=True, suppress_blank=True, suppress_tokens=[-1], **how)
        return [_segment(clips[i], tokenizers[languages[i]], result) for i, result in zip(indices, results)]

    best = generate(everything, encoded, beam_size=beam_size)
    retry = [i for i in everything if needs_fallback(best[i], task)]
    if retry:  # the same clip is heard the same way every time: the sampling starts from one seed
        import ctranslate2

        ctranslate2.set_random_seed(FALLBACK_SEED)
    for temperature in FALLBACK_TEMPERATURES:
        if not retry:
            break
        tried = generate(retry, encode(retry), beam_size=1, num_hypotheses=BEST_OF, sampling_topk=0,
                         sampling_temperature=temperature)
        for i, segment in zip(retry, tried):
            if _better(segment, best[i], task):
                best[i] = segment
        retry = [i for i in retry if needs_fallback(best[i], task)]
    if task == "transcribe":
        best = _hesitations(model, encoded, frames, best, languages, tokenizers)
    return [([segment] if segment.text.strip() else [], lang) for segment, lang in zip(best, languages)]


# What Whisper writes for an "er" or "um" said inside a sentence, when it is unsure of it: "a red
# earth, triangle" (probability 0.13) for "a red er, triangle". Such a word, written with less than
# HESITATION_PROBABILITY, is written as the hesitation it was ("uh"), which the rewriting removes;
# the same word heard surely ("a photo of the earth") stays.
HESITATION_WORDS = frozenset("""earth ear her herr herb or up all now err er erm um uh uhm hmm arm are our air oh ah
    mean while hum him come them""".split())
HESITATION_PROBABILITY = 0.5


def _hesitations(model, encoded, frames: int, segments: list[Segment], languages: list[str], tokenizers) -> list[Segment]:
    """``segments`` with each unsure English word of HESITATION_WORDS written as "uh"."""
    english = [i for i, s in enumerate(segments) if languages[i] == "en" and s.text.strip()]
    if not english:
        return segments
    tokenizer = tokenizers["en"]
    texts = [tokenizer.encode(segments[i].text if i in english else " .") for i in range(len(segments))]
    try:
        aligned = model.model.align(encoded, tokenizer.sot_sequence, texts, frames)
    except Exception:  # noqa: BLE001 - an aligner that fails costs this refinement, not the transcript
        log.debug("word probabilities unavailable", exc_info=True)
        return segments
    out = list(segments)
    for i in english:
        words, word_tokens = tokenizer.split_to_word_tokens(texts[i] + [tokenizer.eot])
        probs, at, changed = aligned[i].text_token_probs, 0, False
        written = []
        for word, tokens in zip(words, word_tokens):
            p = float(np.mean(probs[at:at + len(tokens)])) if tokens and at < len(probs) else 1.0
            at += len(tokens)
            bare = word.strip().strip(",.;:!?").lower()
            if bare in HESITATION_WORDS and p < HESITATION_PROBABILITY:
                word = word.replace(word.strip().strip(",.;:!?"), "uh")
                changed = True
            written.append(word)
        if changed:
            out[i] = Segment(segments[i].start, segments[i].end, "".join(written).replace("<|endoftext|>", ""),
                             segments[i].avg_logprob, segments[i].no_speech_prob, segments[i].compression_ratio)
    return out


def _segment(clip, tokenizer, result) -> Segment:
    from faster_whisper.transcribe import get_compression_ratio

    tokens = [t for t in result.sequences_ids[0] if t < tokenizer.eot]
    text = tokenizer.decode(tokens)
    avg_logprob = result.scores[0] * max(len(tokens), 1) / (len(tokens) + 1)
    return Segment(0.0, len(clip) / SAMPLE_RATE, text, avg_logprob, result.no_speech_prob,
                   get_compression_ratio(text.strip()) if text.strip() else 0.0)


def _better(candidate: Segment, current: Segment, task: str = "transcribe") -> bool:
    """As faster-whisper picks when every temperature fails: one that does not repeat itself beats
    one that does; otherwise the likelier."""
    if needs_fallback(current, task) and not needs_fallback(candidate, task):
        return True
    repeats = (candidate.compression_ratio > COMPRESSION_RATIO_THRESHOLD,
               current.compression_ratio > COMPRESSION_RATIO_THRESHOLD)
    if repeats[0] != repeats[1]:
        return not repeats[0]
    return needs_fallback(current, task) and candidate.avg_logprob > current.avg_logprob
