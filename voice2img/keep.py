"""Keep: the PNG, its metadata and a JSON sidecar — written so that no work is lost.

The PNG carries an AUTOMATIC1111-style ``parameters`` text chunk, which A1111, ComfyUI,
InvokeAI, civitai and most image browsers read, plus a ``voice2img`` chunk with this tool's
own fields (transcript, source audio, ASR backend and model, stage timings). The same facts go
into ``<name>.json`` beside the image. With a :class:`voice2img.provenance.Marker`, the image also
gets its AI-generated marks (watermark, XMP, a signed C2PA manifest) before it is written. Files
are written to a temporary name and renamed, so a crash never leaves half an image (or one
without its marks), and an existing output is never overwritten.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

from .files import write_atomic
from .provenance.xmp import KEY as XMP_KEY

PARAMETERS_KEY = "parameters"
FIELDS_KEY = "voice2img"


def a1111_parameters(prompt: str, negative_prompt: str, *, steps: int, sampler: str, guidance: float,
                     seed: int, width: int, height: int, model: str, version: str,
                     strength: float | None = None) -> str:
    """The ``parameters`` text exactly as AUTOMATIC1111 writes it (``Denoising strength`` for
    image-to-image)."""
    lines = [prompt]
    if negative_prompt:
        lines.append(f"Negative prompt: {negative_prompt}")
    settings = {
        "Steps": steps, "Sampler": sampler, "CFG scale": _number(guidance), "Seed": seed,
        "Size": f"{width}x{height}", "Model": _a1111_value(model),
    }
    if strength is not None:
        settings["Denoising strength"] = _number(strength)
    settings["Version"] = f"voice2img {version}"
    lines.append(", ".join(f"{k}: {v}" for k, v in settings.items()))
    return "\n".join(lines)


def parse_a1111_parameters(text: str) -> dict:
    """Read a ``parameters`` text back: prompt, negative prompt and the settings line."""
    lines = text.split("\n")
    settings_line = lines.pop() if lines and ": " in lines[-1] and "Steps: " in lines[-1] else ""
    negative = []
    for i, line in enumerate(lines):
        if line.startswith("Negative prompt: "):
            negative = [line.removeprefix("Negative prompt: ")] + lines[i + 1 :]
            lines = lines[:i]
            break
    out = {"prompt": "\n".join(lines), "negative_prompt": "\n".join(negative)}
    for part in settings_line.split(", "):
        key, _, value = part.partition(": ")
        if key:
            out[key] = value
    return out


def unique_stem(out_dir: Path, stem: str, taken: set[str] | None = None) -> str:
    """``stem``, or ``stem-1``, ``stem-2``… — the first name with no PNG or JSON in ``out_dir``,
    claimed at once by creating its PNG (empty until written), so that two drawings finishing
    together — two threads, or two processes writing to one folder — never take the same name."""
    taken = taken if taken is not None else set()
    candidate, n = stem, 0
    while True:
        if candidate not in taken and not (out_dir / f"{candidate}.json").exists():
            try:
                os.close(os.open(out_dir / f"{candidate}.png", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            except FileExistsError:
                pass
            else:
                taken.add(candidate)
                return candidate
        n += 1
        candidate = f"{stem}-{n}"


def save(image, out_dir: str | os.PathLike, stem: str, parameters: str, fields: dict,
         taken: set[str] | None = None, overwrite: bool = False, marker=None, made: dict | None = None) -> tuple[Path, Path]:
    """Write ``<stem>.png`` (with both metadata chunks) and ``<stem>.json``; return their paths.

    By default an existing output is never replaced (the stem gets ``-1``, ``-2``…). The batch
    runner, which owns its output folder and names outputs deterministically, passes
    ``overwrite=True`` so that redoing an interrupted item replaces its own partial work.
    ``marker`` adds the provenance marks; ``made`` tells it the ``model``, ``prompt``,
    ``negative_prompt`` and ``transcript``. A mark that cannot be made raises, and nothing is written.
    """
    from PIL.PngImagePlugin import PngInfo

    out = Path(out_dir)
    (out / stem).parent.mkdir(parents=True, exist_ok=True)
    if not overwrite:
        stem = unique_stem(out, stem, taken)
    png_path, json_path = out / f"{stem}.png", out / f"{stem}.json"
    try:
        info = PngInfo()
        info.add_text(PARAMETERS_KEY, parameters)
        if marker is not None:
            fields = {**fields, "marks": marker.describe(image.size)}
            image = marker.watermark(image)
            info.add_itxt(XMP_KEY, marker.xmp(made["prompt"], made["model"]))
        info.add_itxt(FIELDS_KEY, json.dumps(fields, ensure_ascii=False))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", pnginfo=info)
        png = buffer.getvalue()
        if marker is not None:  # last: the signature covers every byte before it
            png = marker.sign(png, title=png_path.name, **made)
    except BaseException:
        if not overwrite:
            png_path.unlink(missing_ok=True)  # the name claimed for it is free again: nothing was written
        raise
    sidecar = {"image": png_path.name, PARAMETERS_KEY: parameters, **fields}
    # The JSON last: its presence says the PNG beside it is complete.
    write_atomic(png_path, png)
    write_atomic(json_path, json.dumps(sidecar, indent=2, ensure_ascii=False) + "\n")
    return png_path, json_path


def read_metadata(png_path: str | os.PathLike) -> dict:
    """The ``parameters`` text (parsed) and voice2img's fields from a PNG this module wrote."""
    from PIL import Image

    with Image.open(png_path) as image:
        text = image.text  # both tEXt and iTXt chunks
    out = {PARAMETERS_KEY: text.get(PARAMETERS_KEY, "")}
    out["a1111"] = parse_a1111_parameters(out[PARAMETERS_KEY]) if out[PARAMETERS_KEY] else {}
    out[FIELDS_KEY] = json.loads(text[FIELDS_KEY]) if FIELDS_KEY in text else {}
    return out


def remove_stale_temporaries(out_dir: str | os.PathLike) -> list[Path]:
    """Delete the temporary files a killed writer left under ``out_dir``; return them."""
    stale = [p for p in Path(out_dir).rglob(".*.tmp*") if p.is_file()] if Path(out_dir).is_dir() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def _number(value: float) -> str:
    return f"{value:g}"


def _a1111_value(value: str) -> str:
    # A1111 quotes values holding its separators so that readers split the line correctly.
    return json.dumps(value) if any(c in value for c in ',:"') else value
