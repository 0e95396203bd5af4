"""Regenerate conversation.wav: a request, a follow-up and an undo, each followed by a pause, as a
person would speak them into the web UI's microphone (festival's slt voice, 16 kHz mono; Chromium's
fake microphone resamples it); and without_the_people.wav, a follow-up alone. Needs festival,
festvox-us-slt-hts and sox (whose dither makes each run differ in its last bits). Also
make_it_a_watercolor.wav: a restyle of a starting picture; and long_request.wav, a request of
several clauses (about 9 s) for the live previews.

Run from the repo root: python tests/data/make_conversation.py
"""

import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
LINES = ["A red fox sleeping in the snow.", "Make it blue.", "Go back."]
LONG = ("A red fox sleeping in the snow, under a full moon, with tall pine trees behind it, "
        "and a small wooden cabin with warm light in the windows.")
PAUSE = 2.5  # seconds after each line: far longer than the 0.6-s pause that ends an utterance


def spoken(line: str, out: Path, tmp: str) -> Path:
    """``line`` in festival's slt voice, 16 kHz mono, half a second before it and a pause after."""
    wav = Path(tmp) / "line.wav"
    subprocess.run(["text2wave", "-eval", "(voice_cmu_us_slt_arctic_hts)", "-o", str(wav)],
                   input=line.encode(), check=True)
    subprocess.run(["sox", str(wav), "-r", "16000", "-c", "1", "-b", "16", str(out), "norm", "-3",
                    "pad", "0.5", str(PAUSE)], check=True)
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        parts = [str(spoken(line, Path(tmp) / f"{i}.wav", tmp)) for i, line in enumerate(LINES)]
        subprocess.run(["sox", *parts, str(HERE / "conversation.wav")], check=True)
        # A follow-up that is only a negative: heard alone it is no request at all.
        spoken("Without the people.", HERE / "without_the_people.wav", tmp)
        # A restyle, said to a starting picture: what it should become, and how much may change.
        spoken("Make it a watercolor painting, just a little.", HERE / "make_it_a_watercolor.wav", tmp)
        # A long request, clause after clause, for watching previews form while it is spoken.
        spoken(LONG, HERE / "long_request.wav", tmp)
    (HERE / "conversation.txt").write_text("\n".join(LINES) + "\n")


if __name__ == "__main__":
    main()
