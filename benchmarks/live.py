"""Live latency: recorded speech fed in real time through the streaming path (voice2img.live).

    .venv/bin/python benchmarks/live.py [--chunk-ms 100] [--asr-models default,tiny.en]

Each recording (the repo's samples, and jfk.flac / hotwords.mp3 when ../shared is present) is
followed by 1.5 s of silence and fed in chunks on a simulated real-time clock: a chunk cannot be
processed before it has "arrived", and processing time pushes the clock on. For each setting of
the pause that ends an utterance (end_silence_ms) with and without speculative hearing, it
reports how many utterances each recording became (1 is right: they are single requests) and the
time from the end of speech to the final prompt, split into the pause itself and the work after
it. ``--asr-models`` measures each listed hearer in the same run (``default``: the any-language
pair; ``tiny.en``: English only), the recordings interleaved, and reports the ratio of their
times after the pause. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voice2img.audio import SAMPLE_RATE, load_audio  # noqa: E402
from voice2img.live import LiveListener, LiveOptions  # noqa: E402
from voice2img.pipeline import Pipeline  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "audio"


def recordings():
    paths = [p for p in sorted((ROOT / "samples").iterdir()) if p.suffix in (".wav", ".flac", ".mp3", ".ogg", ".m4a")]
    paths += [SHARED / n for n in ("jfk.flac", "hotwords.mp3") if (SHARED / n).is_file()]
    return [(p.name, load_audio(p).samples) for p in paths]


def stream(pipeline, samples, options, chunk):
    listener = LiveListener(pipeline, options)
    audio = np.concatenate([samples, np.zeros(int(1.5 * SAMPLE_RATE), np.float32)])
    clock, finals = 0.0, []
    for k in range(0, len(audio), chunk):
        arrival = (k + chunk) / SAMPLE_RATE
        started = time.perf_counter()
        events = listener.feed(audio[k:k + chunk])
        clock = max(clock, arrival) + time.perf_counter() - started
        finals += [(e, clock) for e in events if e.kind == "final"]
    return finals


def main() -> int:
    from voice2img.hear import HearingOptions

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunk-ms", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="one setting, two recordings (a smoke test)")
    parser.add_argument("--asr-models", default="default", help="comma-separated: default, tiny.en, base, …")
    args = parser.parse_args()
    models = args.asr_models.split(",")
    pipelines = {m: Pipeline(HearingOptions(model=None if m == "default" else m)) for m in models}
    items = recordings()
    settings = [(600, 200)] if args.quick else [(300, 0), (300, 150), (600, 0), (600, 200), (900, 200)]
    if args.quick:
        items = items[:2]
    for pipeline in pipelines.values():
        stream(pipeline, items[0][1], LiveOptions(), args.chunk_ms * 16)  # warm-up: models load
    report = {"chunk_ms": args.chunk_ms, "models": {m: {"settings": []} for m in models}}
    for end_silence, speculate in settings:
        options = LiveOptions(end_silence_ms=end_silence, speculate_ms=speculate)
        rows = {m: {} for m in models}
        for name, samples in items:
            for model, pipeline in pipelines.items():  # interleaved: the same load on each
                finals = stream(pipeline, samples, options, args.chunk_ms * 16)
                rows[model][name] = {
                    "utterances": len(finals),
                    "latency": [round(clock - e.speech_end, 3) for e, clock in finals],
                    "after_pause": [round(clock - e.speech_end - end_silence / 1000, 3) for e, clock in finals],
                    "prompts": [e.result.request.prompt for e, _ in finals],
                }
        for model in models:
            latencies = [x for r in rows[model].values() for x in r["latency"]]
            after = [x for r in rows[model].values() for x in r["after_pause"]]
            report["models"][model]["settings"].append({
                "end_silence_ms": end_silence, "speculate_ms": speculate,
                "recordings_split": sum(r["utterances"] != 1 for r in rows[model].values()),
                "mean_latency_s": round(float(np.mean(latencies)), 3) if latencies else None,
                "mean_after_pause_s": round(float(np.mean(after)), 3) if after else None,
                "max_after_pause_s": round(float(np.max(after)), 3) if after else None,
                "recordings": rows[model],
            })
    if len(models) == 2:
        first, second = (report["models"][m]["settings"] for m in models)
        report[f"{models[0]}_over_{models[1]}_latency"] = [
            {"end_silence_ms": a["end_silence_ms"], "speculate_ms": a["speculate_ms"],
             "ratio": round(a["mean_latency_s"] / b["mean_latency_s"], 3) if a["mean_latency_s"] and b["mean_latency_s"] else None}
            for a, b in zip(first, second)]
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
