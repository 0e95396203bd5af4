"""The one exception type for errors a user can cause and fix.

Its message is a single line that says what went wrong and what to do; the
shells print it as is, without a traceback. Anything else that escapes is a bug.
"""


class Voice2ImgError(Exception):
    """A user-facing error: bad input, no speech, an unknown or unreachable model."""

    def __init__(self, message: str):
        # Keep the promise of one line even when a library's message has several.
        super().__init__(" ".join(str(message).split()))


class NoSpeechError(Voice2ImgError):
    """The audio holds no speech (silence, noise), so there is nothing to draw."""


class ModelUnavailableError(Voice2ImgError):
    """A model could not be loaded: not cached and no network, or a bad path."""


class Stopped(Exception):
    """The person asked to stop (Ctrl-C in ``voice2img listen``): work in flight ends early.

    Not a Voice2ImgError: nothing went wrong, and no shell reports it as an error.
    """
