"""Previews while someone speaks: the words heard so far, drawn quickly, with the final image's seed.

A :class:`~voice2img.live.LiveListener` with ``LiveOptions(previews=True)`` understands the words
heard so far at each partial transcript and puts the request on its "partial" event, seeded with
the seed the final image of that utterance will use, so the composition carries through. A
:class:`Previewer` draws them: one at a time, on its own thread, only the newest (a request that
is out of date before its drawing starts is dropped), only when the words gained a content word,
and not while ``paused()`` says others are waiting for their final images. Previews use quick
settings of the same model (:class:`PreviewOptions`), are checked by the operator's image check
before they are shown, and are never kept: no output file, no history.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, replace
from typing import Callable

# Words that add nothing a picture shows: a preview waits for a word that is not one of these.
_NOT_CONTENT = frozenset("""a an the and or but with without of in on at to for from by into onto under over near
    behind beside between like some my his her their its our your very really plus also then which that who
    is are was were be it this these those there here one two three four five""".split())


def content_words(prompt: str) -> frozenset[str]:
    """The words of a prompt that could change a picture: "a red fox in the snow" → red, fox, snow."""
    return frozenset(w for w in re.findall(r"[\w'-]+", prompt.lower()) if w not in _NOT_CONTENT)


@dataclass(frozen=True)
class PreviewOptions:
    """How a preview is drawn: the request's model and seed, fewer steps and fewer pixels."""

    steps: int | None = None  # None: a quarter of the final image's steps, at least 1 (one for the Turbo models)
    scale: float = 0.5  # a preview's side against the final image's (0.5: a quarter of the pixels)
    min_side: int = 64
    # The preview drawing when speech ends: "interrupt" it at its next step (measured: with SD-Turbo on a CPU the
    # final image came 0.58 s later than without previews, against 2.3 s when waiting for it), or "wait" for it.
    at_end: str = "interrupt"


@dataclass(frozen=True, eq=False)
class Preview:
    """One preview drawn: the image, what it shows, and which of the utterance's previews it is."""

    image: object  # PIL.Image.Image
    prompt: str
    seed: int
    number: int  # 1 for the utterance's first preview
    seconds: float  # drawing time
    asked_at: float  # time.monotonic() when its words were heard


class Previewer:
    """Draws the newest wanted preview on a thread of its own; the shell takes finished ones."""

    def __init__(self, pipeline, options: PreviewOptions | None = None, paused: Callable[[], bool] | None = None,
                 on_preview: Callable[[Preview], None] | None = None):
        self.pipeline = pipeline
        self.options = options or PreviewOptions()
        self.paused = paused or (lambda: False)
        self.on_preview = on_preview  # called on the preview thread with each finished preview
        self.drawn = 0  # previews drawn in this utterance
        self.dropped = 0  # wanted, then replaced by newer words before they were drawn
        self._lock = threading.Condition()
        self._wanted: tuple | None = None  # (request, asked_at)
        self._drawing = False
        self._latest: Preview | None = None  # finished, not taken yet
        self._words: frozenset = frozenset()  # the content words of the last wanted preview
        self._closed = False
        self._generation = 0  # counts settle() and reset(): a preview finished after one is not shown
        self._stop = False  # settle(interrupt=True): the drawing in flight ends at its next step
        self.init = None  # the starting picture previews change, as the final image will (the web UI's)
        self._thread = threading.Thread(target=self._run, name="voice2img-preview", daemon=True)
        self._thread.start()

    def want(self, request) -> bool:
        """Ask for a preview of ``request`` (the words so far, understood and seeded). Returns
        whether it was taken: only when the words gained a content word since the last one."""
        if request is None or request.empty or request.action != "draw":
            return False
        words = content_words(request.prompt)
        with self._lock:
            if not (words - self._words):
                return False
            self._words = words
            if self._wanted is not None:
                self.dropped += 1  # never started: newer words replace it
            self._wanted = (request, time.monotonic())
            self._lock.notify_all()
        return True

    def hear(self, event) -> None:
        """Follow a voice2img.live.LiveEvent: a partial transcript's words are wanted; at the end
        of an utterance ("final", "no speech") what is left is settled and the next starts afresh."""
        if event.kind == "partial":
            self.want(event.request)
        elif event.kind in ("final", "no speech"):
            self.settle()  # the final image waits behind one preview at most
            self.reset()

    def take(self) -> Preview | None:
        """The newest finished preview not taken before, if any."""
        with self._lock:
            latest, self._latest = self._latest, None
            return latest

    def settle(self, timeout: float | None = None, interrupt: bool | None = None) -> None:
        """The utterance ended: drop what is not started, and wait (at most ``timeout``) for the
        one preview already drawing, so the final image waits behind one preview at most. With
        ``interrupt`` (default: ``options.at_end == "interrupt"``) that preview stops at the end
        of its current step instead of finishing (it would not be shown anyway)."""
        if interrupt is None:
            interrupt = self.options.at_end == "interrupt"
        with self._lock:
            self._wanted = None
            self._generation += 1
            self._stop = self._drawing and interrupt
            self._lock.wait_for(lambda: not self._drawing, timeout)

    def reset(self) -> None:
        """A new utterance: forget the last one's words and count previews afresh."""
        with self._lock:
            self._wanted, self._latest, self._words = None, None, frozenset()
            self.drawn = self.dropped = 0
            self._generation += 1

    def close(self, timeout: float | None = 30) -> None:
        """Stop the preview thread, waiting for a drawing in flight (a thread left inside torch
        at exit can abort the process)."""
        with self._lock:
            self._closed, self._wanted = True, None
            self._lock.notify_all()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def draw(self, request) -> Preview | None:
        """Draw one preview now, on this thread (None: the operator's checks withheld it)."""
        started = time.perf_counter()
        drawing = self.pipeline.preview(request, steps=self.options.steps, scale=self.options.scale,
                                        min_side=self.options.min_side, init=self.init, progress=self._step_done)
        if drawing is None:
            return None
        return Preview(drawing.image, drawing.prompt, drawing.seed, self.drawn + 1, time.perf_counter() - started,
                       time.monotonic())

    def _step_done(self, step: int, total: int) -> None:
        if self._stop:  # raised inside the diffusers loop: no further step, no decoding
            raise _Interrupted

    def _run(self) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._closed or self._wanted is not None)
                if self._closed:
                    return
                (request, asked_at), self._wanted = self._wanted, None
                if self.paused():  # others wait for their final images: theirs come first
                    continue
                self._drawing = True
                generation = self._generation
            try:
                preview = self.draw(request)
            except Exception:  # noqa: BLE001 - a preview that fails is simply not shown
                preview = None
            with self._lock:
                self._drawing = self._stop = False
                # Shown even when newer words wait (it is the newest drawn); not after the utterance ended.
                if preview is not None and generation == self._generation and not self._closed:
                    self.drawn += 1
                    preview = replace(preview, number=self.drawn, asked_at=asked_at)
                    self._latest = preview
                else:
                    preview = None  # the utterance ended (settled or reset) while it was drawing
                self._lock.notify_all()
            if preview is not None and self.on_preview is not None:
                self.on_preview(preview)


class _Interrupted(Exception):
    """A preview stopped because the utterance ended while it was drawing."""


__all__ = ["Preview", "PreviewOptions", "Previewer", "content_words"]
