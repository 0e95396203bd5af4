"""Batch throughput: the batch engine against a plain per-file loop, same models, same run.

    .venv/bin/python benchmarks/batch.py [--copies 4] [--image-model DIR] [--steps 1] [--size 512]

The input folder holds the repo's samples --copies times (and, when present, the real recordings
in ../shared/data/audio). Both ways use one warm Pipeline: the plain loop hears and draws one file
after the other, as `voice2img run` does; the batch engine hears files in batches on a thread
while the main thread draws. Without --image-model the tiny offline pipeline is built (it draws
noise, at real latent sizes). Prints JSON with files per minute for each and the ratio.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voice2img.batch import run_batch  # noqa: E402
from voice2img.draw import DrawingOptions  # noqa: E402
from voice2img.pipeline import Pipeline  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "audio"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--image-model")
    parser.add_argument("--steps", type=int, default=1)
    parser.add_argument("--size", type=int, default=512)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model = args.image_model
        if not model:
            from voice2img.testing import save_tiny_pipeline

            model = str(save_tiny_pipeline(tmp / "tiny-sd"))
        inputs = tmp / "in"
        for copy in range(args.copies):
            for path in sorted((ROOT / "samples").iterdir()):
                if path.suffix in (".wav", ".flac", ".mp3", ".ogg", ".m4a"):
                    (inputs / f"copy{copy}").mkdir(parents=True, exist_ok=True)
                    shutil.copy(path, inputs / f"copy{copy}" / path.name)
        for name in ("jfk.flac", "hotwords.mp3"):
            if (SHARED / name).is_file():
                shutil.copy(SHARED / name, inputs / name)
        files = sorted(p for p in inputs.rglob("*") if p.is_file())
        pipeline = Pipeline(drawing=DrawingOptions(model=model, steps=args.steps, width=args.size, height=args.size))
        pipeline.run(files[0])  # warm: both models loaded before timing

        started = time.perf_counter()
        for i, path in enumerate(files):
            pipeline.keep(pipeline.run(path), tmp / "plain", stem=f"{i}")
        plain = time.perf_counter() - started

        started = time.perf_counter()
        summary = run_batch([str(inputs)], tmp / "batch", pipeline, progress=False)
        batched = time.perf_counter() - started
    report = {
        "files": len(files), "image_model": args.image_model or "tiny random SD (voice2img.testing)",
        "steps": args.steps, "size": args.size, "batch_summary": summary.line(),
        "plain_loop": {"seconds": round(plain, 2), "files_per_minute": round(60 * len(files) / plain, 1)},
        "batch_engine": {"seconds": round(batched, 2), "files_per_minute": round(60 * len(files) / batched, 1)},
        "speedup": round(plain / batched, 2),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
