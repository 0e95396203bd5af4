"""Fuzzing (hypothesis) of the two stages that take raw user input: audio decoding and rewriting.

The property: any bytes give an Audio of finite 16 kHz mono samples or a Voice2ImgError — never
another exception, never a hang; any text gives an ImageRequest. Inputs that ever broke this are
kept in tests/corpus/ and replayed on every run. To fuzz longer than CI does:

    VOICE2IMG_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/test_fuzz.py
"""

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLES
from voice2img.audio import SAMPLE_RATE, load_audio
from voice2img.errors import Voice2ImgError
from voice2img.understand.rules import RulesRewriter

CORPUS = Path(__file__).parent / "corpus"
EXAMPLES = int(os.environ.get("VOICE2IMG_FUZZ_EXAMPLES", "150"))
# Real files to damage: the samples (one per format) and, from the kept corpus, files of other
# shapes that decode (eight channels, a rate change part-way, a browser's streamed WAV).
SEEDS = [(p.suffix, p.read_bytes()) for p in sorted(SAMPLES.iterdir()) if p.suffix in (".wav", ".flac", ".mp3", ".ogg", ".m4a")]
SEEDS += [(p.suffix, p.read_bytes()) for p in sorted((CORPUS / "audio").glob("*"))
          if p.name in ("wav-eight-channels.wav", "mp3-rate-changes-mid-stream.mp3", "browser-stream-chunk.wav")]
FUZZ = settings(max_examples=EXAMPLES, deadline=10_000, suppress_health_check=[HealthCheck.too_slow,
                                                                                HealthCheck.function_scoped_fixture])


def decode_or_refuse(path: Path) -> None:
    """The property every input must keep."""
    try:
        audio = load_audio(path)
    except Voice2ImgError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(str(path))
        return
    assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert audio.sample_rate == SAMPLE_RATE and np.isfinite(audio.samples).all()


@st.composite
def mutated_audio(draw):
    """A real file of a random format, then cut, overwritten, inserted into or spliced."""
    suffix, seed = draw(st.sampled_from(SEEDS))
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["truncate", "overwrite", "insert", "flip", "zero-header"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "truncate":
            del data[at:]
        elif kind == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=64))
            data[at:at + len(chunk)] = chunk
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=256))
        elif kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        else:
            data[:64] = bytes(min(64, len(data)))
    return suffix, bytes(data)


@FUZZ
@given(case=mutated_audio())
def test_damaged_audio_is_decoded_or_refused_in_one_line(tmp_path, case):
    suffix, data = case
    path = tmp_path / f"fuzzed{suffix}"
    path.write_bytes(data)
    decode_or_refuse(path)


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".wav", ".mp3", ".ogg", ".flac", ".m4a", ".webm", ""]))
def test_random_bytes_are_refused_in_one_line(tmp_path, data, suffix):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    decode_or_refuse(path)


@pytest.mark.parametrize("path", sorted((CORPUS / "audio").glob("*")), ids=lambda p: p.name)
def test_kept_audio_corpus(path):
    decode_or_refuse(path)


REWRITER = RulesRewriter()
_spoken = st.lists(st.sampled_from(
    "um uh like no wait actually draw me a red blue car cat without people wide seed forty two make it "
    "again undo go back add hat remove the, . ? ! — - 1 2 3 four hundred thousand style pixel art "
    "watercolor please thank you I mean sorry not rather instead".split()), max_size=40).map(" ".join)


@FUZZ
@given(text=st.one_of(st.text(max_size=400), _spoken), previous=st.one_of(st.none(), _spoken))
def test_rewriting_any_text_gives_a_request(text, previous):
    before = REWRITER.rewrite(previous) if previous else None
    request = REWRITER.rewrite(text, before)
    assert isinstance(request.prompt, str) and request.action in ("draw", "again", "undo")
    assert "\n" not in request.prompt


def test_kept_text_corpus():
    lines = (CORPUS / "rewrite.txt").read_text(encoding="utf-8").split("\n")
    cases = [line.encode().decode("unicode_escape") for line in lines if line and not line.startswith("#")]
    assert cases
    for text in cases:
        request = REWRITER.rewrite(text)
        assert isinstance(request.prompt, str) and "\n" not in request.prompt
