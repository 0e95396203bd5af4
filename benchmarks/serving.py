"""Serving many people at once: in-process `serve` against `serve --ray` with 1 and 2 Draw
replicas, batching on and off.

    .venv/bin/python benchmarks/serving.py [--family tiny|sd-turbo] [--people 1,4,16] [--size 256]
    python benchmarks/serving.py --family sd-turbo --size 512 --device cuda   # on a GPU machine with voice2img[ray]

Each simulated person sends one spoken request (the repo's samples, in turn) at the same moment
as the others; what is timed is what the person waits for, from the end of their speech (the
request sent) to their picture kept with its metadata: hearing, understanding, drawing and
keeping. Reported per configuration and number of people: requests per minute, p50 and p95 of
that latency, and the peak memory (RSS) of the process doing the drawing — the benchmark's own
process in-process, each Draw replica's under Ray. In-process is `voice2img serve` as shipped
(one drawing at a time, `--concurrency 1`); under Ray the front end is the same Pipeline, served
by the deployments (voice2img.serving), on a local cluster on loopback.

On a GPU machine (`--device cuda`) the Draw replicas share its GPUs evenly (two replicas on one
GPU ask for half of it each). The models: "tiny" is the offline test pipeline; "sd-turbo" is SD-Turbo's architecture with random
weights and the tiny autoencoder, one step, built here (nothing is downloaded). JSON on stdout, a
markdown table on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # every Ray address on loopback
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def model_folder(family: str, folder: Path) -> Path:
    from voice2img.testing import build_random_pipeline, save_tiny_pipeline

    if family == "tiny":
        return save_tiny_pipeline(folder / "tiny")
    pipe = build_random_pipeline("sd-turbo", tiny_vae=True)
    pipe.save_pretrained(folder / "sd-turbo")
    return folder / "sd-turbo"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PeakMemory:
    """Samples the RSS of the processes ``find()`` returns, keeping each one's peak."""

    def __init__(self, find):
        self.find, self.peaks, self._stop = find, {}, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            for process in self.find():
                try:
                    rss = process.memory_info().rss
                except Exception:  # noqa: BLE001 - a process that ended
                    continue
                self.peaks[process.pid] = max(self.peaks.get(process.pid, 0), rss)
            self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def mb(self) -> list[int]:
        return sorted(round(v / 2**20) for v in self.peaks.values())


def crowd(pipeline, people: int, audios: list, out: Path, gate) -> list[float]:
    """``people`` requests at once; each one's seconds from sending to its picture kept."""
    waits: list = [None] * people
    start = threading.Barrier(people)

    def person(i):
        start.wait()
        sent = time.perf_counter()
        with gate:  # in-process: one drawing at a time, as `serve --concurrency 1`
            heard = pipeline.hear_and_understand(audios[i % len(audios)])
            pipeline.make(heard, out, stem=f"person-{i}")
        waits[i] = time.perf_counter() - sent

    threads = [threading.Thread(target=person, args=(i,)) for i in range(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return waits


def measure(pipeline, people: int, audios: list, out: Path, gate, memory) -> dict:
    crowd(pipeline, 1, audios, out, gate)  # warm
    with memory as peak:
        started = time.perf_counter()
        waits = sorted(crowd(pipeline, people, audios, out, gate))
        seconds = time.perf_counter() - started
    return {"people": people, "requests_per_minute": round(60 * people / seconds, 1),
            "p50_s": round(statistics.median(waits), 3), "p95_s": round(waits[min(len(waits) - 1, int(0.95 * len(waits)))], 3),
            "peak_mb": peak.mb()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--family", choices=["tiny", "sd-turbo"], default="tiny")
    parser.add_argument("--people", default="1,4,16")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=1)
    parser.add_argument("--configs", default="in-process,ray-1,ray-1-nobatch,ray-2,ray-2-nobatch")
    parser.add_argument("--device", default="cpu", help="cuda on a GPU machine: the replicas share its GPUs")
    args = parser.parse_args()
    import psutil

    from voice2img import DrawingOptions, Pipeline
    from voice2img.audio import load_audio
    from voice2img.hear import HearingOptions

    crowds = [int(n) for n in args.people.split(",")]
    audios = [load_audio(p) for p in sorted((ROOT / "samples").glob("*.wav"))]
    tmp = tempfile.TemporaryDirectory(prefix="voice2img-serving-")
    folder = Path(tmp.name)
    model = model_folder(args.family, folder)
    drawing = DrawingOptions(model=str(model), steps=args.steps, width=args.size, height=args.size, device=args.device)
    hearing = HearingOptions()
    report = {"family": args.family, "size": args.size, "steps": args.steps, "cpus": os.cpu_count(), "runs": []}
    me = psutil.Process()
    for config in args.configs.split(","):
        if config == "in-process":
            pipeline = Pipeline(hearing, drawing)
            pipeline.hearer, pipeline.renderer.load()
            for n in crowds:
                row = measure(pipeline, n, audios, folder / "out", threading.Lock(), PeakMemory(lambda: [me]))
                report["runs"].append({"config": config, **row})
                print(json.dumps(report["runs"][-1]), file=sys.stderr, flush=True)
            del pipeline
            continue
        from voice2img import serving

        _, replicas, *batching = config.split("-")
        gpus = None
        if args.device.startswith("cuda"):  # every Draw replica on the GPUs there are, shared evenly
            import torch

            gpus = torch.cuda.device_count() / int(replicas)
        options = serving.ServeOptions(draw_replicas=replicas, max_batch=1 if batching else 4, gpus_per_replica=gpus)
        # As `serve --ray` deploys them: a local cluster of its own for each configuration.
        deployed = serving.Deployed(hearing, drawing, options, out_dir=str(folder / "out"), http_port=free_port())
        try:
            pipeline = deployed.serve_pipeline(Pipeline(hearing, drawing))

            def draw_replicas():
                return [p for p in psutil.process_iter(["cmdline"])
                        if "ServeReplica:voice2img:Draw" in " ".join(p.info["cmdline"] or [])]

            gate = threading.BoundedSemaphore(options.capacity)  # the front end's queue admits the cluster's capacity
            for n in crowds:
                row = measure(pipeline, n, audios, folder / "out", gate, PeakMemory(draw_replicas))
                report["runs"].append({"config": config, **row})
                print(json.dumps(report["runs"][-1]), file=sys.stderr, flush=True)
        finally:
            deployed.remove()
    print(json.dumps(report, indent=2))
    lines = ["| configuration | people | requests/min | p50 | p95 | peak RSS per drawing process |", "|---|---|---|---|---|---|"]
    for r in report["runs"]:
        lines.append(f"| {r['config']} | {r['people']} | {r['requests_per_minute']} | {r['p50_s']} s | {r['p95_s']} s | "
                     f"{', '.join(f'{m} MB' for m in r['peak_mb'])} |")
    print("\n".join(lines), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
