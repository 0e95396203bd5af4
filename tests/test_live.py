"""Live listening: a stream of chunks in, one final prompt per spoken request out."""

import numpy as np
import pytest

from conftest import SAMPLES, noise, reference_text
from voice2img.audio import SAMPLE_RATE, load_audio
from voice2img.evaluate import word_error_rate
from voice2img.live import LiveListener, LiveOptions
from voice2img.pipeline import Pipeline

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pipeline():
    return Pipeline()


def feed(listener, samples, chunk_ms=100):
    events = []
    step = chunk_ms * SAMPLE_RATE // 1000
    for k in range(0, len(samples), step):
        events += listener.feed(samples[k:k + step])
    return events + listener.flush()


def silence(seconds):
    return np.zeros(int(seconds * SAMPLE_RATE), np.float32)


def test_one_request_spoken_live_gives_one_final_prompt(pipeline):
    path = SAMPLES / "lighthouse.mp3"
    events = feed(LiveListener(pipeline), np.concatenate([silence(1), load_audio(path).samples, silence(1.5)]))
    assert [e.kind for e in events] == ["speech", "final"]
    final = events[1]
    assert final.result.request.prompt == "a lighthouse on a rocky coast at sunset"
    assert final.at - final.speech_end == pytest.approx(0.6, abs=0.1)  # the pause that ends it
    assert final.compute_seconds == 0.0  # heard during the pause, ready when it ended


def test_two_requests_with_a_pause_between_are_two_prompts(pipeline):
    a, b = SAMPLES / "red_fox.wav", SAMPLES / "cabin.ogg"
    stream = np.concatenate([load_audio(a).samples, silence(1.2), load_audio(b).samples, silence(1.2)])
    finals = [e for e in feed(LiveListener(pipeline), stream) if e.kind == "final"]
    assert len(finals) == 2
    for event, path in zip(finals, (a, b)):
        assert word_error_rate(reference_text(path), event.result.transcript.text) <= 0.25


def test_a_short_pause_inside_a_request_does_not_cut_it(pipeline):
    """Speculative hearing starts in the pause and is dropped when the person goes on."""
    speech = load_audio(SAMPLES / "red_fox.wav").samples
    half = len(speech) // 2
    stream = np.concatenate([speech[:half], silence(0.35), speech[half:], silence(1.0)])
    finals = [e for e in feed(LiveListener(pipeline, LiveOptions(end_silence_ms=600, speculate_ms=200)), stream)
              if e.kind == "final"]
    assert len(finals) == 1 and "painting" in finals[0].result.request.prompt


@pytest.mark.parametrize("kind", ["silence", "white", "hum"])
def test_silence_and_noise_give_no_prompt(pipeline, kind):
    events = feed(LiveListener(pipeline), noise(kind, seconds=4))
    assert not [e for e in events if e.kind == "final"]


def test_a_follow_up_is_understood_against_the_current_request(pipeline):
    """"Without the people" alone is no request; said after "a beach with people" it is a change."""
    from conftest import ROOT
    from voice2img.understand import ImageRequest

    spoken = load_audio(ROOT / "tests" / "data" / "without_the_people.wav").samples
    stream = np.concatenate([silence(0.5), spoken, silence(1.5)])
    alone = feed(LiveListener(pipeline), stream)
    assert [e.kind for e in alone if e.kind in ("final", "no speech")] == ["no speech"]
    current = ImageRequest("a beach with people")
    finals = [e for e in feed(LiveListener(pipeline, context=lambda: current), stream) if e.kind == "final"]
    assert len(finals) == 1
    request = finals[0].result.request
    assert request.prompt == "a beach" and request.negative_prompt == "people"


def _festival(text, tmp_path):
    from conftest import festival

    return load_audio(festival(text, tmp_path / "said.wav")).samples


@pytest.mark.parametrize("extra_ms,finals_expected", [(1400, 1), (0, 2)])
def test_a_pause_after_an_unfinished_phrase_waits_for_the_rest(pipeline, tmp_path, extra_ms, finals_expected):
    """"A red car with … a blue roof." — a one-second search for the next word after "with" does not
    end the request (it would without the longer wait, which is what extra_ms=0 shows)."""
    first, rest = _festival("A red car with", tmp_path), _festival("a blue roof.", tmp_path)
    stream = np.concatenate([silence(0.5), first, silence(1.0), rest, silence(2.5)])
    options = LiveOptions(end_silence_ms=600, unfinished_extra_ms=extra_ms)
    events = feed(LiveListener(pipeline, options), stream)
    finals = [e for e in events if e.kind == "final"]
    assert len(finals) == finals_expected, [f.result.transcript.text for f in finals]
    if finals_expected == 1:
        assert "roof" in finals[0].result.request.prompt and "car" in finals[0].result.request.prompt
        [holding] = [e for e in events if e.kind == "holding"]  # said once, with what was heard so far
        assert holding.message.lower().rstrip(".").endswith("with")


def test_a_finished_sentence_still_ends_at_the_usual_pause(pipeline, tmp_path):
    said = _festival("A red car on a beach.", tmp_path)
    events = feed(LiveListener(pipeline, LiveOptions(end_silence_ms=600)), np.concatenate([said, silence(2.5)]))
    [final] = [e for e in events if e.kind == "final"]
    assert final.at - final.speech_end == pytest.approx(0.6, abs=0.1)


def test_chunks_said_while_hearing_is_busy_are_queued_and_all_heard(pipeline):
    """The web UI's handler may not wait for Whisper (Gradio drops the chunks that come while it
    does): chunks fed while hearing is held up — Whisper still loading — are queued, and every
    word of the request is heard once it is free."""
    import threading

    from voice2img.live import BackgroundListener

    inner = LiveListener(pipeline)
    gate, opened = threading.Event(), []
    hear = inner.feed

    def held_up(chunk):
        if not opened:
            opened.append(gate.wait(timeout=60))  # True: the test opened it; False: feed waited for hearing
        return hear(chunk)

    inner.feed = held_up
    listener = BackgroundListener(inner)
    stream = np.concatenate([silence(0.5), load_audio(SAMPLES / "lighthouse.mp3").samples, silence(1.5)])
    step = SAMPLE_RATE // 2  # the browser's 0.5-s chunks
    events = []
    for k in range(0, len(stream), step):
        events += listener.feed(stream[k:k + step])  # each returns at once: hearing is held up
    gate.set()
    events += listener.flush()
    assert opened == [True], "feed waited for hearing instead of queueing the chunk"
    assert [e.kind for e in events] == ["speech", "final"]
    assert events[1].result.request.prompt == "a lighthouse on a rocky coast at sunset"


def test_what_goes_wrong_while_hearing_in_the_background_reaches_the_caller(pipeline):
    from voice2img.errors import Voice2ImgError
    from voice2img.live import BackgroundListener

    inner = LiveListener(pipeline)

    def broken(chunk):
        raise Voice2ImgError("Whisper could not be loaded")

    inner.feed = broken
    listener = BackgroundListener(inner)
    listener.feed(silence(0.5))
    with pytest.raises(Voice2ImgError, match="could not be loaded"):
        listener.flush()
    assert listener.flush() == []  # said once; then the listener goes on
