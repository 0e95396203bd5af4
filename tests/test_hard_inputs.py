"""A corpus of malformed and odd audio, through the command line a user runs.

Each kind of input has the behaviour a user should see: malformed → a non-zero exit and one line
naming the file; odd but valid → an image; noise, silence and clicks → no image; far too long →
refused at the limit without decoding the whole file.
"""

import json
import struct
import tracemalloc

import numpy as np
import pytest

from conftest import SAMPLES, write_av, write_wav
from voice2img.audio import SAMPLE_RATE, load_audio
from voice2img.errors import Voice2ImgError

pytestmark = pytest.mark.slow

SPEECH = SAMPLES / "red_fox.wav"
ERROR, IMAGE, NO_IMAGE = "error", "image", "no image"


def speech() -> np.ndarray:
    return load_audio(SPEECH).samples


def resample(x: np.ndarray, rate: int) -> np.ndarray:
    n = int(len(x) * rate / SAMPLE_RATE)
    return np.interp(np.linspace(0, len(x) - 1, n), np.arange(len(x)), x).astype(np.float32)


def float_wav(path, samples: np.ndarray, rate: int = SAMPLE_RATE):
    """IEEE-float WAV (format 3), written by hand so it can hold NaN and infinity."""
    data = samples.astype("<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)
    path.write_bytes(b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data)) + b"WAVE"
                     + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data)
    return path


def long_silent_wav(path, seconds: float):
    """A real 16-bit WAV of silence, written without holding it in memory."""
    n = int(seconds * SAMPLE_RATE)
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 36 + 2 * n) + b"WAVE" + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, SAMPLE_RATE,
                2 * SAMPLE_RATE, 2, 16) + b"data" + struct.pack("<I", 2 * n))
        block = bytes(2 * SAMPLE_RATE * 60)
        for _ in range(int(seconds // 60)):
            f.write(block)
    return path


def two_hours_of_speech(tmp):
    """Two hours of speech as MP3: one encoded clip's frames repeated (MP3 frames stand alone)."""
    clip = write_av(tmp / "clip.mp3", speech()[None, :], SAMPLE_RATE, "libmp3lame", "mono", bit_rate=16000).read_bytes()
    if clip[:3] == b"ID3":  # the tag may start the file only: keep the frames
        clip = clip[10 + ((clip[6] << 21) | (clip[7] << 14) | (clip[8] << 7) | clip[9]):]
    path = tmp / "two-hours.mp3"
    with open(path, "wb") as f:
        for _ in range(int(7200 / (len(speech()) / SAMPLE_RATE)) + 1):
            f.write(clip)
    return path


def one_bad_frame(mp3, path):
    """The MP3 with one frame's header damaged part-way through, as a flaky card or download leaves it."""
    import av

    with av.open(str(mp3)) as container:
        starts = [p.pos for p in container.demux(container.streams.audio[0]) if p.pos is not None and p.pos >= 0]
    data = bytearray(mp3.read_bytes())
    at = starts[len(starts) // 2]
    data[at + 2] = (data[at + 2] & 0xF3) | 0x04  # a sample rate the stream does not have
    path.write_bytes(bytes(data))
    return path


def corpus(tmp) -> dict:
    """name → (path, expected outcome, words the message or transcript must contain)."""
    s = speech()
    rng = np.random.default_rng(7)
    flac = write_av(tmp / "whole.flac", s[None, :], SAMPLE_RATE, "flac", "mono").read_bytes()
    mp3 = write_av(tmp / "whole.mp3", s[None, :], SAMPLE_RATE, "libmp3lame", "mono").read_bytes()
    ogg = write_av(tmp / "whole.ogg", resample(s, 48000)[None, :], 48000, "libopus", "mono").read_bytes()
    wav = SPEECH.read_bytes()
    raw = {
        "empty.wav": (b"", ERROR, "empty"),
        "random-bytes.wav": (rng.bytes(8192), ERROR, "not a readable audio file"),
        "text-named.wav": (b"RIFF? no, just a note to self\n" * 40, ERROR, "not a readable audio file"),
        "png-named.mp3": (b"\x89PNG\r\n\x1a\n" + rng.bytes(2000), ERROR, "not a readable audio file|no audio stream"),
        "truncated.flac": (flac[: len(flac) // 3], ERROR, "truncated|could not be decoded"),
        "truncated.mp3": (mp3[: len(mp3) // 3], ERROR, "truncated"),
        "truncated.ogg": (ogg[: len(ogg) // 3], ERROR, "truncated|could not be decoded"),
        "truncated.wav": (wav[: len(wav) // 3], ERROR, "truncated"),
        "header-only.wav": (wav[:44], ERROR, "no audio|truncated"),
    }
    out = {}
    for name, (data, expect, why) in raw.items():
        (tmp / name).write_bytes(data)
        out[name] = (tmp / name, expect, why)
    (tmp / "a-folder.wav").mkdir()
    out["a-folder.wav"] = (tmp / "a-folder.wav", ERROR, "is a directory")
    out["missing.wav"] = (tmp / "missing.wav", ERROR, "no such file")
    nan = s.copy()
    nan[1000:1010] = np.nan
    out["nan.wav"] = (float_wav(tmp / "nan.wav", nan), ERROR, "NaN or infinite")
    inf = s.copy()
    inf[500] = np.inf
    out["inf.wav"] = (float_wav(tmp / "inf.wav", inf), ERROR, "NaN or infinite")
    out["thirty-minutes-silence.wav"] = (long_silent_wav(tmp / "thirty-minutes-silence.wav", 1800), ERROR, "limit")
    out["two-hours-speech.mp3"] = (two_hours_of_speech(tmp), ERROR, "limit")

    # Odd but valid: an image, of the fox.
    out["telephone-8k-mulaw.wav"] = (write_av(tmp / "telephone-8k-mulaw.wav", resample(s, 8000)[None, :], 8000,
                                              "pcm_mulaw", "mono"), IMAGE, "fox")
    hi = resample(s, 96000)
    out["studio-96k-stereo.wav"] = (write_av(tmp / "studio-96k-stereo.wav", np.vstack([hi, 0.8 * hi]), 96000,
                                             "pcm_s24le", "stereo"), IMAGE, "fox")
    six = np.zeros((6, len(s)), np.float32)
    six[0], six[1], six[2] = 0.7 * s, 0.7 * s, s  # dialogue in front left, right and centre; nothing in the rest
    out["surround-5.1.flac"] = (write_av(tmp / "surround-5.1.flac", six, SAMPLE_RATE, "flac", "5.1"), IMAGE, "fox")
    eight = np.zeros((len(s), 8), np.float32)  # 7.1: PyAV crashed the process reading 8+ planar channels
    eight[:, 0], eight[:, 1], eight[:, 2] = 0.7 * s, 0.7 * s, s
    out["surround-7.1.wav"] = (write_wav(tmp / "surround-7.1.wav", eight), IMAGE, "fox")
    out["one-bad-frame.mp3"] = (one_bad_frame(tmp / "whole.mp3", tmp / "one-bad-frame.mp3"), IMAGE, "fox")
    out["clipped.wav"] = (write_wav(tmp / "clipped.wav", np.clip(s * 12, -1, 1)), IMAGE, "fox")
    out["dc-offset.wav"] = (write_wav(tmp / "dc-offset.wav", 0.5 * s + 0.45), IMAGE, "fox")
    out["quiet.wav"] = (write_wav(tmp / "quiet.wav", 0.03 * s), IMAGE, "fox")

    # Nothing said: no image.
    out["click-0.05s.wav"] = (write_wav(tmp / "click-0.05s.wav", rng.standard_normal(800).astype(np.float32) * 0.3),
                              NO_IMAGE, "no speech")
    out["white-noise.wav"] = (write_wav(tmp / "white-noise.wav", rng.standard_normal(5 * SAMPLE_RATE) * 0.2),
                              NO_IMAGE, "no speech")
    out["silence-10s.wav"] = (write_wav(tmp / "silence-10s.wav", np.zeros(10 * SAMPLE_RATE)), NO_IMAGE, "no speech")
    hum = 0.3 * np.sin(2 * np.pi * 50 * np.arange(5 * SAMPLE_RATE) / SAMPLE_RATE)
    out["mains-hum.wav"] = (write_wav(tmp / "mains-hum.wav", hum), NO_IMAGE, "no speech")
    return out


def test_every_kind_of_input_gets_the_behaviour_a_user_expects(tiny_model_dir, tmp_path, capsys):
    from voice2img.cli import main

    cases = corpus(tmp_path)
    out = tmp_path / "out"
    code = main(["run", *[str(p) for p, _, _ in cases.values()], "--out", str(out), "--json",
                 "--image-model", str(tiny_model_dir), "--steps", "1", "--width", "64", "--height", "64"])
    assert code != 0  # some inputs failed
    captured = capsys.readouterr()
    records = {json.loads(line)["file"]: json.loads(line) for line in captured.out.splitlines() if line.strip()}
    errors = [line for line in captured.err.splitlines() if line.startswith("voice2img: error:")]
    problems = []
    for name, (path, expect, why) in cases.items():
        r = records.get(str(path))
        if r is None:
            problems.append(f"{name}: no record")
            continue
        if expect == IMAGE:
            ok = "image" in r and any(w in r["prompt"] for w in why.split("|"))
        elif expect == NO_IMAGE:
            ok = r.get("no_speech") is True and why in r["error"]
        else:
            ok = "error" in r and not r.get("no_speech") and r["error"].startswith(str(path)) \
                and any(w in r["error"] for w in why.split("|"))
            ok = ok and sum(1 for e in errors if str(path) in e) == 1  # one line on stderr, naming the file
        if not ok:
            problems.append(f"{name}: expected {expect} ({why}), got {r}")
    assert not problems, "\n".join(problems)
    assert len(list(out.glob("*.png"))) == sum(1 for _, e, _ in cases.values() if e == IMAGE)


def test_a_malformed_file_alone_exits_non_zero_with_one_line(tmp_path, capsys):
    from voice2img.cli import main

    bad = tmp_path / "notes.wav"
    bad.write_text("just text")
    assert main(["prompt", str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"voice2img: error: {bad}: not a readable audio file (Invalid data found when processing input)"] \
        or (len(err) == 1 and err[0].startswith(f"voice2img: error: {bad}: not a readable audio file"))


@pytest.mark.parametrize("declared", [True, False])
def test_long_recordings_stop_at_the_limit_without_decoding_them_whole(tmp_path, monkeypatch, declared):
    long_mp3 = two_hours_of_speech(tmp_path)
    if not declared:  # a stream that does not say how long it is: decoding must stop at the limit
        monkeypatch.setattr("voice2img.audio._declared_duration", lambda container, stream: None)
    tracemalloc.start()
    with pytest.raises(Voice2ImgError, match="limit (is|of) 60 s"):
        load_audio(long_mp3, max_seconds=60)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 40e6  # two hours decoded would be 460 MB of samples
    if not declared:
        return
    silence = long_silent_wav(tmp_path / "silence.wav", 1800)
    with pytest.raises(Voice2ImgError, match="1800 s long; the limit is 600 s"):
        load_audio(silence)  # the header says how long: refused before decoding
    assert load_audio(silence, max_seconds=None).duration == pytest.approx(1800)  # the operator can lift it


def test_decoding_that_takes_too_long_is_given_up_with_the_flag_named(tmp_path):
    long_mp3 = two_hours_of_speech(tmp_path)
    with pytest.raises(Voice2ImgError, match=r"decoding took over 0.05 s \(--decode-timeout\)") as caught:
        load_audio(long_mp3, max_seconds=None, timeout_s=0.05)
    assert str(caught.value).startswith(str(long_mp3)) and "\n" not in str(caught.value)


def test_the_decode_time_limit_reaches_the_pipeline_from_the_command_line(tmp_path):
    from voice2img.cli import _pipeline, build_parser

    args = build_parser().parse_args(["run", "x.wav", "--decode-timeout", "7", "--max-audio-seconds", "0"])
    pipeline = _pipeline(args)
    assert (pipeline.decode_timeout_s, pipeline.max_audio_seconds) == (7.0, None)
    assert pipeline.with_image_model("other").decode_timeout_s == 7.0


def test_a_header_with_an_impossible_sample_rate_is_refused_before_resampling():
    """Found by fuzzing: an 8-KB WAV claiming 1.46 GHz took FFmpeg's resampler 13 s and 1.5 GB."""
    from conftest import ROOT

    damaged = ROOT / "tests" / "corpus" / "audio" / "wav-rate-1.4-ghz.wav"
    with pytest.raises(Voice2ImgError, match=r"1459683456 samples a second, which no recording has"):
        load_audio(damaged)


def test_a_stream_that_changes_its_sample_rate_part_way_is_decoded_whole():
    """Found by fuzzing: frames at 16 kHz, then 8 kHz, then 16 kHz again (as in MP3s joined end to
    end) made PyAV's resampler raise a bare ValueError."""
    from conftest import ROOT

    audio = load_audio(ROOT / "tests" / "corpus" / "audio" / "mp3-rate-changes-mid-stream.mp3")
    assert audio.duration > 3.5 and np.isfinite(audio.samples).all()
