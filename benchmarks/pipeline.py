"""The whole pipeline, per stage: cold (a fresh process, models loading) and warm, and the
pipeline's own overhead outside the model forward passes.

    .venv/bin/python benchmarks/pipeline.py [--quick]

Cold: `voice2img run` in a new process on the tiny offline image model (the real Whisper weights,
real loading code). Warm: one Pipeline, bundled tiny.en and SD-Turbo's real architecture with
random weights and the tiny autoencoder (512×512, one step), three runs on a spoken sample.
Overhead = wall time − (hearing + the diffusers call + the NSFW check's classifier), i.e.
decoding audio, understanding, PNG/JSON writing and bookkeeping. --quick uses the tiny image model for both (a smoke test).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "samples" / "red_fox.wav"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from voice2img.draw import DrawingOptions
    from voice2img.pipeline import Pipeline
    from voice2img.testing import build_random_pipeline, save_tiny_pipeline

    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        tiny = save_tiny_pipeline(Path(tmp) / "tiny-sd")
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "voice2img", "run", str(SAMPLE), "--out", str(Path(tmp) / "cold"),
                              "--image-model", str(tiny), "--steps", "1", "--json"],
                             capture_output=True, text=True, cwd=ROOT, check=True)
        wall = time.perf_counter() - started
        record = json.loads(out.stdout.splitlines()[-1])
        report["cold"] = {"process_wall_s": round(wall, 3), "stages_s": record["timings"],
                          "image_model": "tiny offline pipeline (loading path as a hub model)"}

        if args.quick:
            pipeline = Pipeline(drawing=DrawingOptions(model=str(tiny), steps=1))
            label = "tiny offline pipeline, 1 step, 512x512"
        else:
            pipeline = Pipeline(drawing=DrawingOptions(model="stabilityai/sd-turbo"))
            renderer = pipeline.renderer
            renderer.pipe, renderer.device, renderer.dtype = build_random_pipeline("sd-turbo", tiny_vae=True), "cpu", "float32"
            label = "SD-Turbo architecture, random weights, tiny autoencoder, 1 step, 512x512"
        pipeline.run(SAMPLE, Path(tmp) / "warm")  # warm-up
        runs = []
        for _ in range(args.runs):
            started = time.perf_counter()
            result = pipeline.run(SAMPLE, Path(tmp) / "warm")
            wall = time.perf_counter() - started
            model = result.timings["hear"] + result.drawing.seconds + result.timings.get("safety", 0.0)
            runs.append({"wall_s": wall, "model_s": model, "stages_s": result.timings})
        wall = statistics.median(r["wall_s"] for r in runs)
        model = statistics.median(r["model_s"] for r in runs)
        report["warm"] = {
            "image_model": label, "runs": args.runs, "wall_s": round(wall, 3), "model_forward_s": round(model, 3),
            "safety_check_s": round(statistics.median(r["stages_s"].get("safety", 0.0) for r in runs), 3),
            "overhead_s": round(wall - model, 3), "overhead_percent": round(100 * (wall - model) / wall, 2),
            "stages_s": {k: round(v, 4) for k, v in runs[-1]["stages_s"].items()}, "target_percent": 5,
        }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
