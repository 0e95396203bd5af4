"""The Gradio page: components in keyboard order, each handler a few lines that ask the Studio to
take a step and :mod:`.views` what to show then.

Layout, top to bottom (the Tab order): status (an aria-live region), the live microphone, mode,
read-back, previews and pause, an audio file, a starting picture, typed text, what was heard and
removed, the editable prompt and negative prompt, Generate / Again / Undo, the settings panel, the
image (first on a phone), and this session's history. The status line and the image have stable
ids, ``voice2img-status`` and ``voice2img-image``, for tools that follow the page.
"""

from ..errors import Voice2ImgError
from . import views
from .studio import RANDOM_SEED, Session, Studio
from ..hear.languages import chosen_language
from .texts import AUTO, LOCALES, say, spoken_choices, spoken_name, ui
from .views import HANDS_FREE

LISTEN_LIMIT_S = None  # no time limit: a kiosk or an assistive station listens until told to stop

CSS = """
:root, .dark { --button-primary-background-fill: #1d4ed8; --button-primary-background-fill-hover: #1e40af;
  --button-primary-text-color: #ffffff; --color-accent: #1d4ed8; }
*:focus-visible { outline: 3px solid #1d4ed8 !important; outline-offset: 2px !important; }
#voice2img-status { font-size: 1.1rem; min-height: 2.5rem; border-left: 4px solid #1d4ed8; padding-left: 0.75rem; }
#voice2img-status [data-testid="status-tracker"] { display: none !important; } /* no timers in the spoken status */
/* One large, high-contrast Record / Stop control: at least 44 px (WCAG 2.5.5). */
#mic button { min-height: 48px; min-width: 48px; font-size: 1.1rem; }
/* A phone: the picture first, small enough that Record stays in view below it while speaking. */
@media (max-width: 720px) {
  #main-row { flex-direction: column !important; }
  #picture-column { order: -1; }
  #voice2img-image { height: 32vh !important; max-height: 32vh !important; }
  #voice2img-image img { max-height: calc(32vh - 3rem) !important; object-fit: contain; }
  #timings:empty, #timings .prose:empty { display: none; }
  /* The language switch and the introduction stay small, so the picture and Record fit one screen. */
  #page-language { padding: 2px 8px !important; }
  #page-language [data-testid="block-info"] { position: absolute !important; width: 1px; height: 1px; overflow: hidden;
    clip: rect(0 0 0 0); white-space: nowrap; }
  #intro h1 { font-size: 1.25rem !important; margin: 0 0 0.25rem !important; }
  #intro p { font-size: 0.875rem !important; line-height: 1.35 !important; }
}
/* Every option on a line of its own: no label, value or slider number is cut off or runs into the next. */
#listening-options, #listening-options > .form { flex-wrap: wrap !important; }
#listening-options > *, #listening-options > .form > * { flex: 1 1 100% !important; min-width: 100% !important; }
/* Every control at least 44×44 px (WCAG 2.5.5), what a click lands on included: a checkbox's or radio's label. */
button, select, textarea, [role=button], input[type=text], input[type=number], input[type=range] { min-height: 44px !important; }
button, [role=button], input[type=number] { min-width: 44px !important; }
label:has(> input[type=checkbox]), label:has(> input[type=radio]) { min-height: 44px !important; min-width: 44px !important;
  align-items: center !important; }
#spoken-language .container > .wrap { min-height: 44px !important; }
#pause .tab-like-container { overflow: visible !important; height: auto !important; }
#settings > button { align-items: center !important; }
/* History captions (prompt and seed) wrap under their thumbnails instead of ending in "…". */
#history .caption-label { white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  position: static !important; max-width: 100% !important; overflow-wrap: anywhere; }
#history button.thumbnail-item { height: auto !important; flex-direction: column !important; overflow: visible !important;
  aspect-ratio: auto !important; }
#history, #history .grid-wrap, #history .grid-container { overflow: visible !important; height: auto !important; max-height: none !important; }
footer { display: none !important; }
[data-testid="upload-text"] .or, .min_value, .max_value, .info-text { color: #4b5563 !important; } /* AA contrast */
"""

# Runs when the page loads: the status line becomes an aria-live region, so each change ("listening",
# "heard: …", "drawing step 3 of 4", "done", errors) is read out by screen readers; and it keeps
# Gradio's own markup within WCAG 2.2 AA as components re-render. The page starts in the browser's
# language (the switch at the top changes it), and its lang attribute follows the switch.
JS_ON_LOAD = """
() => {
  const chosen = () => {
    const c = document.querySelector('#page-language input[type=radio]:checked');
    const label = c && c.closest('label');
    return label && label.textContent.includes('中文') ? 'zh-CN' : 'en';
  };
  const wants = (navigator.languages && navigator.languages[0]) || navigator.language || 'en';
  if (wants.toLowerCase().startsWith('zh') && chosen() !== 'zh-CN') {
    const zh = [...document.querySelectorAll('#page-language label')].find(l => l.textContent.includes('中文'));
    const input = zh && zh.querySelector('input');
    if (input) input.click();
  }
  const fix = () => {
    const lang = chosen();
    if (document.documentElement.getAttribute('lang') !== lang) document.documentElement.setAttribute('lang', lang);
    const s = document.getElementById('voice2img-status');
    if (s && !s.hasAttribute('aria-live')) {
      s.setAttribute('role', 'status');
      s.setAttribute('aria-live', 'polite');
      s.setAttribute('aria-atomic', 'true');
    }
    // Gradio's drop zone names itself "Drop an audio file here to upload" while it shows other
    // words; WCAG 2.5.3 wants the visible words in the name, so its own text names it.
    document.querySelectorAll('.upload-container[aria-label]').forEach(b => b.removeAttribute('aria-label'));
    // An empty Image or Gallery is a <div aria-label="Empty value"> with no role, and a name is not
    // allowed on a plain div (axe: aria-prohibited-attr). As a named picture it says what is there.
    document.querySelectorAll('.empty[aria-label="Empty value"]:not([role])').forEach(e => {
      e.setAttribute('role', 'img');
      e.setAttribute('data-voice2img-empty', e.closest('#history') ? 'history' : 'image');
    });
    const empty = lang === 'zh-CN' ? {history: '本次会话还没有图片', image: '还没有图片'}
                                   : {history: 'No images in this session yet', image: 'No image yet'};
    document.querySelectorAll('[data-voice2img-empty]').forEach(e => {
      const name = empty[e.getAttribute('data-voice2img-empty')];
      if (e.getAttribute('aria-label') !== name) e.setAttribute('aria-label', name);
    });
    // History thumbnails are named "Thumbnail 2 of 12" while they show their caption (WCAG 2.5.3):
    // the caption leads the name, so saying what is seen selects it.
    document.querySelectorAll('#history button.thumbnail-item[aria-label^="Thumbnail "]').forEach(b => {
      const caption = b.querySelector('.caption-label');
      if (caption && caption.textContent.trim()) {
        b.setAttribute('aria-label', caption.textContent.trim() + ', ' + b.getAttribute('aria-label').replace('Thumbnail ', 'image '));
      }
    });
  };
  fix();
  // Previews are motion: with prefers-reduced-motion they start off (the box turns them on).
  const box = document.querySelector('#previews input[type=checkbox]');
  if (box && box.checked && window.matchMedia && matchMedia('(prefers-reduced-motion: reduce)').matches) box.click();
  new MutationObserver(fix).observe(document.body, {childList: true, subtree: true, attributes: true,
                                                    attributeFilter: ['aria-label', 'checked']});
  document.body.addEventListener('change', fix);
}
"""

def on_load_js(listen_on_open: bool = False) -> str:
    """The page's script on load: :data:`JS_ON_LOAD`, then listening without a click when the
    server was started with ``--listen-on-open`` or this browser asked for it ("Start listening
    when this page opens", kept in localStorage). A refused or missing microphone is said on the
    status line and aloud, in the page's language, with what to do."""
    import json

    from .texts import say

    texts = {loc: {key: say(loc, key) for key in ("mic_refused", "no_mic")} for loc in LOCALES}
    return JS_LISTEN_ON_OPEN.replace("__SERVER_LISTENS__", json.dumps(bool(listen_on_open))) \
        .replace("__TEXTS__", json.dumps(texts, ensure_ascii=False)).replace("__ON_LOAD__", JS_ON_LOAD.strip())


JS_LISTEN_ON_OPEN = """
() => {
  (__ON_LOAD__)();
  const KEY = 'voice2img-listen-on-open';
  const serverListens = __SERVER_LISTENS__;
  const texts = __TEXTS__;
  let remembered = false;
  try { remembered = localStorage.getItem(KEY) === '1'; } catch (e) {}
  const box = document.querySelector('#listen-on-open input[type=checkbox]');
  if (box && remembered && !box.checked) box.click();
  if (!(serverListens || remembered)) return;
  const locale = () => document.documentElement.getAttribute('lang') === 'zh-CN' ? 'zh-CN' : 'en';
  const tell = (key) => {
    const line = texts[locale()][key];
    const s = document.querySelector('#voice2img-status .prose') || document.getElementById('voice2img-status');
    if (s) s.textContent = line;
    if (window.speechSynthesis) {
      const u = new SpeechSynthesisUtterance(line);
      u.lang = locale();
      window.speechSynthesis.speak(u);
    }
  };
  const start = (tries) => {
    const record = document.querySelector('#mic .record-button');
    if (record) { record.click(); return; }
    if (tries > 0) setTimeout(() => start(tries - 1), 250);
  };
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { tell('no_mic'); return; }
  navigator.mediaDevices.getUserMedia({audio: true}).then(stream => {
    stream.getTracks().forEach(t => t.stop());  // asked once here, so a refusal can be said; Record asks again
    start(40);
  }).catch(err => tell(err && (err.name === 'NotFoundError' || err.name === 'OverconstrainedError') ? 'no_mic' : 'mic_refused'));
}
"""

# What the page does for a spoken command ("N|save", "N|stop"): the same as the buttons a
# person would press, so nothing here needs a click.
JS_ACT = """
(act) => {
  const what = (act || '').split('|')[1];
  if (what === 'save') {
    setTimeout(() => {
      const b = document.querySelector('#download button, #download a, button#download, a#download');
      if (b) b.click();
    }, 300);
  } else if (what === 'stop') {
    const stop = document.querySelector('#mic .stop-button');
    if (stop) stop.click();
  }
  return [];
}
"""

# This browser remembers "Start listening when this page opens".
JS_REMEMBER = """
(on) => { try { localStorage.setItem('voice2img-listen-on-open', on ? '1' : '0'); } catch (e) {} return []; }
"""

# Reads back what was heard and the prompt with the browser's own speech synthesis, when asked to:
# one utterance per "N|lang|text" line, each in its language (what was said in the language it was
# said in, the prompt in the page's), so the voice pronounces it right.
JS_SPEAK = """
(text, on) => {
  if (on && text && window.speechSynthesis) {
    window.speechSynthesis.cancel();
    for (const line of text.split('\\n')) {
      const [, lang, ...words] = line.split('|');
      const u = new SpeechSynthesisUtterance(words.join('|'));
      u.lang = lang;
      window.speechSynthesis.speak(u);
    }
  }
  return [];
}
"""


def build_app(studio: Studio):
    import gradio as gr

    limits = studio.limits
    defaults = studio.defaults()

    # Gradio's own cache of what pages were sent: files older than a day go, hourly.
    with gr.Blocks(title="voice2img", analytics_enabled=False, delete_cache=(3600, 86400)) as app:
        session = gr.State(None)  # a Session, made on this tab's first action
        admitted = gr.State(False)  # whether this tab's latest request found room in the queue
        en = lambda name, **values: ui("en", name, **values)  # noqa: E731 - the page is built in English
        language = gr.Radio([(name, code) for code, name in LOCALES.items()], value="en", elem_id="page-language",
                            **en("language"))
        intro = gr.Markdown(elem_id="intro", **en("intro"))
        status = gr.Markdown(say("en", "ready"), elem_id="voice2img-status")
        # On a phone the picture comes first (CSS below), so it and Record are in view together.
        with gr.Row(equal_height=False, elem_id="main-row"):
            with gr.Column(scale=1, elem_id="controls"):
                mic = gr.Audio(sources=["microphone"], streaming=True, type="filepath", format=None,
                               elem_id="mic", **en("mic"))
                with gr.Row(elem_id="listening-options"):
                    # Identification guesses wrong now and then; a person who knows better says so here.
                    spoken = gr.Dropdown(spoken_choices("en"), value=AUTO, elem_id="spoken-language", **en("spoken"))
                    mode = gr.Radio(value=HANDS_FREE, elem_id="mode", **en("mode"))
                    readback = gr.Checkbox(False, elem_id="readback", **en("readback"))
                    listen_open = gr.Checkbox(False, elem_id="listen-on-open", **en("listen_on_open"))
                    previews = gr.Checkbox(studio.previews_by_default, elem_id="previews",
                                           label=_previews_label(studio, "en"))
                    # Some people pause longer mid-sentence: how long a pause ends a request is theirs to set.
                    pause = gr.Slider(0.3, 3.0, value=limits.pause_seconds, step=0.1, elem_id="pause", **en("pause"))
                upload = gr.Audio(sources=["upload"], type="filepath", format=None, elem_id="upload", **en("upload"))
                hear_file = gr.Button(elem_id="hear-file", **en("hear_file"))
                picture_in = gr.Image(sources=["upload", "webcam", "clipboard"], type="filepath", format="png",
                                      elem_id="start-picture", height=200, **en("picture_in"))
                typed = gr.Textbox(lines=1, elem_id="typed", **en("typed"))
                use_typed = gr.Button(elem_id="use-typed", **en("use_typed"))
                heard = gr.Textbox(interactive=False, elem_id="heard", **en("heard"))
                removed = gr.Textbox(interactive=False, elem_id="removed", **en("removed"))
                prompt = gr.Textbox(lines=2, elem_id="prompt", **en("prompt"))
                negative = gr.Textbox(lines=1, elem_id="negative", **en("negative"))
                with gr.Row():
                    generate = gr.Button(variant="primary", elem_id="generate", **en("generate"))
                    again = gr.Button(elem_id="again", **en("again"))
                    undo = gr.Button(elem_id="undo", **en("undo"))
                with gr.Accordion(open=False, elem_id="settings", **en("settings")) as settings:
                    model = gr.Dropdown(list(studio.pipelines), value=studio.default_model, elem_id="model",
                                        **en("model"))
                    steps = gr.Number(defaults["steps"], precision=0, minimum=1, maximum=limits.max_steps,
                                      elem_id="steps", **en("steps"))
                    width = gr.Number(defaults["width"], precision=0, elem_id="width", **en("width"))
                    height = gr.Number(defaults["height"], precision=0, elem_id="height", **en("height"))
                    guidance = gr.Number(defaults["guidance"], minimum=0, elem_id="guidance", **en("guidance"))
                    seed = gr.Number(defaults["seed"], precision=0, elem_id="seed", **en("seed", random=RANDOM_SEED))
                    follow_ups = gr.Radio(value=studio.follow_ups, elem_id="follow-ups", **en("follow_ups"))
            with gr.Column(scale=1, elem_id="picture-column"):
                image = gr.Image(type="filepath", format="png", interactive=False,
                                 elem_id="voice2img-image", buttons=[], height=512, **en("image"))
                timings = gr.Markdown("", elem_id="timings")
                download = gr.DownloadButton(value=None, interactive=False, elem_id="download", **en("download"))
        gallery = gr.Gallery(columns=6, height="auto", allow_preview=False, elem_id="history", **en("gallery"))
        # Carriers the page needs but nobody sees: the hands-free draw trigger and the read-back text.
        trigger = gr.Textbox(visible="hidden", elem_id="trigger")
        speak = gr.Textbox(visible="hidden", elem_id="speak")
        reply = gr.Textbox(visible="hidden", elem_id="reply")  # a command's answer: always spoken
        act = gr.Textbox(visible="hidden", elem_id="act")  # what the page does for a command ("N|save")
        worded = {"language": language, "intro": intro, "mic": mic, "spoken": spoken, "mode": mode, "readback": readback,
                  "listen_on_open": listen_open, "previews": previews, "pause": pause, "upload": upload, "hear_file": hear_file,
                  "picture_in": picture_in, "typed": typed, "use_typed": use_typed, "heard": heard, "removed": removed,
                  "prompt": prompt, "negative": negative, "generate": generate, "again": again, "undo": undo,
                  "settings": settings, "model": model, "steps": steps, "width": width, "height": height,
                  "guidance": guidance, "seed": seed, "follow_ups": follow_ups, "image": image, "download": download,
                  "gallery": gallery}
        fields = [prompt, negative, steps, width, height, guidance, seed]
        parts = {"status": status, "heard": heard, "removed": removed, "prompt": prompt, "negative": negative,
                 "steps": steps, "width": width, "height": height, "guidance": guidance, "seed": seed,
                 "image": image, "download": download, "gallery": gallery, "timings": timings, "trigger": trigger,
                 "speak": speak, "typed": typed, "reply": reply, "act": act, "previews": previews}

        def show(s: Session | None, view: dict) -> dict:
            """A view (field name → value) as updates of this page's components."""
            out = {session: s} if s is not None else {}
            for name, value in view.items():
                if name == "image" and value is None:  # "start over": no picture on screen
                    value = gr.update(value=None, label=ui(s.locale if s else "en", "image")["label"])
                elif name == "image":
                    label = value.label or ui(s.locale if s else "en", "image")["label"]
                    value = gr.update(value=value.path, alt_text=value.alt, label=label)
                elif name == "download":
                    value = gr.update(value=value, interactive=bool(value))
                out[parts[name]] = value
            return out

        def turn(step):
            """A handler for one spoken or typed turn: a person's mistake is a status line."""
            def handler(*args):
                s = args[-2] or Session()
                try:
                    return show(s, step(s, *args[:-2], mode_value=args[-1]))
                except Voice2ImgError as exc:
                    return show(s, {"status": say(s.locale, "not_drawn", error=exc)})
            return handler

        # -- the page's language ------------------------------------------------------------------
        def on_language(s: Session, locale: str):
            s = s or Session()
            s.locale = locale if locale in LOCALES else "en"
            out = {session: s, status: say(s.locale, "page_language")}
            for name, component in worded.items():
                if name == "previews":
                    texts = {"label": _previews_label(studio, s.locale)}
                elif name == "seed":
                    texts = ui(s.locale, name, random=RANDOM_SEED)
                elif name == "spoken":
                    texts = {**ui(s.locale, name), "choices": spoken_choices(s.locale)}
                else:
                    texts = ui(s.locale, name)
                if name == "language":
                    texts.pop("value", None)
                out[component] = gr.update(**texts)
            return out

        language.change(on_language, [session, language], [session, status, *worded.values()], queue=False,
                        show_progress="hidden")

        def on_spoken(s: Session, code: str):
            s = s or Session()
            s.spoken = chosen_language(code)
            if s.listener is not None:  # a listener already made hears the new choice from its next request
                s.listener.pinned = s.spoken
            line = say(s.locale, "spoken_pinned", name=spoken_name(s.spoken)) if s.spoken else say(s.locale, "spoken_auto")
            return {session: s, status: line}

        spoken.change(on_spoken, [session, spoken], [session, status], queue=False, show_progress="hidden")

        # -- live microphone --------------------------------------------------------------------
        def on_start(s: Session, pause_seconds):
            s = s or Session()
            studio.start_listening(s, pause_seconds)
            return show(s, {"status": say(s.locale, "listening")})

        def on_chunk(chunk, pause_seconds, s: Session, mode_value: str):
            if not chunk:
                return {}
            s = s or Session()
            try:
                events = studio.hear_chunk(s, chunk, pause_seconds)
            except Voice2ImgError as exc:
                return show(s, {"status": say(s.locale, "mic_error", error=exc)})
            return show(s, views.live(studio, s, events, mode_value))

        def on_stop(s: Session, mode_value: str):
            s = s or Session()
            return show(s, views.live(studio, s, studio.stop_listening(s), mode_value) or {"status": say(s.locale, "stopped")})

        live_outputs = [session, status, heard, removed, trigger, speak, reply, act, previews, image, download, *fields]
        quiet = dict(show_progress="hidden")  # no timers inside the status line or the text boxes
        mic.start_recording(on_start, [session, pause], [session, status], queue=False, **quiet)
        mic.stream(on_chunk, [mic, pause, session, mode], live_outputs, stream_every=0.5, time_limit=LISTEN_LIMIT_S,
                   concurrency_limit=None, show_progress="hidden")
        mic.stop_recording(on_stop, [session, mode], live_outputs, concurrency_limit=None, **quiet)

        # -- an uploaded recording, typed text ---------------------------------------------------
        def hear_recording(s: Session, path, mode_value: str) -> dict:
            if not path:
                return {"status": say(s.locale, "choose_file")}
            return views.heard(studio, s, studio.hear(s, path), mode_value)

        def hear_typed(s: Session, text, mode_value: str) -> dict:
            return {**views.heard(studio, s, studio.type(s, text or ""), mode_value), "typed": ""}

        hear_file.click(turn(hear_recording), [upload, session, mode], live_outputs, concurrency_limit=None, **quiet)
        for event in (use_typed.click, typed.submit):
            event(turn(hear_typed), [typed, session, mode], [*live_outputs, typed], concurrency_limit=None, **quiet)

        # -- a starting picture: what is said then changes it --------------------------------------
        def on_start_picture(s: Session, path):
            s = s or Session()
            return show(s, views.start_picture(studio, s, path))

        picture_in.change(on_start_picture, [session, picture_in], [session, status, width, height], queue=False, **quiet)

        # -- drawing ---------------------------------------------------------------------------------
        def announce(request: gr.Request, s: Session):
            ok, text = views.queued(studio.enter(_tab(request)), limits.max_queue, s.locale if s else "en")
            return {admitted: ok, status: text}

        def draw(tab: str, ok: bool, s: Session, model_value, new_seed: bool, values, progress):
            if not ok:  # turned away by announce: the status already says so
                return
            s = s or Session()
            try:
                for view in views.drawing(studio, s, values, model_value, new_seed,
                                          progress=lambda step: progress(step, desc="Drawing")):
                    yield show(s, view)
            finally:
                studio.leave(tab)

        # (Gradio hands a gr.Request only to a positional parameter, hence request first.)
        def draw_new(request: gr.Request, ok, s, m, *values, progress=gr.Progress()):
            yield from draw(_tab(request), ok, s, m, False, values, progress)

        def draw_again(request: gr.Request, ok, s, m, *values, progress=gr.Progress()):
            yield from draw(_tab(request), ok, s, m, True, values, progress)

        def draw_triggered(request: gr.Request, token, ok, s, m, *values, progress=gr.Progress()):
            yield from draw(_tab(request), ok, s, m, token.endswith("|again"), values, progress)

        draw_inputs = [admitted, session, model, *fields]
        draw_outputs = [session, status, gallery, timings, image, download, speak, *fields]
        # Gradio's progress bar on the image alone; the status line says the same in words.
        common = dict(concurrency_id="draw", concurrency_limit=limits.concurrency, show_progress="minimal",
                      show_progress_on=[image])
        for event, handler, inputs in ((generate.click, draw_new, draw_inputs), (again.click, draw_again, draw_inputs),
                                       (trigger.change, draw_triggered, [trigger, *draw_inputs])):
            event(announce, [session], [admitted, status], queue=False, **quiet).then(handler, inputs, draw_outputs, **common)

        # -- undo, the history, the model ---------------------------------------------------------------
        def on_undo(s: Session):
            s = s or Session()
            return show(s, views.went_back(studio.undo(s), s.locale))

        def on_select(s: Session, evt: gr.SelectData):
            s = s or Session()
            return show(s, views.reloaded(studio.reload(s, evt.index), s.locale))

        def on_follow_ups(s: Session, way: str):
            s = s or Session()
            s.follow_ups = way
            return {session: s}

        follow_ups.input(on_follow_ups, [session, follow_ups], [session], queue=False, **quiet)
        def on_previews(s: Session, on: bool):
            s = s or Session()
            s.previews = bool(on)
            return {session: s}

        previews.input(on_previews, [session, previews], [session], queue=False, **quiet)
        undo.click(on_undo, [session], [session, status, image, download, *fields], queue=False, **quiet)
        gallery.select(on_select, [session], [session, status, heard, image, download, *fields], queue=False, **quiet)
        model.input(lambda m, s: show(None, views.model_defaults(studio, m, s.locale if s else "en")), [model, session],
                    [status, steps, width, height, guidance], queue=False, **quiet)
        speak.change(None, [speak, readback], None, js=JS_SPEAK)
        reply.change(None, [reply], None, js="(text) => (" + JS_SPEAK.strip() + ")(text, true)")
        act.change(None, [act], None, js=JS_ACT)
        listen_open.input(None, [listen_open], None, js=JS_REMEMBER)

        # A tab closed while its request waits: that request will never be drawn; the count forgets it.
        def on_unload(request: gr.Request):
            studio.forget(_tab(request))

        app.unload(on_unload)
        _api(gr, studio)
    return app


def _previews_label(studio: Studio, locale: str) -> str:
    label = ui(locale, "previews")["label"]
    if studio.previews == "auto" and studio.preview_seconds is not None:
        label += ui(locale, "previews_cost", seconds=studio.preview_seconds)["label"]
    return label


def _tab(request) -> str:
    return getattr(request, "session_hash", None) or ""


def _api(gr, studio: Studio) -> None:
    """``/generate`` for programs (gradio_client): an audio file in; transcript, prompt, image and
    status out. Its components are hidden: people use the controls above."""
    with gr.Group(visible="hidden"):
        audio = gr.Audio(sources=["upload"], type="filepath", format=None, label="API audio")
        language = gr.Textbox("", label="API language")  # optional: a language code or name; empty finds it
        button = gr.Button("API generate")
        heard = gr.Textbox(label="API heard")
        prompt = gr.Textbox(label="API prompt")
        image = gr.Image(label="API image", type="filepath", format="png")
        status = gr.Textbox(label="API status")

    def generate(path, code=""):
        from . import generate as run

        r = run(studio, path, code)
        return r["transcript"], r["prompt"], r["image"], r["status"]

    button.click(generate, [audio, language], [heard, prompt, image, status], api_name="generate", concurrency_id="draw",
                 concurrency_limit=studio.limits.concurrency)
