"""Zero touch: the page served with ``--listen-on-open`` hears a whole conversation with no click or
key after it opens, and the page's words are neither clipped nor overlapped at the sizes people
use. The voice is piper's neural one, as a person would say it (docs/accessibility.md)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from conftest import free_port, piper
from test_browser import CHROMIUM, WAIT, axe_problems, field, new_page, shot, wait_status

pytestmark = pytest.mark.slow

# Records what the page says aloud: speechSynthesis.speak is wrapped before any script runs.
SPOKEN = """
window.__spoken = [];
if (window.speechSynthesis) {
  const speak = window.speechSynthesis.speak.bind(window.speechSynthesis);
  window.speechSynthesis.speak = (u) => { window.__spoken.push({text: u.text, lang: u.lang}); try { speak(u); } catch (e) {} };
}
"""

# What a sighted person could not read or hit: text cut off (by an ellipsis or a box that hides its
# overflow), a value wider than its box, text over other text, and any control whose target (a
# checkbox's or radio's label, a dropdown's box) is under 44×44 CSS px.
LAYOUT = """() => {
  const problems = [];
  const shown = e => {
    for (let a = e; a; a = a.parentElement) {
      const cs = getComputedStyle(a);
      if (cs.display === 'none' || cs.visibility === 'hidden' || cs.opacity === '0' || a.getAttribute('aria-hidden') === 'true') return false;
    }
    const r = e.getBoundingClientRect();
    return r.width > 2 && r.height > 2;
  };
  const name = e => (e.id ? '#' + e.id : e.tagName.toLowerCase()) + ' in ' + ((e.closest('[id]') || {}).id || '?');
  const textRect = e => { const r = document.createRange(); r.selectNodeContents(e); return r.getBoundingClientRect(); };
  const leaves = [...document.querySelectorAll('body *')].filter(e =>
    [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) && !['SCRIPT', 'STYLE', 'TEXTAREA', 'OPTION'].includes(e.tagName) && shown(e));
  for (const e of leaves) {
    const t = textRect(e);
    const cs = getComputedStyle(e);
    if (cs.textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth + 1) problems.push(`cut off (…): "${e.textContent.trim().slice(0, 60)}" ${name(e)}`);
    for (let a = e; a && a !== document.body; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (['hidden', 'clip'].includes(s.overflowX) || ['hidden', 'clip'].includes(s.overflowY)) {
        const r = a.getBoundingClientRect();
        if (t.right > r.right + 2 || t.left < r.left - 2 || t.bottom > r.bottom + 2 || t.top < r.top - 2) {
          problems.push(`clipped: "${e.textContent.trim().slice(0, 60)}" ${name(e)} by ${name(a)}`);
          break;
        }
      }
    }
  }
  // Values shown in inputs (a slider's number, a number box): the text must fit the box.
  const canvas = document.createElement('canvas').getContext('2d');
  for (const i of document.querySelectorAll('input[type=number], input[type=text]')) {
    if (!shown(i) || !i.value) continue;
    const cs = getComputedStyle(i);
    canvas.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    const room = i.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - (i.type === 'number' ? 0 : 0);
    if (canvas.measureText(i.value).width > room + 1) problems.push(`value cut off: "${i.value}" ${name(i)} (${Math.round(room)} px for ${Math.round(canvas.measureText(i.value).width)})`);
  }
  // Text over text.
  const rects = leaves.map(e => [e, textRect(e)]);
  for (let x = 0; x < rects.length; x++) for (let y = x + 1; y < rects.length; y++) {
    const [a, ra] = rects[x], [b, rb] = rects[y];
    if (a.contains(b) || b.contains(a)) continue;
    const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left), h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
    if (w > 2 && h > 2) problems.push(`overlap: "${a.textContent.trim().slice(0, 40)}" ${name(a)} and "${b.textContent.trim().slice(0, 40)}" ${name(b)}`);
  }
  // Targets: every control at least 44×44 px (what a click lands on: a checkbox's or radio's label).
  const controls = document.querySelectorAll('button, input, select, textarea, [role=button], [role=slider], a[href]');
  for (const c of controls) {
    if (!shown(c) && !(c.matches('input[type=checkbox], input[type=radio]'))) continue;
    const target = c.matches("input[type=checkbox], input[type=radio]") ? (c.closest("label") || c) : c.matches("[role=combobox]") ? (c.closest(".wrap") || c) : c;
    if (!shown(target)) continue;
    const r = target.getBoundingClientRect();
    if (r.width < 44 - 0.5 || r.height < 44 - 0.5) problems.push(`small target ${Math.round(r.width)}×${Math.round(r.height)}: ${target.tagName.toLowerCase()} "${(target.textContent || target.getAttribute('aria-label') || target.value || '').trim().slice(0, 40)}" ${name(target)}`);
  }
  return [...new Set(problems)];
}"""


def conversation(parts: list[str], path: Path, gap: float = 4.0, lead: float = 1.5, tail: float = 10.0) -> Path:
    """The sentences said one after another by piper, ``gap`` seconds of silence after each (a
    hands-free request is drawn in that time), as one 16-bit WAV: the fake microphone's input."""
    said, rate = [], 0
    for i, text in enumerate(parts):
        part = piper(text, path.with_suffix(f".{i}.wav"))
        with wave.open(str(part)) as w:
            rate = w.getframerate()
            said.append(np.frombuffer(w.readframes(w.getnframes()), np.int16))
        part.unlink()
    silence = lambda seconds: np.zeros(int(rate * seconds), np.int16)  # noqa: E731
    audio = [silence(lead)] + [x for words in said for x in (words, silence(gap))] + [silence(tail)]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.concatenate(audio).tobytes())
    return path


@pytest.fixture(scope="module")
def kiosk(tiny_model_dir, tmp_path_factory):
    """The page as ``voice2img serve --listen-on-open`` serves it."""
    from voice2img import DrawingOptions, Pipeline
    from voice2img.web import build_app, launch

    out = tmp_path_factory.mktemp("kiosk-out")
    pipeline = Pipeline(drawing=DrawingOptions(model=str(tiny_model_dir), steps=2, width=64, height=64))
    app = build_app(pipeline, out_dir=str(out), previews="off", listen_on_open=True)
    port = free_port()
    launch(app, "127.0.0.1", port, block=False, quiet=True)
    yield f"http://127.0.0.1:{port}/", out
    app.close()


@pytest.fixture
def browser_for(tmp_path):
    """Opens a page in a fresh chromium whose microphone plays a WAV; closes it after the test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browsers = []

        def open_page(url: str, microphone: Path | None, size=(1280, 1000), locale: str = "en-US", scale: float = 1):
            return new_page(p, browsers, url, microphone, size, locale, scale, init_script=SPOKEN)

        yield open_page
        for b in browsers:
            b.close()


def spoken(page) -> list[str]:
    return [u["text"] for u in page.evaluate("() => window.__spoken")]


def test_a_conversation_by_voice_alone_draws_changes_saves_and_reads_back(kiosk, browser_for, tmp_path):
    """No click, no key after the page opens: "a red fox in the snow", "make it blue", "save it",
    "what did you draw". The picture, the changed prompt, a downloaded PNG whose metadata holds
    the prompt, and the prompt's words said aloud."""
    from PIL import Image

    url, out = kiosk
    said = conversation(["A red fox in the snow.", "Make it blue.", "Save it.", "What did you draw?"],
                        tmp_path / "conversation.wav")
    page = browser_for(url, said)
    downloads = []
    page.on("download", lambda d: downloads.append(d))
    problems = axe_problems(page, "opened, listening")

    page.wait_for_function("() => document.querySelectorAll('#history img').length >= 2", timeout=2 * WAIT)
    page.wait_for_function("() => /blue fox/.test(document.querySelector('#prompt textarea').value)", timeout=WAIT)
    blue = field(page, "prompt")
    assert "blue fox" in blue and "red" not in blue, blue
    wait_status(page, "^Saved: ", timeout=2 * WAIT)
    problems += axe_problems(page, "saved")
    page.wait_for_function("() => window.__spoken.some(u => u.text.startsWith('I drew'))", timeout=2 * WAIT)
    wait_status(page, "^I drew")
    problems += axe_problems(page, "read back")
    shot(page, "hands-free-conversation.png")

    reply = next(t for t in spoken(page) if t.startswith("I drew"))
    assert "blue fox" in reply and "snow" in reply, reply
    assert any(t.startswith("Saved: ") for t in spoken(page)), spoken(page)
    page.wait_for_timeout(500)
    assert len(downloads) == 1, [d.suggested_filename for d in downloads]
    png = tmp_path / downloads[0].suggested_filename
    downloads[0].save_as(png)
    assert png.suffix == ".png"
    parameters = Image.open(png).text["parameters"]
    assert parameters.startswith(blue), parameters
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("error,said", [("NotAllowedError", "The microphone is blocked for this page"),
                                         ("NotFoundError", "No microphone was found")], ids=["refused", "missing"])
def test_the_page_says_when_the_microphone_is_refused_or_missing(kiosk, error, said):
    """A refused or missing microphone is said on the status line and aloud, with how to fix it."""
    from playwright.sync_api import sync_playwright

    url, _ = kiosk
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--disable-background-networking", "--disable-component-update", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.add_init_script(SPOKEN)
            page.add_init_script("navigator.mediaDevices.getUserMedia = () => Promise.reject("
                                 f"new DOMException('no', '{error}'));")
            page.goto(url)
            page.locator("#voice2img-status[aria-live=polite]").wait_for(timeout=WAIT)
            wait_status(page, f"^{said}")
            assert any(t.startswith(said) for t in spoken(page))
        finally:
            browser.close()


def test_a_browser_remembers_to_start_listening_when_the_page_opens(kiosk_page_url, browser_for, tmp_path):
    """Without --listen-on-open, "Start listening when this page opens" is ticked from the keyboard
    once; the next time the page opens, it listens with no click."""
    from test_browser import tab_to

    page = browser_for(kiosk_page_url, None)
    assert not page.locator("#mic .stop-button").count()  # the server does not listen on open
    page.locator("body").focus()
    tab_to(page, "listen-on-open")
    page.keyboard.press("Space")
    page.wait_for_function("() => localStorage.getItem('voice2img-listen-on-open') === '1'", timeout=WAIT)
    page.reload()
    page.locator("#mic .stop-button").wait_for(timeout=WAIT)  # recording: Record became Stop
    assert page.locator("#listen-on-open input").is_checked()


@pytest.mark.parametrize("size,scale", [((1280, 1000), 1), ((390, 844), 1), ((640, 500), 2)],
                         ids=["desktop", "phone", "desktop-at-200-percent"])
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_no_words_are_cut_off_or_overlapped_and_every_control_is_44_px(kiosk_page_url, browser_for, size, scale, locale):
    """At 1280×1000, at 390×844 and at 200 % (1280×1000 zoomed: 640×500 CSS px at twice the
    pixels), in both page languages: as the page opens, and after a request is drawn (a long
    status line, a picture, the history)."""
    page = browser_for(kiosk_page_url, None, size=size, locale=locale, scale=scale)
    problems = [f"[opened] {p}" for p in page.evaluate(LAYOUT)]
    typed = page.locator("#typed textarea, #typed input").first
    typed.fill("a lighthouse on a cliff at sunset, in watercolor, without people")
    typed.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('#history img').length >= 1", timeout=WAIT)
    page.wait_for_timeout(300)
    problems += [f"[drawn] {p}" for p in page.evaluate(LAYOUT)]
    name = f"layout-{locale}-{size[0]}x{size[1]}@{scale}x.png"
    shot(page, name)
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def kiosk_page_url(tiny_model_dir, tmp_path_factory):
    """The page as ``voice2img serve`` serves it (no listening on open: nothing is spoken here)."""
    from voice2img import DrawingOptions, Pipeline
    from voice2img.web import build_app, launch

    pipeline = Pipeline(drawing=DrawingOptions(model=str(tiny_model_dir), steps=1, width=64, height=64))
    app = build_app(pipeline, out_dir=str(tmp_path_factory.mktemp("layout-out")), previews="off")
    port = free_port()
    launch(app, "127.0.0.1", port, block=False, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    app.close()
