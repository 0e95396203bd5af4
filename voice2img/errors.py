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


# What a failed fetch from a model hub raises, by class name, so that neither huggingface_hub nor
# httpx, requests or urllib is imported to recognise it. Anything else (a CUDA error, a damaged
# file, a bug) is not a download problem and is not reported as one.
_UNREACHABLE = {"LocalEntryNotFoundError", "OfflineModeIsEnabled", "URLError", "ConnectionError", "ConnectError",
                "ConnectTimeout", "TransportError", "TimeoutError", "Timeout", "TimeoutException", "gaierror"}
_NOT_FOUND = {"RepositoryNotFoundError", "RevisionNotFoundError", "EntryNotFoundError"}


def fetch_failure(exc: BaseException) -> str | None:
    """Why a model could not be fetched — "unreachable" (no network, not cached), "gated" (the
    hub wants a login or an accepted licence) or "not found" — or None when ``exc``, or any error
    it was raised from, says nothing about fetching."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        names = {cls.__name__ for cls in type(exc).__mro__}
        if names & _UNREACHABLE:
            return "unreachable"
        if "GatedRepoError" in names:
            return "gated"
        if names & _NOT_FOUND:
            return "not found"
        exc = exc.__cause__ or exc.__context__
    return None


def model_unavailable(what: str, exc: BaseException, instead: str) -> ModelUnavailableError:
    """The one line for a model (``what``: "image model 'x'") that did not load, saying why in the
    user's terms; only a failed download is called one. ``instead`` says what to pass."""
    why = fetch_failure(exc)
    if why == "unreachable":
        return ModelUnavailableError(f"{what} is not in the local cache and could not be downloaded "
                                     f"({type(exc).__name__}); connect to the network once, or pass {instead}")
    if why == "gated":
        return ModelUnavailableError(f"{what} is gated on the Hugging Face Hub: log in (huggingface-cli login) "
                                     f"and accept its terms, or pass {instead}")
    if why == "not found":
        return ModelUnavailableError(f"{what} is not on the Hugging Face Hub; check the name, or pass {instead}")
    return ModelUnavailableError(f"{what} could not be loaded: {type(exc).__name__}: {exc}")
