"""Short-window and batched hearing against faster-whisper's full 30-s window, in one run.

    .venv/bin/python benchmarks/short_window.py [--n 48] [--seed 0]

Speaks --n PartiPrompts with the installed TTS voices (as benchmarks/fidelity.py does), adds the
real recordings in ../shared/data/audio that have a reference, and hears every clip three ways on
the bundled tiny.en: the full window one clip at a time (faster-whisper's own transcribe), the
short window one clip at a time, the short window in batches of 8, and greedy decoding instead of
beam search (beam 5 is the default). Prints JSON: corpus WER and
wall time of each, and the speed-ups.
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

from fidelity import load_prompts, speak, voices  # noqa: E402
from hear import SHARED, SHARED_REFERENCES  # noqa: E402

from voice2img.audio import load_audio  # noqa: E402
from voice2img.evaluate import corpus_word_error_rate  # noqa: E402
from voice2img.hear import HearingOptions, load_hearer  # noqa: E402


def corpus_wer(references, texts):
    return round(corpus_word_error_rate(references, texts), 4)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=48)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    clips, references = [], []
    with tempfile.TemporaryDirectory() as tmp:
        available = voices()
        for i, item in enumerate(load_prompts(args.n, args.seed, 25)):
            clips.append(speak(available[i % len(available)][1], item["Prompt"], Path(tmp) / f"{i}.wav"))
            references.append(item["Prompt"])
    for name, text in SHARED_REFERENCES.items():
        clips.append(load_audio(SHARED / name))
        references.append(text)
    full = load_hearer(HearingOptions(short_window=False))
    short = load_hearer(HearingOptions())
    greedy = load_hearer(HearingOptions(beam_size=1))
    full.transcribe(clips[0]), short.transcribe(clips[0]), greedy.transcribe(clips[0])  # warm-up
    report = {"clips": len(clips), "audio_seconds": round(sum(c.duration for c in clips), 1), "modes": {}}
    for mode, run in [("full window, one by one", lambda: [full.transcribe(c).text for c in clips]),
                      ("short window, one by one", lambda: [short.transcribe(c).text for c in clips]),
                      ("short window, batches of 8", lambda: [t.text for t in short.transcribe_many(clips)]),
                      ("short window, greedy (beam 1), one by one", lambda: [greedy.transcribe(c).text for c in clips])]:
        started = time.perf_counter()
        texts = run()
        seconds = time.perf_counter() - started
        report["modes"][mode] = {"seconds": round(seconds, 2), "wer": corpus_wer(references, texts)}
    base = report["modes"]["full window, one by one"]["seconds"]
    for mode in report["modes"].values():
        mode["speedup"] = round(base / mode["seconds"], 2)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
