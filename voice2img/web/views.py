"""What the page shows after each step, as plain values keyed by the page's field names.

Every handler on the page (:mod:`.page`) is a few lines: it asks the Studio to take a step and one
of these functions what the page should then show. They know nothing of Gradio, so the tests call
them directly; the page turns a view into component updates (:func:`.page.build_app`).

Field names are the page's element ids: ``status``, ``heard``, ``removed``, ``prompt``,
``negative``, ``steps``, ``width``, ``height``, ``guidance``, ``seed``, ``image`` (a
:class:`Picture`), ``download`` (a path), ``gallery``, ``timings``, ``trigger`` (what makes the page
draw hands-free), ``speak`` (what read-back says), ``reply`` (what a spoken command's answer
says, always spoken), ``act`` (what the page does for a command: save, stop), ``previews`` and
``typed``.
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
from ..understand.commands import COMMANDS, HELP, READ_BACK, SAVE, SHOW_PREVIEWS, START_OVER, STOP_LISTENING
from ..understand.text import words_of
from .studio import RANDOM_SEED, Entry, Heard, Session, Studio
from .texts import say

HANDS_FREE, REVIEW = "hands-free", "review"
STATUS_EVERY_S = 0.5  # the status line says the drawing step at most this often: screen readers keep up

log = logging.getLogger("voice2img.web")


@dataclass(frozen=True)
class Picture:
    """The image to show, and its alt text (its prompt)."""

    path: str
    alt: str
    label: str | None = None  # what the image area is called: "Preview …" while a preview is shown; None: "Image"


def heard(studio: Studio, s: Session, h: Heard, mode: str) -> dict:
    """After a turn was heard or typed. Hands-free sets ``trigger``, which makes the page draw."""
    s.said += 1
    r, loc = h.request, s.locale
    out: dict = {"heard": h.transcript, "removed": h.removed_text}
    if r.action == "undo":
        view = went_back(h.restored, loc)
        return {**out, **view, "speak": readback(s, [(loc, view["status"])])} if h.restored else {**out, **view}
    if r.action in COMMANDS:
        return {**out, **command(studio, s, r.action)}
    said_in = getattr(s.transcript, "language", "") or "en"
    said = getattr(s.transcript, "as_spoken", h.transcript) if s.transcript is not None else h.transcript
    prompt_said = say(loc, "readback_prompt", prompt=r.prompt)
    if said_in == loc.split("-")[0]:  # heard in the page's language: one utterance
        parts = [(loc, say(loc, "readback_heard", heard=said) + " " + prompt_said)]
    else:  # what was said in its own voice, then the prompt in the page's
        parts = [(said_in, said), (loc, prompt_said)]
    out.update(prompt=r.prompt, negative=r.negative_prompt, speak=readback(s, parts))
    spoken = r.settings
    out.update({k: v for k, v in (("steps", spoken.steps), ("guidance", spoken.guidance)) if v is not None})
    # A follow-up keeps the seed of the picture it changes; a new request gets a new one.
    out["seed"] = RANDOM_SEED if spoken.seed is None else spoken.seed
    if spoken.width or spoken.height or spoken.aspect:
        try:
            chosen = studio.pipeline.renderer.settings_for(r, seed=0)  # the size only: no seed drawn for it
            out.update(width=chosen.width, height=chosen.height)
        except Voice2ImgError as exc:
            return {**out, "status": say(loc, "heard_but", error=exc)}
    notes = say(loc, "notes", notes="; ".join(r.notes)) if r.notes else ""
    guess = getattr(s.transcript, "language_note", "") if s.transcript is not None else ""
    if guess:
        notes += say(loc, "language_guess", note=guess)
    if mode == HANDS_FREE:
        out["trigger"] = f"{s.said}|{r.action}"
        out["status"] = say(loc, "heard_drawing", heard=h.transcript, prompt=r.prompt, notes=notes)
    else:
        out["status"] = say(loc, "heard_review", heard=h.transcript, notes=notes)
    return out


def command(studio: Studio, s: Session, action: str) -> dict:
    """What the page shows, says and does for a spoken command (the Studio did its part in
    ``Studio._turn``). The answer is spoken whether or not read-back is on: it was asked for."""
    loc = s.locale
    view: dict = {}
    shown = studio.on_screen(s)
    if action == SAVE:
        if shown is None:
            line = say(loc, "nothing_to_save")
        else:
            line = say(loc, "saved", prompt=shown.request.prompt)
            view.update(download=shown.shown, act=f"{s.said}|save")
    elif action == READ_BACK:
        current = s.pending or (shown.request if shown else None)
        if current is None or current.empty:
            line = say(loc, "nothing_drawn")
        else:
            line = say(loc, "read_back" if s.pending is None else "read_back_pending", prompt=current.prompt)
            if current.transcript and words_of(current.transcript) != words_of(current.prompt):
                line += " " + say(loc, "read_back_heard", heard=current.transcript.strip())
    elif action == HELP:
        line = say(loc, "help")
    elif action == STOP_LISTENING:
        line = say(loc, "stopped")
        view["act"] = f"{s.said}|stop"
    elif action == START_OVER:
        line = say(loc, "started_over")
        view.update(prompt="", negative="", seed=RANDOM_SEED, image=None, download=None)
    else:  # SHOW_PREVIEWS, HIDE_PREVIEWS
        line = say(loc, "previews_on" if action == SHOW_PREVIEWS else "previews_off")
        view["previews"] = action == SHOW_PREVIEWS
    return {**view, "status": line, "reply": readback(s, [(loc, line)])}



def readback(s: Session, parts: list[tuple[str, str]]) -> str:
    """What read-back says, as the page's speech script reads it: "N|lang|text" lines, one
    utterance each, in the language each was said or shown in (N makes the same words said twice
    a change)."""
    return "\n".join(f"{s.said}|{lang}|{' '.join(text.split())}" for lang, text in parts if text.strip())


def entry(e: Entry) -> dict:
    """An image from the history as the current picture: its request back in the boxes."""
    return {"prompt": e.request.prompt, "negative": e.request.negative_prompt, "seed": e.seed,
            "steps": e.settings["steps"], "width": e.settings["width"], "height": e.settings["height"],
            "guidance": e.settings["guidance"], "image": Picture(e.shown, e.request.prompt), "download": e.shown}


def went_back(e: Entry | None, locale: str = "en") -> dict:
    if e is None:
        return {"status": say(locale, "nothing_back")}
    return {**entry(e), "status": say(locale, "went_back", prompt=e.request.prompt)}


def reloaded(e: Entry, locale: str = "en") -> dict:
    return {**entry(e), "heard": e.transcript, "status": say(locale, "reloaded", prompt=e.request.prompt, seed=e.seed)}


def gallery(s: Session) -> list[tuple[str, str]]:
    return [(e.shown, e.caption) for e in s.gallery]


def live(studio: Studio, s: Session, events, mode: str) -> dict:
    """What the live microphone's events come to: the words so far, or a heard turn."""
    out: dict = {}
    loc = s.locale
    # Said once when the first preview appears, then left alone: a screen reader is not told of each preview.
    listening = lambda: say(loc, "listening_preview" if s.previewing else "listening_speech")  # noqa: E731
    for event in events:
        if event.kind == "speech":
            s.previewing = False
            out["status"] = listening()
        elif event.kind == "partial" and event.message:
            out.update(heard=event.message + " …", status=listening())
        elif event.kind == "preview":
            p = event.result
            s.previewing = True
            out.update(image=Picture(studio.preview_file(s, p), say(loc, "preview_of", prompt=p.prompt, seed=p.seed),
                                     say(loc, "preview_label")), status=listening())
        elif event.kind == "holding":
            out.update(heard=event.message + " …", status=say(loc, "holding"))
        elif event.kind == "no speech":
            out["status"] = say(loc, "no_words")
        elif event.kind == "final":
            s.previewing = False
            try:
                out.update(heard(studio, s, studio.take(s, event.result), mode))
            except Voice2ImgError as exc:
                out["status"] = say(loc, "not_drawn", error=exc)
    return out


def queued(ahead: int | None, max_queue: int, locale: str = "en") -> tuple[bool, str]:
    """(admitted, status) for a request joining the drawing queue with ``ahead`` before it."""
    if ahead is None:
        return False, say(locale, "busy", max_queue=max_queue)
    if ahead:
        return True, say(locale, "waiting", ahead=ahead)
    return True, say(locale, "drawing")


def start_picture(studio: Studio, s: Session, path: str | None) -> dict:
    """After a starting picture was given (or removed): what the page says, and the size it is drawn at."""
    try:
        size = studio.set_start(s, path)
    except Voice2ImgError as exc:
        s.start = None
        return {"status": say(s.locale, "picture_refused", error=exc)}
    if size is None:
        return {"status": say(s.locale, "no_picture")}
    p = s.start
    return {**size, "status": say(s.locale, "picture", name=os.path.basename(p.name), width=p.width, height=p.height)}


def drawing(studio: Studio, s: Session, fields: tuple, model: str | None, new_seed: bool = False,
            progress: Callable[[tuple[int, int]], None] | None = None) -> Iterator[dict]:
    """Draw what the boxes say: the step in the status line as it goes, then the picture.

    Whatever goes wrong ends in a one-line status ("Not drawn: …"), never a page left saying
    "Drawing…": a person's mistake is said as it is; a bug is logged with its traceback and
    named in one line."""
    try:
        request = studio.request_from_fields(s, *fields, new_seed=new_seed)
    except (Voice2ImgError, ValueError, TypeError) as exc:
        yield {"status": say(s.locale, "not_drawn", error=exc)}
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
            yield {"status": say(s.locale, "drawing_step", done=step[0], total=step[1])}
    if "error" in outcome:
        yield {"status": say(s.locale, "not_drawn", error=outcome["error"])}
        return
    yield drawn(studio, s, outcome["entries"])


def drawn(studio: Studio, s: Session, entries: list[Entry]) -> dict:
    """After a drawing: the picture, unless "undo" was said while it was drawing."""
    e, loc = entries[0], s.locale
    if not studio.is_current(s, e):
        back = s.current
        return {"gallery": gallery(s),
                "status": say(loc, "went_back_while", prompt=back.prompt if back else say(loc, "none"))}
    took = ", ".join(f"{k.replace('_', ' ')} {v:.2f} s" for k, v in e.timings.items())
    count = say(loc, "images", n=len(entries)) if len(entries) > 1 else say(loc, "one_image")
    blurred = sum(1 for x in entries if (x.safety or {}).get("decision") == "blurred")
    note = say(loc, "blurred", n=blurred) if blurred else ""
    if any(x.retried for x in entries):
        note += say(loc, "retried")
    s.said += 1  # "Here is …" twice for the same prompt is said twice
    return {**entry(e), "gallery": gallery(s), "timings": say(loc, "times", took=took),
            "speak": readback(s, [(loc, say(loc, "here_is", prompt=e.request.prompt))]),
            "status": say(loc, "done", count=count, prompt=e.request.prompt, seed=e.seed, how=_how(e, loc), note=note)}


def _how(e: Entry, locale: str = "en") -> str:
    """How a follow-up was drawn, and the words that ask for the other way."""
    if e.way == "refine":
        return say(locale, "refined", strength=e.strength)
    if e.way == "redraw":
        return say(locale, "redrawn")
    return ""


def model_defaults(studio: Studio, model: str, locale: str = "en") -> dict:
    try:
        d = studio.defaults(model)
    except Voice2ImgError as exc:
        return {"status": str(exc)}
    return {"steps": d["steps"], "width": d["width"], "height": d["height"], "guidance": d["guidance"],
            "status": say(locale, "model", model=model)}


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or "no message"
