"""Spoken follow-ups: does "make the car blue" said aloud change the picture as asked?

    .venv/bin/python benchmarks/follow_ups.py [--json-only]

Each follow-up below is spoken by every installed TTS voice (festival, flite, espeak-ng), heard
by the default backend on the bundled tiny.en, and rewritten against the request "a red car on a
street with people". A clip counts as understood when the result (prompt, negative prompt,
action, settings) is the one written down in EXPECTED. Reported per voice, with what was heard for each
miss. JSON goes to stdout, a summary to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from fidelity import speak, voices  # noqa: E402

from voice2img.hear import HearingOptions, load_hearer  # noqa: E402
from voice2img.understand.rules import RulesRewriter  # noqa: E402

FIRST = "a red car on a street with people"
# (said, and what it must become: prompt, negative prompt, action, settings)
EXPECTED = [
    ('Make it blue.', 'a blue car on a street with people', '', 'draw', {}),
    ('Make the car blue.', 'a blue car on a street with people', '', 'draw', {}),
    ('Change the color to green.', 'a green car on a street with people', '', 'draw', {}),
    ('Blue instead.', 'a blue car on a street with people', '', 'draw', {}),
    ('Add a hat.', 'a red car on a street with people, with a hat', '', 'draw', {}),
    ('Add some clouds.', 'a red car on a street with people, with some clouds', '', 'draw', {}),
    ('Without the people.', 'a red car on a street', 'people', 'draw', {}),
    ('Remove the people.', 'a red car on a street', 'people', 'draw', {}),
    ('No people.', 'a red car on a street', 'people', 'draw', {}),
    ('Wider.', 'a red car on a street with people', '', 'draw', {'aspect': '16:9'}),
    ('Make it taller.', 'a red car on a street with people', '', 'draw', {'aspect': '9:16'}),
    ('At night.', 'a red car on a street with people, at night', '', 'draw', {}),
    ('Put it on a beach.', 'a red car on a street with people, on a beach', '', 'draw', {}),
    ('Make it a truck.', 'a truck on a street with people', '', 'draw', {}),
    ('Make the street wet.', 'a red car on a wet street with people', '', 'draw', {}),
    ('More detailed.', 'a red car on a street with people, more detailed', '', 'draw', {}),
    ('In watercolor.', 'a red car on a street with people, watercolor painting, soft washes, paper texture', 'photo',
     'draw', {'style': 'watercolor'}),
    ('Again.', 'a red car on a street with people', '', 'again', {}),
    ('Another one.', 'a red car on a street with people', '', 'again', {}),
    ('Show me another one.', 'a red car on a street with people', '', 'again', {}),
    ('Undo.', 'a red car on a street with people', '', 'undo', {}),
    ('Go back.', 'a red car on a street with people', '', 'undo', {}),
    ('Take that back.', 'a red car on a street with people', '', 'undo', {}),
    ('Never mind.', '', '', 'draw', {}),
]
FOLLOW_UPS = [e[0] for e in EXPECTED]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json-only", action="store_true")
    args = parser.parse_args()
    found = voices()
    if not found:
        print("follow-ups benchmark: no TTS engine found (apt-get install festival festvox-us-slt-hts flite espeak-ng)",
              file=sys.stderr)
        return 1
    rewriter = RulesRewriter()
    first = rewriter.rewrite(FIRST)
    written = sum((r.prompt, r.negative_prompt, r.action, r.settings.as_dict()) == e[1:]
                  for r, e in ((rewriter.rewrite(e[0], first), e) for e in EXPECTED))
    hearer = load_hearer(HearingOptions())
    report: dict = {"first": FIRST, "follow_ups": len(FOLLOW_UPS), "written_understood": written, "voices": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name, command in found:
            misses = []
            for i, said in enumerate(FOLLOW_UPS):
                audio = speak(command, said, Path(tmp) / f"{name}-{i}.wav")
                heard = hearer.transcribe(audio).text
                got = rewriter.rewrite(heard, first)
                if (got.prompt, got.negative_prompt, got.action, got.settings.as_dict()) != EXPECTED[i][1:]:
                    misses.append({"said": said, "heard": heard, "became": got.prompt, "action": got.action})
            report["voices"][name] = {"understood": len(FOLLOW_UPS) - len(misses), "misses": misses}
    total = sum(v["understood"] for v in report["voices"].values())
    report["understood_share"] = round(total / (len(FOLLOW_UPS) * len(found)), 3)
    print(json.dumps(report, indent=2))
    if not args.json_only:
        print(f"\nwritten (no speech): {written} / {len(FOLLOW_UPS)}", file=sys.stderr)
        print("\n| voice | understood |\n| --- | --- |", file=sys.stderr)
        for name, v in report["voices"].items():
            print(f"| {name} | {v['understood']} / {len(FOLLOW_UPS)} |", file=sys.stderr)
        print(f"| all | {report['understood_share']:.0%} |", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
