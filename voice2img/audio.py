"""Audio in: any file a user has, decoded to 16 kHz mono float32.

Decoding goes through PyAV because its wheels bundle FFmpeg's libraries: wav, flac, mp3,
ogg/opus, m4a/aac and webm all decode with no system ``ffmpeg`` binary (which
``whisper.load_audio`` and Gradio's numpy audio would need, and which many machines lack).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from .defaults import DECODE_TIMEOUT_S, MAX_RECORDING_SECONDS  # noqa: F401 (re-exported)
from .errors import Voice2ImgError

SAMPLE_RATE = 16_000
MIN_RATE, MAX_RATE = 2_000, 768_000  # sample rates real recordings use lie well inside these

# A decoded stream this much shorter than its container says is treated as truncated.
_TRUNCATION_TOLERANCE = 0.9
# Damaged packets skipped, as players skip them, before a file counts as undecodable: a few, and
# never more than one in fifty (a single bad MP3 frame in a voice memo should not lose the memo).
_BAD_PACKETS_SKIPPED, _BAD_PACKET_SHARE = 3, 0.02


@dataclass(frozen=True, eq=False)
class Audio:
    """Mono 16 kHz float32 samples plus the facts about where they came from."""

    samples: np.ndarray = field(repr=False)
    source: str = ""
    channels: int = 1  # channels in the source
    channel: int | None = None  # which one was taken; None means mixed to mono
    sample_rate: int = SAMPLE_RATE

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate

    @classmethod
    def from_array(cls, samples, sample_rate: int = SAMPLE_RATE, source: str = "<array>") -> "Audio":
        """Wrap samples already in memory (a microphone buffer, a test signal).

        ``samples`` is mono ``(n,)`` or ``(n, channels)``; it is mixed to mono and resampled.
        """
        data = np.asarray(samples)
        if np.issubdtype(data.dtype, np.integer):
            data = data.astype(np.float32) / float(np.iinfo(data.dtype).max)
        data = data.astype(np.float32, copy=False)
        channels = 1 if data.ndim == 1 else data.shape[1]
        if data.ndim == 2:
            data = data.mean(axis=1)
        if sample_rate != SAMPLE_RATE:
            data = _resample(data, sample_rate)
        return cls(np.ascontiguousarray(data, dtype=np.float32), source=source, channels=channels)


def load_audio(path: str | os.PathLike, channel: int | None = None, max_seconds: float | None = MAX_RECORDING_SECONDS,
               timeout_s: float | None = DECODE_TIMEOUT_S) -> Audio:
    """Decode ``path`` to 16 kHz mono float32.

    Stereo is mixed to mono unless ``channel`` (0-based) picks one channel: mixing two
    speakers, one per channel, garbles both. Raises :class:`Voice2ImgError` naming the file
    when it is missing, empty, not audio, truncated, unreadable, or longer than ``max_seconds``
    (checked before decoding when the file declares its length, and while decoding when it
    does not, so a two-hour file costs no more memory than the limit), or when decoding takes
    longer than ``timeout_s`` seconds of work (None: no time limit).
    """
    import av  # PyAV: imported here so `import voice2img` stays light

    name = os.fspath(path)
    if os.path.isdir(name):
        raise Voice2ImgError(f"{name}: is a directory, not an audio file")
    if not os.path.exists(name):
        raise Voice2ImgError(f"{name}: no such file")
    if os.path.getsize(name) == 0:
        raise Voice2ImgError(f"{name}: the file is empty")

    try:
        container = av.open(name, metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise Voice2ImgError(f"{name}: not a readable audio file ({_reason(exc)})") from None
    with container:
        if not container.streams.audio:
            raise Voice2ImgError(f"{name}: the file has no audio stream")
        stream = container.streams.audio[0]
        if stream.codec_context is None:  # e.g. a WAV header that claims 272-bit samples
            raise Voice2ImgError(f"{name}: the audio is in a form no decoder reads")
        channels = stream.codec_context.channels or 1
        if channel is not None and not 0 <= channel < channels:
            raise Voice2ImgError(
                f"{name}: channel {channel} asked for, but the file has {channels} channel(s) (0-based)"
            )
        expected = _declared_duration(container, stream)
        if max_seconds is not None and expected is not None and expected > max_seconds:
            raise Voice2ImgError(f"{name}: the recording is {expected:.0f} s long; the limit is {max_seconds:.0f} s "
                                 "(--max-audio-seconds)")
        try:
            samples = _decode(container, stream, channel, max_seconds, timeout_s)
        except av.error.FFmpegError as exc:
            raise Voice2ImgError(f"{name}: the audio could not be decoded ({_reason(exc)})") from None
        except _GiveUp as exc:
            raise Voice2ImgError(f"{name}: {exc}") from None

    if samples.size == 0:
        raise Voice2ImgError(f"{name}: no audio could be decoded (empty or truncated file)")
    missing = _wav_bytes_missing(name)
    if missing:
        raise Voice2ImgError(f"{name}: the file is truncated (its WAV header promises {missing} more bytes)")
    if _ogg_cut_short(name):
        raise Voice2ImgError(f"{name}: the file is truncated (its Ogg stream stops before its last page)")
    decoded = samples.size / SAMPLE_RATE
    if expected and expected > 0.5 and decoded < expected * _TRUNCATION_TOLERANCE:
        raise Voice2ImgError(
            f"{name}: the file is truncated ({decoded:.1f} s decoded of {expected:.1f} s declared)"
        )
    if not np.isfinite(samples).all():
        raise Voice2ImgError(f"{name}: the audio holds NaN or infinite samples")
    offset = float(samples.mean())
    if abs(offset) > 1e-3:  # a DC offset (a cheap microphone, a bad converter) shifts every sample
        samples -= offset
    return Audio(samples, source=name, channels=channels, channel=channel)


class _GiveUp(Exception):
    pass


def _decode(container, stream, channel: int | None, max_seconds: float | None = None,
            timeout_s: float | None = DECODE_TIMEOUT_S) -> np.ndarray:
    import time

    import av

    # Resample in the source layout and mix here: FFmpeg's own downmix scales each channel by
    # 0.707, which clips when both channels carry the same signal.
    # Packed (interleaved) float, not planar: PyAV crashes the process (SIGSEGV) reading planar
    # frames of eight or more channels, which a 7.1 WAV has.
    # A stream may change its rate or channels part-way (MP3s joined end to end do): the
    # resampler is made anew for each shape of frame, after the old one is flushed.
    resampler, shape = None, None
    chunks: list[np.ndarray] = []
    limit = None if max_seconds is None else int(max_seconds * SAMPLE_RATE)
    kept = 0  # samples in chunks

    def take(frames):
        nonlocal kept
        for out in frames:
            width = len(out.layout.channels) or 1
            samples = out.to_ndarray().reshape(-1, width)  # packed float: (n, channels)
            chunks.append(samples.mean(axis=1) if channel is None else samples[:, min(channel, width - 1)])
            kept += len(chunks[-1])
        if limit is not None and kept > limit:
            raise _GiveUp(f"the recording is longer than the limit of {max_seconds:.0f} s (--max-audio-seconds)")

    def decoded_frames():
        good = bad = 0
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.InvalidDataError:
                bad += 1
                if bad > _BAD_PACKETS_SKIPPED and bad > _BAD_PACKET_SHARE * good:
                    raise
                continue
            good += 1
            yield from frames

    started = time.monotonic()
    for frame in decoded_frames():
        frame.pts = None  # let the resampler keep its own clock; broken timestamps are common
        if (frame.format.name, frame.layout.name, frame.sample_rate) != shape:
            if not MIN_RATE <= frame.sample_rate <= MAX_RATE:  # a damaged header: resampling from 1.4 GHz took 13 s and 1.5 GB
                raise _GiveUp(f"the audio says {frame.sample_rate} samples a second, which no recording has "
                              f"({MIN_RATE}–{MAX_RATE}); the file is damaged")
            if resampler is not None:
                take(resampler.resample(None))
            shape = (frame.format.name, frame.layout.name, frame.sample_rate)
            layout = frame.layout.name if len(frame.layout.channels) > 1 else "mono"
            resampler = av.AudioResampler(format="flt", layout=layout, rate=SAMPLE_RATE)
        take(resampler.resample(frame))
        if timeout_s is not None and time.monotonic() - started > timeout_s:
            raise _GiveUp(f"decoding took over {timeout_s:g} s (--decode-timeout); the file is damaged or far too long")
    if resampler is not None:
        take(resampler.resample(None))  # flush
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return np.ascontiguousarray(np.concatenate(chunks), dtype=np.float32)


def _declared_duration(container, stream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000  # av.time_base
    return None


def _ogg_cut_short(name: str) -> bool:
    """True for an Ogg file whose last page is not marked end-of-stream, or is cut off.

    Ogg declares no total length, so FFmpeg takes a cut-off file's length from its last page.
    """
    size = os.path.getsize(name)
    with open(name, "rb") as fp:
        if fp.read(4) != b"OggS":
            return False
        fp.seek(max(0, size - 65536))
        tail = fp.read()
    at = tail.rfind(b"OggS")
    if at < 0 or len(tail) - at < 27:
        return True
    flags, segments = tail[at + 5], tail[at + 26]
    if len(tail) - at < 27 + segments:
        return True
    body = sum(tail[at + 27: at + 27 + segments])
    complete = at + 27 + segments + body <= len(tail)
    return not (complete and flags & 0x04)


def _wav_bytes_missing(name: str) -> int:
    """How many bytes short of its header's data size a RIFF/WAVE file is (0 if complete).

    FFmpeg estimates a WAV's duration from the file size, so a cut-off WAV looks whole to it.
    Writers that stream leave the size at 0 or 0xFFFFFFFF, or make the sizes add up to the
    largest RIFF file (browsers' recorders do); those say nothing and pass.
    """
    import struct

    size = os.path.getsize(name)
    with open(name, "rb") as fp:
        head = fp.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return 0
        offset = 12
        while offset + 8 <= size:
            fp.seek(offset)
            chunk, length = struct.unpack("<4sI", fp.read(8))
            if chunk == b"data":
                if length in (0, 0xFFFFFFFF) or offset + 8 + length >= 0xFFFFFFFF - 8:
                    return 0
                return max(0, offset + 8 + length - size)
            offset += 8 + length + (length & 1)
    return 0


class Resampler:
    """Mono float32 at ``rate`` → 16 kHz, block by block, with FFmpeg's resampler (through PyAV).

    A microphone at 44.1 or 48 kHz hands over 100-ms blocks; the resampler keeps its filter
    state across them, so there are no seams between blocks, and its low-pass filter removes
    what lies above 8 kHz instead of folding it back into the speech band (linear interpolation,
    used before, did fold it: aliasing).
    """

    def __init__(self, rate: int):
        import av

        if not MIN_RATE <= rate <= MAX_RATE:
            raise Voice2ImgError(f"a sample rate of {rate} Hz is not one audio is recorded at ({MIN_RATE}–{MAX_RATE})")
        self.rate = rate
        self._resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)

    def __call__(self, block: np.ndarray) -> np.ndarray:
        """Resample the next block; the output may lag the input by a few samples (the filter's delay)."""
        import av

        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(block, dtype=np.float32).reshape(1, -1),
                                           format="flt", layout="mono")
        frame.sample_rate = self.rate
        return self._collect(self._resampler.resample(frame))

    def flush(self) -> np.ndarray:
        """What the filter still holds, at the end of the stream."""
        return self._collect(self._resampler.resample(None))

    @staticmethod
    def _collect(frames) -> np.ndarray:
        if not frames:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate([f.to_ndarray().reshape(-1) for f in frames]).astype(np.float32, copy=False)


def _resample(data: np.ndarray, rate: int) -> np.ndarray:
    if len(data) == 0:
        return data
    resample = Resampler(rate)
    return np.concatenate([resample(data), resample.flush()])


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[-1].strip() if ":" in text and "Errno" in text else text
