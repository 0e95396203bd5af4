"""The Ray engine: the same batch on a Ray cluster (``pip install 'voice2img[ray]'``).

Ray Data streams the inputs through two actor pools — hearing actors (CPU) and drawing actors
(one GPU each when the cluster has GPUs) — so each model loads once per actor. Results come back
to the driver, which alone writes the files and the manifest: the same names, the same resume
rules and, because seeds come from the audio's content, the same pixels as the local engine on
the same kind of device. On an existing cluster (``--ray-address``) every node needs voice2img
installed, and the driver's output folder is where the images land.
"""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

from ..errors import ModelUnavailableError, Voice2ImgError
from ..pictures import load_picture
from . import Item, Summary, with_seed
from .local import HEAR_BATCH, finish_one


class _Hear:
    def __init__(self, hearing, rewriter, channel, max_audio_seconds, decode_timeout_s):
        from ..pipeline import Pipeline

        self.pipeline = Pipeline(hearing, rewriter=rewriter, channel=channel, max_audio_seconds=max_audio_seconds,
                                 decode_timeout_s=decode_timeout_s)

    def __call__(self, batch: dict) -> dict:
        from .local import hear_many

        items = [pickle.loads(blob) for blob in batch["item"]]
        try:
            outcomes = hear_many(self.pipeline, items)
        except ModelUnavailableError as exc:  # handed to the driver, which stops the batch
            outcomes = [(item, None, exc) for item in items]
        return {"item": batch["item"], "heard": [pickle.dumps(o) for o in outcomes]}


class _Draw:
    def __init__(self, drawing, safety):
        from ..pipeline import Pipeline

        self.pipeline = Pipeline(drawing=drawing, safety=safety)

    def __call__(self, batch: dict) -> dict:
        out = []
        for blob in batch["heard"]:
            item, heard, error = pickle.loads(blob)
            drawn = None
            if error is None:
                request = with_seed(heard.request, item, self.pipeline.drawing.seed)
                try:  # drawn here, kept by the driver: Pipeline.make without an output folder
                    init = load_picture(item.picture) if item.picture else None
                    drawn = self.pipeline.make(replace(heard, request=request), init=init)
                except Voice2ImgError as exc:  # ModelUnavailableError included: the driver stops on it
                    error = exc
            out.append(pickle.dumps((item, heard, drawn, error)))
        return {"result": out}


def run_on_ray(items: list[Item], out: Path, pipeline, manifest, summary: Summary, *, address: str | None = None,
               progress: bool | None = None, report=None) -> None:
    try:
        import ray
    except ImportError:
        raise Voice2ImgError("the Ray engine needs Ray: pip install 'voice2img[ray]'") from None
    if not items:
        return
    from tqdm import tqdm

    import logging

    logging.getLogger("ray.data").setLevel(logging.WARNING)
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=address, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True,
                 logging_level="ERROR")
    try:
        gpus = ray.cluster_resources().get("GPU", 0)
        # Ray runs workers with one math thread; the float sums of a convolution depend on how the
        # work is split, so actors use this process's thread count to draw the very same pixels.
        threads = {"env_vars": {"OMP_NUM_THREADS": str(_threads())}}
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.execution_options.preserve_order = False
        data = ray.data.from_items([{"item": pickle.dumps(i)} for i in items],
                                   override_num_blocks=max(1, -(-len(items) // HEAR_BATCH)))
        heard = data.map_batches(_Hear, batch_size=HEAR_BATCH, concurrency=1, num_cpus=1, runtime_env=threads,
                                 fn_constructor_kwargs={"hearing": pipeline.hearing, "rewriter": pipeline.rewriter,
                                                        "channel": pipeline.channel,
                                                        "max_audio_seconds": pipeline.max_audio_seconds,
                                                        "decode_timeout_s": pipeline.decode_timeout_s})
        drawn = heard.map_batches(_Draw, batch_size=1, concurrency=max(1, int(gpus)) if gpus else 1,
                                  num_cpus=0 if gpus else 1, num_gpus=1 if gpus else 0, runtime_env=threads,
                                  fn_constructor_kwargs={"drawing": pipeline.drawing, "safety": pipeline.safety_options})
        bar = tqdm(total=len(items), unit="file", disable=progress is False if progress is not None else None,
                   dynamic_ncols=True, desc="voice2img batch (ray)")
        try:
            for row in drawn.iter_rows():
                item, heard_result, drawn, error = pickle.loads(row["result"])
                if isinstance(error, ModelUnavailableError):
                    raise error
                finish_one(pipeline, item, heard_result, error, out, manifest, summary, report, drawn=drawn)
                bar.update(1)
        finally:
            bar.close()
    finally:
        if started_here:
            ray.shutdown()


def _threads() -> int:
    import torch

    return torch.get_num_threads()
