"""``voice2img verify``: read back every mark of a file and say whether it holds.

A file carries valid marks when its C2PA manifest is intact and signed by a trusted certificate,
its XMP says trainedAlgorithmicMedia, and the watermark is in its pixels. Trusted means: the
certificate chains to a trust anchor — this user's local voice2img CA (so that what you made
here verifies here), the files given with ``--trust``, or ``$VOICE2IMG_C2PA_TRUST``.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import DIGITAL_SOURCE_TYPE, TRUST_ENV


@dataclass(frozen=True)
class Report:
    """What one file carries. ``error`` is set (and nothing else) when it could not be read."""

    file: str
    error: str = ""
    c2pa: object = None  # content_credentials.ContentCredentials
    xmp: dict = field(default_factory=dict)
    watermark: dict = field(default_factory=dict)

    @property
    def problems(self) -> list[str]:
        """What keeps this file from carrying valid marks (empty when it does)."""
        if self.error:
            return [self.error]
        out = [] if self.c2pa.state == "valid" else [f"C2PA {self.c2pa.state}"]
        if self.xmp.get("digital_source_type") != DIGITAL_SOURCE_TYPE:
            out.append("no XMP DigitalSourceType trainedAlgorithmicMedia")
        if not self.watermark.get("found"):
            out.append("no watermark")
        return out

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        if self.error:
            return {"file": self.file, "ok": False, "error": self.error}
        return {"file": self.file, "ok": self.ok, "problems": self.problems, "c2pa": self.c2pa.as_dict(), "xmp": self.xmp,
                "watermark": self.watermark}

    def text(self) -> str:
        if self.error:
            return f"{self.file}: {self.error}"
        c = self.c2pa
        if c.state == "none":
            c2pa = "none"
        else:
            c2pa = c.state + (f", by {c.generator}" if c.generator else "") + (f", signer {c.signer!r}" if c.signer else "")
            c2pa += (f", actions {', '.join(c.actions)}" if c.actions else "")
            c2pa += (f" ({', '.join(c.failures)})" if c.state != "valid" and c.failures else "")
        source = self.xmp.get("digital_source_type") or "none"
        w = self.watermark
        mark = f"found ({w['payload']!r}, {w['bit_errors']} of 48 bits off)" if w.get("found") else f"not found{' (' + w['why'] + ')' if w.get('why') else ''}"
        return "\n".join([f"{self.file}: {'valid marks' if self.ok else '; '.join(self.problems)}",
                          f"  c2pa:      {c2pa}", f"  xmp:       DigitalSourceType {source}", f"  watermark: {mark}"])


def trust_anchors(extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """PEM text of every trust anchor: the local CA, ``extra`` files and ``$VOICE2IMG_C2PA_TRUST``."""
    from ..errors import Voice2ImgError
    from .keys import local_trust_anchor

    anchors = [a for a in [local_trust_anchor()] if a]
    paths = list(extra) + [p for p in os.environ.get(TRUST_ENV, "").split(os.pathsep) if p]
    for path in paths:
        try:
            anchors.append(Path(path).read_text())
        except (OSError, UnicodeDecodeError):
            raise Voice2ImgError(f"cannot read the trust anchors file {path}") from None
    return tuple(anchors)


def verify_file(path, trust: tuple[str, ...] = ()) -> Report:
    """Read every mark of one file. ``trust`` holds PEM trust anchors (see :func:`trust_anchors`)."""
    from PIL import Image

    from . import content_credentials, watermark, xmp

    name = os.fspath(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return Report(name, error=f"cannot read it ({exc.strerror})")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            kind = image.format
            packet = image.info.get(xmp.KEY) or image.info.get("xmp") or ""
            found = watermark.detect(image)
    except Image.DecompressionBombError:
        return Report(name, error="too many pixels to check (a decompression bomb?)")
    except (OSError, SyntaxError, ValueError) as exc:
        if "truncated" in str(exc) or data[:8] == b"\x89PNG\r\n\x1a\n":
            return Report(name, error="the image is truncated or damaged")
        return Report(name, error="not an image")
    if isinstance(packet, bytes):
        packet = packet.decode("utf-8", "replace")
    mime = Image.MIME.get(kind, "image/png")
    return Report(name, c2pa=content_credentials.read(data, mime, trust), xmp=xmp.read(packet), watermark=found)
