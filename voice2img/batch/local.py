"""The local batch engine: one process, models loaded once, hearing overlapped with drawing.

A hearing thread decodes, hears and understands the next files — several at once, which
faster-whisper decodes as one batch — while the main thread draws the current one;
CTranslate2 and PyTorch release the GIL in their kernels, so the two stages share the CPU (or
the CPU and the GPU) instead of taking turns. The main thread alone writes files and the manifest.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import replace
from pathlib import Path

from ..errors import ModelUnavailableError, NoSpeechError, Voice2ImgError
from ..pictures import load_picture
from . import Item, Summary, with_seed
from .manifest import DONE, FAILED, NO_SPEECH

_END = object()
HEAR_BATCH = 8  # files heard together (faster-whisper decodes short clips in one batch)


def hear_many(pipeline, items: list[Item]) -> list:
    """(item, heard Result or None, error or None) per item, decoded together where the backend can.
    A model that cannot load raises: it stops the batch."""
    outcomes = pipeline.hear_and_understand_many([item.path for item in items])
    return [(item, None, o) if isinstance(o, Voice2ImgError) else (item, o, None) for item, o in zip(items, outcomes)]


def finish_one(pipeline, item: Item, heard, error, out: Path, manifest, summary: Summary, report, drawn=None) -> None:
    """Draw (unless hearing failed, or ``drawn`` is the result already drawn), keep, and record one
    item in the manifest."""

    def failed(message: str, status: str = FAILED, **heard_fields) -> None:
        manifest.record(item.key, item.sha256, status, reason=message, **heard_fields)
        if status == NO_SPEECH:
            summary.no_speech += 1
        else:
            summary.failed += 1
            summary.failures.append(message)
        if report:
            report(message)

    if error is not None:
        failed(str(error), NO_SPEECH if isinstance(error, NoSpeechError) else FAILED)
        return
    request = with_seed(heard.request, item, pipeline.drawing.seed)
    try:
        if drawn is not None:  # drawn elsewhere (a Ray actor): kept here
            result = pipeline.keep(drawn, out, stem=item.stem, overwrite=True)
        else:
            init = load_picture(item.picture) if item.picture else None
            result = pipeline.make(replace(heard, request=request), out, stem=item.stem, overwrite=True, init=init)
    except ModelUnavailableError:
        raise
    except Voice2ImgError as exc:
        failed(f"{item.path}: {exc}", transcript=heard.transcript.shown, prompt=request.prompt,
               negative_prompt=request.negative_prompt)
        return
    manifest.record(item.key, item.sha256, DONE, transcript=result.transcript.shown, prompt=result.request.prompt,
                    negative_prompt=result.request.negative_prompt, settings=result.request.settings.as_dict(),
                    seeds=[d.seed for d in result.drawings],
                    outputs=[p.relative_to(out).as_posix() for p in result.png_paths + result.json_paths],
                    timings={k: round(v, 4) for k, v in result.timings.items()},
                    safety=[d.safety for d in result.drawings if d.safety is not None],
                    init_image=result.drawing.init.record() if result.drawing.init is not None else None)
    summary.done += 1


def run_locally(items: list[Item], out: Path, pipeline, manifest, summary: Summary, *, overlap: bool = True,
                progress: bool | None = None, report=None) -> None:
    from tqdm import tqdm

    bar = tqdm(total=len(items), unit="file", disable=progress is False if progress is not None else None,
               dynamic_ncols=True, desc="voice2img batch")
    try:
        if not overlap:
            for item in items:
                finish_one(pipeline, *hear_many(pipeline, [item])[0], out, manifest, summary, report)
                bar.update(1)
            return
        heard: queue.Queue = queue.Queue(maxsize=HEAR_BATCH)  # bounded: hearing runs at most a batch ahead
        stop = threading.Event()

        def hear_all():
            try:
                for start in range(0, len(items), HEAR_BATCH):
                    if stop.is_set():
                        return
                    for got in hear_many(pipeline, items[start:start + HEAR_BATCH]):
                        heard.put(got)
            except BaseException as exc:  # noqa: BLE001 — handed to the main thread, which re-raises
                heard.put(exc)
            finally:
                heard.put(_END)

        thread = threading.Thread(target=hear_all, name="voice2img-hear", daemon=True)
        thread.start()
        try:
            while (got := heard.get()) is not _END:
                if isinstance(got, BaseException):
                    raise got
                finish_one(pipeline, got[0], got[1], got[2], out, manifest, summary, report)
                bar.update(1)
        finally:
            stop.set()
            while thread.is_alive():  # unblock the hearing thread if it waits on a full queue
                try:
                    heard.get(timeout=0.1)
                except queue.Empty:
                    pass
    finally:
        bar.close()
