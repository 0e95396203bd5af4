"""Draw: an ImageRequest → an image, through diffusers."""

from .profiles import DEFAULT_IMAGE_MODEL, PROFILES, ModelProfile, profile_for
from .render import Drawing, DrawingOptions, DrawSettings, Renderer

__all__ = ["DEFAULT_IMAGE_MODEL", "PROFILES", "DrawSettings", "Drawing", "DrawingOptions", "ModelProfile", "Renderer", "profile_for"]
