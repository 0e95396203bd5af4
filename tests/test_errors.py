"""Errors: a model that cannot be loaded is reported for what went wrong — a failed download only
when the download failed."""

import urllib.error

import pytest
from huggingface_hub.errors import GatedRepoError, LocalEntryNotFoundError, OfflineModeIsEnabled, RepositoryNotFoundError

from voice2img.errors import Voice2ImgError, fetch_failure
from voice2img.hear.base import unavailable


def _raised_from(outer: Exception, inner: Exception) -> Exception:
    try:
        try:
            raise inner
        except Exception as exc:
            raise outer from exc
    except Exception as exc:  # noqa: BLE001 - the chained exception is what is being built
        return exc


def _hub_error(cls, message="x"):
    import httpx

    response = httpx.Response(404, request=httpx.Request("GET", "https://huggingface.co/api/models/x"))
    return cls(message, response=response)


@pytest.mark.parametrize("exc,why", [
    (LocalEntryNotFoundError("no snapshot"), "unreachable"),
    (OfflineModeIsEnabled("offline"), "unreachable"),
    (urllib.error.URLError("Name or service not known"), "unreachable"),
    (ConnectionError("the model hub cannot be reached"), "unreachable"),
    (_raised_from(OSError("Cannot load model"), ConnectionError("refused")), "unreachable"),
    ("repository", "not found"),
    ("gated", "gated"),
    (RuntimeError("CUDA failed with error out of memory"), None),
    (RuntimeError("Unable to open file 'model.bin' in model '/m'"), None),
    (ValueError("Invalid model size 'xyz', expected one of: tiny.en, tiny"), None),
    (OSError("[Errno 28] No space left on device"), None),
])
def test_only_a_failed_fetch_is_called_one(exc, why):
    if exc == "repository":
        exc = _hub_error(RepositoryNotFoundError)
    elif exc == "gated":
        exc = _hub_error(GatedRepoError)
    assert fetch_failure(exc) == why


def test_a_cuda_error_while_loading_whisper_is_not_called_a_missing_download():
    message = str(unavailable("small", "faster-whisper", RuntimeError("CUDA failed with error out of memory")))
    assert "CUDA failed with error out of memory" in message and "download" not in message
    offline = str(unavailable("small", "faster-whisper", LocalEntryNotFoundError("no snapshot")))
    assert "not in the local cache and could not be downloaded" in offline and "--asr-model PATH" in offline


def test_an_unknown_model_size_says_which_exist():
    from voice2img.hear import HearingOptions, load_hearer

    with pytest.raises(Voice2ImgError) as info:
        load_hearer(HearingOptions(model="tiny-xyz"))
    message = str(info.value)
    assert "Invalid model size 'tiny-xyz'" in message and "small.en" in message and "download" not in message
