"""The web UI (Gradio): speak live, upload or type; refine by voice; a history per session.

``build_app`` makes the page (:mod:`.page`); :class:`.studio.Studio` holds what all sessions share
(one pipeline per image model, loaded once) and the steps each session takes. ``serve`` is what
``voice2img serve`` and ``python app.py`` run.
"""

from __future__ import annotations

import os

from ..defaults import FOLLOW_UPS
from ..errors import Voice2ImgError
from ..pipeline import Pipeline
from ..limits import Limits
from .studio import Session, Studio

DEFAULT_OUT = "outputs"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def generate(studio: Studio, audio_path: str | None, language: str | None = None) -> dict:
    """One request from a program: audio in; transcript, prompt, image path and status out.
    ``language`` (a code or name; empty: find it) is what ``--language`` is to the CLI."""
    if not audio_path:
        return {"transcript": "", "prompt": "", "image": None, "status": "No image: send an audio file."}
    session = Session()
    try:
        from ..hear.languages import chosen_language

        session.spoken = chosen_language(language)
        heard = studio.hear(session, audio_path)
        if heard.request.action != "draw":
            raise Voice2ImgError(f"'{heard.transcript}' is a follow-up; send a request that says what to draw")
        entry = studio.draw(session, heard.request)[0]
    except Voice2ImgError as exc:
        transcript = session.transcript.shown if session.transcript is not None else ""
        return {"transcript": transcript, "prompt": "", "image": None, "status": f"No image: {exc}"}
    t = entry.timings
    status = (f"Done: seed {entry.seed}, {entry.settings['steps']} step(s), {entry.settings['width']}x"
              f"{entry.settings['height']}; hear {t.get('hear', 0):.2f}s, draw {t.get('draw', 0):.2f}s")
    return {"transcript": entry.transcript, "prompt": entry.request.prompt, "image": entry.shown,
            "status": status}


def build_app(pipeline: Pipeline | Studio, out_dir: str = DEFAULT_OUT, models: tuple = (), limits: Limits | None = None,
              follow_ups: str = FOLLOW_UPS, previews: str = "auto", listen_on_open: bool = False):
    """The Gradio Blocks app. Launch it with :func:`launch` (it sets the page's CSS and scripts)."""
    from .page import build_app as build

    # Before any model work in this process: building the page may time a preview (previews="auto"),
    # and threads that allocate before the limit keep arenas of their own.
    _fewer_malloc_arenas()
    studio = pipeline if isinstance(pipeline, Studio) else Studio(pipeline, out_dir, models, limits, follow_ups, previews)
    studio.listen_on_open = listen_on_open or studio.listen_on_open
    app = build(studio)
    app.studio = studio
    return app


def launch(app, host: str = "127.0.0.1", port: int | None = None, share: bool = False, auth=None,
           block: bool = True, quiet: bool = False, open_to_network: bool = False):
    """Start the server: a bounded queue, upload limits, the page's accessibility script and style.

    Beyond this machine (a non-loopback ``host`` or ``share``) it needs ``auth`` (user, password)
    or ``open_to_network=True``. No folder is served: images reach the page as private copies in
    Gradio's cache (see :meth:`Studio.shown`), so one session cannot fetch another's by name.
    """
    from .page import CSS, on_load_js

    _check_exposure(host, share, auth, open_to_network)
    studio: Studio = app.studio
    studio.warm()
    app.queue(default_concurrency_limit=studio.limits.concurrency, max_size=studio.limits.max_queue)
    studio.out_dir.mkdir(parents=True, exist_ok=True)
    return app.launch(server_name=host, server_port=port, share=share, auth=auth, css=CSS, js=on_load_js(studio.listen_on_open),
                      max_file_size=int(studio.limits.max_upload_mb * 1024 * 1024),
                      show_error=False, prevent_thread_lock=not block, quiet=quiet)


def _check_exposure(host: str, share: bool, auth, open_to_network: bool) -> None:
    if (share or host not in LOOPBACK) and auth is None and not open_to_network:
        raise Voice2ImgError(f"serving on {'a share link' if share else host} lets others use this machine: "
                             "set --auth USER:PASSWORD (or VOICE2IMG_AUTH), or pass --no-auth-on-network")


def _fewer_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives each new thread its own malloc arena; a server whose requests run on a pool of
    threads then grows by tens of MB per burst of requests without leaking anything (measured: 897 →
    1,034 MB over 120 requests from 20 clients, flat at 2 arenas). Same as MALLOC_ARENA_MAX=2."""
    import ctypes
    import sys

    if sys.platform.startswith("linux") and "MALLOC_ARENA_MAX" not in os.environ:
        try:
            ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # M_ARENA_MAX
        except (OSError, AttributeError):
            pass  # not glibc


def serve(pipeline: Pipeline, host: str = "127.0.0.1", port: int = 7860, out_dir: str = DEFAULT_OUT,
          models: tuple = (), limits: Limits | None = None, share: bool = False, auth=None,
          open_to_network: bool = False, follow_ups: str = FOLLOW_UPS, previews: str = "auto",
          listen_on_open: bool = False) -> None:
    _check_exposure(host, share, auth, open_to_network)  # before any model loads
    app = build_app(pipeline, os.fspath(out_dir), models, limits, follow_ups, previews, listen_on_open)
    launch(app, host, port, share=share, auth=auth, open_to_network=open_to_network)


__all__ = ["Limits", "Session", "Studio", "build_app", "generate", "launch", "serve"]
