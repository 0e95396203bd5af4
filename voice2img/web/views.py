"""What the page shows after each step, as plain values keyed by the page's field names.

Every handler on the page (:mod:`.page`) is a few lines: it asks the Studio to take a step and one
of these functions what the page should then show. They know nothing of Gradio, so the tests call
them directly; the page turns a view into component updates (:func:`.page.build_app`).

Field names are the page's element ids: ``status``, ``heard``, ``removed``, ``prompt``,
``negative``, ``steps``, ``width``, ``height``, ``guidance``, ``seed``, ``image`` (a
:class:`Picture`), ``download`` (a path), ``gallery``, ``timings``, ``trigger`` (what makes the page
draw hands-free), ``speak`` (what read-back says) and ``typed``.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterator

from ..errors import Voice2ImgError
from .studio import RANDOM_SEED, Entry, Heard, Session, Studio

HANDS_FREE, REVIEW = "hands-free", "review"
PREVIEW_LABEL = "Preview while you speak (not kept)"
STATUS_EVERY_S = 0.5  # the status line says the drawing step at most this often: screen readers keep up

log = logging.getLogger("voice2img.web")


@dataclass(frozen=True)
class Picture:
    """The image to show, and its alt text (its prompt)."""

    path: str
    alt: str
    label: str = "Image"  # what the image area is called: "Preview …" while a preview is shown


def heard(studio: Studio, s: Session, h: Heard, mode: str) -> dict:
    """After a turn was heard or typed. Hands-free sets ``trigger``, which makes the page draw."""
    s.said += 1
    r = h.request
    out: dict = {"heard": h.transcript, "removed": h.removed_text}
    if r.action == "undo":
        view = went_back(h.restored)
        return {**out, **view, "speak": f"{s.said}|{view['status']}"} if h.restored else {**out, **view}
    out.update(prompt=r.prompt, negative=r.negative_prompt, speak=f"{s.said}|Heard: {h.transcript}. Prompt: {r.prompt}")
    spoken = r.settings
    out.update({k: v for k, v in (("steps", spoken.steps), ("guidance", spoken.guidance)) if v is not None})
    # A follow-up keeps the seed of the picture it changes; a new request gets a new one.
    out["seed"] = RANDOM_SEED if spoken.seed is None else spoken.seed
    if spoken.width or spoken.height or spoken.aspect:
        try:
            chosen = studio.pipeline.renderer.settings_for(r)
            out.update(width=chosen["width"], height=chosen["height"])
        except Voice2ImgError as exc:
            return {**out, "status": f"Heard, but: {exc}"}
    notes = (" Note: " + "; ".join(r.notes) + ".") if r.notes else ""
    if mode == HANDS_FREE:
        out["trigger"] = f"{s.said}|{r.action}"
        out["status"] = f"Heard: “{h.transcript}”. Drawing: {r.prompt}.{notes}"
    else:
        out["status"] = f"Heard: “{h.transcript}”. Check the prompt, then press Generate.{notes}"
    return out


def entry(e: Entry) -> dict:
    """An image from the history as the current picture: its request back in the boxes."""
    return {"prompt": e.request.prompt, "negative": e.request.negative_prompt, "seed": e.seed,
            "steps": e.settings["steps"], "width": e.settings["width"], "height": e.settings["height"],
            "guidance": e.settings["guidance"], "image": Picture(e.shown, e.request.prompt), "download": e.shown}


def went_back(e: Entry | None) -> dict:
    if e is None:
        return {"status": "Nothing to go back to."}
    return {**entry(e), "status": f"Went back to: {e.request.prompt}"}


def reloaded(e: Entry) -> dict:
    return {**entry(e), "heard": e.transcript,
            "status": f"Reloaded: {e.request.prompt} (seed {e.seed}). Press Generate to draw it again."}


def gallery(s: Session) -> list[tuple[str, str]]:
    return [(e.shown, e.caption) for e in s.gallery]


def live(studio: Studio, s: Session, events, mode: str) -> dict:
    """What the live microphone's events come to: the words so far, or a heard turn."""
    out: dict = {}
    # Said once when the first preview appears, then left alone: a screen reader is not told of each preview.
    listening = lambda: "Listening… preview" if s.previewing else "Listening… (speech)"  # noqa: E731
    for event in events:
        if event.kind == "speech":
            s.previewing = False
            out["status"] = listening()
        elif event.kind == "partial" and event.message:
            out.update(heard=event.message + " …", status=listening())
        elif event.kind == "preview":
            p = event.result
            s.previewing = True
            out.update(image=Picture(studio.preview_file(s, p), f"Preview of {p.prompt} (seed {p.seed})", PREVIEW_LABEL),
                       status=listening())
        elif event.kind == "holding":
            out.update(heard=event.message + " …",
                       status="Listening… that sounded unfinished, so I am waiting for the rest.")
        elif event.kind == "no speech":
            out["status"] = "Heard no words there; still listening."
        elif event.kind == "final":
            s.previewing = False
            try:
                out.update(heard(studio, s, studio.take(s, event.result), mode))
            except Voice2ImgError as exc:
                out["status"] = f"Not drawn: {exc}"
    return out


def queued(ahead: int | None, max_queue: int) -> tuple[bool, str]:
    """(admitted, status) for a request joining the drawing queue with ``ahead`` before it."""
    if ahead is None:
        return False, (f"Busy: {max_queue} requests are already waiting, the most this server queues. "
                       "Yours was not queued; try again in a moment.")
    if ahead:
        return True, f"Waiting: {ahead} other request(s) are ahead of yours; yours starts when they finish."
    return True, "Drawing…"


def start_picture(studio: Studio, s: Session, path: str | None) -> dict:
    """After a starting picture was given (or removed): what the page says, and the size it is drawn at."""
    try:
        size = studio.set_start(s, path)
    except Voice2ImgError as exc:
        s.start = None
        return {"status": f"Not used as a starting picture: {exc}"}
    if size is None:
        return {"status": "No starting picture: requests draw from scratch."}
    p = s.start
    return {**size, "status": f"Starting picture: {os.path.basename(p.name)} ({p.width}×{p.height}). Say or type what it "
                              "should become — “make it a watercolor”, “just a little” — and it is changed, not redrawn."}


def drawing(studio: Studio, s: Session, fields: tuple, model: str | None, new_seed: bool = False,
            progress: Callable[[tuple[int, int]], None] | None = None) -> Iterator[dict]:
    """Draw what the boxes say: the step in the status line as it goes, then the picture.

    Whatever goes wrong ends in a one-line status ("Not drawn: …"), never a page left saying
    "Drawing…": a person's mistake is said as it is; a bug is logged with its traceback and
    named in one line."""
    try:
        request = studio.request_from_fields(s, *fields, new_seed=new_seed)
    except (Voice2ImgError, ValueError, TypeError) as exc:
        yield {"status": f"Not drawn: {exc}"}
        return
    steps: queue.Queue = queue.Queue()
    outcome: dict = {}

    def work():
        try:
            outcome["entries"] = studio.draw(s, request, model, progress=lambda done, total: steps.put((done, total)))
        except Voice2ImgError as exc:
            outcome["error"] = str(exc)
        except BaseException as exc:  # noqa: BLE001 - a bug: logged in full, said in one line
            log.exception("drawing %r failed", request.prompt)
            outcome["error"] = f"something went wrong while drawing ({type(exc).__name__}: {_one_line(exc)}); " \
                               "the server's log has the details"
        finally:
            steps.put(None)

    threading.Thread(target=work, name="voice2img-draw", daemon=True).start()
    said = 0.0
    while (step := steps.get()) is not None:
        if progress is not None:
            progress(step)
        if time.monotonic() - said >= STATUS_EVERY_S or step[0] == step[1]:
            said = time.monotonic()
            yield {"status": f"Drawing step {step[0]} of {step[1]}…"}
    if "error" in outcome:
        yield {"status": f"Not drawn: {outcome['error']}"}
        return
    yield drawn(studio, s, outcome["entries"])


def drawn(studio: Studio, s: Session, entries: list[Entry]) -> dict:
    """After a drawing: the picture, unless "undo" was said while it was drawing."""
    e = entries[0]
    if not studio.is_current(s, e):
        back = s.current
        return {"gallery": gallery(s),
                "status": "Drawn and kept in the history, but you went back while it was drawing, so the "
                          f"current picture is still “{back.prompt if back else 'none'}”."}
    took = ", ".join(f"{k.replace('_', ' ')} {v:.2f} s" for k, v in e.timings.items())
    count = f"{len(entries)} images" if len(entries) > 1 else "image"
    blurred = sum(1 for x in entries if (x.safety or {}).get("decision") == "blurred")
    note = f" {blurred} blurred by this server's content check." if blurred else ""
    return {**entry(e), "gallery": gallery(s), "timings": f"Times: {took}",
            "status": f"Done: {count} of “{e.request.prompt}”, seed {e.seed}.{_how(e)}{note}"}


def _how(e: Entry) -> str:
    """How a follow-up was drawn, and the words that ask for the other way."""
    if e.way == "refine":
        return (f" Changed the picture on screen (image to image, strength {e.strength:g}); "
                "say “from scratch” to redraw it instead.")
    if e.way == "redraw":
        return " Redrawn with the same seed; say “change this picture” to change the picture on screen instead."
    return ""


def model_defaults(studio: Studio, model: str) -> dict:
    try:
        d = studio.defaults(model)
    except Voice2ImgError as exc:
        return {"status": str(exc)}
    return {"steps": d["steps"], "width": d["width"], "height": d["height"], "guidance": d["guidance"],
            "status": f"Image model: {model}; its default settings are in the panel."}


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or "no message"
