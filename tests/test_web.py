"""The web app without a browser: the Studio's steps directly, and /generate called as a program
would, through gradio_client against a real server on loopback. (tests/test_browser.py drives the
page itself.)"""

from pathlib import Path

import numpy as np
import pytest

from conftest import SAMPLES, free_port
from voice2img import DrawingOptions, Pipeline
from voice2img.errors import Voice2ImgError
from voice2img.keep import read_metadata
from voice2img.web import Limits, Session, Studio

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def studio(tiny_model_dir, tmp_path_factory):
    pipeline = Pipeline(drawing=DrawingOptions(model=str(tiny_model_dir), steps=1, width=64, height=64))
    return Studio(pipeline, tmp_path_factory.mktemp("studio"), limits=Limits(max_images=2))


def draw_fields(studio, session, **edits):
    r = session.current
    values = dict(prompt=r.prompt, negative=r.negative_prompt, steps=1, width=64, height=64, guidance=0.0, seed=-1)
    values.update(edits)
    return studio.draw(session, studio.request_from_fields(session, **values))


def test_speech_then_typed_follow_ups_then_undo(studio):
    s = Session()
    heard = studio.hear(s, SAMPLES / "red_fox.wav")
    assert heard.request.prompt.startswith("a red fox")
    first = draw_fields(studio, s)[0]
    assert read_metadata(first.png)["voice2img"]["transcript"].lower().startswith("a red fox")
    # What the page shows and offers for download is a copy with the same metadata, outside the output folder.
    assert read_metadata(first.shown) == read_metadata(first.png) and studio.out_dir not in Path(first.shown).parents

    blue = studio.type(s, "make it blue").request
    assert blue.prompt.startswith("a blue fox") and blue.settings.seed == first.seed  # same picture, recoloured
    draw_fields(studio, s, seed=blue.settings.seed)
    studio.type(s, "without the snow")
    assert "snow" in s.current.negative_prompt
    draw_fields(studio, s)

    back = studio.type(s, "undo")
    assert back.restored is not None and back.restored.request.prompt == blue.prompt
    back = studio.type(s, "go back")
    assert back.restored.request.prompt == first.request.prompt
    assert studio.type(s, "undo").restored is None  # nothing before the first request
    assert len(s.gallery) == 3  # going back deletes nothing


def test_again_draws_a_new_seed_and_reload_restores_an_entry(studio):
    s = Session()
    studio.type(s, "a lighthouse at night, seed 5")
    first = draw_fields(studio, s, seed=5)[0]
    assert first.seed == 5
    again = studio.type(s, "another one").request
    assert again.action == "again"
    second = studio.draw(s, studio.request_from_fields(s, again.prompt, "", 1, 64, 64, 0.0, 5, new_seed=True))[0]
    assert second.seed != 5
    entry = studio.reload(s, len(s.gallery) - 1)
    assert entry.seed == 5 and s.current.prompt == first.request.prompt


def test_sessions_do_not_share_history(studio):
    a, b = Session(), Session()
    studio.type(a, "a green apple")
    draw_fields(studio, a)
    assert b.gallery == [] and b.current is None
    with pytest.raises(Voice2ImgError, match="no picture yet"):  # b has no picture to change
        studio.type(b, "make it blue")


def test_limits_and_bad_fields_are_one_line_messages(studio):
    s = Session()
    heard = studio.type(s, "five images of a cat")
    assert heard.request.settings.num_images == 2 and any("at most 2" in n for n in heard.request.notes)
    with pytest.raises(Voice2ImgError, match="prompt is empty"):
        studio.request_from_fields(s, "  ", "", 1, 64, 64, 0, -1)
    with pytest.raises(Voice2ImgError, match="steps must be between"):
        studio.request_from_fields(s, "a cat", "", 1000, 64, 64, 0, -1)
    with pytest.raises(Voice2ImgError, match="whole number"):
        studio.request_from_fields(s, "a cat", "", 1, 64.5, 64, 0, -1)
    with pytest.raises(Voice2ImgError, match="type what you want"):
        studio.type(s, "   ")
    with pytest.raises(Voice2ImgError, match="not offered"):
        studio.pipeline_for("someone/else")


def test_generate_over_http_returns_transcript_prompt_and_image(tiny_model_dir, tmp_path):
    from gradio_client import Client, handle_file

    from voice2img.web import build_app, launch

    pipeline = Pipeline(drawing=DrawingOptions(model=str(tiny_model_dir), steps=1, width=64, height=64, seed=3))
    app = build_app(pipeline, out_dir=str(tmp_path))
    port = free_port()
    launch(app, "127.0.0.1", port, block=False, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        heard, prompt, image, status = client.predict(handle_file(str(SAMPLES / "red_fox.wav")), api_name="/generate")
        assert "fox" in heard.lower() and prompt.startswith("a red fox")
        assert status.startswith("Done: seed 3")
        assert read_metadata(image)["a1111"]["prompt"] == prompt  # the served PNG keeps its metadata
        assert len(list(tmp_path.glob("*.png"))) == 1
        # Not speech: a message, no traceback, no image.
        noise = tmp_path / "noise.txt"
        noise.write_text("not audio at all")
        heard, prompt, image, status = client.predict(handle_file(str(noise)), api_name="/generate")
        assert image is None and status.startswith("No image:") and "Traceback" not in status
        # The language, as --language: pinned, or one line when unknown.
        heard, prompt, image, status = client.predict(handle_file(str(SAMPLES / "languages" / "es_cat.ogg")), "es",
                                                      api_name="/generate")
        assert heard.startswith("(es) ") and "cat" in prompt and status.startswith("Done")
        heard, prompt, image, status = client.predict(handle_file(str(SAMPLES / "red_fox.wav")), "klingon",
                                                      api_name="/generate")
        assert image is None and status.startswith("No image: unknown language 'klingon'")
    finally:
        app.close()


def test_serve_refuses_the_network_without_a_login(capsys):
    from voice2img.cli import main

    assert main(["serve", "--host", "0.0.0.0"]) == 1
    assert "--auth" in capsys.readouterr().err
    assert main(["serve", "--share"]) == 1
    assert main(["serve", "--auth", "nopassword"]) == 1


def test_recordings_over_the_servers_limit_are_refused(tiny_model_dir, tmp_path):
    pipeline = Pipeline(drawing=DrawingOptions(model=str(tiny_model_dir), steps=1, width=64, height=64))
    short = Studio(pipeline, tmp_path, limits=Limits(max_audio_seconds=1.0))
    with pytest.raises(Voice2ImgError, match="the limit is 1 s"):
        short.hear(Session(), SAMPLES / "red_fox.wav")


def test_launch_refuses_the_network_without_a_login(tiny_model_dir, tmp_path):
    from voice2img.web import build_app, launch

    app = build_app(Pipeline(drawing=DrawingOptions(model=str(tiny_model_dir))), out_dir=str(tmp_path))
    for host, share in (("0.0.0.0", False), ("192.168.1.5", False), ("127.0.0.1", True)):
        with pytest.raises(Voice2ImgError, match="--auth"):
            launch(app, host, free_port(), share=share, block=False, quiet=True)


def test_undo_of_a_change_not_yet_drawn_returns_to_the_last_image(studio):
    s = Session()
    studio.type(s, "a yellow submarine")
    first = draw_fields(studio, s)[0]
    studio.type(s, "make it red")  # review mode: heard, shown, not drawn
    assert s.current.prompt == "a red submarine"
    back = studio.type(s, "undo")
    assert back.restored is first and s.current.prompt == "a yellow submarine"


def test_undo_said_while_a_change_is_drawing_keeps_the_picture_gone_back_to(studio):
    """Hands-free: "make it red" starts drawing, "undo" is heard before it finishes."""
    import threading

    s = Session()
    studio.type(s, "a yellow submarine")
    first = draw_fields(studio, s)[0]
    studio.type(s, "make it red")
    request = studio.request_from_fields(s, s.current.prompt, "", 1, 64, 64, None, -1)
    started, release = threading.Event(), threading.Event()

    def slow_progress(done, total):
        started.set()
        release.wait(30)

    drawn = {}
    worker = threading.Thread(target=lambda: drawn.update(entries=studio.draw(s, request, progress=slow_progress)))
    worker.start()
    assert started.wait(30)
    back = studio.type(s, "undo")  # heard while the red one is drawing
    release.set()
    worker.join(60)
    red = drawn["entries"][0]
    assert back.restored is first and s.current.prompt == "a yellow submarine"
    assert not studio.is_current(s, red) and s.gallery[0] is red  # kept, not current
    assert studio.type(s, "make it green").request.prompt == "a green submarine"  # follow-ups change the yellow one


def test_a_second_image_model_shares_whisper_and_draws_on_its_own(tiny_model_dir, tmp_path):
    from voice2img.testing import save_tiny_pipeline

    other = str(save_tiny_pipeline(tmp_path / "other-model"))
    pipeline = Pipeline(drawing=DrawingOptions(model=str(tiny_model_dir), steps=1, width=64, height=64))
    studio = Studio(pipeline, tmp_path / "out", models=[other])
    assert list(studio.pipelines) == [str(tiny_model_dir), other]
    assert studio.pipelines[other].hearer is studio.pipeline.hearer  # Whisper loads once
    assert studio.defaults(other)["steps"] >= 1  # the panel's values for the other model
    s = Session()
    studio.type(s, "a paper boat")
    request = studio.request_from_fields(s, "a paper boat", "", 1, 64, 64, 0.0, 9)
    entry = studio.draw(s, request, model=other)[0]
    assert entry.settings["model"] == other and entry.seed == 9


def test_the_queue_count_is_kept_per_tab_and_forgets_a_closed_tab(tiny_model_dir, tmp_path):
    from voice2img import DrawingOptions, Pipeline
    from voice2img.web import Studio

    studio = Studio(Pipeline(drawing=DrawingOptions(model=str(tiny_model_dir))), tmp_path)
    assert [studio.enter("tab-a"), studio.enter("tab-b"), studio.enter("tab-a")] == [0, 1, 2]  # requests ahead
    studio.forget("tab-a")  # closed with two requests queued
    assert studio.waiting == 1
    studio.leave("tab-a")  # a request of the closed tab that Gradio ran anyway: nothing to take away
    assert studio.waiting == 1 and studio.enter("tab-c") == 1
    studio.leave("tab-b"), studio.leave("tab-c")
    assert studio.waiting == 0


def test_a_full_queue_turns_requests_away_without_counting_them(tiny_model_dir, tmp_path):
    from voice2img import DrawingOptions, Pipeline
    from voice2img.web import Studio

    studio = Studio(Pipeline(drawing=DrawingOptions(model=str(tiny_model_dir))), tmp_path,
                    limits=Limits(concurrency=1, max_queue=2))
    assert [studio.enter(f"tab-{i}") for i in range(4)] == [0, 1, 2, None]  # one drawing, two waiting, one away
    assert studio.waiting == 3
    studio.leave("tab-0")
    assert studio.enter("tab-3") == 2


def test_the_operators_caps_hold_for_fields_speech_and_the_model_defaults(tiny_model_dir, tmp_path):
    """--max-pixels, --max-steps, --max-images: typed values past them are refused with the limit
    named; spoken ones are lowered with a note; nothing past them is ever drawn."""
    pipeline = Pipeline(drawing=DrawingOptions(model=str(tiny_model_dir), steps=1, width=64, height=64))
    studio = Studio(pipeline, tmp_path, limits=Limits(max_pixels=128 * 128, max_steps=3, max_images=2))
    s = Session()
    studio.type(s, "a cat")
    with pytest.raises(Voice2ImgError, match=r"256×256 is larger than this server draws: at most 16,384 pixels"):
        studio.request_from_fields(s, "a cat", "", 1, 256, 256, 0, -1)
    with pytest.raises(Voice2ImgError, match="steps must be between 1 and 3 on this server"):
        studio.request_from_fields(s, "a cat", "", 4, 64, 64, 0, -1)
    heard = studio.type(s, "five images of a cat")
    assert heard.request.settings.num_images == 2 and "at most 2 images" in heard.request.notes[-1]
    # Settings an LLM rewriter may take from speech ("a thousand steps, 2048 square"):
    from voice2img.understand import ImageRequest, RequestSettings

    fitted = studio.limits.fit(ImageRequest("a cat", settings=RequestSettings(steps=40, width=2048, height=1024)))
    assert fitted.settings.steps == 3 and (fitted.settings.width, fitted.settings.height) == (128, 64)
    assert len(fitted.notes) == 2
    # The panel's defaults respect the caps too (the profile's 512² would not).
    big = Studio(Pipeline(drawing=DrawingOptions(model=str(tiny_model_dir))), tmp_path,
                 limits=Limits(max_pixels=256 * 256, max_steps=10))
    d = big.defaults()
    assert d["width"] * d["height"] <= 256 * 256 and d["steps"] <= 10
    # And a request that reaches drawing past a cap (here: the profile's own 512² size) is refused, not drawn.
    with pytest.raises(Voice2ImgError, match="larger than this server draws"):
        big.draw(Session(), ImageRequest("a cat", settings=RequestSettings(steps=1)))
    assert not list(tmp_path.glob("*.png"))


# -- what the page shows, without a browser (voice2img.web.views) --------------------------------------
def test_a_heard_turn_draws_hands_free_and_waits_in_review(studio):
    from voice2img.web import views

    s = Session()
    hands_free = views.heard(studio, s, studio.type(s, "a red kite over the sea"), views.HANDS_FREE)
    assert hands_free["prompt"] == "a red kite over the sea" and hands_free["trigger"].endswith("|draw")
    assert hands_free["status"].startswith("Heard: “a red kite over the sea”. Drawing:")
    review = views.heard(studio, s, studio.type(s, "make it blue"), views.REVIEW)
    assert "trigger" not in review and review["status"].endswith("Check the prompt, then press Generate.")
    assert review["speak"].endswith("Prompt: a blue kite over the sea")


def test_drawing_reports_its_steps_then_the_picture(studio):
    from voice2img.web import views

    s = Session()
    studio.type(s, "a paper lantern")
    seen = []
    shown = list(views.drawing(studio, s, ("a paper lantern", "", 3, 64, 64, 0.0, 4), None, progress=seen.append))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert shown[-2]["status"] == "Drawing step 3 of 3…"  # the last step is always said
    done = shown[-1]
    assert done["status"] == "Done: image of “a paper lantern”, seed 4." and done["image"].alt == "a paper lantern"
    assert done["download"] == done["image"].path and len(done["gallery"]) == 1


@pytest.mark.parametrize("failure,said", [
    (RuntimeError("CUDA error: an illegal memory access\nwas encountered"),
     "Not drawn: something went wrong while drawing (RuntimeError: CUDA error: an illegal memory access was "
     "encountered); the server's log has the details"),
    (Voice2ImgError("image model x: no such file or folder"), "Not drawn: image model x: no such file or folder"),
])
def test_whatever_fails_while_drawing_ends_in_one_status_line(studio, monkeypatch, failure, said):
    """A bug in the drawing worker used to leave the page at "Drawing…" for ever."""
    from voice2img.web import views

    def broken(*args, **kwargs):
        raise failure

    monkeypatch.setattr(studio, "draw", broken)
    s = Session()
    studio.type(s, "a tin robot")
    shown = list(views.drawing(studio, s, ("a tin robot", "", 1, 64, 64, 0.0, 1), None))
    assert [v["status"] for v in shown] == [said]


def test_bad_fields_are_a_status_line_before_any_drawing(studio):
    from voice2img.web import views

    s = Session()
    shown = list(views.drawing(studio, s, ("", "", 1, 64, 64, 0.0, 1), None))
    assert shown == [{"status": "Not drawn: the prompt is empty: say, upload or type what you want drawn"}]


def test_the_live_microphone_shows_the_words_so_far_then_the_turn(studio):
    from voice2img.live import LiveEvent
    from voice2img.web import views

    s = Session()
    assert views.live(studio, s, [LiveEvent("speech", 0.3)], views.HANDS_FREE) == {"status": "Listening… (speech)"}
    partial = views.live(studio, s, [LiveEvent("partial", 1.0, message="a red")], views.HANDS_FREE)
    assert partial["heard"] == "a red …"
    result = studio.pipeline.hear_and_understand(SAMPLES / "red_fox.wav")
    final = views.live(studio, s, [LiveEvent("final", 4.0, result=result)], views.HANDS_FREE)
    assert final["prompt"].startswith("a red fox") and final["trigger"]
    assert views.queued(None, 16)[0] is False and views.queued(2, 16) == (
        True, "Waiting: 2 other request(s) are ahead of yours; yours starts when they finish.")


def test_a_starting_picture_is_changed_not_redrawn(studio, tmp_path):
    from PIL import Image

    from voice2img.web import views

    s = Session()
    bad = tmp_path / "notes.png"
    bad.write_text("not a picture")
    assert views.start_picture(studio, s, str(bad))["status"].startswith("Not used as a starting picture: ")
    assert s.start is None
    Image.new("RGB", (400, 300), (200, 120, 40)).save(tmp_path / "holiday.png")
    view = views.start_picture(studio, s, str(tmp_path / "holiday.png"))
    assert view["status"].startswith("Starting picture: holiday.png (400×300)")
    assert view["width"] * 3 == view["height"] * 4 or abs(view["width"] / view["height"] - 4 / 3) < 0.2
    heard = studio.type(s, "make it a watercolor, just a little")
    assert heard.request.prompt.startswith("watercolor painting") and heard.request.settings.strength == 0.3
    entry = draw_fields(studio, s, width=64, height=64)[0]
    meta = read_metadata(entry.png)
    assert meta["a1111"]["Denoising strength"] == "0.3" and meta["voice2img"]["init_image"]["width"] == 400
    # Removing the picture: requests draw from scratch again.
    assert views.start_picture(studio, s, None)["status"].startswith("No starting picture")
    entry = draw_fields(studio, s, width=64, height=64)[0]
    assert "init_image" not in read_metadata(entry.png)["voice2img"]


def test_said_to_a_starting_picture_alone_a_change_is_its_prompt(studio, tmp_path):
    from PIL import Image

    from voice2img.web import views

    s = Session()
    Image.new("RGB", (300, 300), (200, 120, 40)).save(tmp_path / "wall.png")
    views.start_picture(studio, s, str(tmp_path / "wall.png"))
    heard = studio.type(s, "make it blue")  # before, this was "no picture yet"
    assert heard.request.prompt == "blue"
    entry = draw_fields(studio, s)[0]
    assert read_metadata(entry.png)["voice2img"]["init_image"]["width"] == 300 and entry.way == ""


def test_a_follow_up_redraws_or_changes_the_picture_on_screen(studio):
    """Both ways are offered: the server's default, a tab's setting, and a word said once; the
    status says which was used, the metadata names the picture that was changed, undo steps back."""
    import hashlib

    from voice2img.web import views

    s = Session()
    studio.type(s, "a red car on a street")
    first = draw_fields(studio, s, seed=7)[0]
    assert first.way == "" and studio.follow_ups == "redraw"

    studio.type(s, "make it blue")
    redrawn = draw_fields(studio, s, seed=7)[0]
    assert redrawn.way == "redraw" and "init_image" not in read_metadata(redrawn.png)["voice2img"]
    assert "Redrawn with the same seed" in views.drawn(studio, s, [redrawn])["status"]

    heard = studio.type(s, "add a hat, change this picture")  # said once
    assert heard.request.prompt == "a blue car on a street, with a hat"
    refined = draw_fields(studio, s, seed=7)[0]
    meta = read_metadata(refined.png)
    assert refined.way == "refine" and meta["voice2img"]["init_image"]["sha256"] == hashlib.sha256(
        open(redrawn.png, "rb").read()).hexdigest()
    assert meta["a1111"]["Denoising strength"] == "0.6"
    assert "Changed the picture on screen (image to image, strength 0.6)" in views.drawn(studio, s, [refined])["status"]

    studio.type(s, "at night")  # the word held for one turn: the default again
    assert draw_fields(studio, s, seed=7)[0].way == "redraw"

    s.follow_ups = "refine"  # the tab's setting
    studio.type(s, "make it green")
    green = draw_fields(studio, s, seed=7)[0]
    assert green.way == "refine"
    studio.type(s, "make it yellow, from scratch")  # said once, over the setting
    assert draw_fields(studio, s, seed=7)[0].way == "redraw"

    assert studio.undo(s) is green  # undo still steps back through them
    again = studio.draw(s, studio.request_from_fields(s, green.request.prompt, "", 1, 64, 64, 0.0, 7, new_seed=True))[0]
    assert again.way == "" and "init_image" not in read_metadata(again.png)["voice2img"]  # a new seed draws anew


def test_an_unknown_way_of_drawing_follow_ups_is_refused(tiny_model_dir, tmp_path):
    import pytest as _pytest

    from voice2img.errors import Voice2ImgError

    with _pytest.raises(Voice2ImgError, match="redraw, refine"):
        Studio(Pipeline(drawing=DrawingOptions(model=str(tiny_model_dir))), tmp_path, follow_ups="inpaint")


def test_the_spoken_language_chosen_in_the_page_is_heard_without_guessing(studio):
    """"I speak" pins the language for the tab: no identification, so no wrong guess."""
    s = Session()
    s.spoken = "es"
    heard = studio.hear(s, SAMPLES / "languages" / "es_cat.ogg")
    assert s.transcript.language == "es" and s.transcript.language_probability is None
    assert "gato" in s.transcript.spoken.lower() and "cat" in heard.request.prompt
    assert heard.request.negative_prompt == "text" and heard.request.settings.aspect == "2:3"
    s.spoken = "en"
    studio.hear(s, SAMPLES / "red_fox.wav")
    assert s.transcript.model == "tiny.en (bundled)" and not s.transcript.translated


def test_the_microphone_s_chunks_are_all_heard_even_when_they_come_faster_than_hearing(studio, tmp_path):
    """Chunks handed over as fast as they come (the browser's, each 0.5 s) are heard in full:
    the whole Spanish request — subject, negative and size — when Stop is pressed."""
    from conftest import write_wav
    from voice2img.audio import SAMPLE_RATE, load_audio

    s = Session()
    s.spoken = "es"
    samples = load_audio(SAMPLES / "languages" / "es_cat.ogg").samples
    samples = np.concatenate([samples, np.zeros(SAMPLE_RATE, np.float32)])
    studio.start_listening(s)
    events = []
    for n, k in enumerate(range(0, len(samples), SAMPLE_RATE // 2)):
        events += studio.hear_chunk(s, str(write_wav(tmp_path / f"{n}.wav", samples[k:k + SAMPLE_RATE // 2])))
    events += studio.stop_listening(s)
    finals = [e for e in events if e.kind == "final"]
    assert len(finals) == 1 and s.listener is None
    request = finals[0].result.request
    assert "cat" in request.prompt and request.negative_prompt == "text" and request.settings.aspect == "2:3"
