"""Render with diffusers: load a pipeline once, draw requests with reproducible seeds.

Every kind of model reference goes through diffusers' own loading code — a hub id or a local
folder through ``from_pretrained``, a single ``.safetensors``/``.ckpt`` file through
``from_single_file`` — so what works in diffusers works here, including the hub cache.
"""

from __future__ import annotations

import math
import os
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Callable

from ..errors import ModelUnavailableError, Voice2ImgError, model_unavailable
from ..understand import MAX_SEED, ImageRequest
from .profiles import DEFAULT_IMAGE_MODEL, SAMPLER_NAMES, ModelProfile, profile_for

MAX_SIDE = 4096


@dataclass(frozen=True)
class DrawingOptions:
    """The image model and the operator's overrides; None means "the profile's default"."""

    model: str = DEFAULT_IMAGE_MODEL
    profile: str | None = None
    device: str = "auto"  # auto: cuda, then mps, then cpu
    steps: int | None = None
    guidance: float | None = None
    width: int | None = None
    height: int | None = None
    seed: int | None = None
    negative: str | None = None  # a negative prompt added to every request
    vae: str | None = None  # None: the model's own; "tiny": the family's TAESD; or a hub id / folder of an AutoencoderTiny
    low_vram: bool = False  # small GPUs: attention slicing and model CPU offload (slower, far less memory)
    strength: float | None = None  # image-to-image: how much of a starting picture may change (default: the profile's)


@dataclass(frozen=True)
class DrawSettings:
    """The settings a request is drawn with: the profile's defaults, then the operator's options,
    then what the speaker asked for. Settled once (:meth:`Renderer.settings_for`, called by
    ``Pipeline.draw``) and carried from there, never recomputed downstream."""

    steps: int
    guidance: float
    width: int
    height: int
    seed: int  # the first image's; image i of a request uses seed + i
    strength: float | None = None  # image to image only: how much of the starting picture may change

    def with_steps(self, steps: int) -> "DrawSettings":
        """These settings with ``steps``, raised where needed so that image to image runs at least
        one (it runs ``steps × strength`` of them)."""
        if self.strength:
            steps = max(steps, math.ceil(1 / self.strength - 1e-9))
        return replace(self, steps=steps)

    def for_image(self, index: int) -> "DrawSettings":
        """The settings of a request's ``index``-th image (seed + index, as AUTOMATIC1111 does)."""
        return replace(self, seed=(self.seed + index) % (MAX_SEED + 1)) if index else self


@dataclass(frozen=True, eq=False)
class Drawing:
    """One rendered image and exactly how it was made."""

    image: object  # PIL.Image.Image
    prompt: str
    negative_prompt: str
    seed: int
    steps: int
    guidance: float
    width: int
    height: int
    sampler: str
    model: str
    profile: str
    device: str
    dtype: str
    seconds: float
    safety: dict | None = None  # the image check's verdict (voice2img.safety), when it ran
    strength: float | None = None  # image-to-image only: how much of the starting picture could change
    init: object = None  # image-to-image only: the starting picture (voice2img.pictures.Picture)
    retried: int = 0  # drawn again after the worker drawing it stopped (a Ray Serve replica that died)


class Renderer:
    """Holds one diffusers pipeline, loaded on first use, and draws with it from any thread.

    A diffusers pipeline keeps per-call state (its scheduler's timesteps, its tokenizer's
    buffers), so two threads must not call the same pipeline object. Each thread that draws at
    the same time as another gets its own pipeline made with ``from_pipe`` — its own scheduler
    and tokenizers, the same UNet, VAE and text encoders — as diffusers' server example does:
    N requests at once hold one copy of the weights. Under model CPU offload (``low_vram``)
    the weights move between devices per call, so drawings there take turns.
    """

    def __init__(self, options: DrawingOptions | None = None):
        self.options = options or DrawingOptions()
        self.profile: ModelProfile = profile_for(self.options.model, self.options.profile)
        self.pipe = None
        self.device = ""
        self.dtype = ""
        self._load_lock = threading.Lock()
        self._free: list = []  # pipelines sharing self.pipe's weights, not drawing now
        self._free_lock = threading.Lock()
        self._offload_lock = threading.Lock()

    def load(self) -> None:
        with self._load_lock:
            if self.pipe is not None:
                return
            import torch

            self.device = _pick_device(self.options.device)
            dtype = torch.float32 if self.device == "cpu" else getattr(torch, self.profile.gpu_dtype)
            self.dtype = str(dtype).removeprefix("torch.")
            pipe = _load_pipeline(self.options.model, self.profile, dtype)
            if not self.options.profile:  # what was loaded says more than the name did
                self.profile = profile_for(self.options.model, pipeline_class=type(pipe).__name__)
            if self.options.vae:
                pipe.vae = _load_tiny_vae(self.options.vae, self.profile, dtype)
            pipe.set_progress_bar_config(disable=True)
            if self.options.low_vram and self.device.startswith("cuda"):
                pipe.enable_attention_slicing()
                pipe.enable_model_cpu_offload()  # each part moves to the GPU only while it runs
            else:
                pipe = pipe.to(self.device)
            self._free = [pipe]
            self.pipe = pipe

    @contextmanager
    def _pipeline(self):
        """A pipeline no other thread is drawing with; made (sharing the weights) when all are busy."""
        if self.options.low_vram and self.device.startswith("cuda"):
            with self._offload_lock:
                yield self.pipe
            return
        with self._free_lock:
            pipe = self._free.pop() if self._free else None
        if pipe is None:
            pipe = self._sibling()
        try:
            yield pipe
        finally:
            with self._free_lock:
                self._free.append(pipe)

    def _sibling(self):
        """A pipeline with the loaded one's weights and its own scheduler and tokenizers."""
        import copy

        base = self.pipe
        # Every component is handed over by name: from_pipe leaves out one whose class is not the
        # one the pipeline declares (AutoencoderTiny for AutoencoderKL, with --vae tiny).
        parts = dict(base.components)
        parts["scheduler"] = base.scheduler.from_config(base.scheduler.config)
        for name, component in base.components.items():
            if name.startswith("tokenizer") and component is not None:
                parts[name] = copy.deepcopy(component)
        sibling = type(base).from_pipe(base, **parts)
        sibling.set_progress_bar_config(disable=True)
        return sibling

    def settings_for(self, request: ImageRequest, init=None, seed: int | None = None) -> DrawSettings:
        """Profile defaults, then the operator's options, then what the speaker asked for; a
        Voice2ImgError for settings that cannot be drawn.

        The seed is the speaker's, else the operator's, else ``seed``, else a new random one. With a
        starting picture ``init`` the size follows the picture's aspect within the same pixel
        budget (unless a width, height or aspect was given), and ``strength`` is chosen; the steps
        are raised where needed so that at least one step runs (image-to-image runs
        ``steps × strength`` of them).
        """
        o, p, s = self.options, self.profile, request.settings
        steps, guidance = _first(s.steps, o.steps, p.steps), _first(s.guidance, o.guidance, p.guidance)
        width, height = _first(s.width, o.width, p.width), _first(s.height, o.height, p.height)
        seed = _first(s.seed, o.seed, seed)
        if s.aspect and s.width is None and s.height is None:
            width, height = size_for_aspect(s.aspect, width * height, p.size_multiple)
        elif init is not None and None in (s.width, s.height) and None in (o.width, o.height):
            width, height = self.size_for_picture(init, width * height)
        if steps < 1:
            raise Voice2ImgError(f"steps must be at least 1 (got {steps})")
        if guidance < 0:
            raise Voice2ImgError(f"guidance must not be negative (got {guidance})")
        for side, value in (("width", width), ("height", height)):
            if value < p.size_multiple or value > MAX_SIDE or value % p.size_multiple:
                raise Voice2ImgError(
                    f"{side} {value} is not usable: give a multiple of {p.size_multiple} "
                    f"between {p.size_multiple} and {MAX_SIDE} for {p.name} models"
                )
        if seed is None:
            seed = secrets.randbelow(MAX_SEED + 1)
        elif not 0 <= seed <= MAX_SEED:
            raise Voice2ImgError(f"seed must be between 0 and {MAX_SEED} (got {seed})")
        strength = None
        if init is not None:
            strength = _first(s.strength, o.strength, p.strength)
            if not 0 < strength <= 1:
                raise Voice2ImgError(f"strength must be above 0 and at most 1 (got {strength:g})")
        return DrawSettings(steps, guidance, width, height, seed, strength).with_steps(steps)

    def size_for_picture(self, init, area: int) -> tuple[int, int]:
        """The size a starting picture is drawn at: its aspect, about ``area`` pixels, in the
        multiples this model needs."""
        return size_for_aspect(f"{init.image.width}:{init.image.height}", area, self.profile.size_multiple)

    def render(self, request: ImageRequest, progress: Callable[[int, int], None] | None = None, init=None,
               settings: DrawSettings | None = None) -> Drawing:
        """Draw ``request`` with ``settings`` (default: :meth:`settings_for` the request), from the
        starting picture ``init`` (a voice2img.pictures.Picture) when given. The same prompt,
        settings, model, device (and picture) give the same pixels."""
        return self.render_many([(request, settings or self.settings_for(request, init))], progress, init)[0]

    @staticmethod
    def batch_key(settings: DrawSettings) -> tuple:
        """What drawings must share to be drawn in one diffusers call (text to image only)."""
        return settings.steps, settings.guidance, settings.width, settings.height

    def render_many(self, items: list[tuple[ImageRequest, DrawSettings]],
                    progress: Callable[[int, int], None] | None = None, init=None) -> list[Drawing]:
        """Draw several requests in one diffusers call, each with its own seed's generator, so
        each picture is the one its seed gives when drawn alone (up to float rounding in the
        batched convolutions). They must share :meth:`batch_key`; ``init`` only for one item."""
        import torch

        if any(request.empty for request, _ in items):
            raise Voice2ImgError("nothing to draw: the prompt is empty")
        chosen = items[0][1]
        if len({self.batch_key(s) for _, s in items}) > 1 or (init is not None and len(items) > 1):
            raise ValueError("render_many draws text-to-image requests that share steps, guidance and size")
        self.load()
        negatives = [", ".join(n for n in (request.negative_prompt, self.options.negative or "") if n)
                     for request, _ in items]
        # A CPU generator makes the starting noise identical on every device for a given seed.
        generators = [torch.Generator(device="cpu").manual_seed(s.seed) for _, s in items]
        single = len(items) == 1
        kwargs = dict(
            prompt=items[0][0].prompt if single else [request.prompt for request, _ in items],
            num_inference_steps=chosen.steps, guidance_scale=chosen.guidance,
            width=chosen.width, height=chosen.height, generator=generators[0] if single else generators,
            **self.profile.extra,
        )
        if init is not None:
            from ..pictures import fit

            del kwargs["width"], kwargs["height"]  # image-to-image draws at the picture's size
            kwargs.update(image=fit(init, chosen.width, chosen.height), strength=chosen.strength)
        if any(negatives) and chosen.guidance > 1:  # without guidance a negative prompt has no effect
            kwargs["negative_prompt"] = negatives[0] if single else negatives
        if progress is not None:
            total = max(1, int(chosen.steps * (chosen.strength or 1)))  # the steps that really run

            def on_step_end(pipe, step, timestep, callback_kwargs):
                progress(step + 1, total)
                return callback_kwargs

            kwargs["callback_on_step_end"] = on_step_end
        started = time.perf_counter()
        with self._pipeline() as pipe, torch.inference_mode():
            images = (_image_to_image(pipe) if init is not None else pipe)(**kwargs).images
            scheduler = type(pipe.scheduler).__name__
        seconds = (time.perf_counter() - started) / len(items)
        return [Drawing(
            image=image, prompt=request.prompt, negative_prompt=negative, seed=s.seed,
            steps=s.steps, guidance=s.guidance, width=s.width, height=s.height,
            sampler=SAMPLER_NAMES.get(scheduler, scheduler),
            model=self.options.model, profile=self.profile.name, device=self.device, dtype=self.dtype,
            seconds=seconds, strength=s.strength, init=init,
        ) for image, (request, s), negative in zip(images, items, negatives)]


def size_for_aspect(aspect: str, area: int, multiple: int = 8) -> tuple[int, int]:
    """Width and height with the given "W:H" ratio and about the same pixel count as ``area``.

    Sides are rounded to multiples of 64 (what SD and SDXL were trained on) when the budget is
    real-sized, so 512² at 16:9 gives 704x384 and 1024² gives 1344x768.
    """
    from ..errors import Voice2ImgError

    try:
        w, h = (float(x) for x in aspect.split(":"))
        ratio = w / h
    except (ValueError, ZeroDivisionError):
        raise Voice2ImgError(f"aspect {aspect!r} is not a W:H ratio such as 16:9") from None
    step = 64 if area >= 256 * 256 else multiple
    width = max(step, round((area * ratio) ** 0.5 / step) * step)
    height = max(step, round((area / ratio) ** 0.5 / step) * step)
    return int(width), int(height)


def _image_to_image(pipe):
    """The image-to-image pipeline of ``pipe``'s family, made of the same components (no second
    copy of any weights); every component is handed over, as in Renderer._sibling."""
    from diffusers import AutoPipelineForImage2Image

    try:
        other = AutoPipelineForImage2Image.from_pipe(pipe, **pipe.components)
    except ValueError as exc:  # a family diffusers has no image-to-image pipeline for
        raise Voice2ImgError(f"{type(pipe).__name__} models cannot start from a picture ({exc})") from None
    other.set_progress_bar_config(disable=True)
    return other


def _first(*values):
    return next((v for v in values if v is not None), None)


def _pick_device(device: str) -> str:
    import torch

    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if device.split(":")[0] not in ("cpu", "cuda", "mps"):
        raise Voice2ImgError(f"unknown device {device!r} for the image model; use auto, cpu, cuda or mps")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise Voice2ImgError("--device cuda asked for, but PyTorch sees no CUDA GPU; use --device cpu")
    return device


def _hub_reachable(timeout: float = 3.0) -> bool:
    """Fail in seconds rather than after the hub client's retries when there is no network."""
    import socket
    from urllib.parse import urlparse

    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return False
    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return True  # a proxy decides; let the hub client try through it
    url = urlparse(constants.ENDPOINT)
    try:
        socket.create_connection((url.hostname, url.port or 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def _from_cache_or_hub(from_pretrained, ref: str, **kwargs):
    """A hub id already in the cache loads without touching the network; otherwise download it,
    failing in seconds (OSError) when the hub cannot be reached."""
    try:
        return from_pretrained(ref, local_files_only=True, **kwargs)
    except (OSError, ValueError):
        pass
    if not _hub_reachable():
        raise ConnectionError("the model hub cannot be reached")
    return from_pretrained(ref, **kwargs)


def _load_tiny_vae(vae: str, profile: ModelProfile, dtype):
    """A TAESD-compatible AutoencoderTiny: decodes in a fraction of the full VAE's time (see README)."""
    from diffusers import AutoencoderTiny

    if vae == "tiny" and profile.tiny_vae is None:
        raise Voice2ImgError(f"no tiny autoencoder is known for {profile.description or profile.name} models; "
                             "give one with --vae ID|PATH, or leave --vae out")
    ref = profile.tiny_vae if vae == "tiny" else vae
    try:
        if os.path.isdir(ref):
            return AutoencoderTiny.from_pretrained(ref, dtype=dtype)
        return _from_cache_or_hub(AutoencoderTiny.from_pretrained, ref, dtype=dtype)
    except (OSError, ValueError) as exc:
        raise model_unavailable(f"tiny autoencoder {ref!r}", exc, "--vae PATH to a local AutoencoderTiny folder, "
                                "or leave --vae out to use the model's own") from None


def _load_pipeline(model: str, profile: ModelProfile, dtype):
    import diffusers
    from diffusers import AutoPipelineForText2Image

    diffusers.utils.logging.disable_progress_bar()

    local = os.path.exists(model)
    # SD 1.x/2.x pipelines bring diffusers' CLIP safety checker (1.2 GB, black squares, no score);
    # voice2img's own check (voice2img.safety) replaces it for every model family.
    no_checker = {"safety_checker": None, "requires_safety_checker": False} if profile.name in ("sd15", "lcm") else {}
    try:
        if local and os.path.isfile(model):
            if not model.endswith((".safetensors", ".ckpt")):
                raise Voice2ImgError(f"image model {model}: a single-file model must be .safetensors or .ckpt")
            cls = getattr(diffusers, profile.single_file_class)
            return cls.from_single_file(model, dtype=dtype, **no_checker)
        if local:
            if not os.path.isfile(os.path.join(model, "model_index.json")):
                raise Voice2ImgError(f"image model {model}: not a diffusers pipeline folder (no model_index.json)")
            return AutoPipelineForText2Image.from_pretrained(model, dtype=dtype, **no_checker)
        return _from_cache_or_hub(AutoPipelineForText2Image.from_pretrained, model, dtype=dtype, **no_checker)
    except Voice2ImgError:
        raise
    except (OSError, ValueError, EnvironmentError) as exc:
        if local:
            raise ModelUnavailableError(f"image model {model}: cannot be loaded ({exc})") from None
        looks_like_path = model.startswith((".", "/", "~")) or model.count("/") > 1 or model.endswith((".safetensors", ".ckpt"))
        if looks_like_path:
            raise ModelUnavailableError(f"image model {model}: no such file or folder") from None
        raise model_unavailable(f"image model {model!r}", exc,
                                "--image-model PATH to a local diffusers folder or .safetensors file") from None
