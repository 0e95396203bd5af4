"""Draw options on real-size architectures with random weights (speed does not depend on values).

    .venv/bin/python benchmarks/draw.py [--family sd-turbo] [--size 512] [--device cpu]

Builds the family's real architecture (voice2img.testing.build_random_pipeline) and times, in one
run: the text encoder, one UNet step, the full VAE decode against the tiny autoencoder
(AutoencoderTiny, TAESD's architecture), and the UNet step with attention slicing and with
channels-last memory. On a GPU (--device cuda) it also times float16. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed(fn, repeat=2, sync=None):
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        if sync:
            sync()
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def measure(family, size, device, dtype, repeat):
    import torch
    from diffusers import AutoencoderTiny

    from voice2img.testing import build_random_pipeline

    pipe = build_random_pipeline(family).to(device=device, dtype=dtype)
    tiny = AutoencoderTiny().to(device=device, dtype=dtype)
    sync = torch.cuda.synchronize if device.startswith("cuda") else None
    latents = torch.randn(1, 4, size // 8, size // 8, device=device, dtype=dtype)
    ids = pipe.tokenizer("a red fox in the snow", padding="max_length", max_length=77, return_tensors="pt").input_ids.to(device)
    out = {}
    with torch.inference_mode():
        encoder = pipe.text_encoder
        out["text_encoder_s"] = timed(lambda: encoder(ids), repeat, sync)
        if family == "sd-turbo":
            context = encoder(ids)[0]
            added = {}
        else:
            context = torch.randn(1, 77, 2048, device=device, dtype=dtype)
            added = {"added_cond_kwargs": {"text_embeds": torch.randn(1, 1280, device=device, dtype=dtype),
                                           "time_ids": torch.tensor([[size, size, 0, 0, size, size]], device=device, dtype=dtype)}}
        t = torch.tensor([999], device=device)
        step = lambda: pipe.unet(latents, t, encoder_hidden_states=context, **added)  # noqa: E731
        out["unet_step_s"] = timed(step, repeat, sync)
        pipe.unet.set_attention_slice("auto")
        out["unet_step_attention_slicing_s"] = timed(step, repeat, sync)
        pipe.unet.set_attn_processor(pipe.unet.attn_processors)  # undo slicing
        from diffusers.models.attention_processor import AttnProcessor2_0

        pipe.unet.set_attn_processor(AttnProcessor2_0())
        pipe.unet.to(memory_format=torch.channels_last)
        out["unet_step_channels_last_s"] = timed(step, repeat, sync)
        pipe.unet.to(memory_format=torch.contiguous_format)
        scale = pipe.vae.config.scaling_factor
        out["vae_decode_full_s"] = timed(lambda: pipe.vae.decode(latents / scale), 1, sync)
        out["vae_decode_tiny_s"] = timed(lambda: tiny.decode(latents), repeat, sync)
    out["tiny_over_full_decode"] = round(out["vae_decode_full_s"] / out["vae_decode_tiny_s"], 1)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--family", default="sd-turbo", choices=["sd-turbo", "sdxl-turbo"])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    import torch

    report = {"family": args.family, "size": args.size, "device": args.device, "torch_threads": torch.get_num_threads()}
    report["float32"] = measure(args.family, args.size, args.device, torch.float32, args.repeat)
    if args.device.startswith("cuda"):
        report["float16"] = measure(args.family, args.size, args.device, torch.float16, args.repeat)
        report["gpu"] = torch.cuda.get_device_name()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
