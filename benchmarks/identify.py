"""Language identification benchmark: how short a window can identification take?

    .venv/bin/python benchmarks/identify.py [--n 30] [--repeat 2] [--other DIR]

The default hearer identifies the language of every clip with Whisper base before it hears it,
so on English speech identification is pure overhead. This measures it per window: the window
transcription uses (the clip + 2 s, at least 15 s: what identification used before), shorter
minimums, and what voice2img ships (:func:`voice2img.hear.short.detect_short`: the first 5 s of
the clip + 1 s, at least 4 s, and the transcription window again for a clip that is unsure and
does not lean to English, the language an unsure clip is heard in when there is no hint).

Clips: the repo's samples, ``--n`` PartiPrompts spoken by the installed TTS voices (festival,
flite, espeak-ng), the real English recordings of ../shared and the German half of
multilingual.mp3 cut into 4-s pieces, and every WAV in ``--other`` whose name starts with its
language code ("de-01.wav"; ``benchmarks/languages.py --keep DIR`` writes such clips). Reported
per window: milliseconds per clip (best of ``--repeat``), clips identified wrongly with p ≥ 0.8
(those would be heard in the wrong language), and clips below 0.8 (those fall back to the hint
or English). JSON on stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from voice2img.audio import load_audio  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "audio"


def clips(n: int, other: Path | None) -> list[tuple[str, object, str]]:
    """(name, 16 kHz samples, language) for every clip measured."""
    import fidelity

    out = []
    for path in sorted((ROOT / "samples").iterdir()):
        if path.suffix in (".wav", ".flac", ".mp3", ".ogg", ".m4a"):
            out.append((path.name, load_audio(path).samples, "en"))
    if fidelity.PARTI.is_file() and n:
        voices = fidelity.voices()
        with tempfile.TemporaryDirectory() as tmp:
            for i, row in enumerate(fidelity.load_prompts(n, 1, 20)):
                name, command = voices[i % len(voices)]
                audio = fidelity.speak(command, row["Prompt"], Path(tmp) / f"{i}.wav")
                out.append((f"parti-{i} ({name})", audio.samples, "en"))
    for name in ("jfk.flac", "hotwords.mp3"):
        if (SHARED / name).is_file():
            out.append((name, load_audio(SHARED / name).samples, "en"))
    if (SHARED / "multilingual.mp3").is_file():
        both = load_audio(SHARED / "multilingual.mp3").samples
        out.append(("multilingual.mp3 0-10 s", both[:10 * 16000], "en"))
        for start in range(30, 58, 4):
            out.append((f"multilingual.mp3 {start}-{start + 4} s", both[start * 16000:(start + 4) * 16000], "de"))
    for path in sorted(other.glob("*.wav")) if other else []:
        out.append((path.name, load_audio(path).samples, path.name.split("-")[0]))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=30, help="PartiPrompts to speak (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--other", type=Path, help="a folder of non-English WAVs named LANG-*.wav")
    args = parser.parse_args()

    from voice2img.hear import HearingOptions, load_backend, short
    from voice2img.hear.languages import SURE

    model = load_backend(HearingOptions(model="base")).model
    items = clips(args.n, args.other)

    def fixed(minimum: int):
        def window(samples: int) -> int:
            frames = -(-(samples // 160 + short.DETECT_MARGIN_FRAMES) // 100) * 100
            return max(minimum, min(short.FULL_FRAMES, frames))
        return lambda clip: short._identify(model, [clip], window)[0]

    ways = {"transcription window (before)": lambda clip: short._identify(model, [clip], short.window_frames)[0]}
    for minimum in (1000, 600, 300):
        ways[f"clip + 1 s, at least {minimum} frames"] = fixed(minimum)
    ways["first 5 s + 1 s, at least 400 frames, no second look"] = (
        lambda clip: short._identify(model, [clip], short.detect_frames)[0])
    ways["shipped: first 5 s + 1 s, unsure clips not leaning English again in the transcription window"] = (
        lambda clip: short.detect_short(model, [clip], sure=SURE, fallback="en")[0])
    for way in ways.values():  # warm-up
        way(items[0][1])
    report = {"clips": len(items), "languages": sorted({lang for _, _, lang in items}), "ways": {}}
    for label, way in ways.items():
        total, wrong, unsure = 0.0, [], []
        for name, samples, language in items:
            best = float("inf")
            for _ in range(args.repeat):
                started = time.perf_counter()
                ranked = way(samples)
                best = min(best, time.perf_counter() - started)
            total += best
            found, p = ranked[0]
            if found != language and p >= SURE:
                wrong.append(f"{name}: {found} {p:.2f}")
            elif p < SURE:
                unsure.append(f"{name}: {found} {p:.2f}")
        report["ways"][label] = {"ms_per_clip": round(1000 * total / len(items), 1), "wrong_and_sure": wrong,
                                 "unsure": unsure}
    ways_ms = [w["ms_per_clip"] for w in report["ways"].values()]
    report["shipped_over_before_time_ratio"] = round(ways_ms[-1] / ways_ms[0], 2)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
