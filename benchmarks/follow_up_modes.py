"""Follow-ups on the picture on screen: refine it (image-to-image) or redraw it (same seed, from noise)?

    .venv/bin/python benchmarks/follow_up_modes.py [--seeds 6] [--size 256] [--strengths 0.3 0.5 0.6 0.8] [--model DIR]

A follow-up such as "make it blue" should change what was asked and keep the rest of the picture
the person liked. For each seed, the first request ("a red car on a street with people") is drawn;
then every follow-up of benchmarks/follow_ups.py that changes the prompt (rewritten by the rules,
as the web UI does) is drawn both ways from that picture, through voice2img's Renderer:

- redraw: text to image with the follow-up's prompt and the same seed (what voice2img did before);
- refine: image to image from the first picture at each strength in --strengths.

For each way it reports, as means over seeds and follow-ups (pixels compared at the first
picture's size):

- ``layout_kept``: correlation of the 16×16 grey thumbnails of the first and the new picture
  (1: the same composition, 0: unrelated), and ``pixels_changed`` (mean absolute difference, 0-1);
- ``unasked_change``: how far the same request, with nothing changed, moves the picture (redraw
  gives the same pixels; refining re-encodes and re-noises them);
- ``asked_change``: how far the follow-up's words move the picture beyond that (the new picture
  against the unchanged request drawn the same way) — a way that keeps the layout by ignoring
  the words scores 0 here;
- ``chain``: after four follow-ups in a row, each from the last picture, layout kept against
  the first picture.

Without --model this is the tiny random-weight model the tests use (no real weights are offline):
its text encoder and UNet are random, so "blue" has no meaning to it. What it measures is
what each way does to a picture's layout when the prompt changes, which does not depend on
the model knowing the words. Prints JSON.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from follow_ups import EXPECTED, FIRST  # noqa: E402

CHAIN = ["Make it blue.", "Add a hat.", "At night.", "More detailed."]


def grey_thumb(image, side: int = 16):
    import numpy as np

    return np.asarray(image.convert("L").resize((side, side)), dtype=np.float64).ravel()


def layout_kept(a, b) -> float:
    import numpy as np

    x, y = grey_thumb(a), grey_thumb(b.resize(a.size))
    if x.std() == 0 or y.std() == 0:
        return 1.0 if np.allclose(x, y) else 0.0
    return float(np.corrcoef(x, y)[0, 1])


def pixels_changed(a, b) -> float:
    import numpy as np

    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b.resize(a.size).convert("RGB"), dtype=np.float64)
    return float(np.abs(x - y).mean() / 255)


def as_picture(image, name: str):
    from voice2img.pictures import picture_from_bytes

    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return picture_from_bytes(buffer.getvalue(), name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--strengths", type=float, nargs="+", default=[0.3, 0.5, 0.6, 0.8])
    parser.add_argument("--model", help="a diffusers folder (default: the tiny random-weight test model)")
    args = parser.parse_args()

    from dataclasses import replace
    from statistics import mean

    from voice2img.draw import DrawingOptions, Renderer
    from voice2img.testing import save_tiny_pipeline
    from voice2img.understand import ImageRequest, RequestSettings
    from voice2img.understand.rules import RulesRewriter

    tmp = tempfile.TemporaryDirectory()
    model = args.model or str(save_tiny_pipeline(Path(tmp.name) / "tiny"))
    renderer = Renderer(DrawingOptions(model=model, device="cpu", width=args.size, height=args.size))
    rules = RulesRewriter()
    first = rules.rewrite(FIRST)
    follow_ups = []
    for said, prompt, negative, action, _ in EXPECTED:
        request = rules.rewrite(said, first)
        if action == "draw" and prompt and (request.prompt, request.negative_prompt) != (first.prompt, first.negative_prompt):
            follow_ups.append((said, request))

    def draw(request, seed, init=None, strength=None):
        settings = replace(request.settings, seed=seed, strength=strength)
        return renderer.render(replace(request, settings=settings), init=init).image

    ways = ["redraw"] + [f"refine {s:g}" for s in args.strengths]
    rows = {w: {"layout_kept": [], "pixels_changed": [], "unasked_change": [], "asked_change": [], "chain": []} for w in ways}
    for seed in range(args.seeds):
        a = draw(first, seed)
        start = as_picture(a, "first.png")
        for way in ways:
            strength = None if way == "redraw" else float(way.split()[1])
            init = None if way == "redraw" else start
            same = draw(first, seed, init, strength)
            rows[way]["unasked_change"].append(pixels_changed(a, same))
            for _, request in follow_ups:
                b = draw(request, seed, init, strength)
                rows[way]["layout_kept"].append(layout_kept(a, b))
                rows[way]["pixels_changed"].append(pixels_changed(a, b))
                rows[way]["asked_change"].append(pixels_changed(same, b))
            current, picture = first, start
            for said in CHAIN:
                current = rules.rewrite(said, current)
                b = draw(current, seed, None if way == "redraw" else picture, strength)
                picture = as_picture(b, "step.png")
            rows[way]["chain"].append(layout_kept(a, b))
    out = {
        "model": "tiny random-weight test model" if not args.model else args.model,
        "size": args.size, "seeds": args.seeds, "follow_ups": [s for s, _ in follow_ups], "chain": CHAIN,
        "ways": {w: {k: round(mean(v), 3) for k, v in r.items()} for w, r in rows.items()},
    }
    print(json.dumps(out, indent=1))
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
