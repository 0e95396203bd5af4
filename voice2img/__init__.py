"""voice2img: speak, and it draws.

audio → hear (Whisper) → understand (rewrite into an image prompt) → draw (diffusers) → keep
(PNG with metadata). Heavy libraries load when a stage is first used, not on import.
"""

__version__ = "0.1.0"

_LAZY = {
    "Pipeline": "pipeline", "Result": "pipeline",
    "Audio": "audio", "load_audio": "audio",
    "HearingOptions": "hear", "Transcript": "hear", "load_hearer": "hear",
    "ImageRequest": "understand", "RequestSettings": "understand", "rewrite": "understand",
    "DrawingOptions": "draw", "Renderer": "draw",
    "Voice2ImgError": "errors", "NoSpeechError": "errors", "ModelUnavailableError": "errors",
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'voice2img' has no attribute {name!r}")
