"""Regenerate the spoken samples in this folder (needs Debian's festival, festvox-us-slt-hts,
flite, espeak-ng and sox, plus PyAV). Run from the repo root: python samples/make_samples.py

Each sample is a short spoken image prompt in a different voice and file format, so a fresh
clone can test the whole path from speech to image without any outside data.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

import av
import numpy as np

HERE = Path(__file__).parent

# (file name, voice, text) — the voices differ a lot in how well Whisper tiny.en hears them.
SAMPLES = [
    ("red_fox.wav", "festival:slt", "A red fox sleeping in the snow, watercolor painting."),
    ("astronaut.flac", "flite:rms", "An astronaut riding a horse on the moon."),
    ("lighthouse.mp3", "flite:slt", "Um, can you draw me a lighthouse on a rocky coast at sunset?"),
    ("cabin.ogg", "flite:awb", "A small wooden cabin in the woods under a starry sky."),
    ("teapot.m4a", "espeak-ng:en-us", "A blue teapot on a kitchen table."),
]


def speak(voice: str, text: str, wav: Path) -> None:
    engine, name = voice.split(":")
    if engine == "festival":
        subprocess.run(["text2wave", "-eval", f"(voice_cmu_us_{name}_arctic_hts)", "-o", str(wav)],
                       input=text.encode(), check=True)
    elif engine == "flite":
        subprocess.run(["flite", "-voice", name, "-t", text, "-o", str(wav)], check=True)
    else:
        subprocess.run(["espeak-ng", "-v", name, "-s", "120", "-g", "3", "-w", str(wav), text], check=True)


def encode(wav: Path, target: Path) -> None:
    """Resample to 16 kHz mono with sox, then write the target format with PyAV."""
    mono = wav.with_suffix(".16k.wav")
    subprocess.run(["sox", str(wav), "-r", "16000", "-c", "1", "-b", "16", str(mono), "norm", "-3"], check=True)
    if target.suffix == ".wav":
        target.write_bytes(mono.read_bytes())
        return
    codec = {".flac": "flac", ".mp3": "libmp3lame", ".ogg": "libopus", ".m4a": "aac"}[target.suffix]
    rate = 48000 if codec == "libopus" else 16000
    with av.open(str(mono)) as src:
        samples = np.concatenate([f.to_ndarray() for f in src.decode(audio=0)], axis=1)
    with av.open(str(target), "w") as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        resampler = av.AudioResampler(format=stream.codec_context.format, layout="mono", rate=rate)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = 16000
        for resampled in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(resampled):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def main() -> None:
    lines = ["| file | voice | what is said |", "| --- | --- | --- |"]
    with tempfile.TemporaryDirectory() as tmp:
        for name, voice, text in SAMPLES:
            wav = Path(tmp) / (Path(name).stem + ".wav")
            speak(voice, text, wav)
            encode(wav, HERE / name)
            (HERE / name).with_suffix(".txt").write_text(text + "\n")
            lines.append(f"| {name} | {voice} | {text} |")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
