"""Model profiles: each diffusion family's sensible defaults, all overridable.

A profile is picked from the model reference's name (``stabilityai/sd-turbo`` → sd-turbo) or,
for a local folder, from the pipeline class in its ``model_index.json``; ``--profile`` forces one.
Users override any field with ``--steps``, ``--guidance``, ``--width`` and ``--height``.
"""

from __future__ import annotations

import json
import os
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
    size_multiple: int = 8  # the VAE's downsampling factor; FLUX packs latents in 2×2 patches
    single_file_class: str = "StableDiffusionPipeline"
    extra: dict = field(default_factory=dict)  # extra keyword arguments for the pipeline call
    description: str = ""
    tiny_vae: str = "madebyollin/taesd"  # the TAESD-compatible AutoencoderTiny for --vae tiny


PROFILES: dict[str, ModelProfile] = {p.name: p for p in [
    ModelProfile("sd-turbo", 1, 0.0, 512, 512, description="SD-Turbo: one step, no guidance"),
    ModelProfile("sdxl-turbo", 1, 0.0, 512, 512, single_file_class="StableDiffusionXLPipeline",
                 description="SDXL-Turbo: one step, no guidance", tiny_vae="madebyollin/taesdxl"),
    ModelProfile("sd15", 25, 7.5, 512, 512, description="Stable Diffusion 1.x and 2.x"),
    ModelProfile("sdxl", 30, 5.0, 1024, 1024, single_file_class="StableDiffusionXLPipeline",
                 description="Stable Diffusion XL", tiny_vae="madebyollin/taesdxl"),
    ModelProfile("lcm", 4, 1.0, 512, 512, description="latent consistency models: few steps, low guidance"),
    ModelProfile("flux-schnell", 4, 0.0, 1024, 1024, gpu_dtype="bfloat16", size_multiple=16,
                 single_file_class="FluxPipeline", extra={"max_sequence_length": 256},
                 description="FLUX.1-schnell: four steps, no guidance", tiny_vae="madebyollin/taef1"),
    ModelProfile("flux-dev", 28, 3.5, 1024, 1024, gpu_dtype="bfloat16", size_multiple=16,
                 single_file_class="FluxPipeline", extra={"max_sequence_length": 512},
                 description="FLUX.1-dev", tiny_vae="madebyollin/taef1"),
]}

# Pipeline classes in a folder's model_index.json → profile, when the name says nothing.
_BY_CLASS = {
    "StableDiffusionXLPipeline": "sdxl",
    "LatentConsistencyModelPipeline": "lcm",
    "FluxPipeline": "flux-dev",
}


def profile_for(model: str, forced: str | None = None) -> ModelProfile:
    """The profile for ``model`` (a hub id, folder or file), or the ``forced`` one by name."""
    from ..errors import Voice2ImgError

    if forced:
        if forced not in PROFILES:
            raise Voice2ImgError(f"unknown model profile {forced!r}; choose one of {', '.join(PROFILES)}")
        return PROFILES[forced]
    name = os.path.basename(os.path.normpath(model)).lower() if os.path.exists(model) else model.lower()
    if "sdxl-turbo" in name or "sdxl_turbo" in name:
        return PROFILES["sdxl-turbo"]
    if "sd-turbo" in name or "sd_turbo" in name:
        return PROFILES["sd-turbo"]
    if "flux" in name:
        return PROFILES["flux-schnell" if "schnell" in name else "flux-dev"]
    if "lcm" in name:
        return PROFILES["lcm"]
    index = os.path.join(model, "model_index.json")
    if os.path.isfile(index):
        try:
            cls = json.loads(open(index).read()).get("_class_name", "")
        except (OSError, ValueError):
            cls = ""
        if cls in _BY_CLASS:
            return PROFILES[_BY_CLASS[cls]]
    if "xl" in name:
        return PROFILES["sdxl"]
    return PROFILES["sd15"]


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
