"""Prompt-domain vocabulary for Whisper: the words of image prompts that it tends to mishear.

Whisper conditions on an "initial prompt" (the text it believes came before), which nudges
spelling and word choice towards the words in it — "watercolor" rather than "water color".
Whether that helps on spoken image prompts is measured by ``benchmarks/fidelity.py
--vocabulary``; README says what it found and the default follows the numbers.
"""

from __future__ import annotations

import os

DEFAULT_TERMS = [
    # media and styles
    "watercolor", "oil painting", "acrylic", "gouache", "pastel", "charcoal", "pencil sketch", "ink drawing",
    "pixel art", "3D render", "low poly", "isometric", "anime", "manga", "comic book", "cartoon", "vector art",
    "photorealistic", "photograph", "illustration", "concept art", "digital art", "line art", "ukiyo-e",
    "art nouveau", "art deco", "impressionist", "surrealist", "cyberpunk", "steampunk", "vaporwave", "claymation",
    # light and camera
    "cinematic lighting", "golden hour", "bokeh", "depth of field", "wide angle", "macro", "close-up",
    "studio lighting", "backlit", "silhouette", "HDR", "long exposure", "tilt-shift", "35mm",
]


def initial_prompt(extra: list[str] | None = None) -> str:
    """The vocabulary as Whisper's initial prompt; extra terms (and $VOICE2IMG_VOCABULARY, a file
    with one term a line) come first."""
    terms = list(extra or [])
    path = os.environ.get("VOICE2IMG_VOCABULARY")
    if path and os.path.isfile(path):
        terms += [line.strip() for line in open(path, encoding="utf-8") if line.strip()]
    terms += DEFAULT_TERMS
    return "An image prompt: " + ", ".join(dict.fromkeys(terms)) + "."
