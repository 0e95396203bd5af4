"""Provenance: every kept image says, in ways machines read, that it was made by an AI model.

Three marks, each readable by tools people already use (EU AI Act, Article 50):

1. **C2PA Content Credentials** (:mod:`.content_credentials`): a signed manifest inside the PNG with a
   ``c2pa.created`` action, IPTC's ``trainedAlgorithmicMedia`` source type, voice2img as the
   software agent and the image model. Read by ``c2patool``, ``c2pa-python`` and Adobe's
   Content Credentials site.
2. **XMP** (:mod:`.xmp`): ``Iptc4xmpExt:DigitalSourceType`` and the prompt as the description,
   read by ``exiftool`` and every photo manager.
3. **An invisible watermark** (:mod:`.watermark`) in the pixels, for when metadata is stripped.
   It survives a re-save and JPEG at quality 90, not resizing or cropping: docs/provenance.md
   has the measured survival table.

:class:`Marker` applies them in :func:`voice2img.keep.save`, before the file is renamed into
place, so a file is complete with its marks or not there at all. :func:`verify` reads them back.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from .. import __version__

DIGITAL_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
CERT_ENV, KEY_ENV, TRUST_ENV = "VOICE2IMG_C2PA_CERT", "VOICE2IMG_C2PA_KEY", "VOICE2IMG_C2PA_TRUST"


@dataclass(frozen=True)
class MarkOptions:
    """What to put in each kept image. All on by default; the operator may switch them off.

    ``cert``/``key``: PEM files of the operator's signing certificate chain (leaf first) and its
    private key (default: ``$VOICE2IMG_C2PA_CERT``/``$VOICE2IMG_C2PA_KEY``, else voice2img's local
    certificate, made on first use — valid but not trusted by anyone else). ``include_transcript``:
    also put what was said in the C2PA manifest (it can be personal, so off by default; the PNG's
    own ``voice2img`` chunk holds it either way).
    """

    c2pa: bool = True
    watermark: bool = True
    cert: str | None = None
    key: str | None = None
    include_transcript: bool = False


class Marker:
    """Applies the marks of :class:`MarkOptions`; loads the signing credentials once."""

    def __init__(self, options: MarkOptions | None = None):
        self.options = options or MarkOptions()
        self._lock = threading.Lock()
        self._credentials = None

    @property
    def credentials(self):
        """The signing credentials (loaded, or made on first use); None when C2PA is off."""
        if not self.options.c2pa:
            return None
        with self._lock:
            if self._credentials is None:
                from .keys import load_credentials

                cert = self.options.cert or os.environ.get(CERT_ENV)
                key = self.options.key or os.environ.get(KEY_ENV)
                self._credentials = load_credentials(cert, key)
            return self._credentials

    def prepare(self) -> "Marker":
        """Load the signing credentials now, so that unusable ones stop a run before any work."""
        self.credentials
        return self

    def watermark(self, image):
        """The image with the invisible watermark (as it is when the watermark is off)."""
        if not self.options.watermark:
            return image
        from .watermark import embed

        return embed(image)

    def xmp(self, prompt: str, model: str) -> str:
        from .xmp import packet

        return packet(prompt, software=f"voice2img {__version__}", model=model)

    def sign(self, png: bytes, *, title: str, model: str, prompt: str, negative_prompt: str,
             transcript: str | None, ingredient=None) -> bytes:
        """The PNG with a signed C2PA manifest, checked by reading it back; unchanged when C2PA is off.
        ``ingredient`` is the starting picture of an image-to-image drawing (voice2img.pictures.Picture)."""
        if not self.options.c2pa:
            return png
        from .content_credentials import sign

        return sign(png, self.credentials, title=title, model=model, prompt=prompt, negative_prompt=negative_prompt,
                    transcript=transcript if self.options.include_transcript else None, ingredient=ingredient)

    def describe(self, size: tuple[int, int]) -> dict:
        """What the marks of an image of ``size`` are, for its metadata (written before signing)."""
        from .watermark import describe

        return {"c2pa": self.credentials.describe() if self.options.c2pa else "off",
                "xmp": "Iptc4xmpExt:DigitalSourceType trainedAlgorithmicMedia",
                "watermark": describe(size) if self.options.watermark else "off"}


def verify(path, trust: tuple[str, ...] = ()):
    """Read every mark of one file; see :mod:`.report`."""
    from .report import verify_file

    return verify_file(path, trust)
