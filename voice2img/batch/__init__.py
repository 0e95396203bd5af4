"""Batch: folders of recorded audio → images, resumable, never losing work.

    voice2img batch INPUT... --out DIR [--retry-failed] [--engine local|ray]

- Inputs are files, folders (searched recursively for audio) or globs.
- Outputs mirror the inputs' tree below their common folder: ``stories/a/clip.wav`` →
  ``DIR/a/clip.png`` + ``DIR/a/clip.json``. Two inputs in one folder with the same name but
  different extensions (``clip.wav``, ``clip.mp3``) get ``clip.wav.png`` and ``clip.mp3.png``.
  The names depend only on the set of inputs, so a rerun finds its own outputs.
- The manifest (``DIR/voice2img-manifest.sqlite``, exported to ``manifest.csv`` and
  ``manifest.jsonl``) records every input: done, no speech, or failed with the one-line reason.
- Every file is written to a temporary name and renamed; an item's manifest row is committed only
  after its files are in place. A run killed at any moment loses at most the item in flight; the
  same command resumes, skipping inputs whose content (SHA-256) is unchanged and already done.
- Seeds not given are derived from the audio's content, so a redone item draws the same pixels.
- A picture beside a recording with the same stem (``visit.wav`` + ``visit.jpg``) is its starting
  picture (image-to-image); the manifest records it, and a changed picture redoes the item.
"""

from __future__ import annotations

import glob
import hashlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import Voice2ImgError

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".oga", ".m4a", ".aac", ".webm", ".mp4", ".wma", ".aiff", ".aif")


@dataclass(frozen=True)
class Item:
    """One input: where it is, the key the manifest knows it by, and its output stem."""

    path: Path
    key: str  # path relative to the inputs' common folder, POSIX style
    stem: str  # output path below DIR without extension
    sha256: str = ""  # of the recording (and of its starting picture, when it has one)
    picture: Path | None = None  # the starting picture beside it, same stem


@dataclass
class Summary:
    done: int = 0
    no_speech: int = 0
    failed: int = 0
    skipped: int = 0
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.done} done, {self.no_speech} no speech, {self.failed} failed, "
                f"{self.skipped} skipped (already in the manifest)")


def find_inputs(inputs: list[str]) -> list[Path]:
    """Expand files, folders and globs into a sorted list of audio files (duplicates once)."""
    found: dict[str, Path] = {}
    for spec in inputs:
        matches = sorted(glob.glob(spec, recursive=True)) if glob.has_magic(spec) else [spec]
        if not matches:
            raise Voice2ImgError(f"{spec}: no such file, folder or matching path")
        for match in matches:
            path = Path(match)
            if path.is_dir():
                for child in sorted(path.rglob("*")):
                    if child.is_file() and child.suffix.lower() in AUDIO_SUFFIXES and not child.name.startswith("."):
                        found.setdefault(str(child.resolve()), child)
            elif path.exists() or not glob.has_magic(spec):
                # A named file is taken whatever its extension: if it is not audio, the manifest says so.
                found.setdefault(str(path.resolve()), path)
    return [found[k] for k in sorted(found)]


def plan(paths: list[Path]) -> list[Item]:
    """Keys and output stems: paths below the inputs' common folder, extension kept on a clash."""
    if not paths:
        return []
    resolved = [p.resolve() for p in paths]
    root = Path(os.path.commonpath([str(p.parent) for p in resolved]))
    keys = [p.relative_to(root).as_posix() for p in resolved]
    stems = [k.rsplit(".", 1)[0] if "." in Path(k).name else k for k in keys]
    clashes = {s for s in stems if stems.count(s) > 1}
    return [Item(path, key, key if stem in clashes else stem, picture=starting_picture(path))
            for path, key, stem in zip(paths, keys, stems)]


def starting_picture(recording: Path) -> Path | None:
    """The picture beside ``recording`` with the same stem (``visit.wav`` → ``visit.jpg``), if any."""
    from ..pictures import SUFFIXES

    beside = {p.suffix.lower(): p for p in recording.parent.glob(glob.escape(recording.stem) + ".*")
              if p.is_file() and p.stem == recording.stem}
    return next((beside[s] for s in SUFFIXES if s in beside), None)


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fp:
        for block in iter(lambda: fp.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def seed_for(item: Item) -> int:
    """A seed from the audio's content: the same recording always draws the same image."""
    return int(item.sha256[:8], 16)


def with_seed(request, item: Item, operator_seed: int | None):
    if request.settings.seed is not None or operator_seed is not None:
        return request
    return replace(request, settings=replace(request.settings, seed=seed_for(item)))


def pending(items: list[Item], manifest, retry_failed: bool, out_dir: Path, summary: Summary) -> list[Item]:
    """The items still to do: new or changed content, failures when asked, done items whose files are gone."""
    from .manifest import DONE, FAILED, NO_SPEECH

    todo = []
    for item in items:
        try:
            digest = content_hash(item.path)
            if item.picture is not None:  # a changed picture is a changed item
                digest = hashlib.sha256(f"{digest} {content_hash(item.picture)}".encode()).hexdigest()
            item = replace(item, sha256=digest)
        except OSError:
            todo.append(item)  # unreadable: the hearing stage records why
            continue
        row = manifest.get(item.key)
        if row and row["sha256"] == item.sha256:
            if row["status"] == DONE and all((out_dir / o).is_file() for o in row["outputs"]):
                summary.skipped += 1
                continue
            if row["status"] == NO_SPEECH or (row["status"] == FAILED and not retry_failed):
                summary.skipped += 1
                continue
        todo.append(item)
    return todo


def run_batch(inputs: list[str], out_dir: str | os.PathLike, pipeline, *, retry_failed: bool = False,
              engine: str = "local", ray_address: str | None = None, overlap: bool = True,
              progress: bool | None = None, report=None) -> Summary:
    """Run a batch; ``report(message)`` receives one line per problem (default: nothing)."""
    from ..keep import remove_stale_temporaries
    from .manifest import Manifest

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out)  # what a killed run was writing when it died
    items = plan(find_inputs(inputs))
    if not items:
        raise Voice2ImgError("no audio files found in the inputs given")
    manifest = Manifest(out)
    summary = Summary()
    try:
        todo = pending(items, manifest, retry_failed, out, summary)
        if engine == "ray":
            from .ray_engine import run_on_ray

            run_on_ray(todo, out, pipeline, manifest, summary, address=ray_address, progress=progress, report=report)
        elif engine == "local":
            from .local import run_locally

            run_locally(todo, out, pipeline, manifest, summary, overlap=overlap, progress=progress, report=report)
        else:
            raise Voice2ImgError(f"unknown batch engine {engine!r}; choose local or ray")
    finally:
        manifest.export()
        manifest.close()
    return summary
