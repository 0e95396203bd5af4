"""Live previews: how soon the first appears, how many appear while speaking, and what they cost the final image.

    .venv/bin/python benchmarks/previews.py [--family tiny|sd-turbo] [--size 512] [--runs 3] [--device cuda]

tests/data/long_request.wav (about 8 s of speech, four clauses) is fed to a LiveListener in real
time (each 0.5-s chunk when its time comes), as the web UI's microphone feeds it, three ways in
one run, interleaved, ``--runs`` times each: without previews; with previews, the final image
waiting for the one preview drawing at the end of speech ("wait"); and with that preview stopped
at its next step ("interrupt"). Reported: from the first partial transcript with a content word to the
first preview shown, previews shown before the end of speech, preview drawing time, and end of
speech → final image for each way. --family sd-turbo builds SD-Turbo's real architecture with
random weights (no download; speed does not depend on the values) and also times one preview
with its full autoencoder against the tiny one (TAESD's architecture). --device cuda runs it on a
GPU (the GPU machine's script: ``--family sd-turbo --device cuda``). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CHUNK_S = 0.5


def run_once(pipeline, samples, at_end: str | None) -> dict:
    """One pass over the audio; ``at_end`` None: no previews, else PreviewOptions.at_end."""
    from voice2img.live import LiveListener, LiveOptions
    from voice2img.previews import PreviewOptions, Previewer

    listener = LiveListener(pipeline, LiveOptions(previews=at_end is not None, partial_every_ms=1000))
    shown = []
    previewer = None
    if at_end is not None:
        previewer = Previewer(pipeline, PreviewOptions(at_end=at_end), on_preview=lambda p: shown.append((time.monotonic(), p)))
    first_words = None
    out: dict = {}
    step = int(CHUNK_S * 16000)
    started = time.monotonic()
    for i in range(0, len(samples), step):
        due = started + i / 16000 + CHUNK_S  # the chunk exists once its last sample was spoken
        time.sleep(max(0.0, due - time.monotonic()))
        for event in listener.feed(samples[i:i + step]):
            if event.kind == "partial" and event.request is not None and not event.request.empty and first_words is None:
                first_words = time.monotonic()
            if previewer is not None:
                if event.kind == "final":
                    out["previews_dropped"] = previewer.dropped  # before hear() starts the next utterance afresh
                    settling = time.monotonic()
                    previewer.settle()  # what hear() does at "final", timed: the wait behind one preview
                    out["waited_for_preview_s"] = round(time.monotonic() - settling, 3)
                previewer.hear(event)
            if event.kind == "final":
                speech_end = started + event.speech_end
                out["end_of_speech_to_final_words_s"] = round(time.monotonic() - speech_end - out.get("waited_for_preview_s", 0), 3)
                request = event.result.request
                pipeline.renderer.render(replace(request, settings=replace(request.settings, num_images=None)))
                out["end_of_speech_to_image_s"] = round(time.monotonic() - speech_end, 3)
                out["during_speech"] = sum(1 for t, _ in shown if t <= speech_end)
                break
        if "end_of_speech_to_image_s" in out:
            break
    if previewer is not None:
        previewer.close()
        out["previews_shown"] = len(shown)
        if shown and first_words is not None:
            out["first_content_words_to_first_preview_s"] = round(shown[0][0] - first_words, 3)
            out["preview_draw_s"] = round(sorted(p.seconds for _, p in shown)[len(shown) // 2], 3)
    return out


def one_preview(pipeline, runs: int) -> dict:
    """One preview's drawing time with the model's autoencoder and with the tiny one (random
    weights, TAESD's architecture: what ``--vae tiny`` loads), median of ``runs``."""
    from diffusers import AutoencoderTiny

    renderer = pipeline.renderer
    request = pipeline.understand("a red fox sleeping in the snow")
    out = {}
    full = renderer.pipe.vae
    tiny = AutoencoderTiny().to(device=renderer.pipe.device, dtype=full.dtype)
    for name, vae in (("full_autoencoder", full), ("tiny_autoencoder", tiny)):
        renderer.pipe.vae = vae
        pipeline.preview(request)  # warm
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            pipeline.preview(request)
            times.append(time.perf_counter() - started)
        out[name] = round(_median(times), 3)
    renderer.pipe.vae = full
    out["tiny_over_full"] = round(out["tiny_autoencoder"] / out["full_autoencoder"], 2)
    return out


def _median(values):
    values = sorted(values)
    return values[len(values) // 2] if values else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--family", default="tiny", choices=["tiny", "sd-turbo"])
    parser.add_argument("--size", type=int, default=512, help="the final image's side (sd-turbo)")
    parser.add_argument("--runs", type=int, default=3, help="passes over the audio per way (medians reported)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (sd-turbo)")
    parser.add_argument("--one-preview", action="store_true", help="only time one preview, both autoencoders (sd-turbo)")
    args = parser.parse_args()

    from voice2img import DrawingOptions, Pipeline
    from voice2img.audio import load_audio
    from voice2img.testing import build_random_pipeline, save_tiny_pipeline

    tmp = tempfile.TemporaryDirectory()
    if args.family == "tiny":
        pipeline = Pipeline(drawing=DrawingOptions(model=str(save_tiny_pipeline(Path(tmp.name) / "tiny")), steps=2,
                                                   width=256, height=256, device="cpu"))
        pipeline.renderer.load()
    else:
        import torch

        dtype = torch.float16 if args.device.startswith("cuda") else torch.float32
        pipeline = Pipeline(drawing=DrawingOptions(model="sd-turbo", profile="sd-turbo", device=args.device,
                                                   width=args.size, height=args.size))
        renderer, pipe = pipeline.renderer, build_random_pipeline("sd-turbo", dtype=dtype).to(args.device)
        renderer.pipe, renderer._free, renderer.device, renderer.dtype = pipe, [pipe], args.device, str(dtype).split(".")[-1]
    pipeline.hearer
    samples = load_audio(ROOT / "tests" / "data" / "long_request.wav").samples
    pipeline.preview(pipeline.understand("a red fox"))  # warm both sizes before timing
    pipeline.renderer.render(pipeline.understand("a red fox"))
    report = {"family": args.family, "device": args.device, "audio_s": round(len(samples) / 16000, 2), "runs": args.runs}
    if args.family == "sd-turbo":
        report["one_preview_s"] = one_preview(pipeline, args.runs)
        if args.one_preview:
            print(json.dumps(report, indent=1))
            return 0
    runs = {name: [] for name in ("without_previews", "previews_wait", "previews_interrupt")}
    for _ in range(args.runs):  # interleaved, so a slow moment of the machine does not favour one
        runs["without_previews"].append(run_once(pipeline, samples, None))
        runs["previews_wait"].append(run_once(pipeline, samples, "wait"))
        runs["previews_interrupt"].append(run_once(pipeline, samples, "interrupt"))
    for name, results in runs.items():
        report[name] = {key: _median([r[key] for r in results if key in r]) for key in results[0]}
    off = report["without_previews"]["end_of_speech_to_image_s"]
    for name in ("previews_wait", "previews_interrupt"):
        report[name]["final_image_later_by_s"] = round(report[name]["end_of_speech_to_image_s"] - off, 3)
    print(json.dumps(report, indent=1))
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
