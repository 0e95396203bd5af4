"""Regenerate conversation.wav: a request, a follow-up and an undo, each followed by a pause, as a
person would speak them into the web UI's microphone (festival's slt voice, 16 kHz mono; Chromium's
fake microphone resamples it). Needs festival, festvox-us-slt-hts and sox.

Run from the repo root: python tests/data/make_conversation.py
"""

import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
LINES = ["A red fox sleeping in the snow.", "Make it blue.", "Go back."]
PAUSE = 2.5  # seconds after each line: far longer than the 0.6-s pause that ends an utterance


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        parts = []
        for i, line in enumerate(LINES):
            wav = Path(tmp) / f"{i}.wav"
            subprocess.run(["text2wave", "-eval", "(voice_cmu_us_slt_arctic_hts)", "-o", str(wav)],
                           input=line.encode(), check=True)
            part = Path(tmp) / f"{i}.16k.wav"
            subprocess.run(["sox", str(wav), "-r", "16000", "-c", "1", "-b", "16", str(part), "norm", "-3",
                            "pad", "0.5", str(PAUSE)], check=True)
            parts.append(str(part))
        subprocess.run(["sox", *parts, str(HERE / "conversation.wav")], check=True)
    (HERE / "conversation.txt").write_text("\n".join(LINES) + "\n")


if __name__ == "__main__":
    main()
