"""Defaults that a shell shows in its help before anything heavy is imported.

Each is defined once, here; the modules that use them import them from here (``audio`` re-exports
the audio limits), so ``voice2img --help`` stays fast and no default is restated.
"""

MAX_RECORDING_SECONDS = 600.0  # the longest recording taken by default: a spoken request is seconds long
DECODE_TIMEOUT_S = 120.0  # a file that takes longer than this to decode is given up on
# How a follow-up ("make it blue") is drawn: "redraw" (from noise, the same seed) or "refine"
# (image to image from the picture on screen). Redraw keeps the layout better on the models this
# project can measure offline: see benchmarks/follow_up_modes.py and docs/web.md.
FOLLOW_UP_WAYS = ("redraw", "refine")
FOLLOW_UPS = "redraw"
