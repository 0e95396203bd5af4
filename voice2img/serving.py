"""The live service on Ray Serve: Whisper and the image model as deployments named ``Hear`` and
``Draw``, so that a room full of people is heard and drawn on every machine of a cluster.

``voice2img serve --ray [ADDRESS]`` keeps the web page (and each tab's history, undo, language,
starting picture and previews) in its own process and sends hearing and drawing here; the page's
Pipeline is :meth:`Pipeline.served_by` a :class:`RemoteHearer` and a :class:`RemoteRenderer`, so
understanding, the operator's checks and keeping run on the one path they run on without Ray.
``Draw`` batches requests that share size, steps and guidance into one diffusers call
(``serve.batch``), each with its own seed's generator. A replica that dies while drawing costs
the request one retry on another replica, never an error.

For operators, ``voice2img.serving:app`` is an application ``serve run``, ``serve deploy`` and a
KubeRay RayService can use; its ingress ``Generate`` answers ``POST /generate`` (audio in the
body, or JSON ``{"text": ...}``) with the PNG, kept with its metadata like any other
(docs/scale.md).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from ray import serve

from .draw import DrawingOptions, Renderer
from .errors import Voice2ImgError
from .hear import HearingOptions, load_hearer

APP = "voice2img"  # the Serve application `serve --ray` deploys, and removes when it stops
TOKEN_FILE = Path("~/.ray/auth_token")


@dataclass(frozen=True)
class ServeOptions:
    """How the deployments run: replicas ("N", or "MIN-MAX" for autoscaling on waiting requests),
    GPUs per Draw replica (None: 1 where the cluster has GPUs; Hear runs on CPU cores), the
    largest batch and how long a request waits for others to join it."""

    hear_replicas: str = "1"
    draw_replicas: str = "1"
    gpus_per_replica: float | None = None
    max_batch: int = 4
    batch_wait_s: float = 0.05

    def replicas(self, spec: str) -> tuple[int, int]:
        low, _, high = str(spec).partition("-")
        try:
            low, high = int(low), int(high or low)
        except ValueError:
            raise Voice2ImgError(f"replicas are N or MIN-MAX, e.g. 2 or 1-4 (got {spec!r})") from None
        if not 1 <= low <= high:
            raise Voice2ImgError(f"replicas must be at least 1, MIN no more than MAX (got {spec!r})")
        return low, high

    @property
    def capacity(self) -> int:
        """Requests the cluster draws at once: Draw's most replicas × the batch."""
        return self.replicas(self.draw_replicas)[1] * self.max_batch


def deployment_options(spec: str, options: ServeOptions, cpus: float, gpus: float) -> dict:
    """Serve options for one deployment: fixed or autoscaled replicas, and what each asks for. On
    a CPU a replica asks for a fraction of a core, so that two fit on a 2-core machine."""
    low, high = options.replicas(spec)
    scaling = {"num_replicas": low} if low == high else {
        "autoscaling_config": {"min_replicas": low, "max_replicas": high, "initial_replicas": low,
                               "target_ongoing_requests": max(1, options.max_batch)}}
    actor = {"num_cpus": 1, "num_gpus": gpus} if gpus else {"num_cpus": cpus}
    return {**scaling, "ray_actor_options": actor, "max_ongoing_requests": max(2, 2 * options.max_batch),
            "health_check_period_s": 2}


# -- the deployments ----------------------------------------------------------------------------
@serve.deployment(name="Hear")
class Hear:
    """Whisper, loaded once per replica."""

    def __init__(self, hearing: HearingOptions):
        self.hearer = load_hearer(hearing)
        self._lock = threading.Lock()  # one model, one decoding at a time

    def transcribe_many(self, audios: list, hint: str | None = None, language: str | None = None) -> list:
        with self._lock:
            return self.hearer.transcribe_many(audios, hint=hint, language=language)


@serve.deployment(name="Draw")
class Draw:
    """The image model, loaded once per replica; concurrent text-to-image requests that share
    size, steps and guidance are drawn in one call."""

    def __init__(self, drawing: DrawingOptions, max_batch: int = 4, batch_wait_s: float = 0.05):
        self.renderer = Renderer(drawing)
        self.renderer.load()
        self.draw_batch.set_max_batch_size(max(1, max_batch))
        self.draw_batch.set_batch_wait_timeout_s(batch_wait_s)

    def describe(self) -> dict:
        """What the front end needs to settle settings as this replica draws them."""
        r = self.renderer
        return {"profile": r.profile, "device": r.device, "dtype": r.dtype}

    async def draw(self, request, settings, init=None):
        if init is not None:  # a starting picture of its own: drawn alone
            return await asyncio.to_thread(self.renderer.render, request, None, init, settings)
        return await self.draw_batch((request, settings))

    @serve.batch(max_batch_size=4, batch_wait_timeout_s=0.05)
    async def draw_batch(self, items: list) -> list:
        groups = defaultdict(list)
        for i, (_, settings) in enumerate(items):
            groups[Renderer.batch_key(settings)].append(i)
        out: list = [None] * len(items)
        for where in groups.values():
            drawings = await asyncio.to_thread(self.renderer.render_many, [items[i] for i in where])
            for i, drawing in zip(where, drawings):
                out[i] = drawing
        return out


# -- the front end's side: a hearer and a renderer that call the deployments -----------------------
def _replica_lost() -> tuple:
    from ray.exceptions import ActorDiedError, ActorUnavailableError, RayActorError
    from ray.serve.exceptions import ReplicaUnavailableError

    return ActorDiedError, ActorUnavailableError, RayActorError, ReplicaUnavailableError


def _call(method, *args, **kwargs):
    """One call to a deployment, retried once when the replica serving it died (the router sends
    the retry to another, or to the one Ray brings back). Returns (value, retried)."""
    lost = _replica_lost()
    try:
        return method.remote(*args, **kwargs).result(), 0
    except lost:
        pass
    try:
        return method.remote(*args, **kwargs).result(), 1
    except lost as exc:
        raise Voice2ImgError(f"the cluster lost two workers in a row on this request ({type(exc).__name__}); "
                             "try again") from None


class RemoteHearer:
    """The Hearer interface, answered by the ``Hear`` deployment."""

    def __init__(self, handle):
        self.handle = handle

    def transcribe(self, audio, hint: str | None = None, language: str | None = None):
        return self.transcribe_many([audio], hint=hint, language=language)[0]

    def transcribe_many(self, audios: list, *, hint: str | None = None, language: str | None = None) -> list:
        return _call(self.handle.transcribe_many, audios, hint=hint, language=language)[0]


class RemoteRenderer(Renderer):
    """The Renderer interface, drawn by the ``Draw`` deployment: settings are settled here with
    the profile the replicas loaded, the pixels are made there."""

    def __init__(self, options: DrawingOptions, handle):
        super().__init__(options)
        self.handle = handle

    def load(self) -> None:
        with self._load_lock:
            if self.pipe is None:
                facts = _call(self.handle.describe)[0]
                self.profile, self.device, self.dtype = facts["profile"], facts["device"], facts["dtype"]
                self.pipe = self.handle  # "loaded": the replicas hold the model

    def render_many(self, items: list, progress=None, init=None) -> list:
        self.load()
        out = []
        for request, settings in items:
            drawing, retried = _call(self.handle.draw, request, settings, init)
            if progress is not None:  # the steps ran on the replica; the progress is whole now
                total = max(1, int(settings.steps * (settings.strength or 1)))
                progress(total, total)
            out.append(replace(drawing, init=init, retried=retried))
        return out


# -- the HTTP ingress, for `serve run voice2img.serving:app` and /generate ----------------------------
@serve.deployment(name="Generate", ray_actor_options={"num_cpus": 0})
class Generate:
    """``POST /generate``: audio in the body (any format), or JSON ``{"text": ..., "seed": ...}``;
    answers with the PNG (kept in ``out_dir`` with its metadata), its prompt and seed in headers.
    A request that cannot be drawn gets status 400 and the one-line reason."""

    def __init__(self, hear, draw, hearing: HearingOptions, drawing: DrawingOptions, out_dir: str = "outputs"):
        from .pipeline import Pipeline

        self.pipeline = Pipeline(hearing, drawing).served_by(RemoteHearer(hear), RemoteRenderer(drawing, draw))
        self.out_dir = out_dir

    async def __call__(self, http):
        from starlette.responses import PlainTextResponse, Response

        if http.url.path.rstrip("/") != "/generate" or http.method != "POST":
            return PlainTextResponse("POST audio, or JSON {\"text\": ...}, to /generate\n", status_code=404)
        body = await http.body()
        try:
            if http.headers.get("content-type", "").startswith("application/json"):
                import json

                try:
                    asked = json.loads(body or b"{}")
                except ValueError as exc:
                    raise Voice2ImgError(f"the body is not JSON: {exc}") from None
                if not isinstance(asked, dict):
                    raise Voice2ImgError('the body is a JSON object: {"text": ...}')
                result = await asyncio.to_thread(self._from_text, asked)
            else:
                result = await asyncio.to_thread(self._from_audio, body)
        except Voice2ImgError as exc:
            return PlainTextResponse(f"{exc}\n", status_code=400)
        d = result.drawing
        headers = {"X-Voice2img-Prompt": d.prompt.encode("ascii", "replace").decode(), "X-Voice2img-Seed": str(d.seed),
                   "X-Voice2img-File": result.png_path.name, "X-Voice2img-Retried": str(d.retried)}
        return Response(result.png_path.read_bytes(), media_type="image/png", headers=headers)

    def _from_text(self, asked: dict):
        """``text`` as if it had been said; ``seed``, ``steps``, ``width`` and ``height`` as an
        API caller gives them, within the default limits of a shared server."""
        from .hear import Transcript
        from .limits import Limits
        from .pipeline import Result

        text = str(asked.get("text", ""))
        request = self.pipeline.understand(text)
        if request.empty:
            raise Voice2ImgError(f"nothing in {text!r} asks for a picture")
        given = {}
        for key in ("seed", "steps", "width", "height"):
            if asked.get(key) is not None:
                value = asked[key]
                if isinstance(value, bool) or not isinstance(value, int):
                    raise Voice2ImgError(f"{key} is a whole number (got {value!r})")
                given[key] = value
        request = replace(request, settings=replace(request.settings, **given))
        settings = self.pipeline.settings_for(request)
        Limits().check(settings.steps, settings.width, settings.height, request.settings.num_images or 1)
        heard = Result("typed", Transcript(text=text, language="en", backend="typed"), request)
        return self.pipeline.make(heard, self.out_dir, stem="generate", settings=settings)

    def _from_audio(self, body: bytes):
        import tempfile

        if not body:
            raise Voice2ImgError("no audio in the request")
        with tempfile.TemporaryDirectory(prefix="voice2img-generate-") as folder:
            path = Path(folder) / "request"
            path.write_bytes(body)
            audio = self.pipeline.load_audio(path)
        return self.pipeline.make(self.pipeline.hear_and_understand(audio), self.out_dir, stem="generate")


def application(hearing: HearingOptions, drawing: DrawingOptions, options: ServeOptions | None = None,
                out_dir: str = "outputs", gpus: float = 0.0):
    """The bound application: Generate in front of Hear and Draw."""
    options = options or ServeOptions()
    # Whisper runs on CPU cores: a GPU per Hear replica would leave a one-GPU machine none to draw with.
    hear = Hear.options(**deployment_options(options.hear_replicas, options, cpus=0.25, gpus=0.0)).bind(hearing)
    draw = Draw.options(**deployment_options(options.draw_replicas, options, cpus=0.5, gpus=gpus)).bind(
        drawing, options.max_batch, options.batch_wait_s)
    return Generate.bind(hear, draw, hearing, drawing, str(Path(out_dir).resolve()))


def app(args: dict):
    """The application builder for ``serve run voice2img.serving:app key=value …`` and a Serve
    config's ``import_path``: image_model, asr_model, steps, width, height, vae, device, out,
    hear_replicas, draw_replicas, gpus_per_replica, max_batch, batch_wait_s."""
    known = {"image_model", "asr_model", "steps", "width", "height", "vae", "device", "out", "hear_replicas",
             "draw_replicas", "gpus_per_replica", "max_batch", "batch_wait_s"}
    unknown = sorted(set(args) - known)
    if unknown:
        raise Voice2ImgError(f"unknown argument(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")

    def number(key, kind):
        return kind(args[key]) if args.get(key) not in (None, "") else None

    drawing = DrawingOptions(**{k: v for k, v in {
        "model": args.get("image_model"), "steps": number("steps", int), "width": number("width", int),
        "height": number("height", int), "vae": args.get("vae"), "device": args.get("device")}.items() if v is not None})
    hearing = HearingOptions(**({"model": args["asr_model"]} if args.get("asr_model") else {}))
    options = ServeOptions(hear_replicas=str(args.get("hear_replicas", "1")), draw_replicas=str(args.get("draw_replicas", "1")),
                           gpus_per_replica=number("gpus_per_replica", float), max_batch=number("max_batch", int) or 4,
                           batch_wait_s=number("batch_wait_s", float) if args.get("batch_wait_s") else 0.05)
    return application(hearing, drawing, options, args.get("out", "outputs"), gpus_for(options))


# -- the cluster ------------------------------------------------------------------------------------
def gpus_for(options: ServeOptions) -> float:
    if options.gpus_per_replica is not None:
        return options.gpus_per_replica
    import ray

    return 1.0 if ray.is_initialized() and ray.cluster_resources().get("GPU", 0) > 0 else 0.0


def connect(address: str | None) -> bool:
    """Join the cluster at ``address`` ("auto": RAY_ADDRESS or a running local cluster; None:
    start a local one in this process). Returns whether this process started it. A cluster that
    cannot be reached is one line naming the address. A cluster started with ``ray start`` asks
    for its token (Ray 2.60): where ``~/.ray/auth_token`` or RAY_AUTH_TOKEN is there and
    RAY_AUTH_MODE is not set, token mode is turned on for this process."""
    import logging

    import ray

    logging.getLogger("ray.serve").setLevel(logging.WARNING)  # the front end's own status lines say what matters
    if address and address != "auto":
        _reachable(address)
    if address and "RAY_AUTH_MODE" not in os.environ and (
            os.environ.get("RAY_AUTH_TOKEN") or os.environ.get("RAY_AUTH_TOKEN_PATH") or TOKEN_FILE.expanduser().is_file()):
        os.environ["RAY_AUTH_MODE"] = "token"
        try:  # Ray reads its settings once, when imported: let it see token mode now
            from ray._raylet import Config

            Config.initialize("")
        except (ImportError, AttributeError):
            pass
    try:
        ray.init(address=address or "local", include_dashboard=False, log_to_driver=False, logging_level="ERROR",
                 configure_logging=False)
    except Exception as exc:  # noqa: BLE001 - Ray raises ConnectionError, RuntimeError or its own types
        where = address if address != "auto" else (os.environ.get("RAY_ADDRESS") or "auto (no running cluster found)")
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise Voice2ImgError(f"cannot reach the Ray cluster at {where}: {reason}") from None
    return address is None


def _reachable(address: str, timeout: float = 5.0) -> None:
    """Ray waits minutes for a cluster that is not there; this says so in seconds."""
    import socket
    from urllib.parse import urlsplit

    where = urlsplit(address if "://" in address else f"ray://{address}")
    try:
        host, port = where.hostname, where.port
    except ValueError:
        host = port = None
    if not host or not port:
        raise Voice2ImgError(f"a Ray address is HOST:PORT, ray://HOST:PORT or auto (got {address!r})")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        raise Voice2ImgError(f"cannot reach the Ray cluster at {address}: {exc.strerror or exc}") from None


class Deployed:
    """The deployments one front end made, and their removal when it stops (the cluster stays,
    unless this process started it)."""

    def __init__(self, hearing: HearingOptions, drawing: DrawingOptions, options: ServeOptions,
                 address: str | None = None, out_dir: str = "outputs", http_port: int = 8000):
        self.options = options
        connect(address)
        try:
            serve.start(http_options={"host": "127.0.0.1", "port": http_port})
            serve.run(application(hearing, drawing, options, out_dir, gpus_for(options)), name=APP,
                      route_prefix="/", blocking=False)
            self.hear = serve.get_deployment_handle("Hear", app_name=APP)
            self.draw = serve.get_deployment_handle("Draw", app_name=APP)
        except BaseException:
            self.remove()
            raise

    def serve_pipeline(self, pipeline):
        """``pipeline`` hearing and drawing on the cluster."""
        return pipeline.served_by(RemoteHearer(self.hear), RemoteRenderer(pipeline.drawing, self.draw))

    def remove(self) -> None:
        import ray

        if not ray.is_initialized():
            return
        try:
            serve.delete(APP)  # a local cluster this started ends with ray.shutdown, Serve's controller with it
        finally:
            ray.shutdown()


__all__ = ["APP", "Deployed", "Draw", "Generate", "Hear", "RemoteHearer", "RemoteRenderer", "ServeOptions", "app",
           "application", "connect", "deployment_options"]
