"""Files written whole or not at all.

Every file voice2img leaves for a person or a later run — PNGs, sidecars, manifests, the
converted Whisper checkpoint — is written to a temporary name beside its target, flushed to disk
and renamed over it, so a crash, a kill or a full disk never leaves half a file under the real
name. The temporary name starts with a dot and holds ``.tmp``, so
:func:`voice2img.keep.remove_stale_temporaries` can find what a killed writer left.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO, Callable


def write_atomic(path: str | os.PathLike, data: bytes | str | Callable[[BinaryIO], None]) -> Path:
    """Write ``data`` (bytes, text as UTF-8, or a function that writes to a binary file) to
    ``path`` atomically; returns the path."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "wb") as fp:
            if callable(data):
                data(fp)
            else:
                fp.write(data.encode("utf-8") if isinstance(data, str) else data)
            fp.flush()
            os.fsync(fp.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
