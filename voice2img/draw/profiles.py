"""Model profiles: each diffusion family's sensible defaults, all overridable.

A profile is picked from what the model *is* first — the pipeline class in its
``model_index.json`` (a local folder, or a hub model already in the cache), the layers in a
single ``.safetensors`` file, and finally the class of the pipeline diffusers loaded — and from
its name second, for what the class cannot tell: SD-Turbo is a ``StableDiffusionPipeline`` and
Playground v2.5 a ``StableDiffusionXLPipeline``. ``--profile`` forces one. Users override any
field with ``--steps``, ``--guidance``, ``--width`` and ``--height``.
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass, field

DEFAULT_IMAGE_MODEL = "stabilityai/sd-turbo"


@dataclass(frozen=True)
class ModelProfile:
    name: str
    steps: int
    guidance: float
    width: int
    height: int
    gpu_dtype: str = "float16"
    size_multiple: int = 8  # the VAE's downsampling factor times the transformer's patch size
    single_file_class: str = "StableDiffusionPipeline"
    extra: dict = field(default_factory=dict)  # extra keyword arguments for the pipeline call
    description: str = ""
    tiny_vae: str | None = "madebyollin/taesd"  # the TAESD-compatible AutoencoderTiny for --vae tiny (None: none exists)
    strength: float = 0.6  # image-to-image: how much of a starting picture may change (0: none, 1: all)


PROFILES: dict[str, ModelProfile] = {p.name: p for p in [
    ModelProfile("sd-turbo", 1, 0.0, 512, 512, description="SD-Turbo: one step, no guidance", strength=0.5),
    ModelProfile("sdxl-turbo", 1, 0.0, 512, 512, single_file_class="StableDiffusionXLPipeline",
                 description="SDXL-Turbo: one step, no guidance", tiny_vae="madebyollin/taesdxl", strength=0.5),
    ModelProfile("sd15", 25, 7.5, 512, 512, description="Stable Diffusion 1.x and 2.x"),
    ModelProfile("sdxl", 30, 5.0, 1024, 1024, single_file_class="StableDiffusionXLPipeline",
                 description="Stable Diffusion XL", tiny_vae="madebyollin/taesdxl"),
    ModelProfile("playground", 50, 3.0, 1024, 1024, single_file_class="StableDiffusionXLPipeline",
                 description="Playground v2.5 (SDXL architecture, its own scheduler)", tiny_vae=None),
    ModelProfile("lcm", 4, 1.0, 512, 512, description="latent consistency models: few steps, low guidance"),
    ModelProfile("sd3", 28, 7.0, 1024, 1024, size_multiple=16, single_file_class="StableDiffusion3Pipeline",
                 description="Stable Diffusion 3 and 3.5", tiny_vae="madebyollin/taesd3"),
    ModelProfile("sd3-turbo", 4, 0.0, 1024, 1024, gpu_dtype="bfloat16", size_multiple=16,
                 single_file_class="StableDiffusion3Pipeline", description="SD 3.5 Large Turbo: four steps, no guidance",
                 tiny_vae="madebyollin/taesd3"),
    ModelProfile("flux-schnell", 4, 0.0, 1024, 1024, gpu_dtype="bfloat16", size_multiple=16,
                 single_file_class="FluxPipeline", extra={"max_sequence_length": 256},
                 description="FLUX.1-schnell: four steps, no guidance", tiny_vae="madebyollin/taef1"),
    ModelProfile("flux-dev", 28, 3.5, 1024, 1024, gpu_dtype="bfloat16", size_multiple=16,
                 single_file_class="FluxPipeline", extra={"max_sequence_length": 512},
                 description="FLUX.1-dev", tiny_vae="madebyollin/taef1"),
    ModelProfile("pixart", 20, 4.5, 1024, 1024, size_multiple=16, single_file_class="PixArtSigmaPipeline",
                 description="PixArt-α and PixArt-Σ"),
    ModelProfile("sana", 20, 4.5, 1024, 1024, gpu_dtype="bfloat16", size_multiple=32,
                 single_file_class="SanaPipeline", description="Sana (its deep-compression autoencoder works in 32-pixel cells)",
                 tiny_vae=None),
    ModelProfile("kolors", 50, 5.0, 1024, 1024, single_file_class="KolorsPipeline", description="Kolors",
                 tiny_vae="madebyollin/taesdxl"),
]}

# A pipeline class → its family. Families with fast variants that share the class (turbo,
# schnell, Playground) are told apart by name within the family.
_FAMILY_BY_CLASS = {
    "StableDiffusionPipeline": "sd", "StableDiffusionImg2ImgPipeline": "sd",
    "StableDiffusionXLPipeline": "sdxl", "StableDiffusionXLImg2ImgPipeline": "sdxl",
    "LatentConsistencyModelPipeline": "lcm",
    "StableDiffusion3Pipeline": "sd3", "StableDiffusion3Img2ImgPipeline": "sd3",
    "FluxPipeline": "flux", "FluxImg2ImgPipeline": "flux",
    "PixArtAlphaPipeline": "pixart", "PixArtSigmaPipeline": "pixart",
    "SanaPipeline": "sana", "SanaSprintPipeline": "sana",
    "KolorsPipeline": "kolors",
}

# Layers that only one family's single-file checkpoints have (the original, non-diffusers key names).
_FAMILY_BY_KEY = (
    ("double_blocks.", "flux"),
    ("joint_blocks.", "sd3"),
    ("conditioner.embedders.1.", "sdxl"),
    ("cond_stage_model.", "sd"),
)


def profile_for(model: str, forced: str | None = None, pipeline_class: str | None = None) -> ModelProfile:
    """The profile for ``model`` (a hub id, folder or file), or the ``forced`` one by name.

    ``pipeline_class`` is the class diffusers loaded, when known; otherwise the class is read
    from the model's ``model_index.json`` where that is on this machine."""
    from ..errors import Voice2ImgError

    if forced:
        if forced not in PROFILES:
            raise Voice2ImgError(f"unknown model profile {forced!r}; choose one of {', '.join(PROFILES)}")
        return PROFILES[forced]
    name = os.path.basename(os.path.normpath(model)).lower() if os.path.exists(model) else model.lower()
    family = _FAMILY_BY_CLASS.get(pipeline_class or _declared_class(model) or "") or _single_file_family(model)
    return PROFILES[_within_family(family or _family_by_name(name), name)]


def _family_by_name(name: str) -> str:
    for words, family in ((("flux",), "flux"), (("sd3", "stable-diffusion-3"), "sd3"), (("pixart",), "pixart"),
                          (("sana",), "sana"), (("kolors",), "kolors"), (("lcm",), "lcm"),
                          (("sdxl", "-xl", "_xl", "playground"), "sdxl")):
        if any(w in name for w in words):
            return family
    return "sd"


def _within_family(family: str, name: str) -> str:
    """The profile of a family's member: turbo and schnell models draw in a few steps."""
    turbo = "turbo" in name
    if family == "sd":
        return "lcm" if "lcm" in name else "sd-turbo" if turbo else "sd15"
    if family == "sdxl":
        return "sdxl-turbo" if turbo else "playground" if "playground" in name else "lcm" if "lcm" in name else "sdxl"
    if family == "sd3":
        return "sd3-turbo" if turbo else "sd3"
    if family == "flux":
        return "flux-schnell" if "schnell" in name else "flux-dev"
    return family


def _declared_class(model: str) -> str | None:
    """The pipeline class a local folder, or a hub model already in the cache, declares — read
    without loading the model and without the network."""
    index = os.path.join(model, "model_index.json")
    if not os.path.isfile(index) and not os.path.exists(model) and model.count("/") == 1:
        try:
            from huggingface_hub import try_to_load_from_cache

            cached = try_to_load_from_cache(model, "model_index.json")
            index = cached if isinstance(cached, str) else index
        except Exception:  # noqa: BLE001 - an odd repo id or cache: fall back to the name
            pass
    try:
        with open(index, encoding="utf-8") as fp:
            return json.load(fp).get("_class_name") or None
    except (OSError, ValueError, AttributeError):
        return None


def _single_file_family(model: str) -> str | None:
    """The family of a single ``.safetensors`` checkpoint, from the layer names in its header."""
    if not (model.endswith(".safetensors") and os.path.isfile(model)):
        return None
    try:
        with open(model, "rb") as fp:
            size = struct.unpack("<Q", fp.read(8))[0]
            if size > 100_000_000:
                return None
            keys = json.loads(fp.read(size)).keys()
    except (OSError, ValueError, struct.error):
        return None
    for marker, family in _FAMILY_BY_KEY:
        if any(marker in k for k in keys):
            return family
    return None


# diffusers scheduler class → the sampler name AUTOMATIC1111 users know.
SAMPLER_NAMES = {
    "EulerDiscreteScheduler": "Euler",
    "EulerAncestralDiscreteScheduler": "Euler a",
    "DPMSolverMultistepScheduler": "DPM++ 2M",
    "DPMSolverSinglestepScheduler": "DPM++ SDE",
    "DDIMScheduler": "DDIM",
    "PNDMScheduler": "PLMS",
    "LMSDiscreteScheduler": "LMS",
    "HeunDiscreteScheduler": "Heun",
    "KDPM2DiscreteScheduler": "DPM2",
    "KDPM2AncestralDiscreteScheduler": "DPM2 a",
    "UniPCMultistepScheduler": "UniPC",
    "LCMScheduler": "LCM",
    "FlowMatchEulerDiscreteScheduler": "Euler",
}
