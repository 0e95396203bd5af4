"""The Pipeline: audio → hear → understand → draw → keep, with models loaded once, lazily.

Every shell (CLI, web UI, batch) calls this one object and adds only its own interaction.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from . import __version__
from .audio import DECODE_TIMEOUT_S, MAX_RECORDING_SECONDS, Audio, load_audio
from .draw import Drawing, DrawingOptions, DrawSettings, Renderer
from .errors import NoSpeechError, Voice2ImgError
from .hear import Hearer, HearingOptions, Transcript, load_hearer
from .provenance import Marker, MarkOptions
from .safety import BlockedError, Safety, SafetyOptions
from .understand import HALLUCINATION, ImageRequest, Rewriter
from .understand import commands
from .understand.commands import COMMANDS


_OWN_LIMIT = object()  # Pipeline.load_audio's default: the pipeline's own length limit


@dataclass(frozen=True, eq=False)
class Result:
    """Everything one spoken request produced. ``drawings`` is empty when nothing was drawn."""

    source: str
    transcript: Transcript
    request: ImageRequest
    drawings: tuple[Drawing, ...] = ()
    png_paths: tuple[Path, ...] = ()
    json_paths: tuple[Path, ...] = ()
    timings: dict = field(default_factory=dict)  # seconds per stage
    marks: dict = field(default_factory=dict)  # the provenance marks the kept PNGs carry
    settings: DrawSettings | None = None  # what the drawings were made with (the first image's seed)

    @property
    def drawing(self) -> Drawing | None:
        return self.drawings[0] if self.drawings else None

    @property
    def image(self):
        return self.drawing.image if self.drawing else None

    @property
    def seed(self) -> int | None:
        return self.drawing.seed if self.drawing else None

    @property
    def png_path(self) -> Path | None:
        return self.png_paths[0] if self.png_paths else None

    @property
    def json_path(self) -> Path | None:
        return self.json_paths[0] if self.json_paths else None

    def summary(self) -> dict:
        """A JSON-ready record: what the CLI prints with --json and what metadata holds."""
        out = {
            "file": self.source,
            "text": self.transcript.text,
            "language": self.transcript.language,
            **self.transcript.language_fields(),
            **self.request.as_dict(),
            "asr": {"backend": self.transcript.backend, "model": self.transcript.model},
        }
        if self.transcript.dropped:
            out["asr"]["dropped"] = list(self.transcript.dropped)
        if self.drawing:
            d = self.drawing
            out["image_settings"] = {
                "model": d.model, "profile": d.profile, "steps": d.steps, "guidance": d.guidance,
                "width": d.width, "height": d.height, "seed": d.seed, "sampler": d.sampler,
                "device": d.device, "dtype": d.dtype, "negative_prompt": d.negative_prompt, "prompt": d.prompt,
            }
            if d.safety is not None:
                out["safety"] = d.safety
            if d.init is not None:  # image-to-image
                out["image_settings"]["strength"] = d.strength
                out["init_image"] = d.init.record()
            out["seeds"] = [x.seed for x in self.drawings]
        if self.png_paths:
            out["image"] = str(self.png_path)
            out["sidecar"] = str(self.json_path)
            out["images"] = [str(p) for p in self.png_paths]
        if self.marks:
            out["marks"] = self.marks
        out["timings"] = {k: round(v, 4) for k, v in self.timings.items()}
        return out


class Pipeline:
    """Hear, understand, draw and keep. Models load on first use and stay loaded."""

    def __init__(self, hearing: HearingOptions | None = None, drawing: DrawingOptions | None = None,
                 rewriter: Rewriter | None = None, channel: int | None = None, safety: SafetyOptions | None = None,
                 max_audio_seconds: float | None = MAX_RECORDING_SECONDS, decode_timeout_s: float | None = DECODE_TIMEOUT_S,
                 marks: MarkOptions | None = None):
        self.marker = Marker(marks)  # the AI-generated marks every kept image gets (voice2img.provenance)
        self.max_audio_seconds = max_audio_seconds
        self.decode_timeout_s = decode_timeout_s
        self.hearing = hearing or HearingOptions()
        self.safety_options = safety or SafetyOptions()
        self.safety = Safety(self.safety_options)
        self.drawing = drawing or DrawingOptions()
        self.rewriter = rewriter or _default_rewriter()
        self.channel = channel
        # The hearer (and the lock that lets one thread at a time use it) can be shared with
        # pipelines for other image models: see with_image_model.
        self._hearing_slot: dict = {"hearer": None, "lock": threading.Lock(), "loading": threading.Lock()}
        self._renderer: Renderer | None = None
        self._taken: set[str] = set()  # output names used by this pipeline, so none collide

    def with_image_model(self, model: str) -> "Pipeline":
        """A pipeline drawing with another image model that shares this one's Whisper model."""
        other = Pipeline(self.hearing, replace(self.drawing, model=model, profile=None), self.rewriter, self.channel,
                         self.safety_options, self.max_audio_seconds, self.decode_timeout_s)
        other._hearing_slot = self._hearing_slot
        other.marker = self.marker  # signing credentials load once
        return other

    def served_by(self, hearer: Hearer | None = None, renderer: Renderer | None = None) -> "Pipeline":
        """This pipeline, hearing with ``hearer`` and drawing with ``renderer`` instead of models of
        its own (voice2img.serving: the Ray Serve deployments Hear and Draw). Everything else —
        understanding, the operator's checks, keeping — stays here, on the same one path."""
        if hearer is not None:
            self._hearing_slot["hearer"] = hearer
        if renderer is not None:
            self._renderer = renderer
        return self

    @property
    def _hearer(self) -> Hearer | None:
        return self._hearing_slot["hearer"]

    # -- the stages, each usable on its own -------------------------------------------------
    @property
    def hearer(self) -> Hearer:
        slot = self._hearing_slot
        if slot["hearer"] is None:
            with slot["loading"]:  # two tabs' first words at once load Whisper once
                if slot["hearer"] is None:
                    slot["hearer"] = load_hearer(self.hearing)
        return slot["hearer"]

    @property
    def renderer(self) -> Renderer:
        if self._renderer is None:
            self._renderer = Renderer(self.drawing)
        return self._renderer

    def load_audio(self, source: str | os.PathLike | Audio, max_seconds: float | None | object = _OWN_LIMIT) -> Audio:
        """A file decoded, or audio already in memory checked, against ``max_seconds`` (default:
        this pipeline's ``max_audio_seconds``; None: no limit)."""
        limit = self.max_audio_seconds if max_seconds is _OWN_LIMIT else max_seconds
        if isinstance(source, Audio):
            if limit is not None and source.duration > limit:
                from .errors import Voice2ImgError

                raise Voice2ImgError(f"{source.source or 'audio'}: {source.duration:.0f} s is longer than the limit of "
                                     f"{limit:.0f} s (--max-audio-seconds)")
            return source
        return load_audio(source, channel=self.channel, max_seconds=limit, timeout_s=self.decode_timeout_s)

    def transcribe(self, source: str | os.PathLike | Audio, timings: dict | None = None,
                   language_hint: str | None = None, language: str | None = None) -> Transcript:
        """``language_hint``: the language to assume when identification is unsure; ``language``:
        the language it is in (no identification)."""
        timings = timings if timings is not None else {}
        with _timed(timings, "decode"):
            audio = self.load_audio(source)
        if self._hearer is None:
            with _timed(timings, "load_asr"):
                self.hearer
        with _timed(timings, "hear"), self._hearing_slot["lock"]:
            return self.hearer.transcribe(audio, hint=language_hint, language=language)

    def understand(self, transcript: Transcript | str, previous: ImageRequest | None = None) -> ImageRequest:
        """The request ``transcript`` asks for; a spoken command ("save it", "help") as a request
        whose ``action`` is the command. Speech heard in another language is read twice: the
        rules read its English translation, and :mod:`voice2img.understand.said` reads the words as
        said for the size and the negatives a translation loses."""
        text = transcript.text if isinstance(transcript, Transcript) else transcript
        spoken = transcript.spoken if isinstance(transcript, Transcript) and transcript.translated else ""
        action = (spoken and commands.command(spoken)) or commands.command(text)
        if action:  # "save it", "what did you draw", "help": the shell does it (voice2img.understand.commands)
            return commands.request(action, text, previous)
        request = self.rewriter.rewrite(text, previous)
        if isinstance(transcript, Transcript) and transcript.translated:
            from .understand import said

            request = said.apply(request, transcript.spoken, transcript.language)
        return request

    def settings_for(self, request: ImageRequest, init=None) -> DrawSettings:
        """The settings ``request`` will be drawn with (a new random seed unless one is set); a
        Voice2ImgError for settings that cannot be drawn. :meth:`draw` takes them as they are."""
        return self.renderer.settings_for(request, init)

    def draw(self, request: ImageRequest, progress: Callable[[int, int], None] | None = None,
             timings: dict | None = None, init=None, settings: DrawSettings | None = None) -> tuple[Drawing, ...]:
        """Draw every image the request asks for with ``settings`` (default: settled here, once);
        image i uses seed + i, as AUTOMATIC1111 does. ``init`` (a voice2img.pictures.Picture) is
        the starting picture for image-to-image.

        The operator's safety settings apply: a blocklisted prompt raises BlockedError before any
        drawing; a starting picture is scored before it is used (refused under the block policy,
        blurred under the blur policy); each image is scored, and a flagged one is blurred or
        dropped (BlockedError when none is left).
        """
        timings = timings if timings is not None else {}
        self.safety.check_prompt(request.prompt)
        renderer = self.renderer
        # Settled before minutes of model loading, so bad settings fail at once.
        settings = settings or renderer.settings_for(request, init)
        if init is not None:
            init = self._judge_start(init, timings)
        if renderer.pipe is None:
            with _timed(timings, "load_image_model"):
                renderer.load()
        count = request.settings.num_images or 1
        drawings = []
        with _timed(timings, "draw"):
            for i in range(count):
                step = None
                if progress is not None:
                    def step(done, total, i=i):
                        progress(i * total + done, count * total)
                drawings.append(renderer.render(request, progress=step, init=init, settings=settings.for_image(i)))
        return self._judge(tuple(drawings), timings)

    def preview(self, request: ImageRequest, steps: int | None = None, scale: float = 0.5, min_side: int = 64,
                init=None, progress: Callable[[int, int], None] | None = None) -> Drawing | None:
        """A quick drawing of ``request`` to show while someone is still speaking: the same model
        and seed, ``steps`` (default: a quarter of the final's, at least 1) and sides ``scale``
        times the final's; ``progress(step, total)`` after each step (raising in it stops the drawing).
        Never kept. None when the operator's blocklist or image check
        withholds it (a preview is checked like any image, but triggers nothing)."""
        try:
            self.safety.check_prompt(request.prompt)
        except BlockedError:
            return None
        renderer = self.renderer
        final = renderer.settings_for(request, init)
        multiple = renderer.profile.size_multiple
        side = lambda v: max(min_side, int(v * scale) // multiple * multiple)  # noqa: E731
        settings = replace(final, width=side(final.width), height=side(final.height)).with_steps(
            steps or max(1, final.steps // 4))
        if renderer.pipe is None:
            renderer.load()
        drawing = renderer.render(request, progress, init=init, settings=settings)
        try:
            return self._judge((drawing,), {})[0]  # the image check, as for every drawing
        except BlockedError:
            return None

    def _judge_start(self, init, timings: dict):
        """The starting picture as the operator's image check lets it be used."""
        check = self.safety.images
        if check is None:
            return init
        with _timed(timings, "safety"):
            image, verdict = check.judge(init.image)
        if image is None:
            raise BlockedError(f"{init.name}: starting picture refused: the NSFW check scored it {verdict.score:.2f} "
                               f"(this server's limit is {check.threshold:.2f})")
        return replace(init, image=image, safety=verdict.as_dict())

    def _judge(self, drawings: tuple[Drawing, ...], timings: dict) -> tuple[Drawing, ...]:
        check = self.safety.images
        if check is None:
            return drawings
        kept, verdicts = [], []
        with _timed(timings, "safety"):
            for d in drawings:
                image, verdict = check.judge(d.image)
                verdicts.append(verdict)
                if image is not None:
                    kept.append(replace(d, image=image, safety=verdict.as_dict()))
        if not kept:
            worst = max(v.score for v in verdicts)
            raise BlockedError(f"image withheld: the NSFW check scored it {worst:.2f} (this server's limit is "
                               f"{check.threshold:.2f})")
        return tuple(kept)

    # -- the whole way through --------------------------------------------------------------
    def hear_and_understand(self, source: str | os.PathLike | Audio, previous: ImageRequest | None = None,
                            language_hint: str | None = None, language: str | None = None) -> Result:
        """Hear and understand, no image. Raises NoSpeechError when nothing was said; a spoken
        command ("save it") is a Result whose request's ``action`` is the command.
        ``language_hint``: the language to assume when identification is unsure; ``language``:
        the language it is in (no identification)."""
        outcome = self.hear_and_understand_many([source], previous, language_hint, language)[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def hear_and_understand_many(self, sources: list, previous: ImageRequest | None = None,
                                 language_hint: str | None = None, language: str | None = None) -> list:
        """Like :meth:`hear_and_understand` for several files, decoded together where the backend
        can; each entry is a Result or the Voice2ImgError that file raised."""
        from .errors import ModelUnavailableError, Voice2ImgError

        out: list = [None] * len(sources)
        audios, where, timings = [], [], []
        for i, source in enumerate(sources):
            t: dict = {}
            try:
                with _timed(t, "decode"):
                    audios.append(self.load_audio(source))
                where.append(i)
                timings.append(t)
            except ModelUnavailableError:
                raise
            except Voice2ImgError as exc:
                out[i] = exc
        if audios:
            first_load: dict = {}
            if self._hearer is None:
                with _timed(first_load, "load_asr"):
                    self.hearer
            started = time.perf_counter()
            with self._hearing_slot["lock"]:
                transcripts = self.hearer.transcribe_many(audios, hint=language_hint, language=language)
            share = (time.perf_counter() - started) / len(audios)  # a batch's time, split evenly
            for n, (i, transcript) in enumerate(zip(where, transcripts)):
                t = {**timings[n], **(first_load if n == 0 else {}), "hear": share}
                name = sources[i].source if isinstance(sources[i], Audio) else os.fspath(sources[i])
                with _timed(t, "understand"):
                    request = self.understand(transcript, previous)
                invented = request.empty and any(r.reason == HALLUCINATION for r in request.removed)
                if transcript.no_speech or invented:
                    why = "; ".join(transcript.dropped) or ("Whisper's usual words for silence" if invented else "nothing was said")
                    out[i] = NoSpeechError(f"{name}: no speech heard, so no image was made ({why})")
                elif request.empty and request.action not in COMMANDS:  # words, but none that ask for a picture: "yes", "never mind"
                    out[i] = NoSpeechError(f"{name}: heard {transcript.text.strip()!r}, but nothing in it asks for a "
                                           f"picture, so no image was made ({request.why_empty})")
                else:
                    out[i] = Result(name, transcript, request, timings=t)
        return out

    def run(self, source: str | os.PathLike | Audio, out_dir: str | os.PathLike | None = None,
            progress: Callable[[int, int], None] | None = None, heard: Result | None = None, init=None) -> Result:
        """Audio in, image out (and kept in ``out_dir`` when given).

        ``heard`` is a result of :meth:`hear_and_understand` to draw from, so that shells can
        show what was heard before the drawing starts. ``init`` is a starting picture (a
        voice2img.pictures.Picture, or a path to one): the request then changes that picture.
        """
        return self.make(heard or self.hear_and_understand(source), out_dir, progress=progress, init=init)

    def make(self, heard: Result, out_dir: str | os.PathLike | None = None, *, stem: str | None = None,
             overwrite: bool = False, init=None, progress: Callable[[int, int], None] | None = None,
             settings: DrawSettings | None = None) -> Result:
        """The one path from a request to kept files, which every shell takes: draw what
        ``heard.request`` asks for (with ``settings``, default: settled here once; from the
        starting picture ``init``, a Picture or a path to one) and, when ``out_dir`` is given,
        keep it there (see :meth:`keep` for ``stem`` and ``overwrite``). Returns the result with
        its drawings, the settings they were drawn with, and the kept files' paths.

        Whatever is drawn is kept: a ``progress`` callback that raises stops the drawing before
        anything is kept, never half-way through keeping."""
        if heard.request.action in COMMANDS:  # "save it" in a folder of recordings: said, but not a picture
            raise Voice2ImgError(f"{heard.source}: heard {heard.transcript.text.strip()!r}, the spoken command "
                                 f"'{heard.request.action}' (the web page and 'voice2img listen' do it); no image was made")
        if init is not None and not hasattr(init, "image"):
            from .pictures import load_picture

            init = load_picture(init)
        timings = dict(heard.timings)
        settings = settings or self.settings_for(heard.request, init)
        drawings = self.draw(heard.request, progress=progress, timings=timings, init=init, settings=settings)
        result = replace(heard, drawings=drawings, png_paths=(), json_paths=(), timings=timings, marks={},
                         settings=settings)
        return self.keep(result, out_dir, stem=stem, overwrite=overwrite) if out_dir is not None else result

    def keep(self, result: Result, out_dir: str | os.PathLike, stem: str | None = None,
             overwrite: bool = False) -> Result:
        """Write each PNG (with metadata) and its JSON sidecar; returns the result with their paths.

        ``stem`` names the outputs (default: the audio file's name); ``overwrite`` replaces
        outputs of that name instead of choosing a free one (see :func:`keep.save`).
        """
        from . import keep

        timings = dict(result.timings)
        pngs, sidecars = [], []
        with _timed(timings, "keep"):
            summary = replace(result, png_paths=(), json_paths=(), marks={}, timings=timings).summary()
            stem = stem or Path(result.source).stem or "voice2img"
            for i, d in enumerate(result.drawings):
                parameters = keep.a1111_parameters(
                    d.prompt, d.negative_prompt, steps=d.steps, sampler=d.sampler, guidance=d.guidance,
                    seed=d.seed, width=d.width, height=d.height, model=_short_model_name(d.model),
                    version=__version__, strength=d.strength,
                )
                fields = {k: v for k, v in summary.items() if k not in ("file", "text", "seeds")}
                fields = {"version": __version__, "source_audio": result.source, "transcript": result.transcript.text,
                          **fields, "image_index": i, "images_in_request": len(result.drawings)}
                fields["image_settings"] = {**fields["image_settings"], "seed": d.seed}
                if d.safety is not None:
                    fields["safety"] = d.safety
                name = stem if i == 0 or not overwrite else f"{stem}-{i}"
                made = {"model": d.model, "prompt": d.prompt, "negative_prompt": d.negative_prompt,
                        "transcript": result.transcript.text, "ingredient": d.init}
                png, sidecar = keep.save(d.image, out_dir, name, parameters, fields, self._taken, overwrite=overwrite,
                                         marker=self.marker, made=made)
                pngs.append(png)
                sidecars.append(sidecar)
        marks = self.marker.describe((result.drawings[0].width, result.drawings[0].height)) if pngs else {}
        return replace(result, png_paths=tuple(pngs), json_paths=tuple(sidecars), timings=timings, marks=marks)


class _timed:
    """Adds the seconds a block took to ``timings[name]``."""

    def __init__(self, timings: dict, name: str):
        self.timings, self.name = timings, name

    def __enter__(self):
        self.start = time.perf_counter()

    def __exit__(self, *exc):
        self.timings[self.name] = self.timings.get(self.name, 0.0) + time.perf_counter() - self.start
        return False


def _short_model_name(model: str) -> str:
    name = os.path.basename(os.path.normpath(model))
    return os.path.splitext(name)[0] if name.endswith((".safetensors", ".ckpt")) else name


def _default_rewriter() -> Rewriter:
    from .understand.rules import RulesRewriter

    return RulesRewriter()
