"""Live listening: a stream of microphone chunks → utterances → prompts, as the person speaks.

Shared by every shell that listens (the web UI's streaming microphone, the terminal microphone).
Voice activity detection (Silero, inside faster-whisper, offline) runs on each chunk; a pause of
``end_silence_ms`` ends an utterance. To have the prompt ready the moment the pause is long
enough, hearing starts speculatively after ``speculate_ms`` of pause; if the person goes on
speaking, that work is dropped. The wait for the pause is a setting because it trades
responsiveness against cutting people off mid-sentence (see README for measurements). A pause
after words that cannot end a request ("a red car with…", "and", "um") is given longer:
``unfinished_extra_ms`` more, so someone searching for the next word is not cut off.
"""

from __future__ import annotations

import collections
import secrets
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from .audio import SAMPLE_RATE, Audio
from .errors import NoSpeechError
from .understand import MAX_SEED

FRAME = 512  # Silero's window at 16 kHz: 32 ms


@dataclass(frozen=True)
class LiveOptions:
    end_silence_ms: int = 600  # a pause this long ends an utterance
    speculate_ms: int = 200  # start hearing after this much pause (0: only when the utterance ends)
    threshold: float = 0.5  # Silero speech probability that counts as speech
    min_speech_ms: int = 200  # shorter bursts (a cough, a click) are not an utterance
    preroll_ms: int = 300  # audio kept from before speech started, so first syllables are not clipped
    max_utterance_s: float = 25.0  # an utterance this long is ended even without a pause
    partial_every_ms: int = 0  # while someone speaks, hear what they said so far this often (0: never)
    unfinished_extra_ms: int = 1400  # a pause after "with", "and", "the", "um"… may last this much longer (0: no)
    previews: bool = False  # understand each partial transcript, seeded with the final image's seed (voice2img.previews)


@dataclass(frozen=True, eq=False)
class LiveEvent:
    kind: str  # "speech" (speech started), "partial" (text so far), "holding" (a pause after an unfinished
    #            phrase: listening on for the rest), "final" (an utterance heard and understood), "no speech"
    at: float  # seconds of stream audio when the event happened
    result: object | None = None  # pipeline.Result for "final"
    message: str = ""
    compute_seconds: float = 0.0  # hearing time spent after the utterance ended (0 when speculation was used)
    speech_end: float = 0.0  # seconds of stream audio where the utterance's speech ended
    request: object | None = None  # for "partial" with previews on: the words so far, understood and seeded


@dataclass
class _Utterance:
    start: int  # sample index in the stream
    audio: list = field(default_factory=list)
    speech_samples: int = 0
    last_speech_end: int = 0  # stream sample where speech was last heard
    partial_at: int = 0  # frames in the utterance when the last partial transcript was made
    seed: int = 0  # the seed its previews and its final image share (with previews on)
    language: str | None = None  # identified surely by a partial: later partials skip identification


class LiveListener:
    """Feed it chunks of 16 kHz mono float32; it returns events as utterances end."""

    def __init__(self, pipeline, options: LiveOptions | None = None, context: Callable[[], object] | None = None,
                 language: str | None = None, pinned: str | None = None):
        """``context`` gives the request a follow-up would change (the web UI's current one), so
        that "without the people" or "wider" is understood as a change, not as nothing said.
        ``language`` is the language to assume while identification is unsure; after each
        utterance whose language was identified surely, it becomes that one. ``pinned``: the
        language every utterance is heard in (no identification), as the person chose it."""
        from faster_whisper.vad import get_vad_model

        self.pipeline = pipeline
        self.options = options or LiveOptions()
        self.context = context or (lambda: None)
        self.language = language
        self.pinned = pinned
        self.vad = get_vad_model()
        self.samples_seen = 0
        self._pending = np.zeros(0, dtype=np.float32)  # not yet a whole VAD frame
        self._history = np.zeros(0, dtype=np.float32)  # recent audio for pre-roll and VAD context
        self._utterance: _Utterance | None = None
        self._silence = 0  # samples of pause since the last speech frame
        self._speculation = None  # what hearing made of the utterance at the pause: Result or NoSpeechError
        self._holding = False  # this pause is being given longer: the words so far stop mid-phrase

    def feed(self, chunk: np.ndarray) -> list[LiveEvent]:
        chunk = np.asarray(chunk, dtype=np.float32).reshape(-1)
        data = np.concatenate([self._pending, chunk])
        whole = len(data) - len(data) % FRAME
        self._pending = data[whole:]
        events: list[LiveEvent] = []
        if whole:
            probs = self._probabilities(data[:whole])
            for i, prob in enumerate(probs):
                events += self._step(data[i * FRAME:(i + 1) * FRAME], float(prob))
        return events

    @property
    def in_utterance(self) -> bool:
        """Whether someone is speaking (or pausing mid-request) now."""
        return self._utterance is not None

    def flush(self) -> list[LiveEvent]:
        """End of stream: finish an utterance in progress."""
        if self._utterance is None:
            return []
        return self._finish()

    # -- internals ----------------------------------------------------------------------------
    def _probabilities(self, frames: np.ndarray) -> np.ndarray:
        # Silero keeps no state between calls here; a second of context before the new frames
        # gives it what it needs to judge them.
        context = self._history[-SAMPLE_RATE:]
        context = context[len(context) % FRAME:]
        probs = self.vad(np.concatenate([context, frames]))
        return np.asarray(probs).reshape(-1)[len(context) // FRAME:]

    def _step(self, frame: np.ndarray, prob: float) -> list[LiveEvent]:
        o = self.options
        events: list[LiveEvent] = []
        self.samples_seen += FRAME
        # History holds the audio before this frame: the pre-roll, and the VAD's context next time.
        history, self._history = self._history, np.concatenate([self._history, frame])[-2 * SAMPLE_RATE:]
        speech = prob >= o.threshold
        u = self._utterance
        if u is None:
            if not speech:
                return events
            preroll = history[-(o.preroll_ms * SAMPLE_RATE // 1000):] if o.preroll_ms else history[:0]
            u = self._utterance = _Utterance(start=self.samples_seen - FRAME - len(preroll), audio=[np.asarray(preroll)],
                                             seed=secrets.randbelow(MAX_SEED + 1))
            events.append(LiveEvent("speech", self.samples_seen / SAMPLE_RATE))
        u.audio.append(frame)
        if speech:
            u.speech_samples += FRAME
            u.last_speech_end = self.samples_seen
            self._silence = 0
            self._speculation = None  # the person went on: what was heard so far is stale
            self._holding = False
            if (self.samples_seen - u.start) / SAMPLE_RATE >= o.max_utterance_s:
                return events + self._finish()
            if o.partial_every_ms and (len(u.audio) - u.partial_at) * FRAME * 1000 >= o.partial_every_ms * SAMPLE_RATE:
                u.partial_at = len(u.audio)
                events.append(self._partial(u))
            return events
        self._silence += FRAME
        silence_ms = self._silence * 1000 / SAMPLE_RATE
        if o.speculate_ms and self._speculation is None and silence_ms >= o.speculate_ms:
            self._speculation = self._hear(u)
        if silence_ms >= o.end_silence_ms:
            if o.unfinished_extra_ms and silence_ms < o.end_silence_ms + o.unfinished_extra_ms:
                if self._speculation is None:
                    self._speculation = self._hear(u)
                if sounds_unfinished(self._speculation):  # the person is looking for the next word
                    if not self._holding:
                        self._holding = True
                        events.append(LiveEvent("holding", self.samples_seen / SAMPLE_RATE,
                                                message=self._speculation.transcript.text.strip()))
                    return events
            events += self._finish()
        return events

    def _partial(self, u: _Utterance) -> LiveEvent:
        transcript = self.pipeline.transcribe(_audio(u), language_hint=self.language,
                                              language=self.pinned or u.language)
        u.language = u.language or surely_heard(transcript)
        text = "" if transcript.no_speech else transcript.text
        request = None
        if self.options.previews and text:
            request = _seeded(self.pipeline.understand(transcript, self.context()), u.seed)
        return LiveEvent("partial", self.samples_seen / SAMPLE_RATE, message=text, request=request)

    def _hear(self, u: _Utterance):
        try:
            result = self.pipeline.hear_and_understand(_audio(u), self.context(), language_hint=self.language,
                                                       language=self.pinned)
        except NoSpeechError as exc:
            return exc
        self.language = surely_heard(result.transcript) or self.language
        if self.options.previews:  # the final image keeps the composition its previews showed
            result = replace(result, request=_seeded(result.request, u.seed))
        return result

    def _finish(self) -> list[LiveEvent]:
        u, self._utterance = self._utterance, None
        speculation, self._speculation = self._speculation, None
        self._silence = 0
        self._holding = False
        at = self.samples_seen / SAMPLE_RATE
        if u.speech_samples * 1000 / SAMPLE_RATE < self.options.min_speech_ms:
            return [LiveEvent("no speech", at, message="too short to be speech")]
        started = time.perf_counter()
        outcome = speculation if speculation is not None else self._hear(u)
        compute = 0.0 if speculation is not None else time.perf_counter() - started
        end = u.last_speech_end / SAMPLE_RATE
        if isinstance(outcome, NoSpeechError):
            return [LiveEvent("no speech", at, message=str(outcome), compute_seconds=compute, speech_end=end)]
        return [LiveEvent("final", at, result=outcome, compute_seconds=compute, speech_end=end)]


# Words a request does not end on: what comes after them is still to be said.
_UNFINISHED = frozenset("""and or but with without of a an the in on at to for from by into onto under over
    near behind beside between like some my his her their its our your very really plus also then which
    that who whose um uh er erm hmm""".split())


class BackgroundListener:
    """A LiveListener for a caller that must never wait while chunks are heard.

    ``feed`` queues the chunk and returns at once (or after at most ``wait`` seconds) with the
    events heard so far; one worker thread hears the queued chunks in order. The web UI needs
    this: Gradio keeps only the newest chunk of a stream while its handler runs, so a handler
    that heard each chunk itself lost every chunk said while Whisper loaded or worked —
    the rest of a request, gone. ``on_events`` is called in the worker with each chunk's events
    (a previewer follows them there, where waiting for a preview delays no chunk)."""

    def __init__(self, listener: LiveListener, on_events: Callable[[list], None] | None = None):
        self.listener = listener
        self._on_events = on_events or (lambda events: None)
        self._cond = threading.Condition()
        self._inbox: collections.deque = collections.deque()
        self._outbox: list[LiveEvent] = []
        self._failure: BaseException | None = None
        self._worker: threading.Thread | None = None

    @property
    def options(self) -> LiveOptions:
        return self.listener.options

    @property
    def in_utterance(self) -> bool:
        return self.listener.in_utterance

    @property
    def pinned(self) -> str | None:
        return self.listener.pinned

    @pinned.setter
    def pinned(self, language: str | None) -> None:  # heard from the next utterance on
        self.listener.pinned = language

    def feed(self, chunk: np.ndarray, wait: float = 0.0) -> list[LiveEvent]:
        """Queue ``chunk``; the events heard since the last call. Raises what hearing raised."""
        with self._cond:
            self._inbox.append(chunk)
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="voice2img-hearing", daemon=True)
                self._worker.start()
            if wait > 0:
                self._cond.wait_for(lambda: self._worker is None, wait)
            return self._take()

    def flush(self) -> list[LiveEvent]:
        """End of stream: every queued chunk heard, then an utterance in progress finished."""
        with self._cond:
            self._cond.wait_for(lambda: self._worker is None)
            events = self._take()
        end = self.listener.flush()
        self._on_events(end)
        return events + end

    def _take(self) -> list[LiveEvent]:
        failure, self._failure = self._failure, None
        if failure is not None:
            raise failure
        events, self._outbox = self._outbox, []
        return events

    def _work(self) -> None:
        while True:
            with self._cond:
                if not self._inbox:
                    self._worker = None
                    self._cond.notify_all()
                    return
                chunk = self._inbox.popleft()
            try:
                events = self.listener.feed(chunk)
                self._on_events(events)
            except BaseException as exc:  # handed to the caller's next feed or flush
                with self._cond:
                    self._failure = exc
                    self._inbox.clear()  # what was queued behind a failure is not heard with a broken hearer
                continue
            with self._cond:
                self._outbox.extend(events)


def surely_heard(transcript) -> str | None:
    """The transcript's language when identification was sure of it (a hint for what follows)."""
    from .hear.languages import SURE

    p = transcript.language_probability
    return transcript.language if p is not None and p >= SURE and not transcript.language_note else None


def sounds_unfinished(outcome) -> bool:
    """Whether what was heard stops mid-phrase: "a red car with", "a dog and", "um", "a cat…"."""
    if isinstance(outcome, Exception) or outcome is None:
        return False
    text = outcome.transcript.text.strip()
    if not text:
        return False
    if text.endswith(("...", "…", ",", "-", "—")):
        return True
    words = text.lower().rstrip(".!?").split()
    return bool(words) and words[-1].strip(",;:\"'") in _UNFINISHED


def _seeded(request, seed: int):
    """A new drawing with no seed said gets the utterance's; a follow-up keeps its picture's seed,
    and "again" asks for a new one."""
    if request.action != "draw" or request.settings.seed is not None:
        return request
    return replace(request, settings=replace(request.settings, seed=seed))


def _audio(u: _Utterance) -> Audio:
    return Audio(np.concatenate(u.audio).astype(np.float32), source="microphone")
