"""The Gradio page: components in keyboard order, each handler a few lines that call the Studio.

Layout, top to bottom (the Tab order): status (an aria-live region), mode and read-back, the
live microphone, an audio file, typed text, what was heard and removed, the editable prompt and
negative prompt, Generate / Again / Undo, the settings panel, the image, and this session's history.
"""

import queue
import threading
import time

from ..errors import Voice2ImgError
from .studio import RANDOM_SEED, Heard, Session, Studio

HANDS_FREE, REVIEW = "hands-free", "review"
MODES = [("Hands-free: draw as soon as I stop speaking", HANDS_FREE), ("Review: I press Generate", REVIEW)]
PARTIAL_EVERY_MS = 1000  # how often the words so far are shown while someone speaks
LISTEN_LIMIT_S = 3600  # one press of Record listens for at most an hour

CSS = """
:root, .dark { --button-primary-background-fill: #1d4ed8; --button-primary-background-fill-hover: #1e40af;
  --button-primary-text-color: #ffffff; --color-accent: #1d4ed8; }
*:focus-visible { outline: 3px solid #1d4ed8 !important; outline-offset: 2px !important; }
#status { font-size: 1.1rem; min-height: 2.5rem; border-left: 4px solid #1d4ed8; padding-left: 0.75rem; }
#status [data-testid="status-tracker"] { display: none !important; } /* no timers in the spoken status */
footer { display: none !important; }
[data-testid="upload-text"] .or, .min_value, .max_value { color: #4b5563 !important; } /* AA contrast */
"""

# Runs when the page loads: the status line becomes an aria-live region, so each change ("listening",
# "heard: …", "drawing step 3 of 4", "done", errors) is read out by screen readers; and it keeps
# Gradio's own markup within WCAG 2.2 AA as components re-render.
JS_ON_LOAD = """
() => {
  document.documentElement.setAttribute('lang', 'en');
  const fix = () => {
    const s = document.getElementById('status');
    if (s && !s.hasAttribute('aria-live')) {
      s.setAttribute('role', 'status');
      s.setAttribute('aria-live', 'polite');
      s.setAttribute('aria-atomic', 'true');
    }
    // Gradio's drop zone names itself "Drop an audio file here to upload" while it shows other
    // words; WCAG 2.5.3 wants the visible words in the name, so its own text names it.
    document.querySelectorAll('.upload-container[aria-label]').forEach(b => b.removeAttribute('aria-label'));
  };
  fix();
  new MutationObserver(fix).observe(document.body, {childList: true, subtree: true});
}
"""

# Reads back what was heard and the prompt with the browser's own speech synthesis, when asked to.
JS_SPEAK = """
(text, on) => {
  if (on && text && window.speechSynthesis) {
    window.speechSynthesis.cancel();
    window.speechSynthesis.speak(new SpeechSynthesisUtterance(text.replace(/^[0-9]+[|]/, '')));
  }
  return [];
}
"""


def build_app(studio: Studio):
    import gradio as gr

    from ..audio import load_audio
    from ..live import LiveListener, LiveOptions

    limits = studio.limits
    defaults = studio.defaults()

    # Gradio's own cache of what pages were sent: files older than a day go, hourly.
    with gr.Blocks(title="voice2img", analytics_enabled=False, delete_cache=(3600, 86400)) as app:
        session = gr.State(None)  # a Session, made on this tab's first action
        gr.Markdown("# voice2img\nSay what you want drawn — or upload a recording, or type. "
                    "Follow-ups such as “make it blue”, “add a hat”, “without the people”, “wider”, "
                    "“again” or “undo” change the current picture. Every control works from the keyboard.")
        status = gr.Markdown("Ready. Press Record and speak, upload a recording, or type a request.",
                             elem_id="status")
        with gr.Row():
            mode = gr.Radio(MODES, value=HANDS_FREE, label="When I stop speaking", elem_id="mode")
            readback = gr.Checkbox(False, label="Read back what was heard and the prompt aloud", elem_id="readback")
            # Some people pause longer mid-sentence: how long a pause ends a request is theirs to set.
            pause = gr.Slider(0.3, 3.0, value=limits.pause_seconds, step=0.1, elem_id="pause",
                              label="Pause that ends a request (seconds)")
        with gr.Row(equal_height=False):
            with gr.Column(scale=1):
                mic = gr.Audio(sources=["microphone"], streaming=True, type="filepath", format=None,
                               label="Speak (live microphone)", elem_id="mic")
                upload = gr.Audio(sources=["upload"], type="filepath", format=None, label="Or upload a recording",
                                  elem_id="upload")
                hear_file = gr.Button("Hear this recording", elem_id="hear-file")
                typed = gr.Textbox(label="Or type a request or a change (Enter to send)", lines=1, elem_id="typed",
                                   placeholder="a red fox in the snow — or: make it blue")
                use_typed = gr.Button("Use typed text", elem_id="use-typed")
                heard = gr.Textbox(label="Heard", interactive=False, elem_id="heard")
                removed = gr.Textbox(label="Removed from what was said", interactive=False, elem_id="removed")
                prompt = gr.Textbox(label="Prompt (you can edit it)", lines=2, elem_id="prompt")
                negative = gr.Textbox(label="Negative prompt (things to leave out)", lines=1, elem_id="negative")
                with gr.Row():
                    generate = gr.Button("Generate", variant="primary", elem_id="generate")
                    again = gr.Button("Again with a new seed", elem_id="again")
                    undo = gr.Button("Undo: back to the previous request", elem_id="undo")
                with gr.Accordion("Settings", open=False, elem_id="settings"):
                    model = gr.Dropdown(list(studio.pipelines), value=studio.default_model, label="Image model",
                                        elem_id="model")
                    steps = gr.Number(defaults["steps"], label="Steps", precision=0, minimum=1,
                                      maximum=limits.max_steps, elem_id="steps")
                    width = gr.Number(defaults["width"], label="Width (pixels)", precision=0, elem_id="width")
                    height = gr.Number(defaults["height"], label="Height (pixels)", precision=0, elem_id="height")
                    guidance = gr.Number(defaults["guidance"], label="Guidance scale", minimum=0, elem_id="guidance")
                    seed = gr.Number(defaults["seed"], label=f"Seed ({RANDOM_SEED} for a new random seed each time)",
                                     precision=0, elem_id="seed")
            with gr.Column(scale=1):
                image = gr.Image(label="Image", type="filepath", format="png", interactive=False, elem_id="image",
                                 buttons=[], height=512)
                timings = gr.Markdown("", elem_id="timings")
                download = gr.DownloadButton("Download PNG (with its metadata)", value=None, interactive=False,
                                             elem_id="download")
                gallery = gr.Gallery(label="This session's images (press Enter on one to reload its request)",
                                     columns=4, height="auto", allow_preview=False, elem_id="history")
        # Carriers the page needs but nobody sees: the hands-free draw trigger and the read-back text.
        trigger = gr.Textbox(visible="hidden", elem_id="trigger")
        speak = gr.Textbox(visible="hidden", elem_id="speak")
        fields = [prompt, negative, steps, width, height, guidance, seed]

        def show_heard(s: Session, h: Heard, mode_value: str) -> dict:
            """The view after a turn was heard or typed: hands-free draws by setting the trigger."""
            s.said += 1
            r = h.request
            out = {session: s, heard: h.transcript, removed: h.removed_text}
            if r.action == "undo":
                view = went_back(h.restored)
                return {**out, **view, speak: f"{s.said}|{view[status]}"} if h.restored else {**out, **view}
            out.update({prompt: r.prompt, negative: r.negative_prompt,
                        speak: f"{s.said}|Heard: {h.transcript}. Prompt: {r.prompt}"})
            voice = r.settings
            out.update({k: v for k, v in ((steps, voice.steps), (guidance, voice.guidance)) if v is not None})
            # A follow-up keeps the seed of the picture it changes; a new request gets a new one.
            out[seed] = RANDOM_SEED if voice.seed is None else voice.seed
            if voice.width or voice.height or voice.aspect:
                try:
                    chosen = studio.pipeline.renderer.settings_for(r)
                    out.update({width: chosen["width"], height: chosen["height"]})
                except Voice2ImgError as exc:
                    out[status] = f"Heard, but: {exc}"
                    return out
            notes = (" Note: " + "; ".join(r.notes) + ".") if r.notes else ""
            if mode_value == HANDS_FREE:
                out[trigger] = f"{s.said}|{r.action}"
                out[status] = f"Heard: “{h.transcript}”. Drawing: {r.prompt}.{notes}"
            else:
                out[status] = f"Heard: “{h.transcript}”. Check the prompt, then press Generate.{notes}"
            return out

        def show_entry(e) -> dict:
            return {prompt: e.request.prompt, negative: e.request.negative_prompt, seed: e.seed,
                    steps: e.settings["steps"], width: e.settings["width"], height: e.settings["height"],
                    guidance: e.settings["guidance"], image: gr.update(value=e.shown, alt_text=e.request.prompt),
                    download: gr.update(value=e.shown, interactive=True)}

        def went_back(e) -> dict:
            if e is None:
                return {status: "Nothing to go back to."}
            return {**show_entry(e), status: f"Went back to: {e.request.prompt}"}

        def gallery_items(s: Session) -> list:
            return [(e.shown, e.caption) for e in s.gallery]

        # -- live microphone ------------------------------------------------------------------
        def listener(s: Session, pause_seconds) -> LiveListener:
            end = int(1000 * float(pause_seconds or limits.pause_seconds))
            return LiveListener(studio.pipeline, LiveOptions(end_silence_ms=end, speculate_ms=min(200, end // 2),
                                                             partial_every_ms=PARTIAL_EVERY_MS),
                                context=lambda: s.current)  # follow-ups change this tab's current request

        def on_start(s: Session, pause_seconds):
            s = s or Session()
            with s.lock:
                s.listener = listener(s, pause_seconds)
            return {session: s, status: "Listening… speak now; a short pause ends your request."}

        def on_chunk(chunk, s: Session, mode_value: str, pause_seconds):
            s = s or Session()
            if not chunk:
                return {}
            with s.lock:  # chunks of one tab are heard in order, never two at once
                if s.listener is None:
                    s.listener = listener(s, pause_seconds)
                try:
                    events = s.listener.feed(load_audio(chunk).samples)
                except Voice2ImgError as exc:
                    return {status: f"Could not use the microphone audio: {exc}"}
                return react(s, events, mode_value)

        def on_stop(s: Session, mode_value: str):
            s = s or Session()
            with s.lock:
                events = s.listener.flush() if s.listener is not None else []
                s.listener = None
                out = react(s, events, mode_value)
            return out or {status: "Stopped listening."}

        def react(s: Session, events, mode_value: str) -> dict:
            out: dict = {session: s}
            for event in events:
                if event.kind == "speech":
                    out[status] = "Listening… (speech)"
                elif event.kind == "partial" and event.message:
                    out.update({heard: event.message + " …", status: "Listening… (speech)"})
                elif event.kind == "holding":
                    out.update({heard: event.message + " …",
                                status: "Listening… that sounded unfinished, so I am waiting for the rest."})
                elif event.kind == "no speech":
                    out[status] = "Heard no words there; still listening."
                elif event.kind == "final":
                    try:
                        out.update(show_heard(s, studio.take(s, event.result), mode_value))
                    except Voice2ImgError as exc:
                        out[status] = f"Not drawn: {exc}"
            return out

        live_outputs = [session, status, heard, removed, trigger, speak, image, download, *fields]
        quiet = dict(show_progress="hidden")  # no timers inside the status line or the text boxes
        mic.start_recording(on_start, [session, pause], [session, status], queue=False, **quiet)
        mic.stream(on_chunk, [mic, session, mode, pause], live_outputs, stream_every=0.5, time_limit=LISTEN_LIMIT_S,
                   concurrency_limit=None, show_progress="hidden")
        mic.stop_recording(on_stop, [session, mode], live_outputs, concurrency_limit=None, **quiet)

        # -- an uploaded recording, typed text ------------------------------------------------------
        def on_hear_file(path, s: Session, mode_value: str):
            s = s or Session()
            if not path:
                return {status: "Choose an audio file first."}
            try:
                return show_heard(s, studio.hear(s, path), mode_value)
            except Voice2ImgError as exc:
                return {status: f"Not drawn: {exc}"}

        def on_typed(text, s: Session, mode_value: str):
            s = s or Session()
            try:
                return {**show_heard(s, studio.type(s, text or ""), mode_value), typed: ""}
            except Voice2ImgError as exc:
                return {status: f"Not drawn: {exc}"}

        hear_file.click(on_hear_file, [upload, session, mode], live_outputs, concurrency_limit=None, **quiet)
        for event in (use_typed.click, typed.submit):
            event(on_typed, [typed, session, mode], [*live_outputs, typed], concurrency_limit=None, **quiet)

        # -- drawing ---------------------------------------------------------------------------------
        admitted = gr.State(False)  # whether this tab's latest request found room in the queue

        def announce(request: gr.Request):
            ahead = studio.enter(_tab(request))
            if ahead is None:
                return {admitted: False, status: f"Busy: {limits.max_queue} requests are already waiting, the most "
                                                 "this server queues. Yours was not queued; try again in a moment."}
            if ahead:
                return {admitted: True,
                        status: f"Waiting: {ahead} other request(s) are ahead of yours; yours starts when they finish."}
            return {admitted: True, status: "Drawing…"}

        def draw(tab: str, ok: bool, s: Session, model_value, new_seed: bool, *values):
            if not ok:  # turned away by announce: the status already says so
                return
            s = s or Session()
            try:
                try:
                    request = studio.request_from_fields(s, *values, new_seed=new_seed)
                except (Voice2ImgError, ValueError) as exc:
                    yield {session: s, status: f"Not drawn: {exc}"}
                    return
                yield from drawing(s, request, model_value)
            finally:
                studio.leave(tab)

        def drawing(s: Session, request, model_value, progress=gr.Progress()):
            steps_done: queue.Queue = queue.Queue()
            outcome: dict = {}

            def work():
                try:
                    outcome["entries"] = studio.draw(s, request, model_value, progress=lambda d, t: steps_done.put((d, t)))
                except Voice2ImgError as exc:
                    outcome["error"] = exc
                finally:
                    steps_done.put(None)

            threading.Thread(target=work, daemon=True).start()
            last = 0.0
            while (step := steps_done.get()) is not None:
                progress(step, desc="Drawing")
                if time.monotonic() - last >= 0.5 or step[0] == step[1]:  # not every step: screen readers keep up
                    last = time.monotonic()
                    yield {status: f"Drawing step {step[0]} of {step[1]}…"}
            if "error" in outcome:
                yield {status: f"Not drawn: {outcome['error']}"}
                return
            entries = outcome["entries"]
            e = entries[0]
            if not studio.is_current(s, e):  # "undo" was said while this was drawing
                back = s.current
                yield {session: s, gallery: gallery_items(s),
                       status: "Drawn and kept in the history, but you went back while it was drawing, so the "
                               f"current picture is still “{back.prompt if back else 'none'}”."}
                return
            t = e.timings
            took = ", ".join(f"{k.replace('_', ' ')} {v:.2f} s" for k, v in t.items())
            count = f"{len(entries)} images" if len(entries) > 1 else "image"
            blurred = sum(1 for x in entries if (x.safety or {}).get("decision") == "blurred")
            note = f" {blurred} blurred by this server's content check." if blurred else ""
            yield {**show_entry(e), session: s, gallery: gallery_items(s), timings: f"Times: {took}",
                   status: f"Done: {count} of “{e.request.prompt}”, seed {e.seed}.{note}"}

        draw_inputs = [admitted, session, model, *fields]
        draw_outputs = [session, status, gallery, timings, image, download, *fields]

        # (Gradio hands a gr.Request only to a positional parameter, hence request first.)
        def draw_new(request: gr.Request, ok, s, m, *values):
            yield from draw(_tab(request), ok, s, m, False, *values)

        def draw_again(request: gr.Request, ok, s, m, *values):
            yield from draw(_tab(request), ok, s, m, True, *values)

        def draw_triggered(request: gr.Request, token, ok, s, m, *values):
            yield from draw(_tab(request), ok, s, m, token.endswith("|again"), *values)

        # Gradio's progress bar on the image alone; the status line says the same in words.
        common = dict(concurrency_id="draw", concurrency_limit=limits.concurrency, show_progress="minimal",
                      show_progress_on=[image])
        generate.click(announce, None, [admitted, status], queue=False, **quiet).then(draw_new, draw_inputs, draw_outputs, **common)
        again.click(announce, None, [admitted, status], queue=False, **quiet).then(draw_again, draw_inputs, draw_outputs, **common)
        trigger.change(announce, None, [admitted, status], queue=False, **quiet).then(draw_triggered, [trigger, *draw_inputs],
                                                                draw_outputs, **common)

        def on_undo(s: Session):
            s = s or Session()
            return {session: s, **went_back(studio.undo(s))}

        undo.click(on_undo, [session], [session, status, image, download, *fields], queue=False, **quiet)

        def on_select(s: Session, evt: gr.SelectData):
            s = s or Session()
            entry = studio.reload(s, evt.index)
            return {session: s, **show_entry(entry), heard: entry.transcript,
                    status: f"Reloaded: {entry.request.prompt} (seed {entry.seed}). Press Generate to draw it again."}

        gallery.select(on_select, [session], [session, status, heard, image, download, *fields], queue=False, **quiet)

        def on_model(model_value):
            try:
                d = studio.defaults(model_value)
            except Voice2ImgError as exc:
                return {status: str(exc)}
            return {steps: d["steps"], width: d["width"], height: d["height"], guidance: d["guidance"],
                    status: f"Image model: {model_value}; its default settings are in the panel."}

        model.input(on_model, [model], [status, steps, width, height, guidance], queue=False, **quiet)
        speak.change(None, [speak, readback], None, js=JS_SPEAK)

        # A tab closed while its request waits: that request will never be drawn; the count forgets it.
        def on_unload(request: gr.Request):
            studio.forget(_tab(request))

        app.unload(on_unload)
        _api(gr, studio)
    return app


def _tab(request) -> str:
    return getattr(request, "session_hash", None) or ""


def _api(gr, studio: Studio) -> None:
    """``/generate`` for programs (gradio_client): an audio file in; transcript, prompt, image and
    status out. Its components are hidden: people use the controls above."""
    with gr.Group(visible="hidden"):
        audio = gr.Audio(sources=["upload"], type="filepath", format=None, label="API audio")
        button = gr.Button("API generate")
        heard = gr.Textbox(label="API heard")
        prompt = gr.Textbox(label="API prompt")
        image = gr.Image(label="API image", type="filepath", format="png")
        status = gr.Textbox(label="API status")

    def generate(path):
        from . import generate as run

        r = run(studio, path)
        return r["transcript"], r["prompt"], r["image"], r["status"]

    button.click(generate, audio, [heard, prompt, image, status], api_name="generate", concurrency_id="draw",
                 concurrency_limit=studio.limits.concurrency)
