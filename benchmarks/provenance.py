"""AI-generated marks: what each costs per image, and what survives common edits.

    .venv/bin/python benchmarks/provenance.py [--photos DIR] [--size 512] [--repeat 5] [--no-draw]

Survival: each picture is kept with all three marks (voice2img.keep.save with a Marker), then
edited the way pictures get edited on their way around the web — JPEG at quality 90 and 75,
resized to half, a 10 % crop (5 % off each side), a plain re-save through Pillow — and read back
with voice2img.provenance.verify(). Pictures: the photos in --photos (default: scikit-image's
bundled sample photos, if scikit-image is installed: `pip install scikit-image`), centre-cropped
and resized to --size, and images drawn by the tiny offline model at --size.

Overhead: keep.save with and without the marks on the same image, best of --repeat, and, in the
same run, one CPU image from SD-Turbo's real architecture (random weights, 1 step, --size) as
the yardstick the issue names ("a few percent of a CPU image"); --no-draw skips that. Prints JSON.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EDITS = ("none", "jpeg_q90", "jpeg_q75", "half_size", "crop_10pct", "pillow_resave")


def photos(folder: Path | None, size: int) -> dict:
    from PIL import Image, ImageOps

    if folder is None:
        try:
            import skimage

            folder = Path(skimage.__file__).parent / "data"
        except ImportError:
            return {}
    out = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in (".png", ".jpg", ".jpeg"):
            continue
        with Image.open(path) as image:
            if min(image.size) < size // 2 or image.mode not in ("RGB", "RGBA"):
                continue  # grey test charts and thumbnails say little about drawn images
            out[path.stem] = ImageOps.fit(image.convert("RGB"), (size, size), Image.LANCZOS)
    return out


def drawn(size: int, count: int) -> dict:
    from voice2img.draw import DrawingOptions, Renderer
    from voice2img.testing import save_tiny_pipeline
    from voice2img.understand import ImageRequest, RequestSettings

    with tempfile.TemporaryDirectory() as tmp:
        renderer = Renderer(DrawingOptions(model=str(save_tiny_pipeline(Path(tmp) / "tiny")), steps=2, width=size, height=size))
        prompts = ["a red fox in the snow", "a lighthouse at dusk", "a bowl of fruit", "a city street in rain"]
        return {f"tiny-model-{i}": renderer.render(ImageRequest(prompts[i % len(prompts)],
                                                                settings=RequestSettings(seed=i))).image
                for i in range(count)}


def edit(png: Path, how: str, out: Path) -> Path:
    from PIL import Image

    with Image.open(png) as image:
        image.load()
        w, h = image.size
        if how == "none":
            return png
        if how.startswith("jpeg"):
            target = out.with_suffix(".jpg")
            image.convert("RGB").save(target, "JPEG", quality=int(how[-2:]))
            return target
        if how == "half_size":
            image = image.resize((w // 2, h // 2), Image.LANCZOS)
        elif how == "crop_10pct":
            image = image.crop((w // 20, h // 20, w - w // 20, h - h // 20))
        image.save(out, "PNG")  # Pillow keeps no text chunks unless asked: what most tools do
        return out


def survival(pictures: dict, method: str) -> tuple[dict, list, list]:
    """(counts per edit, PSNR of each marked picture against its original, pictures whose
    watermark was not found even unedited)."""
    import numpy as np
    from PIL import Image

    from voice2img import keep
    from voice2img.provenance import Marker, verify, watermark
    from voice2img.provenance.report import trust_anchors

    watermark.METHOD = method  # embedding and detection both read it
    marker = Marker().prepare()  # makes the local keys, so that they are trusted below
    anchors = trust_anchors()
    counts = {how: {"c2pa_valid": 0, "xmp": 0, "watermark": 0, "bit_errors": []} for how in EDITS}
    psnr, unmarked = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, picture in pictures.items():
            made = {"model": "bench", "prompt": name, "negative_prompt": "", "transcript": ""}
            png, _ = keep.save(picture, tmp, name, name, {}, marker=marker, made=made)
            with Image.open(png) as kept:
                error = np.asarray(kept.convert("RGB"), float) - np.asarray(picture.convert("RGB"), float)
            psnr.append(round(float(10 * np.log10(255 ** 2 / max((error ** 2).mean(), 1e-12))), 1))
            for how in EDITS:
                report = verify(edit(png, how, tmp / f"{name}-{how}.png"), anchors)
                c = counts[how]
                c["c2pa_valid"] += report.c2pa.state == "valid"
                c["xmp"] += bool(report.xmp.get("digital_source_type"))
                c["watermark"] += bool(report.watermark.get("found"))
                c["bit_errors"].append(report.watermark.get("bit_errors"))
                if how == "none" and not report.watermark.get("found"):
                    unmarked.append(name)
    return counts, psnr, unmarked


def overhead(size: int, repeat: int, draw: bool, methods: list[str]) -> dict:
    from PIL import Image

    from voice2img import keep
    from voice2img.provenance import Marker

    image = next(iter(photos(None, size).values()), None) or Image.effect_mandelbrot((size, size), (-2, -1.5, 1, 1.5), 100).convert("RGB")
    marker = Marker().prepare()
    made = {"model": "bench", "prompt": "a red fox", "negative_prompt": "", "transcript": ""}
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        def best(fn):
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                fn()
                times.append(time.perf_counter() - started)
            return min(times)

        plain = best(lambda: keep.save(image, tmp, "plain", "p", {}, overwrite=True))
        marked = best(lambda: keep.save(image, tmp, "marked", "p", {}, overwrite=True, marker=marker, made=made))
        watermark = best(lambda: marker.watermark(image))
        from voice2img.provenance import watermark as module

        ours = module.METHOD
        for method in methods:
            module.METHOD = method
            out[f"watermark_{method}_s"] = round(best(lambda: marker.watermark(image)), 4)
        module.METHOD = ours
        png = io.BytesIO()
        image.save(png, "PNG")
        sign = best(lambda: marker.sign(png.getvalue(), title="x.png", **made))
        out.update({"size": size, "keep_plain_s": round(plain, 4), "keep_marked_s": round(marked, 4),
               "marks_s": round(marked - plain, 4), "watermark_s": round(watermark, 4), "c2pa_sign_and_check_s": round(sign, 4)})
    if draw:
        import torch

        from voice2img.testing import build_random_pipeline

        torch.set_grad_enabled(False)
        pipe = build_random_pipeline("sd-turbo")
        run = lambda: pipe("a red fox", num_inference_steps=1, guidance_scale=0.0, width=size, height=size)  # noqa: E731
        run()  # warm-up
        started = time.perf_counter()
        run()
        out["sd_turbo_cpu_image_s"] = round(time.perf_counter() - started, 3)
        out["marks_share_of_a_cpu_image"] = round((marked - plain) / out["sd_turbo_cpu_image_s"], 4)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=Path, help="a folder of photos (default: scikit-image's sample photos)")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--drawn", type=int, default=4, help="images drawn by the tiny offline model (default: 4)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-draw", action="store_true", help="skip the SD-Turbo CPU image used as the yardstick")
    parser.add_argument("--methods", default="dwtDctSvd,dwtDct",
                        help="watermark methods to compare; the first is voice2img's (default: %(default)s)")
    args = parser.parse_args()
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="voice2img-bench-config-")  # its own keys, not yours
    found = photos(args.photos, args.size)
    pictures = {**found, **drawn(args.size, args.drawn)}
    from voice2img.provenance import watermark

    ours = watermark.METHOD
    report = {"pictures": {"photos": sorted(found), "drawn_by_tiny_model": args.drawn, "size": args.size}}
    for method in args.methods.split(","):
        counts, psnr, unmarked = survival(pictures, method)
        table = {}
        for how, c in counts.items():
            errors = sorted(e for e in c.pop("bit_errors") if e is not None)
            table[how] = {k: f"{v}/{len(pictures)}" for k, v in c.items()}
            table[how]["watermark_bit_errors_median_of_48"] = errors[len(errors) // 2] if errors else None
        report[f"survival_{method}"] = {"psnr_db_median": sorted(psnr)[len(psnr) // 2], "psnr_db_min": min(psnr),
                                        "not_found_even_unedited": unmarked, "edits": table}
    watermark.METHOD = ours
    report["overhead"] = overhead(args.size, args.repeat, not args.no_draw, args.methods.split(","))
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
