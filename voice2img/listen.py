"""The terminal microphone: record with sounddevice, end each utterance at a pause, draw it.

A thin shell over :mod:`voice2img.live` (the same endpointing the web UI uses) and the Pipeline.
Audio arrives on PortAudio's thread and is handed over through a queue; hearing and drawing
happen on the caller's thread, so a slow drawing never makes the recorder drop audio (PortAudio
buffers; the queue holds the rest).
"""

from __future__ import annotations

import os
import queue
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .audio import SAMPLE_RATE, Resampler
from .errors import Stopped, Voice2ImgError

BLOCK_SECONDS = 0.1
PREVIEW_EVERY_MS = 700  # with --previews, how often the words so far are heard while someone speaks
EXIT_INTERRUPTED = 130  # a second Ctrl-C: what shells report for a program ended by SIGINT


@dataclass(frozen=True)
class Heard:
    """What the listener reports to its shell for each utterance."""

    kind: str  # "loading", "listening", "speech", "holding", "preview", "drawing", "drawn", "reply", "no speech", "error", "stopped"
    message: str = ""
    result: object | None = None  # pipeline.Result for "drawn"


def _sounddevice():
    try:
        import sounddevice
    except OSError as exc:  # the PortAudio library itself is missing
        raise Voice2ImgError(f"no audio system: PortAudio could not be loaded ({exc}); on Debian/Ubuntu: "
                             "apt install libportaudio2") from None
    return sounddevice


def input_devices() -> list[tuple[int, str, int]]:
    """(index, name, input channels) of every input device PortAudio knows."""
    sd = _sounddevice()
    return [(i, d["name"], d["max_input_channels"]) for i, d in enumerate(sd.query_devices()) if d["max_input_channels"] > 0]


def pick_device(device: str | int | None):
    """The device to record from: an index, a name (or part of one), or the system default."""
    sd = _sounddevice()
    inputs = input_devices()
    if not inputs:
        raise Voice2ImgError("no microphone: this machine has no audio input device (PortAudio found none)")
    if device is None:
        try:
            return sd.query_devices(kind="input")["index"]  # the system's default input
        except Exception:  # noqa: BLE001 - no default set: the first input there is
            return inputs[0][0]
    if isinstance(device, int) or str(device).isdigit():
        index = int(device)
        if index not in [i for i, _, _ in inputs]:
            raise Voice2ImgError(f"input device {index} does not exist or has no inputs; "
                                 "see: voice2img listen --list-devices")
        return index
    matches = [i for i, name, _ in inputs if str(device).lower() in name.lower()]
    if not matches:
        raise Voice2ImgError(f"no input device named like {device!r}; see: voice2img listen --list-devices")
    return matches[0]


class Stop:
    """A request to stop listening, and how Ctrl-C makes one.

    Ctrl-C used to raise KeyboardInterrupt wherever the main thread happened to be. Raised inside
    ``queue.get``, it can leave the queue's lock held; PortAudio's thread then blocks for ever in
    ``queue.put``, and closing the stream waits for ever for that thread: a ``listen`` that never
    gave the terminal back. So once the models are loaded, the first Ctrl-C only sets this flag,
    which the loop and a drawing in flight check; a second Ctrl-C ends the process at once.
    While the models load nothing is held that could be left half-done, so Ctrl-C stops at once.
    """

    def __init__(self):
        self._event = threading.Event()
        self.abortable = True  # Ctrl-C raises KeyboardInterrupt (loading); False: it sets the flag

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise :class:`Stopped` if a stop was asked for: the drawing's per-step check."""
        if self._event.is_set():
            raise Stopped()

    @contextmanager
    def on_ctrl_c(self):
        """While inside, SIGINT asks this Stop to stop (main thread only, as signals are)."""
        def on_sigint(signum, frame):
            if self._event.is_set():  # the second Ctrl-C: the person wants out now
                os.write(2, b"\nvoice2img: interrupted\n")
                os._exit(EXIT_INTERRUPTED)
            self._event.set()
            if self.abortable:
                raise KeyboardInterrupt
            # os.write, not print: the handler may run while the main thread is inside print.
            os.write(2, b"\n[stopping] finishing up (Ctrl-C again quits at once)\n")

        previous = signal.signal(signal.SIGINT, on_sigint)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)


HELP = ("You can say what to draw, like: a red fox in the snow. Then a change, like: make it blue. Or: again, undo, "
        "what did you draw, start over, help, and stop listening.")


class Conversation:
    """What was said and drawn so far: the pictures ("make it blue", "again" and "undo" change the
    newest), and the replies to spoken commands, printed and, with a Speaker, said aloud."""

    def __init__(self, report: Callable[[Heard], None], speaker=None):
        self.report = report
        self.speaker = speaker
        self.drawn: list = []  # pipeline.Results, newest last: what "undo" goes back through
        self._replies: list[threading.Thread] = []

    def current(self):
        """The request a follow-up changes (None: the next request is a new one)."""
        return self.drawn[-1].request if self.drawn else None

    def reply(self, text: str, printed: bool = True) -> None:
        if printed:
            self.report(Heard("reply", text))
        if self.speaker is not None:
            self._replies.append(self.speaker.say(text))

    def finish(self, timeout: float = 30.0) -> None:
        """Let the replies still being spoken end (each is a thread of its own)."""
        for thread in self._replies:
            thread.join(timeout)

    def command(self, request, stop: "Stop") -> bool:
        """Do what a spoken command asks; False when ``request`` asks for a picture."""
        from .understand import commands
        from .understand.text import words_of

        action = request.action
        if action == "undo":
            if len(self.drawn) > 1:
                self.drawn.pop()
                self.reply(f"Went back to: {self.drawn[-1].request.prompt}. A change now changes that picture.")
            else:
                self.reply("Nothing to go back to.")
        elif action == commands.READ_BACK:
            if self.drawn:
                r = self.drawn[-1]
                said = f" I heard: {r.transcript.text.strip()}" if words_of(r.transcript.text) != words_of(r.request.prompt) else ""
                self.reply(f"I drew: {r.request.prompt}.{said}")
            else:
                self.reply("Nothing drawn yet: say what to draw, for example: a red fox in the snow.")
        elif action == commands.HELP:
            self.reply(HELP)
        elif action == commands.SAVE:
            if self.drawn and self.drawn[-1].png_paths:
                self.reply(f"It is kept already, as every picture is: {self.drawn[-1].png_paths[0]}")
            else:
                self.reply("Nothing drawn yet: say what to draw first.")
        elif action == commands.START_OVER:
            self.drawn.clear()
            self.reply("Starting over: say what to draw. The pictures so far are kept.")
        elif action in (commands.SHOW_PREVIEWS, commands.HIDE_PREVIEWS):
            self.reply("Previews are chosen when listening starts: voice2img listen --previews DIR.")
        elif action == commands.STOP_LISTENING:
            self.reply("Stopped listening.")
            stop.set()
        else:
            return False
        return True



def load_models(pipeline, live_options=None, context=None):
    """Everything listening needs, loaded before the microphone opens so that the first request
    does not wait for it: the voice-activity model, Whisper and the image model. Returns the
    LiveListener (whose follow-ups change ``context()``, when given)."""
    from .live import LiveListener

    listener = LiveListener(pipeline, live_options, context=context)
    pipeline.hearer
    pipeline.renderer.load()
    return listener


def listen(pipeline, out_dir, report: Callable[[Heard], None], device=None, live_options=None,
           max_utterances: int | None = None, stop: Stop | None = None, previews_dir=None, speaker=None) -> int:
    """Record until ``stop`` is set (Ctrl-C, with ``stop.on_ctrl_c()``, or "stop listening") or
    ``max_utterances`` images are drawn; draw each utterance, or do what a spoken command asks
    ("what did you draw", "undo", "again", "help"). Returns how many images were drawn.

    With ``speaker`` (a voice2img.speak.Speaker), replies are said aloud, and "Here is …" after
    each picture; while it speaks, the microphone's audio is heard as silence, so the listener
    does not hear itself.

    With ``previews_dir``, the words heard so far are drawn while the person speaks (see
    :mod:`voice2img.previews`) and the newest preview replaces ``previews_dir/preview.png``.

    Stopping drops what is not drawn yet (speech in progress, a request heard or being drawn)
    and says so; an image already drawn is kept."""
    stop = stop or Stop()
    if previews_dir is not None:
        from dataclasses import replace

        from .live import LiveOptions

        live_options = replace(live_options or LiveOptions(), previews=True,
                               partial_every_ms=(live_options.partial_every_ms if live_options else 0) or PREVIEW_EVERY_MS)
    sd = _sounddevice()
    index = pick_device(device)
    rate = _usable_rate(sd, index)
    report(Heard("loading", "loading the voice-activity model, Whisper and the image model…"))
    talk = Conversation(report, speaker)
    listener = load_models(pipeline, live_options, context=talk.current)
    previewer = _previewer(pipeline, previews_dir, report) if previews_dir is not None else None
    stop.abortable = False  # from here a Ctrl-C only sets the flag: see Stop
    if stop.is_set():
        return 0
    chunks: queue.Queue = queue.Queue()

    def on_audio(data, frames, time_info, status):  # PortAudio's thread: copy and hand over, nothing more
        chunks.put(data[:, 0].copy())

    try:
        stream = sd.InputStream(device=index, channels=1, samplerate=rate, dtype="float32",
                                blocksize=int(rate * BLOCK_SECONDS), callback=on_audio)
    except Exception as exc:  # PortAudioError and friends: the device refused
        raise Voice2ImgError(f"the microphone could not be opened ({exc})") from None
    try:
        drawn, dropped = _loop(stream, sd, index, rate, listener, previewer, chunks, pipeline, out_dir, talk, stop,
                               max_utterances)
    finally:
        if previewer is not None:
            previewer.close()
        talk.finish()
    if stop.is_set():
        if not dropped and listener.in_utterance:
            dropped = "what you were saying was not heard"
        report(Heard("stopped", f"stopped; {drawn} image{'s' * (drawn != 1)} drawn" + (f"; {dropped}" if dropped else "")))
    return drawn


def _loop(stream, sd, index, rate, listener, previewer, chunks, pipeline, out_dir, talk, stop, max_utterances):
    """Hear and draw until stopped; (images drawn, what a stop left undrawn)."""
    report = talk.report
    speaking = talk.speaker.speaking if talk.speaker is not None else threading.Event()
    name = sd.query_devices(index)["name"]
    resample = None if rate == SAMPLE_RATE else Resampler(rate)  # keeps its filter state across blocks
    drawn = 0
    dropped = ""  # what a stop left undrawn
    with stream:
        report(Heard("listening", f"listening on {name!r} ({rate} Hz); speak, then pause. Ctrl-C stops."))
        while not stop.is_set() and (max_utterances is None or drawn < max_utterances):
            try:
                block = chunks.get(timeout=0.1)
            except queue.Empty:
                continue
            if speaking.is_set():  # its own reply is not the person speaking
                block = np.zeros_like(block)
            for event in listener.feed(block if resample is None else resample(block)):
                if stop.is_set():
                    if event.kind == "final":
                        dropped = f"“{event.result.request.prompt}” was heard but not drawn"
                    break
                if previewer is not None:
                    previewer.hear(event)
                made, dropped = _handle(event, pipeline, out_dir, talk, stop)
                drawn += made
    return drawn, dropped


def _previewer(pipeline, folder, report):
    """A Previewer that replaces ``folder/preview.png`` with each new preview, atomically, so an
    image viewer watching it never reads half a file."""
    from pathlib import Path

    from .previews import Previewer

    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Voice2ImgError(f"--previews {folder}: cannot make the folder ({exc.strerror})") from None
    target = folder / "preview.png"

    def write(preview) -> None:
        part = folder / f".preview-{os.getpid()}.png.part"
        try:
            preview.image.save(part, "PNG")
            os.replace(part, target)
        except OSError as exc:
            report(Heard("error", f"preview not written to {target}: {exc.strerror}"))
            return
        report(Heard("preview", f"{preview.prompt} (preview {preview.number}, {preview.seconds:.2f} s) → {target}"))

    return Previewer(pipeline, on_preview=write)


def _handle(event, pipeline, out_dir, talk: Conversation, stop: Stop) -> tuple[int, str]:
    """Report one live event; draw and keep a final one, or do the command it is. (images made,
    what a stop left undrawn)"""
    report = talk.report
    if event.kind == "speech":
        report(Heard("speech", "hearing…"))
    elif event.kind == "holding":
        report(Heard("holding", f"“{event.message}” sounds unfinished: listening for the rest"))
    elif event.kind == "no speech":
        report(Heard("no speech", event.message or "no words heard"))
    elif event.kind == "final":
        if talk.command(event.result.request, stop):
            return 0, ""
        prompt = event.result.request.prompt
        report(Heard("drawing", prompt))
        try:  # drawn is drawn: a stop that comes while the picture is kept does not lose it
            result = pipeline.make(event.result, out_dir, stem=time.strftime("listen-%Y%m%d-%H%M%S"),
                                   progress=lambda done, total: stop.check())
        except Stopped:
            return 0, f"“{prompt}” was being drawn and was not finished"
        except Voice2ImgError as exc:
            report(Heard("error", str(exc)))
            return 0, ""
        report(Heard("drawn", prompt, result))
        talk.drawn.append(result)
        talk.reply(f"Here is {prompt}.", printed=False)
        return 1, ""
    return 0, ""


def _usable_rate(sd, index) -> int:
    """16 kHz when the device takes it (no resampling); else the device's own rate."""
    try:
        sd.check_input_settings(device=index, channels=1, samplerate=SAMPLE_RATE, dtype="float32")
        return SAMPLE_RATE
    except Exception:  # noqa: BLE001 - PortAudio says no in several ways
        return int(sd.query_devices(index)["default_samplerate"])


__all__ = ["Heard", "Stop", "input_devices", "listen", "load_models", "pick_device"]
