"""Understanding benchmark: spoken variations of written prompts, with the expected result computed
from the template that made each one, never from the rules.

    .venv/bin/python benchmarks/rewrite_corpus.py [--n 0] [--seed 0] [--examples 5] [--built-in] [--json-only]

Takes the descriptions of ../shared/data/PartiPrompts.tsv (those that contain no command word of
their own, such as "no" or "draw"; a small built-in list when the file is absent) and says each one
in many ways: as it is; in a request wrapper with a closing; with a setting said at the end, at
the start or in the middle ("in portrait", "wide format", "make it tall", "square image", "sixteen
by nine"); with a negative ("without people"); after a false start it corrects ("a red bicycle,
no wait, <the prompt>"); all of those at once. Separate templates put the words that look like
settings inside descriptions ("a giraffe with tall legs", "a house with a square window") and
make repairs of one word ("a cup of coffee, I mean tea", "an anime girl, no, a boy"), refer back
("a green kite, no, a yellow one", "one duck, no, make that four", "a cat, a fluffy one, on a
windowsill": written by us beside the rules that read them, so they favour those rules), and put
a filler Whisper writes as a word after a repair ("no wait, I'm a windmill by a river").

Reported, over all cases and per template: how often a content word of the expected prompt is
lost, how often a setting is invented (or given the wrong value) and missed, how often a negative
is missed, how often a repair keeps a word of the half it replaced, and how often everything is
exactly as expected; and the rewriting time per request (``ms_per_request``, the rules alone,
after one warm-up). JSON on stdout, a markdown table on stderr.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voice2img.understand.rules import RulesRewriter  # noqa: E402

PARTI = ROOT.parent / "shared" / "data" / "PartiPrompts.tsv"

# Used when ../shared is absent, so a fresh clone measures itself too. Written as descriptions, not
# as tests of any rule.
BUILT_IN = [
    "a red fox sleeping in the snow", "an astronaut riding a horse on the moon", "a lighthouse on a rocky coast at sunset",
    "a small wooden cabin in the woods under a starry sky", "a blue teapot on a kitchen table",
    "a portrait of an old fisherman", "a landscape with mountains and a lake", "a tall glass of orange juice",
    "a wide river flowing through a canyon", "a square table with four chairs", "a vertical garden on a brick wall",
    "tall skyscrapers reflected in a river", "a panoramic view of a city at night", "a horse grazing in a field",
    "two cats sleeping on a sofa", "a bowl of ramen with an egg", "a castle on a hill surrounded by fog",
    "a robot reading a book in a library", "a sailboat on a calm sea", "a bicycle leaning against a wall",
    "a giraffe eating leaves from a tree", "a child flying a kite on a beach", "a steam train crossing a bridge",
    "an owl perched on a branch", "a cup of coffee next to a laptop", "a city street after rain",
    "a penguin wearing a scarf", "a field of sunflowers under a blue sky", "a dragon flying over a village",
    "a chef cooking in a busy kitchen",
]

# A description containing one of these asks for something itself; its expected result would not
# be the description, so it is left out (the rules are not consulted to decide).
COMMAND_WORDS = set("""no not without nothing never none don't dont do draw make paint show generate create render give
    please seed instead actually mean sorry rather wait scratch mind um uh er hmm like thank thanks image images
    picture pictures photo version versions again undo another more less""".split())
MIDDLE_LINKS = {"with", "on", "in", "at", "near", "under", "beside", "behind", "next", "sitting", "standing", "holding",
                "wearing", "and"}
STOP = set("a an the of in on at with and or to for from by as is are its it's into onto over under".split())

WRAPPERS = [("Can you draw me ", ""), ("Please make ", ", thank you."), ("I'd like a picture of ", "."),
            ("Um, can you generate ", " please."), ("Show me ", ", that's it."), ("Okay so, uh, draw ", ".")]
# (said at the end, said at the start, the setting)
SETTINGS = [
    (", in portrait", "In portrait, ", {"aspect": "2:3"}),
    (", wide format", "Wide format, ", {"aspect": "16:9"}),
    (", make it tall", "Make it tall, ", {"aspect": "9:16"}),
    (", square image", "A square image of ", {"aspect": "1:1"}),
    (", sixteen by nine", "Sixteen by nine, ", {"aspect": "16:9"}),
    (" in landscape format", "In landscape format, ", {"aspect": "3:2"}),
    (", in sixteen by nine format", "In sixteen by nine format, ", {"aspect": "16:9"}),
    (", with seed forty two", "With seed forty two, ", {"seed": 42}),
    (", portrait orientation", "Portrait orientation, ", {"aspect": "2:3"}),
    (", make it landscape", "Make it landscape, ", {"aspect": "3:2"}),
    (" as a widescreen image", "Widescreen, ", {"aspect": "16:9"}),
    (", in four by three", "In four by three, ", {"aspect": "4:3"}),
    (", vertical format", "Vertical format, ", {"aspect": "2:3"}),
    (", in a square format", "In a square format, ", {"aspect": "1:1"}),
    (", make it wide", "Make it wide, ", {"aspect": "16:9"}),
    (", nine by sixteen", "Nine by sixteen, ", {"aspect": "9:16"}),
    (", seed 1234", "Seed 1234, ", {"seed": 1234}),
]
NEGATIVES = ["people", "text", "cars", "clouds", "animals", "watermarks"]
NEGATIVE_FORMS = [", without {}", ", no {}", " but without any {}", ", and don't include any {}", " with no {}",
                  ", but no {}", ", leave out the {}", ", and no {} please", ", there should be no {}", ", avoid {}"]
# One phrase each: what a false start of several phrases means when the repair names one thing
# ("a dog in a park, no wait, a corgi": a corgi in the park, or only a corgi?) is not for a
# template to decide; the rules replace the phrase of the same kind, else the subject, and say so.
FALSE_STARTS = ["a red bicycle", "an old car", "a mountain village", "two green bottles"]
REPAIR_MARKERS = ["no wait,", "sorry,", "I mean,", "or rather,", "no, actually,", "no,"]

# Words that look like settings, inside descriptions: (thing, describing phrase).
LOOKALIKES = [
    ("a giraffe", "with tall legs"), ("a house", "with a square window"), ("a town", "by a wide river"),
    ("a city", "with tall skyscrapers"), ("a gallery", "with a portrait of a queen"), ("a painter", "in a landscape"),
    ("a wall", "with vertical stripes"), ("a shelf", "with horizontal planks"), ("a window", "with a panoramic view"),
    ("a man", "in a wide hat"), ("a glass", "on a square plate"), ("a tall man", "in a long coat"),
    ("a wide road", "through a forest"), ("a square box", "on a table"), ("a portrait", "of a cat in a hat"),
    ("a ship", "passing by"), ("a cat", "with a hat on"), ("a girl", "holding a square balloon"),
]
# One-word repairs: (said, expected).
WORD_REPAIRS = [
    ("a cup of coffee, {m} tea", "a cup of tea"), ("an anime girl, {m} a boy", "an anime boy"),
    ("a red car, {m} blue", "a blue car"), ("a red car. Actually, make it blue", "a blue car"),
    ("a bowl of soup, {m} salad", "a bowl of salad"), ("a green apple, {m} red", "a red apple"),
    ("a wooden chair, {m} a table", "a wooden table"), ("two dogs on a beach, {m} cats", "two cats on a beach"),
    ("a big house, {m} small", "a small house"), ("a house in the woods, {m} a cabin", "a cabin in the woods"),
    ("a glass of milk, {m} water", "a glass of water"), ("a black cat, {m} white", "a white cat"),
]
# Referring back, written by us beside the rules that read them (so they favour those rules):
# "one" for the thing said before, and "make that N". (said, expected); {m} is a repair marker.
REFERENCES = [
    ("a green kite, {m} a yellow one", "a yellow kite"), ("a glass vase, {m} make that a clay one", "a clay vase"),
    ("one duck on a pond, {m} make that four", "four ducks on a pond"), ("a small boat, {m} a big one", "a big boat"),
    ("a red car on a street, {m} a blue one", "a blue car on a street"), ("two cats, {m} make that three", "three cats"),
    ("a wooden table, {m} a round one", "a round wooden table"), ("a black dog, {m} a white one", "a white dog"),
    ("an old house, {m} a new one", "a new house"), ("a tall tree, {m} a short one", "a short tree"),
    ("one apple, {m} make that five", "five apples"), ("a leather bag, {m} a canvas one", "a canvas bag"),
]
# The same said as an aside, with no repair marker.
ASIDES = [
    ("a cat, a fluffy one, on a windowsill", "a fluffy cat on a windowsill"),
    ("a dog, a big one, running on a beach", "a big dog running on a beach"),
    ("a car, a red one, on a bridge", "a red car on a bridge"), ("a hat, an old one, on a chair", "an old hat on a chair"),
]
# What Whisper writes for a filler said right after a repair marker ("no wait, um, a windmill").
MISHEARD_FILLERS = ["I'm", "come"]


@dataclass
class Case:
    template: str
    said: str
    prompt: str
    negative: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    replaced: str = ""  # the half a repair replaced: none of its own words may remain


def words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.lower())


def content(text: str) -> set[str]:
    return {w for w in words(text) if w not in STOP}


def descriptions(path: Path = PARTI) -> list[str]:
    """Descriptions that ask for nothing themselves: no command word, and no style preset's name
    ("in sketch style" asks for the preset, by design)."""
    from voice2img.understand.styles import load_styles

    if not path.is_file():
        return list(BUILT_IN)
    with path.open(newline="") as f:
        prompts = [row["Prompt"].strip().rstrip(".") for row in csv.DictReader(f, delimiter="\t")]
    styles = [s.lower() for preset in load_styles().values() for s in preset.says]
    return [p for p in prompts if 2 <= len(p.split()) <= 25 and not set(words(p)) & COMMAND_WORDS
            and re.fullmatch(r"[\w' ,-]+", p) and not any(re.search(rf"\b{re.escape(s)}\b", p.lower()) for s in styles)]


def cases(prompts: list[str], rng: random.Random) -> list[Case]:
    out = []
    for p in prompts:
        low = p[0].lower() + p[1:]
        out.append(Case("plain", p, p))
        before, after = rng.choice(WRAPPERS)
        out.append(Case("wrapper", before + low + after, p))
        end, start, setting = rng.choice(SETTINGS)
        out.append(Case("setting at the end", p + end, p, settings=setting))
        out.append(Case("setting at the start", start + low, p, settings=setting))
        end, _, setting = rng.choice(SETTINGS)
        cut = p.split(" ")
        links = [k for k in range(2, len(cut) - 1) if cut[k].lower() in MIDDLE_LINKS]
        if links:  # "a cat, in portrait, sleeping on a sofa": a setting between two phrases, never inside a name
            k = links[len(links) // 2]
            out.append(Case("setting in the middle", " ".join(cut[:k]) + end + ", " + " ".join(cut[k:]), p,
                            settings=setting))
        negative = rng.choice(NEGATIVES)
        out.append(Case("negative", p + rng.choice(NEGATIVE_FORMS).format(negative), p, negative=[negative]))
        start_over = rng.choice(FALSE_STARTS)
        out.append(Case("false start", f"{start_over}, {rng.choice(REPAIR_MARKERS)} {low}", p,
                        replaced=start_over))
        if re.match(r"(?:a|an|the|some|one|two|three)\s", low):  # the filler is read as one before a thing
            start_over = rng.choice(FALSE_STARTS)
            out.append(Case("misheard filler after a repair", f"{start_over}, {rng.choice(REPAIR_MARKERS[:2])} "
                            f"{rng.choice(MISHEARD_FILLERS)} {low}", p, replaced=start_over))
        before, after = rng.choice(WRAPPERS)
        end, _, setting = rng.choice(SETTINGS)
        negative = rng.choice(NEGATIVES)
        out.append(Case("everything at once", before + low + rng.choice(NEGATIVE_FORMS).format(negative) + end
                        + (after if after.strip(" .") else ", thank you."), p, negative=[negative], settings=setting))
    for thing, describing in LOOKALIKES:
        out.append(Case("setting words describing a thing", f"{thing} {describing}", f"{thing} {describing}"))
        end, _, setting = rng.choice(SETTINGS)
        out.append(Case("setting words describing a thing, and a setting", f"{thing} {describing}{end}",
                        f"{thing} {describing}", settings=setting))
    for said, expected in REFERENCES:
        for marker in REPAIR_MARKERS[:4]:
            text = said.format(m=marker)
            gone = content(text.split(",")[0]) - content(expected)
            out.append(Case("reference back", text, expected, replaced=" ".join(sorted(gone))))
    for said, expected in ASIDES:
        out.append(Case("reference back, as an aside", said, expected))
    for said, expected in WORD_REPAIRS:
        for marker in REPAIR_MARKERS[:4]:
            text = said.format(m=marker)
            gone = content(text.split(",")[0].split(".")[0]) - content(expected)
            out.append(Case("one-word repair", text, expected, replaced=" ".join(sorted(gone))))
    return out


def judge(case: Case, request) -> dict:
    expected, got = content(case.prompt), content(request.prompt)
    settings = request.settings.as_dict()
    negatives = {n.strip().lower() for n in request.negative_prompt.split(",") if n.strip()}
    wrong_setting = any(settings.get(k) != v for k, v in settings.items() if k in case.settings) or \
        any(k not in case.settings for k in settings)
    return {
        "content lost": bool(expected - got),
        "setting invented": wrong_setting,
        "setting missed": any(settings.get(k) != v for k, v in case.settings.items()),
        "negative missed": any(n not in negatives for n in case.negative),
        "repair kept the wrong half": bool(case.replaced and (content(case.replaced) - expected) & got),
        "exact": (words(request.prompt) == words(case.prompt) and settings == case.settings
                  and negatives == set(case.negative)),
    }


MEASURES = ["content lost", "setting invented", "setting missed", "negative missed", "repair kept the wrong half", "exact"]


def run(prompts: list[str], seed: int, examples: int = 0) -> dict:
    rewriter = RulesRewriter()
    rng = random.Random(seed)
    made = cases(prompts, rng)
    by_template: dict[str, list[dict]] = defaultdict(list)
    misses: dict[str, list] = defaultdict(list)
    rewriter.rewrite("warm up the regular expressions")
    started, rewriting = time.perf_counter(), 0.0
    for case in made:
        began = time.perf_counter()
        request = rewriter.rewrite(case.said)
        rewriting += time.perf_counter() - began
        verdict = judge(case, request)
        by_template[case.template].append(verdict)
        for measure, bad in verdict.items():
            if bad and measure != "exact" and len(misses[measure]) < examples:
                misses[measure].append({"said": case.said, "expected": case.prompt, "prompt": request.prompt,
                                        "settings": request.settings.as_dict(), "negative": request.negative_prompt})
    seconds = time.perf_counter() - started

    def rates(verdicts):
        return {m: round(sum(v[m] for v in verdicts) / len(verdicts), 4) for m in MEASURES} | {"cases": len(verdicts)}

    everything = [v for vs in by_template.values() for v in vs]
    return {"prompts": len(prompts), "cases": len(made), "seed": seed, "seconds": round(seconds, 2),
            "ms_per_request": round(1000 * rewriting / max(1, len(made)), 3),
            "overall": rates(everything), "by_template": {t: rates(vs) for t, vs in by_template.items()},
            "examples": dict(misses)}


def table(report: dict) -> str:
    head = "| template | cases | " + " | ".join(MEASURES) + " |"
    lines = [head, "|" + " --- |" * (len(MEASURES) + 2)]
    rows = list(report["by_template"].items()) + [("**all**", report["overall"])]
    for name, r in rows:
        lines.append(f"| {name} | {r['cases']} | " + " | ".join(f"{100 * r[m]:.1f} %" for m in MEASURES) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=0, help="prompts to use (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--examples", type=int, default=5, help="misses to show per measure")
    parser.add_argument("--built-in", action="store_true", help="the built-in descriptions even where PartiPrompts is present")
    parser.add_argument("--json-only", action="store_true")
    args = parser.parse_args()
    prompts = list(BUILT_IN) if args.built_in else descriptions()
    if args.n:
        prompts = random.Random(args.seed).sample(prompts, min(args.n, len(prompts)))
    report = run(prompts, args.seed, args.examples)
    report["source"] = "PartiPrompts" if PARTI.is_file() and not args.built_in else "built-in"
    print(json.dumps(report, indent=2))
    if not args.json_only:
        print(table(report), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
