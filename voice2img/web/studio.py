"""What the web UI does, without the web: shared models, one person's session, and the steps
between them (hear, understand a follow-up, draw, undo, reload from history).

The Gradio page (:mod:`voice2img.web.page`) only wires these to components, so everything here
is tested directly as well as through a real browser.
"""

from __future__ import annotations

import atexit
import collections
import os
import shutil
import tempfile
import threading
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..defaults import FOLLOW_UP_WAYS, FOLLOW_UPS
from ..errors import Voice2ImgError
from ..limits import Limits
from ..pipeline import Pipeline, Result
from ..understand import A_PICTURE, ImageRequest, RequestSettings
from ..understand.commands import COMMANDS, HIDE_PREVIEWS, SHOW_PREVIEWS, START_OVER

RANDOM_SEED = -1  # what the seed box holds for "a new random seed each time"
PARTIAL_EVERY_MS = 1000  # how often the words so far are shown while someone speaks
CHUNK_WAIT_S = 0.3  # a microphone chunk's handler waits this long at most for hearing (the next comes after 0.5 s)
PREVIEW_FAST_S = 1.5  # previews are on by default ("auto") when one takes at most this long here
PREVIEWS = ("auto", "on", "off")


@dataclass
class Entry:
    """One image this session made, with everything needed to show or redo it."""

    request: ImageRequest
    transcript: str
    png: str
    seed: int
    settings: dict  # the drawing's steps, guidance, width, height, model
    timings: dict
    safety: dict | None = None  # the image check's verdict
    shown: str = ""  # the private copy the page shows and offers for download (Studio.shown)
    way: str = ""  # how it was drawn: "refine" (from the picture on screen), "redraw" (a follow-up from scratch), "" (new)
    strength: float | None = None  # image to image: how much of the picture it started from could change
    retried: int = 0  # drawn again after the cluster worker drawing it stopped (serve --ray)

    @property
    def caption(self) -> str:
        return f"{self.request.prompt} (seed {self.seed})"


@dataclass
class Session:
    """One browser tab's state (kept in ``gr.State``, so no session sees another's)."""

    pending: ImageRequest | None = None  # understood and shown, not drawn yet
    stack: list[Entry] = field(default_factory=list)  # the requests that undo goes back through
    gallery: list[Entry] = field(default_factory=list)  # every image made, newest first; undo removes none
    listener: object | None = None  # the LiveListener of this tab's microphone
    said: int = 0  # counts read-backs, so the same words said twice are read twice
    transcript: object | None = None  # the last turn's Transcript, for the image's metadata
    source: str = ""  # where the last turn came from: microphone, a file's name, typed
    undos: int = 0  # how many times this tab went back, so a drawing that finishes after an undo stays undone
    start: object | None = None  # the starting picture (voice2img.pictures.Picture): drawings change it
    follow_ups: str | None = None  # how this tab's follow-ups are drawn (FOLLOW_UP_WAYS); None: the server's default
    previews: bool | None = None  # whether this tab sees previews while speaking; None: the server's default
    previewer: object | None = None  # this tab's voice2img.previews.Previewer, made when first needed
    previewing: bool = False  # a preview of the utterance in progress is on screen
    preview_path: str = ""  # the file of the preview on screen (removed when the next one comes)
    language: str | None = None  # the language last heard surely in this tab: assumed while a guess is unsure
    spoken: str | None = None  # the language chosen in "I speak": every request is heard in it (None: identify)
    locale: str = "en"  # the page's language in this tab (voice2img.web.texts.LOCALES)
    relisten: bool = False  # "show/hide previews" was said: the next chunk gets a listener made for it
    lock: object = field(default_factory=threading.Lock, repr=False)  # one microphone chunk at a time

    @property
    def current(self) -> ImageRequest | None:
        """The request a follow-up ("make it blue") changes."""
        if self.pending is not None:
            return self.pending
        if self.stack:
            return self.stack[-1].request
        return A_PICTURE if self.start is not None else None  # an uploaded picture, no words for it yet


@dataclass(frozen=True)
class Heard:
    """What one spoken or typed turn came to."""

    request: ImageRequest
    transcript: str
    restored: Entry | None = None  # for "undo": the entry gone back to (None: nothing to go back to)

    @property
    def removed_text(self) -> str:
        return "; ".join(f"{r.text!r} ({r.reason})" for r in self.request.removed)


class Studio:
    """Shared by every session: one pipeline per image model on offer, each loaded once."""

    def __init__(self, pipeline: Pipeline, out_dir: str | os.PathLike, models: list[str] | tuple = (),
                 limits: Limits | None = None, follow_ups: str = FOLLOW_UPS, previews: str = "auto"):
        if follow_ups not in FOLLOW_UP_WAYS:
            raise Voice2ImgError(f"follow-ups are drawn one of these ways: {', '.join(FOLLOW_UP_WAYS)} (got {follow_ups!r})")
        if previews not in PREVIEWS:
            raise Voice2ImgError(f"previews are one of: {', '.join(PREVIEWS)} (got {previews!r})")
        self.previews = previews
        self.listen_on_open = False  # every page starts listening as it opens (serve --listen-on-open)
        self.preview_seconds: float | None = None  # one preview's time here, once measured (previews="auto")
        self.out_dir = Path(out_dir).resolve()
        self.limits = limits or Limits()
        self.follow_ups = follow_ups  # the default way a follow-up is drawn; each tab can choose
        self.default_model = pipeline.drawing.model
        self.pipelines = {self.default_model: pipeline}
        for model in models:
            if model not in self.pipelines:
                self.pipelines[model] = pipeline.with_image_model(model)
        self._count = threading.Lock()
        # Requests queued or drawing now, by the tab (Gradio session) that sent them, so that a
        # tab closed while its request waits takes its place in the count with it.
        self._tickets: collections.Counter = collections.Counter()
        self._shown = Path(tempfile.mkdtemp(prefix="voice2img-web-"))
        atexit.register(shutil.rmtree, self._shown, ignore_errors=True)

    def shown(self, png: str) -> str:
        """A private copy of a kept image for the page: Gradio serves it from its cache under a
        content hash, and the output folder itself is never served. A hard link where it can be,
        so no second copy is stored."""
        copy = self._shown / uuid.uuid4().hex / Path(png).name
        copy.parent.mkdir()
        try:
            os.link(png, copy)
        except OSError:  # another file system
            shutil.copyfile(png, copy)
        return str(copy)

    def warm(self) -> None:
        """Load Whisper, the voice-activity model and the default image model now, so that the
        first person to speak does not wait for them."""
        from faster_whisper.vad import get_vad_model

        get_vad_model()
        self.pipeline.hearer
        self.pipeline.renderer.load()
        self.previews_by_default  # measured now, not while the first person speaks

    @property
    def previews_by_default(self) -> bool:
        """Whether tabs see previews unless they choose: "on", "off", or ("auto") whether one
        preview takes at most PREVIEW_FAST_S on this machine, timed once on a warm model."""
        if self.previews != "auto":
            return self.previews == "on"
        if self.preview_seconds is None:
            import time

            request = ImageRequest("a red fox in the snow", settings=RequestSettings(seed=0))
            self.pipeline.preview(request)  # the first call warms the model's buffers
            started = time.perf_counter()
            self.pipeline.preview(request)
            self.preview_seconds = time.perf_counter() - started
        return self.preview_seconds <= PREVIEW_FAST_S

    def previews_for(self, session: Session) -> bool:
        return self.previews_by_default if session.previews is None else session.previews

    @property
    def pipeline(self) -> Pipeline:
        return self.pipelines[self.default_model]

    def pipeline_for(self, model: str | None) -> Pipeline:
        if model and model not in self.pipelines:
            raise Voice2ImgError(f"image model {model!r} is not offered by this server")
        return self.pipelines[model or self.default_model]

    def defaults(self, model: str | None = None) -> dict:
        """The settings panel's values for a model: its profile's defaults and the operator's options."""
        renderer = self.pipeline_for(model).renderer
        chosen = renderer.settings_for(ImageRequest("x"), seed=0)  # no random seed drawn for nothing
        seed = renderer.options.seed
        width, height = self.limits.fit_size(chosen.width, chosen.height)
        return {"steps": min(chosen.steps, self.limits.max_steps), "guidance": chosen.guidance, "width": width,
                "height": height, "seed": RANDOM_SEED if seed is None else seed}

    def set_start(self, session: Session, path: str | None) -> dict | None:
        """Take (or, with None, drop) the starting picture; returns the width and height the
        current model draws it at. Raises Voice2ImgError for a file that is not a usable picture."""
        if not path:
            session.start = None
            return None
        from ..pictures import load_picture

        picture = load_picture(path)
        session.start = picture
        usual = self.defaults()  # the picture's aspect, in the pixels this page draws by default
        width, height = self.pipeline.renderer.size_for_picture(picture, usual["width"] * usual["height"])
        width, height = self.limits.fit_size(width, height)
        return {"width": width, "height": height}

    # -- hearing and understanding -----------------------------------------------------------
    def hear(self, session: Session, source) -> Heard:
        """A spoken turn (a file path or Audio). Raises Voice2ImgError (no speech, bad file)."""
        pipeline = self.pipeline
        audio = pipeline.load_audio(source, max_seconds=self.limits.max_audio_seconds)
        return self.take(session, pipeline.hear_and_understand(audio, session.current, language_hint=session.language,
                                                               language=session.spoken))

    def take(self, session: Session, result: Result) -> Heard:
        """A Result heard and understood against ``session.current`` (by :meth:`hear`, or by a live
        listener made with ``context=lambda: session.current``) as this session's turn."""
        from ..live import surely_heard

        session.transcript, session.source = result.transcript, os.path.basename(result.source) or "microphone"
        session.language = surely_heard(result.transcript) or session.language
        return self._turn(session, result.request, result.transcript.shown)

    # -- the live microphone: chunks of one tab are heard in order, never two at once -----------
    def start_listening(self, session: Session, pause_seconds: float | None = None) -> None:
        """Record was pressed: a fresh listener whose follow-ups change this session's request."""
        with session.lock:
            session.listener = self._listener(session, pause_seconds)

    def hear_chunk(self, session: Session, path: str, pause_seconds: float | None = None) -> list:
        """The next chunk the browser recorded (a file): the live events heard so far.

        The chunk is queued and heard in the background (voice2img.live.BackgroundListener):
        this returns within ``CHUNK_WAIT_S``, before the browser's next chunk comes, so none is
        dropped while Whisper loads or hears; what is heard later comes with a later chunk."""
        from ..audio import load_audio

        samples = load_audio(path).samples
        with session.lock:
            if session.listener is None or (session.relisten and not session.listener.in_utterance):
                session.listener, session.relisten = self._listener(session, pause_seconds), False
            return self._with_preview(session, session.listener.feed(samples, wait=CHUNK_WAIT_S))

    def _listener(self, session: Session, pause_seconds: float | None):
        from ..live import BackgroundListener, LiveListener, LiveOptions

        end = int(1000 * float(pause_seconds or self.limits.pause_seconds))
        previews = self.previews_for(session)
        if previews and session.previewer is None:
            from ..previews import Previewer

            # Fair under load: while anyone's request waits or draws, previews pause.
            session.previewer = Previewer(self.pipeline, paused=lambda: self.waiting > 0)
        options = LiveOptions(end_silence_ms=end, speculate_ms=min(200, end // 2), partial_every_ms=PARTIAL_EVERY_MS,
                              previews=previews)
        listener = LiveListener(self.pipeline, options, context=lambda: session.current, language=session.language,
                                pinned=session.spoken)
        if not previews:
            return BackgroundListener(listener)
        previewer = session.previewer

        def follow(events: list) -> None:  # in the hearing thread: the words so far to this tab's previewer
            previewer.init = session.start  # previews change a starting picture as the final image will
            for event in events:
                previewer.hear(event)

        return BackgroundListener(listener, on_events=follow)

    def _with_preview(self, session: Session, events: list) -> list:
        """The live events, with a ``preview`` event (result: a voice2img.previews.Preview) when
        a new one is ready."""
        previewer = session.previewer
        if previewer is None or not session.listener.options.previews:
            return events
        from ..live import LiveEvent

        out = list(events)
        preview = previewer.take()
        if preview is not None and session.listener.in_utterance:
            out.append(LiveEvent("preview", events[-1].at if events else 0.0, result=preview))
        return out

    def preview_file(self, session: Session, preview) -> str:
        """The preview as a private file for the page (never in the output folder); the one it
        replaces is removed."""
        folder = self._shown / uuid.uuid4().hex
        folder.mkdir()
        path = folder / "preview.png"
        preview.image.save(path, "PNG")
        if session.preview_path:
            shutil.rmtree(Path(session.preview_path).parent, ignore_errors=True)
        session.preview_path = str(path)
        return str(path)

    def stop_listening(self, session: Session) -> list:
        """Stop was pressed: an utterance in progress is finished and heard."""
        with session.lock:
            if session.listener is None:
                return []
            events = self._with_preview(session, session.listener.flush())  # waits for what is queued
            session.listener = None
        return events

    def type(self, session: Session, text: str) -> Heard:
        """A typed turn: a new request or a follow-up, understood exactly as speech is."""
        if not text.strip():
            raise Voice2ImgError("type what you want drawn, or a change such as 'make it blue'")
        if len(text) > self.limits.max_typed_chars:
            raise Voice2ImgError(f"that is {len(text)} characters; a request may have at most {self.limits.max_typed_chars}")
        from ..hear import Transcript

        request = self.pipeline.understand(text, session.current)
        session.transcript, session.source = Transcript(text=text, language="", backend="typed"), "typed"

        if request.empty and request.action == "draw":
            raise Voice2ImgError(f"nothing to draw: {request.why_empty}")
        return self._turn(session, request, text)

    def _turn(self, session: Session, request: ImageRequest, transcript: str) -> Heard:
        if request.action == "undo":
            return Heard(request, transcript, restored=self.undo(session))
        if request.action in COMMANDS:  # the page does it (views.command); the request on screen stays
            self._command(session, request.action)
            return Heard(request, transcript)
        request = self.limits.fit(request)
        session.pending = request
        return Heard(request, transcript)

    def _command(self, session: Session, action: str) -> None:
        """What a spoken command changes in the session itself."""
        if action == START_OVER:  # a new request: what follows is not a change; the gallery keeps everything
            session.pending = None
            session.stack.clear()
            session.undos += 1  # a drawing finishing now joins the gallery, not the screen
        elif action in (SHOW_PREVIEWS, HIDE_PREVIEWS):
            session.previews = action == SHOW_PREVIEWS
            session.relisten = True

    def on_screen(self, session: Session) -> Entry | None:
        """The picture on screen (what "save it" saves), if one was drawn."""
        return session.stack[-1] if session.stack else None

    def undo(self, session: Session) -> Entry | None:
        """Go back one request. Nothing is deleted: every image stays in the gallery.

        A change heard but not drawn yet (review mode) is what goes: back to the last image.
        """
        session.undos += 1
        if session.pending is not None:
            session.pending = None
            return session.stack[-1] if session.stack else None
        if len(session.stack) > 1:
            session.stack.pop()
            return session.stack[-1]
        return None

    def reload(self, session: Session, index: int) -> Entry:
        """Make a gallery entry the current request again (a click or Enter on its thumbnail)."""
        entry = session.gallery[index]
        session.pending = None
        session.stack.append(entry)
        return entry

    # -- drawing ------------------------------------------------------------------------------
    def request_from_fields(self, session: Session, prompt: str, negative: str, steps, width, height,
                            guidance, seed, new_seed: bool = False) -> ImageRequest:
        """The request to draw: what was understood, with the person's edits to the boxes and panel."""
        if not (prompt or "").strip():
            raise Voice2ImgError("the prompt is empty: say, upload or type what you want drawn")
        base = session.current or ImageRequest(prompt)
        steps, width, height = _whole(steps, "steps"), _whole(width, "width"), _whole(height, "height")
        self.limits.check(steps=steps, width=width, height=height)
        seed = _whole(seed, "seed")
        settings = replace(base.settings, steps=steps, width=width, height=height,
                           guidance=None if guidance is None else float(guidance), aspect=None,
                           seed=None if new_seed or seed is None or seed == RANDOM_SEED else seed)
        # "Again with a new seed" draws the request anew; it does not change the picture on screen.
        return replace(base, prompt=prompt.strip(), negative_prompt=(negative or "").strip(), settings=settings,
                       action="draw", follows=base.follows and not new_seed)

    def starting_point(self, session: Session, request: ImageRequest) -> tuple[object | None, str]:
        """The picture a drawing starts from (a voice2img.pictures.Picture, or None: from noise)
        and how a follow-up is drawn: "refine" starts from the picture on screen, "redraw" from
        where that picture started (the starting picture, or noise) with the same seed; "" for a
        new request. Said by voice ("change this picture", "from scratch"), else the tab's
        setting, else the server's."""
        if not (request.follows and request.action == "draw" and session.stack):
            return session.start, ""
        way = request.settings.follow_up or session.follow_ups or self.follow_ups
        if way == "refine":
            from ..pictures import load_picture

            return load_picture(session.stack[-1].png), way
        return session.start, way

    def draw(self, session: Session, request: ImageRequest, model: str | None = None, progress=None) -> list[Entry]:
        """Draw and keep the request's images; they join the session's gallery and undo stack.

        When the person went back ("undo") while this was drawing, the images join the gallery
        only: nothing is lost, and the picture they went back to stays the current one.
        """
        pipeline = self.pipeline_for(model)
        init, way = self.starting_point(session, request)
        settings = pipeline.settings_for(request, init)  # settled once: checked here, drawn as checked
        self.limits.check(settings.steps, settings.width, settings.height, request.settings.num_images or 1)
        undos = session.undos
        transcript = session.transcript
        if transcript is None:  # drawn from the boxes alone
            from ..hear import Transcript

            transcript = Transcript(text="", language="", backend="typed")
        heard = Result(session.source or "typed", transcript, request)
        result = pipeline.make(heard, self.out_dir, stem=_stem(request.prompt), init=init, progress=progress,
                               settings=settings)
        entries = [Entry(request=replace(request, settings=replace(request.settings, seed=d.seed)), transcript=transcript.shown,
                         png=str(png), seed=d.seed, timings=result.timings, safety=d.safety, shown=self.shown(png),
                         way=way, strength=d.strength, retried=d.retried,
                         settings={"steps": d.steps, "guidance": d.guidance, "width": d.width, "height": d.height,
                                   "model": d.model})
                   for d, png in zip(result.drawings, result.png_paths)]
        session.gallery[:0] = reversed(entries)
        if session.undos == undos:
            session.pending = None
            session.stack.append(entries[0])
        return entries

    @staticmethod
    def is_current(session: Session, entry: Entry) -> bool:
        """Whether ``entry`` is the picture follow-ups now change (False: it was undone while drawing)."""
        return bool(session.stack) and session.stack[-1] is entry

    @property
    def waiting(self) -> int:
        """Requests queued or drawing now, across all tabs."""
        with self._count:
            return sum(self._tickets.values())

    def enter(self, tab: str = "") -> int | None:
        """A request from ``tab`` joins the queue: how many are ahead of it; None when the queue is
        full (Gradio turns the request away, so it takes no place in the count)."""
        with self._count:
            ahead = sum(self._tickets.values())
            if ahead >= self.limits.concurrency + self.limits.max_queue:
                return None
            self._tickets[tab] += 1
            return ahead

    def leave(self, tab: str = "") -> None:
        """A request from ``tab`` is done (drawn, refused or failed)."""
        with self._count:
            if self._tickets.get(tab, 0) > 1:
                self._tickets[tab] -= 1
            else:
                self._tickets.pop(tab, None)  # gone already if the tab was closed

    def forget(self, tab: str) -> None:
        """The tab is closed: whatever it still had queued will never be drawn."""
        with self._count:
            self._tickets.pop(tab, None)


def _whole(value, name: str) -> int | None:
    if value is None or value == "":
        return None
    number = float(value)
    if number != int(number):
        raise Voice2ImgError(f"{name} must be a whole number (got {value})")
    return int(number)


def _stem(prompt: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in prompt.lower()).split()
    return "-".join(words[:6]) or "voice2img"
