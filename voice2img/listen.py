"""The terminal microphone: record with sounddevice, end each utterance at a pause, draw it.

A thin shell over :mod:`voice2img.live` (the same endpointing the web UI uses) and the Pipeline.
Audio arrives on PortAudio's thread and is handed over through a queue; hearing and drawing
happen on the caller's thread, so a slow drawing never makes the recorder drop audio (PortAudio
buffers; the queue holds the rest).
"""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass
from typing import Callable

from .audio import SAMPLE_RATE, Audio
from .errors import Voice2ImgError

BLOCK_SECONDS = 0.1


@dataclass(frozen=True)
class Heard:
    """What the listener reports to its shell for each utterance."""

    kind: str  # "listening", "speech", "holding", "drawn", "no speech", "error"
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


def listen(pipeline, out_dir, report: Callable[[Heard], None], device=None, live_options=None,
           max_utterances: int | None = None, stop: Callable[[], bool] = lambda: False) -> int:
    """Record until Ctrl-C (or ``max_utterances`` images, or ``stop()``); draw each utterance.
    Returns how many images were drawn."""
    from .live import LiveListener

    sd = _sounddevice()
    index = pick_device(device)
    chunks: queue.Queue = queue.Queue()
    rate = _usable_rate(sd, index)

    def on_audio(data, frames, time_info, status):  # PortAudio's thread: copy and hand over, nothing more
        chunks.put(data[:, 0].copy())

    listener = LiveListener(pipeline, live_options)
    drawn = 0
    try:
        stream = sd.InputStream(device=index, channels=1, samplerate=rate, dtype="float32",
                                blocksize=int(rate * BLOCK_SECONDS), callback=on_audio)
    except Exception as exc:  # PortAudioError and friends: the device refused
        raise Voice2ImgError(f"the microphone could not be opened ({exc})") from None
    name = sd.query_devices(index)["name"]
    with stream:
        try:  # Ctrl-C is how a person stops listening: from here on it ends the loop, not the program
            report(Heard("listening", f"listening on {name!r} ({rate} Hz); speak, then pause. Ctrl-C stops."))
            while not stop() and (max_utterances is None or drawn < max_utterances):
                try:
                    block = chunks.get(timeout=0.5)
                except queue.Empty:
                    continue
                samples = block if rate == SAMPLE_RATE else Audio.from_array(block, rate).samples
                for event in listener.feed(samples):
                    drawn += _handle(event, pipeline, out_dir, report)
        except KeyboardInterrupt:
            pass
    for event in listener.flush():
        drawn += _handle(event, pipeline, out_dir, report)
    return drawn


def _handle(event, pipeline, out_dir, report) -> int:
    if event.kind == "speech":
        report(Heard("speech", "hearing…"))
    elif event.kind == "holding":
        report(Heard("holding", f"“{event.message}” sounds unfinished: listening for the rest"))
    elif event.kind == "no speech":
        report(Heard("no speech", event.message or "no words heard"))
    elif event.kind == "final":
        try:
            result = pipeline.run(event.result.source, None, heard=event.result)
            result = pipeline.keep(result, out_dir, stem=time.strftime("listen-%Y%m%d-%H%M%S"))
        except Voice2ImgError as exc:
            report(Heard("error", str(exc)))
            return 0
        report(Heard("drawn", result.request.prompt, result))
        return 1
    return 0


def _usable_rate(sd, index) -> int:
    """16 kHz when the device takes it (no resampling); else the device's own rate."""
    try:
        sd.check_input_settings(device=index, channels=1, samplerate=SAMPLE_RATE, dtype="float32")
        return SAMPLE_RATE
    except Exception:  # noqa: BLE001 - PortAudio says no in several ways
        return int(sd.query_devices(index)["default_samplerate"])


__all__ = ["Heard", "input_devices", "listen", "pick_device"]
