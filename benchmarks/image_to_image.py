"""Image-to-image against text-to-image, at the same size, on a real-size architecture.

    .venv/bin/python benchmarks/image_to_image.py [--family sd-turbo] [--size 512] [--repeat 2] [--device cpu]

Builds the family's real architecture with random weights (speed does not depend on the values)
and times, in one run and through voice2img's Renderer (the pipeline handed to it as loaded): a text-to-image drawing with the profile's
steps, and image-to-image drawings from a picture at the profile's default strength and at 0.25
(where the steps are raised so that steps × strength reaches one). Best of --repeat. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--family", default="sd-turbo", choices=["sd-turbo", "sdxl-turbo"])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    import numpy as np
    from PIL import Image

    from voice2img.draw import DrawingOptions, Renderer
    from voice2img.pictures import picture_from_bytes
    from voice2img.testing import build_random_pipeline
    from voice2img.understand import ImageRequest, RequestSettings

    renderer = Renderer(DrawingOptions(model=args.family, profile=args.family, device=args.device,
                                       width=args.size, height=args.size))
    # The random-weight pipeline goes in as if loaded: saving 5 GB of random weights to load them
    # back would measure the disk, not the drawing.
    pipe = build_random_pipeline(args.family).to(args.device)
    renderer.pipe, renderer._free, renderer.device, renderer.dtype = pipe, [pipe], args.device, "float32"
    rng = np.random.default_rng(0)
    photo = Image.fromarray((rng.random((args.size, args.size, 3)) * 255).astype(np.uint8))
    import io

    buffer = io.BytesIO()
    photo.save(buffer, "PNG")
    picture = picture_from_bytes(buffer.getvalue(), "photo.png")

    def best(request, init=None):
        renderer.render(request, init=init)  # warm-up
        times, drawing = [], None
        for _ in range(args.repeat):
            started = time.perf_counter()
            drawing = renderer.render(request, init=init)
            times.append(time.perf_counter() - started)
        return round(min(times), 3), drawing

    seed = RequestSettings(seed=1)
    text_s, text = best(ImageRequest("a red fox in the snow", settings=seed))
    default_s, default = best(ImageRequest("a red fox in the snow", settings=seed), picture)
    low_s, low = best(ImageRequest("a red fox in the snow", settings=RequestSettings(seed=1, strength=0.25)), picture)
    print(json.dumps({
        "family": args.family, "size": args.size, "device": renderer.device,
        "text_to_image_s": text_s, "text_to_image_steps": text.steps,
        "image_to_image_s": default_s, "image_to_image_strength": default.strength, "image_to_image_steps": default.steps,
        "image_to_image_over_text_to_image": round(default_s / text_s, 3),
        "strength_0.25_s": low_s, "strength_0.25_steps": low.steps,
        "strength_0.25_over_text_to_image": round(low_s / text_s, 3),
    }, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
