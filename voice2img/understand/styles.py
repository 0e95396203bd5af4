"""Style presets asked for by voice ("as pixel art", "in watercolor").

A preset adds its words after the speaker's content (they must not themselves read as a spoken
request — "anime art", not "anime style" — or rewriting the result would change it) — so that a 77-token text encoder that cuts
long prompts cuts style, never subject — and may add to the negative prompt. Users extend or
override the table with a JSON file (``--styles FILE`` or ``VOICE2IMG_STYLES``):

    {"claymation": {"says": ["claymation", "clay animation"], "prompt": "claymation, plasticine",
                    "negative": "photo"}}
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from ..errors import Voice2ImgError


@dataclass(frozen=True)
class StylePreset:
    name: str
    says: tuple[str, ...]  # how people say it
    prompt: str  # appended to the prompt
    negative: str = ""  # appended to the negative prompt


DEFAULT_STYLES: dict[str, StylePreset] = {p.name: p for p in [
    StylePreset("pixel art", ("pixel art", "pixelart", "8-bit", "8 bit", "pixel"), "pixel art, 8-bit, crisp pixels", "blurry, smooth gradients"),
    StylePreset("watercolor", ("watercolor", "water color", "watercolour", "watercolors"), "watercolor painting, soft washes, paper texture", "photo"),
    StylePreset("oil painting", ("oil painting", "oil paint", "oils"), "oil painting, visible brush strokes, canvas texture", "photo"),
    StylePreset("photo", ("photo", "photograph", "a photo", "photorealistic", "realistic", "photography"), "photograph, natural light, sharp focus, detailed", "illustration, painting, cartoon"),
    StylePreset("anime", ("anime", "manga"), "anime art, cel shading, vibrant colors", "photo, realistic"),
    StylePreset("sketch", ("sketch", "pencil sketch", "pencil drawing", "a sketch", "pencil"), "pencil sketch, graphite, hatching", "color, photo"),
    StylePreset("3d render", ("3d render", "3d", "three d", "3-d", "a 3d render", "cgi"), "3d render, octane render, soft studio lighting", "flat, drawing"),
    StylePreset("comic", ("comic", "comic book", "a comic", "cartoon", "a cartoon"), "comic book art, bold ink outlines, halftone", "photo"),
    StylePreset("cinematic", ("cinematic", "a movie still", "movie still", "film still"), "cinematic still, dramatic lighting, shallow depth of field", "cartoon"),
    StylePreset("line art", ("line art", "lineart", "line drawing"), "clean line art, black ink on white", "color, shading"),
    StylePreset("low poly", ("low poly", "low-poly", "lowpoly"), "low poly 3d art, flat shaded facets", "photo"),
]}


def load_styles(path: str | os.PathLike | None = None) -> dict[str, StylePreset]:
    """The default presets, extended (or overridden by name) from a JSON file when one is given."""
    styles = dict(DEFAULT_STYLES)
    path = path or os.environ.get("VOICE2IMG_STYLES")
    if not path:
        return styles
    try:
        data = json.loads(open(path, encoding="utf-8").read())
        for name, entry in data.items():
            says = tuple(s.lower() for s in entry.get("says", [name]))
            styles[name] = StylePreset(name, says, str(entry["prompt"]), str(entry.get("negative", "")))
    except (OSError, ValueError, KeyError, AttributeError, TypeError) as exc:
        raise Voice2ImgError(f"{path}: not a usable style preset file ({type(exc).__name__}: {exc}); "
                             f'expected {{"name": {{"says": [...], "prompt": "...", "negative": "..."}}}}') from None
    return styles
