"""The Python API: one Pipeline, models loaded once, a typed result."""

import numpy as np
import pytest

from conftest import SAMPLES, noise, reference_text
from voice2img import Audio, DrawingOptions, HearingOptions, NoSpeechError, Pipeline
from voice2img.evaluate import word_error_rate
from voice2img.hear import Transcript
from voice2img.pipeline import Result
from voice2img.understand import ImageRequest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pipeline(tiny_model_dir):
    return Pipeline(HearingOptions(), DrawingOptions(model=str(tiny_model_dir), steps=1, width=64, height=64, seed=5))


def test_run_returns_a_typed_result_and_keeps_models_loaded(pipeline, tmp_path):
    speech = SAMPLES / "lighthouse.mp3"
    result = pipeline.run(speech, tmp_path)
    assert isinstance(result.transcript, Transcript) and isinstance(result.request, ImageRequest)
    assert word_error_rate(reference_text(speech), result.transcript.text) <= 0.2
    assert result.request.prompt == "a lighthouse on a rocky coast at sunset"
    assert result.seed == 5 and result.image.size == (64, 64) and result.png_path.is_file()
    hearer, renderer = pipeline.hearer, pipeline.renderer.pipe
    again = pipeline.run(speech)  # no out_dir: nothing written
    assert again.png_path is None
    assert pipeline.hearer is hearer and pipeline.renderer.pipe is renderer
    assert "load_asr" not in again.timings and "load_image_model" not in again.timings
    assert np.array_equal(np.asarray(result.image), np.asarray(again.image))


def test_audio_in_memory_works_like_a_file(pipeline):
    from voice2img.audio import load_audio

    audio = load_audio(SAMPLES / "red_fox.wav")
    buffer = Audio.from_array((audio.samples * 32767).astype(np.int16), source="microphone")
    result = pipeline.hear_and_understand(buffer)
    assert result.source == "microphone" and "fox" in result.request.prompt


def test_silence_raises_no_speech_and_draws_nothing(pipeline):
    with pytest.raises(NoSpeechError, match="no speech heard"):
        pipeline.run(Audio.from_array(noise("silence"), source="silence"))


def test_speech_that_asks_for_no_picture_says_what_was_heard(pipeline, tmp_path):
    """"Never mind, thank you." is speech, not silence: the message says what was heard and why nothing is drawn."""
    from conftest import festival

    wav = festival("Never mind, thank you.", tmp_path / "never_mind.wav")
    with pytest.raises(NoSpeechError, match=r"never_mind.wav: heard '.*[Nn]ever mind.*', but nothing in it asks for a picture"):
        pipeline.run(wav, tmp_path)
    assert not list(tmp_path.glob("*.png"))


def test_settings_said_aloud_reach_the_images(pipeline, tmp_path):
    """"two images … wide … seed 77": two PNGs, seeds 77 and 78, in a 16:9 shape."""
    from voice2img.understand import rewrite

    request = rewrite("Can you draw me two images of a harbor, wide, seed seventy seven, without boats?")
    assert (request.prompt, request.negative_prompt) == ("a harbor", "boats")
    drawings = pipeline.draw(request)
    assert [d.seed for d in drawings] == [77, 78]
    assert all(d.width > d.height for d in drawings)
    transcript = Transcript(request.transcript, "en")
    result = pipeline.keep(Result("harbor.wav", transcript, request, drawings), tmp_path)
    assert [p.name for p in result.png_paths] == ["harbor.png", "harbor-1.png"]
    from voice2img.keep import read_metadata

    meta = [read_metadata(p) for p in result.png_paths]
    assert [m["a1111"]["Seed"] for m in meta] == ["77", "78"]
    assert meta[1]["voice2img"]["image_index"] == 1 and meta[1]["voice2img"]["negative_prompt"] == "boats"


def test_whisper_is_loaded_once_when_two_first_requests_come_at_once(monkeypatch):
    """Two browser tabs' first words at the same moment: one load, one model in memory. The
    first load lasts until the second tab has asked for the model (no timing involved)."""
    import threading

    import voice2img.pipeline as pipeline_module

    pipeline = pipeline_module.Pipeline()
    slot = pipeline._hearing_slot
    loads, second_asks = [], threading.Event()

    class Watched:
        """The loading lock, noting when a second caller comes to it."""

        def __init__(self, lock):
            self.lock, self.callers = lock, 0

        def __enter__(self):
            self.callers += 1
            if self.callers == 2:
                second_asks.set()
            return self.lock.__enter__()

        def __exit__(self, *exc):
            return self.lock.__exit__(*exc)

    slot["loading"] = Watched(slot["loading"])

    def slow_load(options):
        loads.append(options)
        if len(loads) == 1:
            tabs[1].start()
            assert second_asks.wait(10), "the second tab never asked for the model while the first loaded it"
        return object()

    monkeypatch.setattr(pipeline_module, "load_hearer", slow_load)
    got = []
    tabs = [threading.Thread(target=lambda: got.append(pipeline.hearer)) for _ in range(2)]
    tabs[0].start()
    for tab in tabs:
        tab.join(20)
    assert len(loads) == 1 and len(got) == 2 and got[0] is got[1]


def test_settings_are_settled_once_and_kept_with_the_result(tiny_model_dir, tmp_path, monkeypatch):
    """A seed not given is drawn once: the settings checked are the ones drawn, and the Result
    and the kept PNG say the same seed."""
    import secrets

    from voice2img.keep import read_metadata

    drawn: list[int] = []
    real = secrets.randbelow
    monkeypatch.setattr(secrets, "randbelow", lambda n: drawn.append(real(n)) or drawn[-1])
    random_seed = Pipeline(HearingOptions(), DrawingOptions(model=str(tiny_model_dir), steps=1, width=64, height=64))
    heard = Result("typed", Transcript(text="a red fox", language="en", backend="typed"), ImageRequest("a red fox"))
    result = random_seed.make(heard, tmp_path, stem="fox")
    assert len(drawn) == 1
    assert result.settings.seed == result.seed == drawn[0]
    assert (result.settings.width, result.settings.height, result.settings.steps) == (64, 64, 1)
    assert read_metadata(result.png_path)["a1111"]["Seed"] == str(drawn[0])
    # Settings given are drawn as given: nothing is settled again.
    again = random_seed.make(heard, settings=result.settings)
    assert len(drawn) == 1 and np.array_equal(np.asarray(again.image), np.asarray(result.image))


def test_drawings_kept_at_the_same_moment_under_one_name_never_overwrite_each_other(tmp_path):
    """Eight drawings of "generate" finishing together, as from several workers with no shared
    memory of the names they took: eight files, each holding its own picture."""
    import threading

    from PIL import Image

    from voice2img import keep

    start, kept = threading.Barrier(8), {}

    def one(i):
        image = Image.new("RGB", (8, 8), (i * 30, 0, 0))
        start.wait(10)
        png, _ = keep.save(image, tmp_path, "generate", "a red square", {"prompt": f"square {i}"}, taken=set())
        kept[i] = png

    workers = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)
    assert len(set(kept.values())) == 8
    for i, png in kept.items():
        assert keep.read_metadata(png)["voice2img"]["prompt"] == f"square {i}"
        assert Image.open(png).getpixel((0, 0))[0] == i * 30
