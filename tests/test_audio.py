"""Audio in: every format users upload decodes to 16 kHz mono float32; bad files say so in one line."""

from pathlib import Path

import av
import numpy as np
import pytest

from conftest import SAMPLES, write_av, write_wav
from voice2img.audio import SAMPLE_RATE, Audio, load_audio
from voice2img.errors import Voice2ImgError

SPEECH = SAMPLES / "red_fox.wav"


def encode(source: Path, target: Path, codec: str, rate: int, layout: str = "mono") -> Path:
    """Re-encode ``source`` with PyAV's bundled FFmpeg encoders."""
    with av.open(str(source)) as src:
        data = np.concatenate([f.to_ndarray() for f in src.decode(audio=0)], axis=1)
    if layout == "stereo":
        data = np.vstack([data, data])
    return write_av(target, data, rate, codec, layout, sample_format="s16p", data_rate=SAMPLE_RATE)


@pytest.mark.parametrize("suffix,codec,rate", [
    (".wav", "pcm_s16le", 44100), (".flac", "flac", 16000), (".mp3", "libmp3lame", 22050),
    (".ogg", "libopus", 48000), (".opus", "libopus", 48000), (".m4a", "aac", 44100),
    (".aac", "aac", 16000), (".webm", "libopus", 48000),
])
def test_every_common_format_decodes_to_16k_mono_float32(tmp_path, suffix, codec, rate):
    reference = load_audio(SPEECH)
    audio = load_audio(encode(SPEECH, tmp_path / f"speech{suffix}", codec, rate))
    assert audio.sample_rate == SAMPLE_RATE
    assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    # Lossy codecs add a little padding; the length must still match within a tenth of a second.
    assert abs(audio.duration - reference.duration) < 0.1
    assert 0.5 < np.sqrt(np.mean(audio.samples**2)) / np.sqrt(np.mean(reference.samples**2)) < 2.0


def test_stereo_is_mixed_by_default_and_one_channel_can_be_taken(tmp_path):
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    left = 0.5 * np.sin(2 * np.pi * 440 * t)
    stereo = np.stack([left, np.zeros_like(left)], axis=1)
    path = write_wav(tmp_path / "stereo.wav", stereo, rate=SAMPLE_RATE)
    mixed, only_left, only_right = load_audio(path), load_audio(path, channel=0), load_audio(path, channel=1)
    assert mixed.channels == 2 and mixed.channel is None
    assert np.abs(only_right.samples).max() < 1e-3
    assert np.abs(only_left.samples).max() == pytest.approx(0.5, abs=0.01)
    assert np.abs(mixed.samples).max() == pytest.approx(0.25, abs=0.01)


def test_a_channel_that_does_not_exist_is_a_clear_error(tmp_path):
    path = write_wav(tmp_path / "mono.wav", np.zeros(SAMPLE_RATE))
    with pytest.raises(Voice2ImgError, match=r"mono\.wav: channel 1 asked for, but the file has 1 channel"):
        load_audio(path, channel=1)


def test_other_sample_rates_are_resampled(tmp_path):
    path = write_wav(tmp_path / "8k.wav", np.zeros(8000 * 2), rate=8000)
    assert load_audio(path).duration == pytest.approx(2.0, abs=0.01)
    assert Audio.from_array(np.zeros(44100), sample_rate=44100).duration == pytest.approx(1.0, abs=0.001)


def tone(hz: float, rate: int, seconds: float = 1.0) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * hz * np.arange(int(rate * seconds)) / rate)).astype(np.float32)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x[400:-400] ** 2)))  # away from the filter's start and end


@pytest.mark.parametrize("rate", [44100, 48000])
def test_a_microphone_at_44_or_48_khz_is_resampled_without_aliasing(rate):
    from voice2img.audio import Resampler

    # Speech-band sound passes; sound above 8 kHz (16 kHz's limit) is filtered out, not folded
    # back into the speech band as linear interpolation folded it (a 9-kHz hiss heard as 7 kHz).
    assert rms(Audio.from_array(tone(1000, rate), rate).samples) == pytest.approx(0.5 / np.sqrt(2), rel=0.02)
    assert rms(Audio.from_array(tone(9000, rate), rate).samples) < 0.01
    # The microphone's 100-ms blocks, one by one, give the same samples as the whole recording:
    # no seams where blocks meet.
    voice = tone(440, rate, 2.0) + tone(3000, rate, 2.0) / 4
    resample = Resampler(rate)
    blocks = [resample(voice[i:i + rate // 10]) for i in range(0, len(voice), rate // 10)] + [resample.flush()]
    np.testing.assert_allclose(np.concatenate(blocks), Audio.from_array(voice, rate).samples, atol=1e-6)
    assert len(np.concatenate(blocks)) == 2 * SAMPLE_RATE


def _bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    flac = encode(SPEECH, tmp / "whole.flac", "flac", 16000).read_bytes()
    mp3 = encode(SPEECH, tmp / "whole.mp3", "libmp3lame", 16000).read_bytes()
    wav = SPEECH.read_bytes()
    files = {
        "empty": (b"", "empty"),
        "text": (b"this is not audio, just some text\n" * 20, "not a readable audio file"),
        "random": (np.random.default_rng(1).bytes(4096), "not a readable audio file"),
        "truncated-flac": (flac[: len(flac) // 3], "could not be decoded|truncated"),
        "truncated-mp3": (mp3[: len(mp3) // 3], "truncated"),
        "truncated-wav": (wav[: len(wav) // 3], "truncated"),
        "header-only-wav": (wav[:44], "no audio|truncated|not a readable"),
    }
    out = {}
    for name, (data, why) in files.items():
        path = tmp / f"{name}.wav"
        path.write_bytes(data)
        out[name] = (path, why)
    out["directory"] = (tmp, "is a directory")
    out["missing"] = (tmp / "missing.wav", "no such file")
    return out


@pytest.mark.parametrize("kind", ["empty", "text", "random", "truncated-flac", "truncated-mp3",
                                  "truncated-wav", "header-only-wav", "directory", "missing"])
def test_unusable_files_stop_with_one_line_naming_the_file(tmp_path, kind):
    path, why = _bad_files(tmp_path)[kind]
    with pytest.raises(Voice2ImgError) as info:
        load_audio(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert "\n" not in message
    assert any(part in message for part in why.split("|")), message


def test_a_browsers_streamed_wav_chunk_decodes():
    """Chrome's recorder (the web UI's microphone) sizes its WAV header for a 4 GiB stream; that
    is a streaming placeholder, not a truncated file."""
    chunk = Path(__file__).parent / "corpus" / "audio" / "browser-stream-chunk.wav"
    audio = load_audio(chunk)
    assert 0.4 < audio.duration < 0.6


def test_an_ogg_file_cut_mid_stream_is_truncated(tmp_path):
    data = (SAMPLES / "cabin.ogg").read_bytes()
    cut = tmp_path / "cut.ogg"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(Voice2ImgError, match="truncated"):
        load_audio(cut)
    assert load_audio(SAMPLES / "cabin.ogg").duration > 2  # the whole file is fine
