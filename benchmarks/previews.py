"""Live previews: how soon the first appears, how many appear while speaking, and what they cost the final image.

    .venv/bin/python benchmarks/previews.py [--family tiny|sd-turbo] [--size 512]

tests/data/long_request.wav (about 8 s of speech, four clauses) is fed to a LiveListener in real
time (each 0.5-s chunk when its time comes), as the web UI's microphone feeds it, twice in one run:
with previews (a Previewer drawing the words so far, the final image waiting behind one preview
at most) and without. Reported: from the first partial transcript with a content word to the
first preview shown, previews shown before the end of speech, preview drawing time, and end of
speech → final image for both runs. --family sd-turbo builds SD-Turbo's real architecture with
random weights (no download; speed does not depend on the values). Prints JSON.
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


def run_once(pipeline, samples, previews: bool) -> dict:
    from voice2img.live import LiveListener, LiveOptions
    from voice2img.previews import Previewer

    listener = LiveListener(pipeline, LiveOptions(previews=previews, partial_every_ms=1000))
    shown = []
    previewer = Previewer(pipeline, on_preview=lambda p: shown.append((time.monotonic(), p))) if previews else None
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
                previewer.hear(event)  # at "final": settled, so the final image waits behind one preview at most
            if event.kind == "final":
                speech_end = started + event.speech_end
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--family", default="tiny", choices=["tiny", "sd-turbo"])
    parser.add_argument("--size", type=int, default=512, help="the final image's side (sd-turbo)")
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
        pipeline = Pipeline(drawing=DrawingOptions(model="sd-turbo", profile="sd-turbo", device="cpu", width=args.size,
                                                   height=args.size))
        renderer, pipe = pipeline.renderer, build_random_pipeline("sd-turbo")
        renderer.pipe, renderer._free, renderer.device, renderer.dtype = pipe, [pipe], "cpu", "float32"
    pipeline.hearer
    samples = load_audio(ROOT / "tests" / "data" / "long_request.wav").samples
    pipeline.preview(pipeline.understand("a red fox"))  # warm both sizes before timing
    pipeline.renderer.render(pipeline.understand("a red fox"))
    report = {"family": args.family, "audio_s": round(len(samples) / 16000, 2),
              "with_previews": run_once(pipeline, samples, True), "without_previews": run_once(pipeline, samples, False)}
    on, off = report["with_previews"], report["without_previews"]
    report["final_image_later_by_s"] = round(on["end_of_speech_to_image_s"] - off["end_of_speech_to_image_s"], 3)
    print(json.dumps(report, indent=1))
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
