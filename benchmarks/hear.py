"""Hearing benchmark: both backends on the same bundled weights and the same audio, in one run.

    .venv/bin/python benchmarks/hear.py [--repeat 3] [--quick]

Prints JSON: per backend, model load time, peak memory (each backend runs in its own process,
one after the other, so their peaks do not mix), and per file the best-of-N wall time,
real-time factor and WER against the reference text; plus the openai-whisper / faster-whisper
time ratio.
Audio: the repo's samples/ and, when present, the real recordings in ../shared/data/audio.
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


def inputs() -> list[tuple[str, object, str]]:
    items = []
    for path in sorted((ROOT / "samples").iterdir()):
        if path.suffix in (".wav", ".flac", ".mp3", ".ogg", ".m4a"):
            items.append((path.name, load_audio(path), path.with_suffix(".txt").read_text().strip()))
    for name, text in SHARED_REFERENCES.items():
        if (SHARED / name).is_file():
            items.append((name, load_audio(SHARED / name), text))
    return items


def measure(backend: str, repeat: int, quick: bool) -> dict:
    import resource

    items = inputs()
    if quick:
        items, repeat = items[:2], 1
    started = time.perf_counter()
    hearer = load_hearer(HearingOptions(backend=backend))
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
    return {"load_seconds": round(load_s, 2), "total_seconds": round(total_s, 3),
            "rtf": round(total_s / total_audio, 3),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), "files": files}


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
    parser.add_argument("--only", help=argparse.SUPPRESS)  # internal: measure one backend in this process
    args = parser.parse_args()
    if args.only:
        print(json.dumps(measure(args.only, args.repeat, args.quick)))
        return 0
    report = {"machine": platform.processor() or platform.machine(), "repeat": args.repeat, "backends": {}}
    for backend in ("faster-whisper", "openai-whisper"):
        command = [sys.executable, __file__, "--only", backend, "--repeat", str(args.repeat)] + (["--quick"] if args.quick else [])
        out = subprocess.run(command, capture_output=True, text=True, check=True)
        report["backends"][backend] = json.loads(out.stdout.strip().splitlines()[-1])
        score(report["backends"][backend])
    b = report["backends"]
    report["openai_over_faster_time_ratio"] = round(b["openai-whisper"]["total_seconds"] / b["faster-whisper"]["total_seconds"], 2)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
