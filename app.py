"""Start the voice2img web UI: `python app.py [--image-model …] [--port N]` (same as `voice2img serve`)."""

import sys

from voice2img.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
