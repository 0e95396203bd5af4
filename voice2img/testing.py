"""Offline stand-ins for models that live on a hub.

``python -m voice2img.testing tiny-pipeline DIR`` writes a tiny, randomly initialised Stable
Diffusion pipeline in diffusers format. It draws noise, not pictures — but it travels through
exactly the ``from_pretrained`` path a hub model takes, so tests and machines with no network
exercise the real loading, rendering and saving code. Built from configs the way diffusers' own
tests build theirs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path


def _bytes_to_unicode() -> dict[int, str]:
    # The byte → printable-character table that GPT-2/CLIP byte-level BPE uses.
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def write_tiny_tokenizer(folder: Path) -> None:
    """A byte-level CLIP tokenizer: every byte alone and as a word end, plus the specials.

    transformers 5 ignores ``vocab_file``/``merges_file`` passed to CLIPTokenizer's
    constructor, so the files are written to a folder and loaded with from_pretrained.
    """
    from transformers import CLIPTokenizer

    chars = list(_bytes_to_unicode().values())
    vocab = {c: i for i, c in enumerate(chars)}
    for c in chars:
        vocab[c + "</w>"] = len(vocab)
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "vocab.json").write_text(json.dumps(vocab))
        (Path(tmp) / "merges.txt").write_text("#version: 0.2\n")
        tokenizer = CLIPTokenizer.from_pretrained(tmp, model_max_length=77)
    tokenizer.save_pretrained(folder)


def build_tiny_pipeline(seed: int = 0):
    """A StableDiffusionPipeline with random weights and a few thousand parameters a part."""
    import torch
    from diffusers import (AutoencoderKL, EulerDiscreteScheduler, StableDiffusionPipeline,
                           UNet2DConditionModel)
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(seed)
    unet = UNet2DConditionModel(
        block_out_channels=(8, 16), layers_per_block=1, sample_size=32, in_channels=4, out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32, norm_num_groups=4, attention_head_dim=2,
    )
    # Four VAE blocks: latents are 1/8 of the image side, as in every real Stable Diffusion.
    vae = AutoencoderKL(
        block_out_channels=(4, 4, 8, 8), in_channels=3, out_channels=3, norm_num_groups=4, latent_channels=4,
        sample_size=64, down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
    )
    text_encoder = CLIPTextModel(CLIPTextConfig(
        bos_token_id=514, eos_token_id=515, pad_token_id=515, hidden_size=32, intermediate_size=37,
        layer_norm_eps=1e-05, num_attention_heads=4, num_hidden_layers=2, vocab_size=516,
        max_position_embeddings=77,
    ))
    scheduler = EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                                       timestep_spacing="trailing", steps_offset=1)
    with tempfile.TemporaryDirectory() as tmp:
        write_tiny_tokenizer(Path(tmp))
        tokenizer = CLIPTokenizer.from_pretrained(tmp)
    return StableDiffusionPipeline(
        unet=unet, vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, scheduler=scheduler,
        safety_checker=None, feature_extractor=None, requires_safety_checker=False,
    )


def save_tiny_pipeline(folder: str | os.PathLike) -> Path:
    folder = Path(folder)
    build_tiny_pipeline().save_pretrained(folder, safe_serialization=True)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m voice2img.testing", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    tiny = sub.add_parser("tiny-pipeline", help="write a tiny random Stable Diffusion pipeline (draws noise)")
    tiny.add_argument("folder")
    args = parser.parse_args(argv)
    folder = save_tiny_pipeline(args.folder)
    print(f"wrote a tiny random-weight Stable Diffusion pipeline to {folder} (it draws noise)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
