"""Start-up: `import voice2img` and `voice2img --help`, best of --repeat fresh processes.

    .venv/bin/python benchmarks/startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def best(command, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return round(min(times), 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    python = [sys.executable]
    report = {
        "python_alone_s": best(python + ["-c", "pass"], args.repeat),
        "import_voice2img_s": best(python + ["-c", "import voice2img, voice2img.pipeline, voice2img.cli"], args.repeat),
        "voice2img_help_s": best(python + ["-m", "voice2img", "--help"], args.repeat),
        "import_torch_for_comparison_s": best(python + ["-c", "import torch"], 2),
        "target_s": 0.5,
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
