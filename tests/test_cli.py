"""The voice2img command, run as a user runs it: a subprocess, real files, real exit codes."""

import json
import os
import subprocess
import sys
import time

import pytest

from conftest import ROOT, SAMPLES, noise, reference_text, write_wav
from voice2img.evaluate import word_error_rate
from voice2img.keep import read_metadata

pytestmark = pytest.mark.slow

SPEECH = SAMPLES / "red_fox.wav"


def voice2img(*args, env=None, timeout=300):
    environment = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "voice2img", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, env=environment, timeout=timeout)


def json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_help_is_quick_and_loads_no_heavy_library():
    started = time.perf_counter()
    out = voice2img("--help")
    assert out.returncode == 0 and "transcribe" in out.stdout and "run" in out.stdout
    probe = subprocess.run([sys.executable, "-c", "import sys, voice2img.cli, voice2img.pipeline; "
                            "print(sorted(m for m in ('torch', 'diffusers', 'whisper', 'faster_whisper', 'gradio', 'av') if m in sys.modules))"],
                           capture_output=True, text=True, cwd=ROOT)
    assert probe.stdout.strip() == "[]", probe.stdout + probe.stderr
    assert time.perf_counter() - started < 60  # a sanity bound, not a benchmark


def test_transcribe_json_lines_one_object_per_file(tmp_path):
    silence = write_wav(tmp_path / "silence.wav", noise("silence"))
    out = voice2img("transcribe", SPEECH, SAMPLES / "cabin.ogg", silence, "--json")
    assert out.returncode == 0, out.stderr
    records = json_lines(out.stdout)
    assert [r["file"] for r in records] == [str(SPEECH), str(SAMPLES / "cabin.ogg"), str(silence)]
    assert word_error_rate(reference_text(SPEECH), records[0]["text"]) <= 0.25
    assert records[2]["text"] == "" and records[2]["no_speech"] is True


def test_transcribe_with_openai_whisper_backend():
    out = voice2img("transcribe", SPEECH, "--backend", "openai-whisper", "--json")
    assert out.returncode == 0, out.stderr
    assert word_error_rate(reference_text(SPEECH), json_lines(out.stdout)[0]["text"]) <= 0.25


def test_run_turns_speech_into_a_png_whose_metadata_says_what_was_asked(tiny_model_dir, tmp_path):
    out = voice2img("run", SPEECH, "--out", tmp_path, "--image-model", tiny_model_dir,
                    "--steps", "2", "--width", "64", "--height", "64", "--seed", "1234", "--json")
    assert out.returncode == 0, out.stderr
    [record] = json_lines(out.stdout)
    assert record["file"] == str(SPEECH)
    png = tmp_path / "red_fox.png"
    assert record["image"] == str(png) and png.is_file() and (tmp_path / "red_fox.json").is_file()
    assert {"decode", "hear", "understand", "draw", "keep"} <= record["timings"].keys()
    meta = read_metadata(png)
    assert meta["a1111"]["prompt"] == record["prompt"]
    assert word_error_rate(reference_text(SPEECH), record["prompt"]) <= 0.25
    assert (meta["a1111"]["Seed"], meta["a1111"]["Steps"], meta["a1111"]["Size"]) == ("1234", "2", "64x64")
    fields = meta["voice2img"]
    assert fields["source_audio"] == str(SPEECH) and fields["transcript"] == record["text"]
    assert fields["asr"] == {"backend": "faster-whisper", "model": "tiny.en (bundled)"}
    assert fields["timings"]["draw"] > 0
    sidecar = json.loads((tmp_path / "red_fox.json").read_text())
    assert sidecar["parameters"] == meta["parameters"] and sidecar["image"] == "red_fox.png"


def test_run_on_several_files_keeps_going_past_bad_ones(tiny_model_dir, tmp_path):
    silence = write_wav(tmp_path / "silence.wav", noise("silence"))
    noisy = write_wav(tmp_path / "noise.wav", noise("white"))
    corrupt = tmp_path / "corrupt.mp3"
    corrupt.write_bytes(b"ID3" + b"\x00" * 500)
    out_dir = tmp_path / "out"
    out = voice2img("run", SPEECH, silence, corrupt, noisy, SAMPLES / "lighthouse.mp3", "--out", out_dir,
                    "--image-model", tiny_model_dir, "--steps", "1", "--width", "64", "--height", "64")
    assert out.returncode == 1
    assert sorted(p.name for p in out_dir.glob("*.png")) == ["lighthouse.png", "red_fox.png"]
    errors = [line for line in out.stderr.splitlines() if line.strip()]
    assert "Traceback" not in out.stderr
    assert len(errors) == 3 and all(line.startswith("voice2img: error: ") for line in errors), out.stderr
    assert any("silence.wav: no speech heard, so no image was made" in e for e in errors)
    assert any("noise.wav: no speech heard" in e for e in errors)
    assert any("corrupt.mp3" in e for e in errors)


def test_the_same_name_twice_never_overwrites(tiny_model_dir, tmp_path):
    args = ["--out", tmp_path, "--image-model", tiny_model_dir, "--steps", "1", "--width", "64", "--height", "64"]
    assert voice2img("run", SPEECH, SPEECH, *args).returncode == 0
    assert voice2img("run", SPEECH, *args).returncode == 0
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["red_fox-1.png", "red_fox-2.png", "red_fox.png"]


def test_with_no_network_the_samples_are_heard_and_then_one_line_about_the_image_model(tmp_path):
    """The README's main command on a machine with no network and no cached image model."""
    out = voice2img("run", SPEECH, SAMPLES / "cabin.ogg", "--out", tmp_path, env={"HF_HUB_OFFLINE": "1"})
    assert out.returncode == 1
    assert "heard:" in out.stdout and "prompt:  a red fox" in out.stdout and "cabin" in out.stdout
    errors = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and "image model 'stabilityai/sd-turbo'" in errors[0], out.stderr
    assert not list(tmp_path.glob("*.png"))


@pytest.mark.parametrize("args,message", [
    (["run", "missing.wav"], "missing.wav: no such file"),
    (["run", str(SPEECH), "--width", "100"], "width 100 is not usable"),
    (["transcribe", str(SPEECH), "--asr-model", "no-such-model-xyz"], "no-such-model-xyz"),
    (["run", str(SPEECH), "--channel", "3"], "channel 3 asked for"),
    (["transcribe", str(SPEECH), "--device", "tpu"], "unknown device 'tpu'"),
])
def test_user_errors_are_one_line_never_a_traceback(args, message):
    out = voice2img(*args, env={"HF_HUB_OFFLINE": "1"})
    assert out.returncode == 1
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("voice2img: error: ") and message in lines[0], out.stderr


@pytest.mark.parametrize("args,message", [
    (["run", "x.wav", "--max-audio-seconds", "-5"], "--max-audio-seconds: must be at least 0 (got -5)"),
    (["run", "x.wav", "--decode-timeout", "soon"], "--decode-timeout: 'soon' is not a number"),
    (["listen", "--pause-ms", "5"], "--pause-ms: must be at least 100 (got 5)"),
    (["serve", "--concurrency", "0"], "--concurrency: must be at least 1 (got 0)"),
    (["serve", "--max-queue", "1.5"], "--max-queue: '1.5' is not a whole number"),
])
def test_limits_out_of_range_are_refused_before_anything_loads(args, message):
    out = voice2img(*args, timeout=60)
    assert out.returncode == 2 and message in out.stderr.splitlines()[-1], out.stderr


def test_rewrite_prints_the_request_as_json():
    out = voice2img("rewrite", "--json", "Um, can you draw me a red, no wait, a blue car, without people, wide, seed 9, thank you.")
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout)
    assert (record["prompt"], record["negative_prompt"], record["settings"]) == ("a blue car", "people", {"aspect": "16:9", "seed": 9})
    assert {r["reason"] for r in record["removed"]} >= {"filler", "request wrapper", "self-correction", "negative", "closing"}


def test_rewrite_of_nothing_drawable_fails():
    out = voice2img("rewrite", "Thank you.")
    assert out.returncode == 1 and out.stdout.strip() == ""


def test_prompt_hears_and_understands_without_drawing(tmp_path):
    out = voice2img("prompt", SAMPLES / "lighthouse.mp3", "--json")
    assert out.returncode == 0, out.stderr
    [record] = json_lines(out.stdout)
    assert record["file"] == str(SAMPLES / "lighthouse.mp3")
    assert "can you draw me a lighthouse" in record["transcript"].lower()
    assert record["prompt"] == "a lighthouse on a rocky coast at sunset"
    assert record["negative_prompt"] == "" and record["settings"] == {}
    assert "image" not in record and "load_image_model" not in record["timings"]
