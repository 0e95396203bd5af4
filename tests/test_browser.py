"""The web UI in a real browser: Debian's chromium driven by Playwright, its fake microphone fed
a spoken WAV, the tiny offline image model behind the page.

Screenshots land in ``test-artifacts/`` (or ``$VOICE2IMG_ARTIFACTS``) for a person to look at.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import ROOT, free_port
from conftest import SAMPLES as SAMPLES_DIR

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / "tests" / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
CONVERSATION = ROOT / "tests" / "data" / "conversation.wav"
WATERCOLOR = ROOT / "tests" / "data" / "make_it_a_watercolor.wav"  # "Make it a watercolor painting, just a little."
LONG_REQUEST = ROOT / "tests" / "data" / "long_request.wav"  # about 8 s of speech, four clauses
ARTIFACTS = Path(os.environ.get("VOICE2IMG_ARTIFACTS", ROOT / "test-artifacts"))
WAIT = 60_000  # ms; the first hearing loads Whisper


@pytest.fixture(scope="module")
def server(tiny_model_dir, tmp_path_factory):
    from voice2img import DrawingOptions, Pipeline
    from voice2img.web import build_app, launch

    out = tmp_path_factory.mktemp("web-out")
    pipeline = Pipeline(drawing=DrawingOptions(model=str(tiny_model_dir), steps=2, width=64, height=64))
    app = build_app(pipeline, out_dir=str(out))
    port = free_port()
    launch(app, "127.0.0.1", port, block=False, quiet=True)
    yield f"http://127.0.0.1:{port}/", out, app.studio
    app.close()


def chromium(playwright, microphone: Path | None = None):
    assert Path(CHROMIUM).exists(), "Debian's chromium is needed (.ci/run installs it)"
    args = ["--disable-background-networking", "--disable-component-update", "--no-first-run",
            "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
    if microphone is not None:
        args.append(f"--use-file-for-fake-audio-capture={microphone}%noloop")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=args)


def new_page(playwright, browsers: list, url: str, microphone: Path | None = None, size=(1280, 1000),
             locale: str = "en-US", scale: float = 1, init_script: str | None = None):
    """``url`` in a fresh chromium (added to ``browsers``, for the caller to close) whose
    microphone plays ``microphone``, once the page's status line is live."""
    browser = chromium(playwright, microphone)
    browsers.append(browser)
    page = browser.new_page(viewport={"width": size[0], "height": size[1]}, device_scale_factor=scale, locale=locale,
                            accept_downloads=True)
    if init_script:
        page.add_init_script(init_script)
    page.goto(url)
    page.locator("#voice2img-status[aria-live=polite]").wait_for(timeout=WAIT)
    return page


@pytest.fixture
def page_with(server):
    """Opens the app in a fresh browser whose microphone plays the given WAV."""
    from playwright.sync_api import sync_playwright

    url = server[0]
    with sync_playwright() as p:
        browsers = []

        def open_page(microphone: Path | None = None, locale: str = "en-US"):
            return new_page(p, browsers, url, microphone, locale=locale)

        yield open_page
        for b in browsers:
            b.close()


def status(page) -> str:
    return page.locator("#voice2img-status").inner_text()


def wait_status(page, pattern: str, timeout: int = WAIT) -> str:
    page.wait_for_function("p => new RegExp(p).test(document.querySelector('#voice2img-status').innerText)", arg=pattern,
                           timeout=timeout)
    return status(page)


def field(page, elem_id: str) -> str:
    return page.locator(f"#{elem_id} textarea, #{elem_id} input").first.input_value()


def gallery_size(page) -> int:
    return page.locator("#history img").count()


def wait_gallery(page, n: int) -> None:
    page.wait_for_function("n => document.querySelectorAll('#history img').length >= n", arg=n, timeout=WAIT)


def image_alt(page) -> str:
    return page.locator("#voice2img-image img").first.get_attribute("alt") or ""


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def tab_to(page, elem_id: str, limit: int = 60) -> int:
    """Press Tab until focus is inside #elem_id; how many presses it took."""
    for n in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("id => !!document.activeElement.closest('#' + id)", elem_id):
            return n
    raise AssertionError(f"Tab never reached #{elem_id}")


def test_speaking_draws_refines_and_goes_back_hands_free(page_with, server):
    """Record started from the keyboard (Tab, Enter); then only speech: a request, "make it blue",
    "go back". No mouse at all."""
    page = page_with(CONVERSATION)
    page.locator("body").focus()
    tab_to(page, "mic")
    for _ in range(5):  # on to the microphone's Record button
        if page.evaluate("() => document.activeElement.textContent.trim()") == "Record":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Record"
    page.keyboard.press("Enter")
    # While the person is still speaking, the words so far appear (marked as unfinished).
    page.wait_for_function("() => document.querySelector('#heard textarea').value.endsWith(' …')", timeout=WAIT)
    wait_status(page, "^Done")
    wait_gallery(page, 1)
    assert "fox" in field(page, "heard").lower()
    first = field(page, "prompt")
    assert "red fox" in first
    assert image_alt(page) == first  # the image's alt text is its prompt

    # "Make it blue": the same request, recoloured, drawn again with no click.
    page.wait_for_function("() => document.querySelectorAll('#history img').length >= 2", timeout=WAIT)
    wait_status(page, "^Done")
    blue = field(page, "prompt")
    assert "blue fox" in blue and "red" not in blue
    # "Go back": the previous request returns; nothing is deleted from the history.
    page.wait_for_function("p => document.querySelector('#prompt textarea').value === p", arg=first, timeout=WAIT)
    wait_status(page, "^Went back to")
    assert gallery_size(page) == 2
    shot(page, "hands-free.png")
    saved = sorted(server[1].glob("*.png"))
    assert len(saved) >= 2


def test_keyboard_alone_types_refines_undoes_and_reloads(page_with):
    page = page_with()
    kb = page.keyboard
    page.locator("body").focus()

    tab_to(page, "typed")
    kb.type("a lighthouse on a rocky coast at sunset")
    kb.press("Enter")
    wait_status(page, "^Done")
    wait_gallery(page, 1)
    assert field(page, "prompt") == "a lighthouse on a rocky coast at sunset"

    kb.type("make it blue")  # focus stayed in the box; a typed follow-up works as a spoken one
    kb.press("Enter")
    wait_gallery(page, 2)
    wait_status(page, "^Done")
    assert field(page, "prompt") == "a blue lighthouse on a rocky coast at sunset"

    tab_to(page, "undo")
    kb.press("Enter")
    wait_status(page, "^Went back to")
    assert field(page, "prompt") == "a lighthouse on a rocky coast at sunset"

    # Edit the prompt by keyboard and press Generate with Enter.
    tab_to(page, "prompt")
    kb.press("End")
    kb.type(", oil painting")
    tab_to(page, "generate")
    kb.press("Enter")
    wait_gallery(page, 3)
    wait_status(page, "^Done")
    assert image_alt(page) == "a lighthouse on a rocky coast at sunset, oil painting"

    # The oldest image in the history, reloaded with the keyboard.
    tab_to(page, "history")
    for _ in range(10):  # on to the last thumbnail: the history lists the newest first
        if page.evaluate("() => { const b = document.querySelectorAll('#history button:has(img)');"
                         " return document.activeElement === b[b.length - 1]; }"):
            break
        kb.press("Tab")
    kb.press("Enter")
    wait_status(page, "^Reloaded")
    assert field(page, "prompt") == "a lighthouse on a rocky coast at sunset"
    shot(page, "keyboard.png")


def axe_problems(page, state: str) -> list[str]:
    """WCAG 2.0/2.1/2.2 A and AA violations axe-core finds on the page as it settles now.

    Gradio fades a control in when it becomes enabled (about 150 ms); measured half-way, the
    Download button's black text was black at half opacity (3.74:1, found by a CI run). So axe
    waits for transitions that end to end; endless ones (a pulsing Record button) do not count."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function("""() => document.getAnimations().every(a => a.playState !== 'running'
            || a.effect.getComputedTiming().iterations === Infinity)""", timeout=5_000)
    except PlaywrightTimeout:
        pass  # something keeps moving: axe judges it as it is
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => await axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})""")
    assert len(result["passes"]) > 10, state  # axe really ran
    return [f"[{state}] {v['id']}: {v['help']}: {n['target']} {n.get('failureSummary', '')}"
            for v in result["violations"] for n in v["nodes"]]


@pytest.mark.parametrize("size", [(1280, 1000), (390, 844)], ids=["desktop", "phone"])
def test_axe_finds_no_wcag_violations_in_any_state(page_with, size):
    """Every state a person meets, at desktop and phone size: as the page first opens (no image,
    empty history), listening, after an error, with the settings open, after drawing, with a
    full history, and with a starting picture."""
    assert AXE.exists(), f"axe-core is needed: npm install --prefix {AXE.parents[2]} axe-core (.ci/run does)"
    page = page_with(SAMPLES_DIR / "red_fox.wav")
    page.set_viewport_size({"width": size[0], "height": size[1]})
    name = "desktop" if size[0] > 600 else "phone"
    problems = axe_problems(page, "first open")
    shot(page, f"{name}-first-open.png")

    page.get_by_label("Review: I press Generate").check()  # so listening ends in a prompt, not a drawing
    page.locator("#mic").get_by_role("button", name="Record").click()
    wait_status(page, "^Listening")
    problems += axe_problems(page, "listening")
    wait_status(page, "press Generate")
    page.locator("#mic").get_by_role("button", name="Stop").click()

    page.locator("#prompt textarea").fill("")
    page.locator("#generate").click()
    wait_status(page, "^Not drawn")
    problems += axe_problems(page, "after an error")

    page.locator("#settings button").first.click()
    page.locator("#steps input").wait_for(state="visible")
    problems += axe_problems(page, "settings open")

    typed = page.locator("#typed textarea, #typed input").first
    typed.fill("four images of a red fox in the snow")
    typed.press("Enter")
    wait_status(page, "press Generate")
    page.locator("#generate").click()
    wait_status(page, "^Done")
    problems += axe_problems(page, "after drawing")
    shot(page, f"{name}-after-drawing.png")

    for _ in range(2):  # twelve images: more than a row of thumbnails at any size
        before = status(page)  # "Done: …" already: wait for this drawing's own Done (a new seed)
        page.locator("#again").click()
        page.wait_for_function("b => document.querySelector('#voice2img-status').innerText !== b", arg=before, timeout=WAIT)
        wait_status(page, "^Done")
    wait_gallery(page, 12)
    problems += axe_problems(page, "full history")
    shot(page, f"{name}-full-history.png")

    page.locator("#start-picture input[type=file]").set_input_files(str(ROOT / "docs" / "web-ui.png"))
    wait_status(page, "^Starting picture: ")
    problems += axe_problems(page, "with a starting picture")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("size", [(1280, 1000), (390, 844)], ids=["desktop", "phone"])
def test_a_chinese_browser_gets_the_page_in_chinese_and_a_visible_switch_back(page_with, size):
    """The page follows the browser's language: its words, its lang attribute (what screen readers
    pronounce by), its status lines; axe finds nothing in either language; the switch at the top,
    reached by keyboard, turns it back to English."""
    page = page_with(SAMPLES_DIR / "red_fox.wav", locale="zh-CN")
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.wait_for_function("() => document.documentElement.lang === 'zh-CN'", timeout=WAIT)
    wait_status(page, "^页面语言：中文")
    assert page.locator("#generate").inner_text().strip() == "生成"
    assert page.get_by_label("或输入一个请求或修改（按回车发送）").count() == 1
    problems = axe_problems(page, "zh-CN first open")

    page.get_by_label("先确认：我按“生成”再画").check()
    page.locator("#mic").get_by_role("button", name=re.compile("Record|录制|录音")).click()
    wait_status(page, "^正在听")
    wait_status(page, "请检查提示词")
    problems += axe_problems(page, "zh-CN heard")
    page.locator("#mic").get_by_role("button", name=re.compile("Stop|停止")).click()
    page.locator("#generate").click()
    wait_status(page, "^完成")
    assert "red fox" in image_alt(page)  # the image's alt text is its (English) prompt, as drawn
    problems += axe_problems(page, "zh-CN after drawing")
    shot(page, f"zh-CN-{'desktop' if size[0] > 600 else 'phone'}-after-drawing.png")

    page.locator("body").focus()
    tab_to(page, "page-language", limit=10)  # the switch comes first
    page.locator("#page-language label", has_text="English").locator("input").check()
    page.wait_for_function("() => document.documentElement.lang === 'en'", timeout=WAIT)
    wait_status(page, "^Page language: English")
    assert page.locator("#generate").inner_text().strip() == "Generate"
    problems += axe_problems(page, "switched to English")
    assert not problems, "\n".join(problems)


def test_status_is_announced_and_errors_are_plain(page_with):
    page = page_with()
    page.get_by_role("button", name=re.compile("^Generate$")).click()
    text = wait_status(page, "^Not drawn")
    assert "prompt is empty" in text and "Traceback" not in text


def test_review_mode_waits_for_generate_and_reads_back(page_with, server):
    """Review mode: speech fills the prompt and nothing is drawn until Generate; read-back speaks."""
    page = page_with(SAMPLES_DIR / "red_fox.wav")
    # Record what the page asks the browser's speech synthesis to say.
    page.evaluate("() => { window.spoken = []; window.speechSynthesis.speak = u => window.spoken.push(u.text); }")
    page.get_by_label("Review: I press Generate").check()
    page.get_by_label("Read back what was heard and the prompt aloud").check()
    with counted(server[2]) as drawn:
        page.locator("#mic").get_by_role("button", name="Record").click()
        wait_status(page, "press Generate")
        assert "red fox" in field(page, "prompt")
        assert drawn == [] and gallery_size(page) == 0  # nothing drawn yet
        spoken = page.evaluate("() => window.spoken")
        assert spoken and spoken[-1].startswith("Heard:") and "Prompt: a red fox" in spoken[-1]
        page.locator("#generate").click()
        wait_status(page, "^Done")
        wait_gallery(page, 1)
    assert len(drawn) == 1 and "red fox" in drawn[0]  # one drawing, the one Generate asked for


@contextmanager
def counted(studio):
    """The prompts of every drawing the studio starts while the block runs."""
    prompts: list[str] = []
    draw = studio.draw

    def counted_draw(session, request, *args, **kwargs):
        prompts.append(request.prompt)
        return draw(session, request, *args, **kwargs)

    studio.draw = counted_draw
    try:
        yield prompts
    finally:
        del studio.draw  # back to the class's method


@contextmanager
def held(studio, prompt: str):
    """Drawings of ``prompt`` wait until the test lets them go, so a queue forms however fast the
    machine draws (80 steps of the tiny model once finished before a second tab could click)."""
    gate = threading.Event()
    draw = studio.draw

    def held_draw(session, request, *args, **kwargs):
        if request.prompt == prompt:
            gate.wait(WAIT / 1000)
        return draw(session, request, *args, **kwargs)

    studio.draw = held_draw
    try:
        yield gate
    finally:
        gate.set()
        del studio.draw  # back to the class's method


def test_a_second_person_is_told_they_are_waiting(page_with, server):
    """Two tabs, one shared model: the second request waits, and its status line says so."""
    first, second = page_with(), page_with()
    for page, prompt in ((first, "a slow snail"), (second, "a quick hare")):
        page.locator("#prompt textarea").fill(prompt)
    with held(server[2], "a slow snail") as gate:
        first.locator("#generate").click()
        wait_status(first, "^Drawing")
        second.locator("#generate").click()
        assert "1 other request(s) are ahead" in wait_status(second, "^Waiting")
        assert not status(first).startswith("Done")  # held: the queue is there for as long as the test needs
        gate.set()
        wait_status(first, "^Done")
        wait_status(second, "^Done")


def test_a_tab_closed_while_it_waits_leaves_the_queue_count(page_with, server):
    """Someone gives up and closes the tab while queued: the next person is not told to wait for them."""
    import time

    studio = server[2]
    first, second = page_with(), page_with()
    for page, prompt in ((first, "a slow snail"), (second, "a quick hare")):
        page.locator("#prompt textarea").fill(prompt)
    with held(studio, "a slow snail") as gate:
        first.locator("#generate").click()
        wait_status(first, "^Drawing")
        second.locator("#generate").click()
        wait_status(second, "^Waiting")
        assert studio.waiting == 2, studio._tickets
        second.context.browser.close()  # the tab goes while its request is still queued
        gate.set()
        wait_status(first, "^Done")
    # Gradio notices a closed tab when its heartbeat stream breaks (up to 15 s); until then it may
    # even start the closed tab's request. Either way the count must come back to nothing.
    deadline = time.monotonic() + 90
    while studio.waiting and time.monotonic() < deadline:
        time.sleep(0.2)
    assert studio.waiting == 0, studio._tickets
    third = page_with()
    third.locator("#prompt textarea").fill("a calm pond")
    third.locator("#generate").click()
    assert wait_status(third, "^(Drawing|Done)")


def test_a_full_queue_says_so_and_counts_nothing(tiny_model_dir, tmp_path):
    """concurrency 1, queue 1: one draws, one waits, the third is told the server is busy."""
    import time

    from playwright.sync_api import sync_playwright

    from voice2img import DrawingOptions, Pipeline
    from voice2img.web import Limits, build_app, launch

    pipeline = Pipeline(drawing=DrawingOptions(model=str(tiny_model_dir), steps=2, width=64, height=64))
    app = build_app(pipeline, out_dir=str(tmp_path), limits=Limits(concurrency=1, max_queue=1))
    port = free_port()
    launch(app, "127.0.0.1", port, block=False, quiet=True)
    try:
        with sync_playwright() as p:
            browser = chromium(p)
            pages = []
            for prompt in ("a slow snail", "a quick hare", "a patient heron"):
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                page.goto(f"http://127.0.0.1:{port}/")
                page.locator("#voice2img-status[aria-live=polite]").wait_for(timeout=WAIT)
                page.locator("#prompt textarea").fill(prompt)
                pages.append(page)
            first, second, third = pages
            with held(app.studio, "a slow snail") as gate:
                first.locator("#generate").click()
                wait_status(first, "^Drawing")
                second.locator("#generate").click()
                wait_status(second, "^Waiting")
                third.locator("#generate").click()
                assert "Yours was not queued" in wait_status(third, "^Busy")
                gate.set()
                wait_status(second, "^Done", timeout=2 * WAIT)
            deadline = time.monotonic() + 30
            while app.studio.waiting and time.monotonic() < deadline:
                time.sleep(0.2)
            assert app.studio.waiting == 0 and status(third).startswith("Busy")  # never drawn, never counted
            browser.close()
    finally:
        app.close()


def test_an_uploaded_recording_is_heard_and_drawn(page_with):
    page = page_with()
    page.locator("#upload input[type=file]").set_input_files(str(SAMPLES_DIR / "lighthouse.mp3"))
    page.locator("#hear-file").click()
    wait_status(page, "^Done")
    wait_gallery(page, 1)
    assert field(page, "prompt").startswith("a lighthouse")
    assert "can you draw me" in field(page, "removed").lower()  # what the cleanup took out is shown


def test_a_picture_given_then_a_spoken_restyle_changes_it(page_with, server, tmp_path):
    """Upload a picture, press Record, say "make it a watercolor painting, just a little": the
    picture is changed (image-to-image, low strength), hands-free."""
    from PIL import Image

    from voice2img.keep import read_metadata

    Image.new("RGB", (300, 200), (30, 90, 200)).save(tmp_path / "lake.png")
    page = page_with(WATERCOLOR)
    before = set(server[1].glob("*.png"))
    page.locator("#start-picture input[type=file]").set_input_files(str(tmp_path / "lake.png"))
    wait_status(page, "^Starting picture: ")
    page.locator("#settings button").first.click()
    page.locator("#width input").wait_for(state="visible")
    assert int(field(page, "width")) > int(field(page, "height"))  # the size follows the picture's 3:2
    page.locator("#mic button", has_text="Record").first.click()
    wait_status(page, "^Done")
    wait_gallery(page, 1)
    assert field(page, "prompt").startswith("watercolor painting")  # the style preset's words
    made = sorted(set(server[1].glob("*.png")) - before)
    assert len(made) == 1
    meta = read_metadata(made[0])
    assert meta["a1111"]["Denoising strength"] == "0.3" and meta["voice2img"]["init_image"]["width"] == 300
    shot(page, "start-picture.png")

    # The follow-up setting, by keyboard: a change now changes the watercolor on screen.
    tab_to(page, "follow-ups")
    for _ in range(3):  # Gradio names each choice apart, so Tab reaches each one; Space picks it
        if page.evaluate("document.activeElement.value") == "refine":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    assert page.locator("#follow-ups input[value=refine]").is_checked()
    tab_to(page, "typed")
    page.keyboard.type("make it brighter")
    page.keyboard.press("Enter")
    wait_gallery(page, 2)
    said = wait_status(page, "^Done")
    assert "Changed the picture on screen" in said
    newest = sorted(set(server[1].glob("*.png")) - before - set(made))
    assert read_metadata(newest[0])["voice2img"]["init_image"]["sha256"] == hashlib.sha256(made[0].read_bytes()).hexdigest()


# Records, in the page, each status text and each preview shown (its alt text), as they come.
WATCH = """() => {
  const w = window.__seen = {status: [], previews: []};
  const s = document.getElementById('voice2img-status');
  new MutationObserver(() => {
    const t = s.innerText.trim();
    if (t && w.status[w.status.length - 1] !== t) w.status.push(t);
  }).observe(s, {subtree: true, childList: true, characterData: true});
  setInterval(() => {
    const img = document.querySelector('#voice2img-image img');
    const alt = img ? (img.getAttribute('alt') || '') : '';
    if (alt.startsWith('Preview of') && w.previews[w.previews.length - 1] !== alt) w.previews.push(alt);
  }, 50);
}"""


@pytest.mark.parametrize("size", [(1280, 1000), (390, 844)], ids=["desktop", "phone"])
def test_previews_form_while_a_long_request_is_spoken(page_with, server, size):
    """A long request spoken hands-free: previews appear while it is said, with the seed the final
    image then uses; the image and the Stop control are in view together while listening; the
    history holds one entry; the status line says "preview" once, not per image."""
    from voice2img.keep import read_metadata

    page = page_with(LONG_REQUEST)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    name = "desktop" if size[0] > 600 else "phone"
    before = set(server[1].glob("*.png"))
    page.evaluate(WATCH)
    page.locator("#mic").get_by_role("button", name="Record").click()
    page.wait_for_function("() => window.__seen.previews.length >= 1", timeout=WAIT)
    # While listening, at this size: the picture and the Stop control, both in view.
    stop = page.locator("#mic").get_by_role("button", name="Stop").bounding_box()
    picture = page.locator("#voice2img-image").bounding_box()
    assert stop and picture, "the Stop control or the image is not rendered"
    assert 0 <= stop["y"] and stop["y"] + stop["height"] <= size[1], f"Stop is out of view at {name} size: {stop}"
    assert 0 <= picture["y"] and picture["y"] + picture["height"] / 2 <= size[1], f"the image is out of view: {picture}"
    assert stop["height"] >= 44 and stop["width"] >= 44, f"the Stop control is smaller than 44 px: {stop}"
    problems = axe_problems(page, f"{name}: a preview on screen") if AXE.exists() else []
    shot(page, f"{name}-preview.png")
    said = wait_status(page, "^Done", timeout=2 * WAIT)
    seen = page.evaluate("() => window.__seen")
    page.locator("#mic").get_by_role("button", name="Stop").click()
    assert not problems, "\n".join(problems)
    previews = list(dict.fromkeys(seen["previews"]))
    assert len(previews) >= 2, f"fewer than two different previews while speaking: {previews}"
    assert image_alt(page) == field(page, "prompt")  # the final image: its alt text is its prompt, as ever
    made = sorted(set(server[1].glob("*.png")) - before)
    assert len(made) == 1 and gallery_size(page) == 1  # previews are never kept, never in the history
    seed = read_metadata(made[0])["voice2img"]["image_settings"]["seed"]
    assert all(p.endswith(f"(seed {seed})") for p in previews), (seed, previews)
    listening = [t for t in seen["status"] if t.startswith("Listening")]
    assert listening.count("Listening… preview") == 1 and len(seen["status"]) <= 12, seen["status"]
    assert "fox" in said and "cabin" in field(page, "prompt")


def test_i_speak_is_chosen_by_keyboard_and_a_spanish_request_is_drawn_from_it(page_with, tmp_path):
    """A person whose language is guessed wrong picks theirs in "I speak" — Tab, type, Enter —
    and what they say is heard in it: the Spanish request becomes an English prompt."""
    from conftest import write_wav
    from voice2img.audio import load_audio

    wav = write_wav(tmp_path / "es_cat.wav", load_audio(SAMPLES_DIR / "languages" / "es_cat.ogg").samples)
    page = page_with(wav)
    page.locator("body").focus()
    tab_to(page, "spoken-language")
    page.keyboard.type("Espa")
    page.keyboard.press("Enter")
    wait_status(page, r"^Spoken language: Español \(es\)")
    problems = axe_problems(page, "I speak chosen")
    page.locator("#mic").get_by_role("button", name="Record").click()
    wait_status(page, "^Done", timeout=4 * WAIT)
    # Heard in Spanish, drawn in English: all of it, though the first words came while Whisper
    # was still loading (the chunks said meanwhile are queued, not dropped).
    assert field(page, "heard").startswith("(es) ") and "cat" in field(page, "prompt")
    assert field(page, "negative") == "text"  # ("without text"); test_web checks its size too
    problems += axe_problems(page, "a Spanish request drawn")
    assert not problems, "\n".join(problems)
