"""Pictures in: a starting picture for image-to-image, from any file a person has.

A picture is hostile input as much as audio is. EXIF orientation is honoured (phones store
portraits sideways); transparency is flattened onto white; CMYK, 16-bit, greyscale and palette
files become 8-bit RGB; an animated GIF or WebP gives its first frame. A huge photo is shrunk
while it is decoded where the format allows it (JPEG's draft mode decodes a 50-megapixel photo at
1/2, 1/4 or 1/8 scale, so it never exists at full size in memory); a picture with more pixels
than :data:`MAX_PIXELS` — a decompression bomb, or a panorama no model can use — is refused before
it is decoded. A file that is not a picture, or is truncated, is one line that names it.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Voice2ImgError

MAX_PIXELS = 120_000_000  # above this, refused unread: beyond any camera's photo, and Pillow's bomb limit
MAX_BYTES = 200 * 1024 * 1024
SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff")  # batch pairs a recording with these


@dataclass(frozen=True, eq=False)
class Picture:
    """A starting picture as 8-bit RGB, no larger than it needs to be, plus the facts about its file."""

    image: object = field(repr=False)  # PIL.Image.Image, mode RGB
    name: str  # the file's name, as given
    sha256: str  # of the file's bytes
    width: int  # of the file's picture, after EXIF orientation
    height: int
    data: bytes = field(default=b"", repr=False)  # the file as read: C2PA hashes it as the image's ingredient
    mime: str = "application/octet-stream"  # the file's kind, as Pillow read it (image/jpeg, image/png, …)
    safety: dict | None = None  # the operator's image check's verdict on it, once it ran

    def record(self) -> dict:
        """What the metadata says about it."""
        out = {"file": self.name, "sha256": self.sha256, "width": self.width, "height": self.height}
        if self.safety is not None:
            out["safety"] = self.safety
        return out


def load_picture(path: str | os.PathLike, longest_side: int = 2048) -> Picture:
    """Read a picture file; the image is shrunk to at most ``longest_side`` pixels on its longer side."""
    name = os.fspath(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_BYTES:
            raise Voice2ImgError(f"{name}: {size / 1e6:.0f} MB is larger than a starting picture may be "
                                 f"({MAX_BYTES / 1e6:.0f} MB)")
        data = Path(path).read_bytes()
    except OSError as exc:
        raise Voice2ImgError(f"{name}: cannot read it ({exc.strerror})") from None
    return picture_from_bytes(data, name, longest_side)


def picture_from_bytes(data: bytes, name: str, longest_side: int = 2048) -> Picture:
    from PIL import Image, ImageOps

    if not data:
        raise Voice2ImgError(f"{name}: the file is empty, not a picture")
    digest = hashlib.sha256(data).hexdigest()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # MAX_PIXELS decides, below
            opened = Image.open(io.BytesIO(data))
        with opened as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise Voice2ImgError(f"{name}: {width}x{height} is {width * height / 1e6:.0f} megapixels, more than a "
                                     f"starting picture may have ({MAX_PIXELS / 1e6:.0f}); a decompression bomb?")
            if getattr(image, "n_frames", 1) > 1:
                image.seek(0)  # an animation: its first frame
            mime = Image.MIME.get(image.format or "", "application/octet-stream")
            if image.format == "JPEG":  # decoded at 1/2, 1/4 or 1/8 of each side where that is still large enough
                scale = min(1.0, longest_side / max(width, height))
                image.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
            turned = image.getexif().get(0x0112, 1) in (5, 6, 7, 8)  # a quarter turn: the sides swap
            image.load()
            if max(image.size) > longest_side:  # shrunk first, so that no copy below is full size
                image.thumbnail((longest_side, longest_side), Image.LANCZOS)
            rgb = _as_rgb(ImageOps.exif_transpose(image))  # phones store portraits sideways, with a tag
            if turned:
                width, height = height, width
    except Voice2ImgError:
        raise
    except Image.DecompressionBombError:
        raise Voice2ImgError(f"{name}: too many pixels to open safely (a decompression bomb?)") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        text = str(exc)
        if "cannot identify" in text:
            raise Voice2ImgError(f"{name}: not a picture (or a kind this tool cannot read)") from None
        raise Voice2ImgError(f"{name}: the picture is truncated or damaged ({text})") from None
    return Picture(rgb, name, digest, width, height, data, mime)


def fit(picture: Picture, width: int, height: int):
    """The picture scaled and centre-cropped to exactly ``width`` × ``height``."""
    from PIL import Image, ImageOps

    return ImageOps.fit(picture.image, (width, height), Image.LANCZOS)


def _as_rgb(image):
    """8-bit RGB from any mode: alpha onto white, CMYK and 16-bit converted."""
    import numpy as np
    from PIL import Image

    mode = image.mode
    if mode == "P" or mode == "PA":
        image = image.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") or values.max() > 255 else 255.0
        grey = np.clip(values / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    if mode == "RGB":
        return image.copy()
    return image.convert("RGB")  # CMYK, YCbCr, LAB, L, 1

