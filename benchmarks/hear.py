"""Hearing benchmark: both backends, English-only tiny.en, multilingual base and the default pair.

    .venv/bin/python benchmarks/hear.py [--repeat 3] [--quick]

Prints JSON: per backend and model (tiny.en alone, base alone, and the default: base identifies
the language, tiny.en hears English, base the rest), model load time, peak memory (each runs in
its own process, one after the other, so their peaks do not mix), and per English file the
best-of-N wall time, real-time factor and WER against the reference text; per non-English clip
(models that hear it) the language found, its probability and the time to transcribe it as said
and translate it; plus the openai-whisper / faster-whisper time ratio on tiny.en.
Audio: the repo's samples/ and, when present, the real recordings in ../shared/data/audio (the
German clips are cut from multilingual.mp3).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voice2img.audio import load_audio  # noqa: E402
from voice2img.hear import HearingOptions, load_hearer  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "audio"
SHARED_REFERENCES = {
    "jfk.flac": "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.",
}


OTHER_LANGUAGES = {  # clips of the shared recordings: (file, from s, to s, language)
    "multilingual.mp3 30-42 s": ("multilingual.mp3", 30, 42, "de"),
    "multilingual.mp3 42-50 s": ("multilingual.mp3", 42, 50, "de"),
}
CONFIGS = [("faster-whisper", "tiny.en"), ("faster-whisper", "base"), ("faster-whisper", "default"),
           ("openai-whisper", "tiny.en"), ("openai-whisper", "default")]


def other_languages() -> list[tuple[str, object, str]]:
    from voice2img.audio import Audio

    items = []
    for name, (file, start, end, language) in OTHER_LANGUAGES.items():
        if (SHARED / file).is_file():
            samples = load_audio(SHARED / file).samples[start * 16000:end * 16000]
            items.append((name, Audio.from_array(samples, source=name), language))
    return items


def inputs() -> list[tuple[str, object, str]]:
    items = []
    for path in sorted((ROOT / "samples").iterdir()):
        if path.suffix in (".wav", ".flac", ".mp3", ".ogg", ".m4a"):
            items.append((path.name, load_audio(path), path.with_suffix(".txt").read_text().strip()))
    for name, text in SHARED_REFERENCES.items():
        if (SHARED / name).is_file():
            items.append((name, load_audio(SHARED / name), text))
    return items


def measure(backend: str, model: str, repeat: int, quick: bool) -> dict:
    import resource

    items = inputs()
    if quick:
        items, repeat = items[:2], 1
    started = time.perf_counter()
    hearer = load_hearer(HearingOptions(backend=backend, model=None if model == "default" else model))
    load_s = time.perf_counter() - started
    hearer.transcribe(items[0][1])  # warm-up
    files, total_s, total_audio = {}, 0.0, 0.0
    for name, audio, reference in items:
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            text = hearer.transcribe(audio).text
            best = min(best, time.perf_counter() - started)
        files[name] = {"seconds": round(best, 3), "audio_seconds": round(audio.duration, 2),
                       "rtf": round(best / audio.duration, 3), "text": text, "reference": reference}
        total_s += best
        total_audio += audio.duration
    other = {}
    for name, audio, language in ([] if model == "tiny.en" or quick else other_languages()):
        best, transcript = float("inf"), None
        for _ in range(repeat):
            started = time.perf_counter()
            transcript = hearer.transcribe(audio)
            best = min(best, time.perf_counter() - started)
        other[name] = {"seconds": round(best, 3), "audio_seconds": round(audio.duration, 2), "expected": language,
                       "language": transcript.language, "probability": transcript.language_probability,
                       "spoken": transcript.as_spoken, "text": transcript.text}
    return {"load_seconds": round(load_s, 2), "total_seconds": round(total_s, 3),
            "rtf": round(total_s / total_audio, 3),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), "files": files,
            **({"other_languages": other} if other else {})}


def score(backend: dict) -> None:
    """WER per file and its mean, computed here rather than in the backend's process: the
    normaliser would add its own imports to the backend's peak memory."""
    from voice2img.evaluate import word_error_rate

    for item in backend["files"].values():
        item["wer"] = round(word_error_rate(item.pop("reference"), item["text"]), 3)
    backend["mean_wer"] = round(sum(f["wer"] for f in backend["files"].values()) / len(backend["files"]), 3)


def main() -> int:
    import subprocess

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per file; the best is reported")
    parser.add_argument("--quick", action="store_true", help="one run, samples only (a smoke test)")
    parser.add_argument("--only", help=argparse.SUPPRESS)  # internal: "backend:model", measured in this process
    args = parser.parse_args()
    if args.only:
        backend, model = args.only.split(":")
        print(json.dumps(measure(backend, model, args.repeat, args.quick)))
        return 0
    report = {"machine": platform.processor() or platform.machine(), "repeat": args.repeat, "backends": {}}
    for backend, model in CONFIGS:
        command = [sys.executable, __file__, "--only", f"{backend}:{model}", "--repeat", str(args.repeat)]
        out = subprocess.run(command + (["--quick"] if args.quick else []), capture_output=True, text=True, check=True)
        key = backend if model == "tiny.en" else f"{backend} {model}"  # the tiny.en rows keep their old names
        report["backends"][key] = json.loads(out.stdout.strip().splitlines()[-1])
        score(report["backends"][key])
    b = report["backends"]
    report["openai_over_faster_time_ratio"] = round(b["openai-whisper"]["total_seconds"] / b["faster-whisper"]["total_seconds"], 2)
    report["default_over_tiny_en_time_ratio"] = round(
        b["faster-whisper default"]["total_seconds"] / b["faster-whisper"]["total_seconds"], 2)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
