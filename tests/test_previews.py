"""Previews while speaking: the newest words drawn quickly, one at a time, never kept."""

import threading

import pytest

from voice2img import DrawingOptions, Pipeline
from voice2img.previews import PreviewOptions, Previewer, content_words
from voice2img.understand import ImageRequest, RequestSettings


@pytest.fixture(scope="module")
def pipeline(tiny_model_dir):
    p = Pipeline(drawing=DrawingOptions(model=str(tiny_model_dir), steps=2, width=64, height=64))
    p.renderer.load()
    return p


def request(prompt, seed=5):
    return ImageRequest(prompt, settings=RequestSettings(seed=seed))


def test_content_words():
    assert content_words("a red fox in the snow") == {"red", "fox", "snow"}
    assert content_words("a red fox in the") == content_words("a red fox")


def test_a_preview_is_small_quick_and_seeded(pipeline):
    drawing = pipeline.preview(request("a red fox in the snow", seed=42))
    assert (drawing.width, drawing.height, drawing.steps, drawing.seed) == (64, 64, 1, 42)  # min side 64; a quarter of 2 steps
    bigger = Pipeline(drawing=DrawingOptions(model=pipeline.drawing.model, steps=8, width=256, height=128))
    d = bigger.preview(request("a red fox"))
    assert (d.width, d.height, d.steps) == (128, 64, 2)


class Shown:
    """Collects finished previews (a Previewer's on_preview) and lets a test wait for the n-th."""

    def __init__(self):
        self.previews, self._changed = [], threading.Condition()

    def __call__(self, preview):
        with self._changed:
            self.previews.append(preview)
            self._changed.notify_all()

    def wait(self, n=1, timeout=60):
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.previews) >= n, timeout), f"{len(self.previews)} of {n} previews"


def test_only_new_content_words_are_drawn_and_stale_ones_dropped(pipeline):
    started, gate = threading.Event(), threading.Event()
    drawn, shown = [], Shown()
    previewer = Previewer(pipeline, on_preview=shown)
    real = previewer.draw

    def slow(req):
        started.set()
        gate.wait(10)
        drawn.append(req.prompt)
        return real(req)

    previewer.draw = slow
    try:
        assert previewer.want(request("a red fox"))
        assert not previewer.want(request("a red fox in the"))  # no new content word
        assert started.wait(10)  # "a red fox" is drawing now
        assert previewer.want(request("a red fox in the snow"))
        assert previewer.want(request("a red fox in the snow at night"))  # replaces the one not started
        gate.set()
        shown.wait(2)
        assert drawn == ["a red fox", "a red fox in the snow at night"] and previewer.dropped == 1
        latest = previewer.take()
        assert latest.prompt == "a red fox in the snow at night" and latest.seed == 5 and latest.number == 2
        assert previewer.take() is None
    finally:
        previewer.close()


def test_previews_pause_while_others_wait_and_stop_at_the_end_of_speech(pipeline):
    waiting, asked, shown = {"n": 1}, threading.Event(), Shown()

    def paused():
        asked.set()
        return waiting["n"] > 0

    previewer = Previewer(pipeline, paused=paused, on_preview=shown)
    try:
        previewer.want(request("a red fox"))
        assert asked.wait(10)  # the preview thread took the wish and asked whether others wait
        assert previewer.take() is None and previewer.drawn == 0  # someone's final image comes first
        waiting["n"] = 0
        previewer.want(request("a red fox in the snow"))
        shown.wait(1)
        assert previewer.take().prompt == "a red fox in the snow"
        assert [p.prompt for p in shown.previews] == ["a red fox in the snow"]  # the paused wish was never drawn
        previewer.settle()
        previewer.reset()
        assert previewer.want(request("a red fox"))  # a new utterance starts afresh
    finally:
        previewer.close()


class Counting(Previewer):
    """Counts the diffusion steps its previews run."""

    def __init__(self, *args, **kwargs):
        self.steps_run, self.stepping = 0, threading.Event()
        super().__init__(*args, **kwargs)

    def _step_done(self, step, total):
        self.steps_run += 1
        self.stepping.set()
        super()._step_done(step, total)


@pytest.mark.parametrize("at_end", ["wait", "interrupt"])
def test_the_end_of_speech_waits_for_the_preview_drawing_or_interrupts_it(pipeline, at_end):
    shown = Shown()
    previewer = Counting(pipeline, PreviewOptions(steps=60, at_end=at_end), on_preview=shown)
    try:
        previewer.want(request("a red fox"))
        assert previewer.stepping.wait(30)  # the preview is drawing
        previewer.settle()  # returns once the preview in flight has finished or stopped
        ran = previewer.steps_run
        assert previewer.take() is None and previewer.drawn == 0  # the utterance ended: never shown
        if at_end == "wait":
            assert ran == 60
        else:
            assert 1 <= ran < 60
        previewer.reset()
        previewer.want(request("a blue fox"))  # the next utterance's previews run to the end again
        shown.wait(1)
        assert [p.prompt for p in shown.previews] == ["a blue fox"] and previewer.take().prompt == "a blue fox" and previewer.steps_run == ran + 60
    finally:
        previewer.close()


def test_a_blocked_prompt_gets_no_preview(tiny_model_dir, tmp_path):
    from voice2img.safety import SafetyOptions

    words = tmp_path / "blocklist.txt"
    words.write_text("fox\n")
    p = Pipeline(drawing=DrawingOptions(model=str(tiny_model_dir), steps=1, width=64, height=64),
                 safety=SafetyOptions(blocklist=str(words), check_images=False))
    assert p.preview(request("a red fox")) is None


def test_the_listener_seeds_partial_words_with_the_final_images_seed(pipeline):
    from voice2img.audio import load_audio
    from voice2img.live import LiveListener, LiveOptions

    from conftest import ROOT

    audio = load_audio(ROOT / "tests" / "data" / "long_request.wav")
    listener = LiveListener(pipeline, LiveOptions(previews=True, partial_every_ms=1000))
    events = []
    for i in range(0, len(audio.samples), 8000):
        events += listener.feed(audio.samples[i:i + 8000])
    partials = [e.request for e in events if e.kind == "partial" and e.request is not None]
    final = [e for e in events if e.kind == "final"]
    assert len(partials) >= 4 and len(final) == 1
    seeds = {r.settings.seed for r in partials}
    assert seeds == {final[0].result.request.settings.seed}  # one seed: the previews' composition carries through
    assert "fox" in partials[0].prompt and "cabin" in final[0].result.request.prompt
