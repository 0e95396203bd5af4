"""What one request may ask of a shared server: the operator's limits.

Both shells read them: ``voice2img serve`` builds them from its flags (and shows their defaults
in ``--help``), and the web studio checks every request against them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .defaults import MAX_RECORDING_SECONDS
from .errors import Voice2ImgError
from .understand import ImageRequest


@dataclass(frozen=True)
class Limits:
    """What one request may ask of a shared server; the operator sets these (``voice2img serve``)."""

    concurrency: int = 1  # requests drawn at the same time (see Studio: they share each model's weights)
    max_queue: int = 16  # requests allowed to wait; more are turned away with a message
    max_upload_mb: float = 25.0
    max_audio_seconds: float | None = MAX_RECORDING_SECONDS
    max_images: int = 4  # images per request ("draw four of them")
    max_steps: int = 50
    max_pixels: int = 1536 * 1024  # width × height of one image
    max_typed_chars: int = 2000
    pause_seconds: float = 0.6  # the web page's starting value for the pause that ends a request

    def check(self, steps: int | None = None, width: int | None = None, height: int | None = None,
              images: int | None = None) -> None:
        """Settings about to be used (from the boxes, or as drawn): a Voice2ImgError naming the
        limit when one is passed. None: not given."""
        if steps is not None and not 1 <= steps <= self.max_steps:
            raise Voice2ImgError(f"steps must be between 1 and {self.max_steps} on this server (got {steps})")
        if width is not None and height is not None and width * height > self.max_pixels:
            raise Voice2ImgError(f"{width}×{height} is larger than this server draws: at most {self.max_pixels:,} "
                                 f"pixels an image (for example {_example_size(self.max_pixels)}); lower the width or height")
        if images is not None and images > self.max_images:
            raise Voice2ImgError(f"this server draws at most {self.max_images} images a request (asked: {images})")

    def fit(self, request: ImageRequest) -> ImageRequest:
        """A spoken or typed request brought within the limits, with a note for each change:
        what was said is honoured as far as this server allows, not refused."""
        s, notes = request.settings, list(request.notes)
        if s.num_images and s.num_images > self.max_images:
            s = replace(s, num_images=self.max_images)
            notes.append(f"this server draws at most {self.max_images} images a request")
        if s.steps and s.steps > self.max_steps:
            s = replace(s, steps=self.max_steps)
            notes.append(f"this server draws at most {self.max_steps} steps")
        if s.width and s.height and s.width * s.height > self.max_pixels:
            width, height = self.fit_size(s.width, s.height)
            notes.append(f"{s.width}×{s.height} is larger than this server draws; drawing {width}×{height}")
            s = replace(s, width=width, height=height)
        if s is request.settings:
            return request
        return replace(request, settings=s, notes=tuple(notes))

    def fit_size(self, width: int, height: int) -> tuple[int, int]:
        """The largest size of the same shape within ``max_pixels``, in multiples of 64."""
        if width * height <= self.max_pixels:
            return width, height
        scale = (self.max_pixels / (width * height)) ** 0.5
        return max(64, int(width * scale) // 64 * 64), max(64, int(height * scale) // 64 * 64)


def _example_size(pixels: int) -> str:
    side = int(pixels ** 0.5) // 64 * 64
    return f"{side}×{side}"
