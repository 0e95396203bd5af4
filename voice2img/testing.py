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


def save_tiny_autoencoder(folder: str | os.PathLike) -> Path:
    """A small random AutoencoderTiny (TAESD's architecture, fewer channels) in diffusers format."""
    import torch
    from diffusers import AutoencoderTiny

    torch.manual_seed(0)
    AutoencoderTiny(encoder_block_out_channels=(8, 8, 8, 8), decoder_block_out_channels=(8, 8, 8, 8)).save_pretrained(folder)
    return Path(folder)


def save_tiny_pipeline(folder: str | os.PathLike) -> Path:
    folder = Path(folder)
    build_tiny_pipeline().save_pretrained(folder, safe_serialization=True)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m voice2img.testing", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    tiny = sub.add_parser("tiny-pipeline", help="write a tiny random Stable Diffusion pipeline (draws noise)")
    tiny.add_argument("folder")
    vae = sub.add_parser("tiny-autoencoder", help="write a small random AutoencoderTiny (for --vae PATH)")
    vae.add_argument("folder")
    args = parser.parse_args(argv)
    if args.command == "tiny-autoencoder":
        print(f"wrote a small random-weight AutoencoderTiny to {save_tiny_autoencoder(args.folder)}")
        return 0
    folder = save_tiny_pipeline(args.folder)
    print(f"wrote a tiny random-weight Stable Diffusion pipeline to {folder} (it draws noise)")
    return 0


if __name__ == "__main__":
    sys.exit(main())


# -- real-size architectures with random weights, for speed measurements -----------------------
# Speed does not depend on the weights' values, so these measure what SD-Turbo and SDXL-Turbo
# cost without downloading them. Configs follow the published model_index/config files.
def build_random_pipeline(family: str = "sd-turbo", tiny_vae: bool = False, dtype=None):
    """A randomly initialised pipeline with the real architecture of ``family`` (sd-turbo or sdxl-turbo)."""
    import tempfile

    import torch
    from diffusers import (AutoencoderKL, AutoencoderTiny, EulerDiscreteScheduler, StableDiffusionPipeline,
                           StableDiffusionXLPipeline, UNet2DConditionModel)
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

    torch.manual_seed(0)
    scheduler = EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                                       timestep_spacing="trailing", steps_offset=1)
    vae = AutoencoderTiny() if tiny_vae else AutoencoderKL(
        block_out_channels=(128, 256, 512, 512), down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4, latent_channels=4, layers_per_block=2, sample_size=512)
    with tempfile.TemporaryDirectory() as tmp:
        write_tiny_tokenizer(Path(tmp))
        tokenizer = CLIPTokenizer.from_pretrained(tmp)
    clip = dict(vocab_size=49408, max_position_embeddings=77, hidden_act="gelu", bos_token_id=514, eos_token_id=515,
                pad_token_id=515)
    if family == "sd-turbo":
        unet = UNet2DConditionModel(
            sample_size=64, in_channels=4, out_channels=4, layers_per_block=2, block_out_channels=(320, 640, 1280, 1280),
            down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
            up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3,
            cross_attention_dim=1024, attention_head_dim=(5, 10, 20, 20), use_linear_projection=True)
        text = CLIPTextModel(CLIPTextConfig(hidden_size=1024, intermediate_size=4096, num_attention_heads=16,
                                            num_hidden_layers=23, projection_dim=512, **clip))
        pipe = StableDiffusionPipeline(unet=unet, vae=vae, text_encoder=text, tokenizer=tokenizer, scheduler=scheduler,
                                       safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    elif family == "sdxl-turbo":
        unet = UNet2DConditionModel(
            sample_size=64, in_channels=4, out_channels=4, layers_per_block=2, block_out_channels=(320, 640, 1280),
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
            transformer_layers_per_block=(1, 2, 10), attention_head_dim=(5, 10, 20), cross_attention_dim=2048,
            use_linear_projection=True, addition_embed_type="text_time", addition_time_embed_dim=256,
            projection_class_embeddings_input_dim=2816)
        text = CLIPTextModel(CLIPTextConfig(hidden_size=768, intermediate_size=3072, num_attention_heads=12,
                                            num_hidden_layers=12, projection_dim=768, hidden_act="quick_gelu",
                                            **{k: v for k, v in clip.items() if k != "hidden_act"}))
        text_2 = CLIPTextModelWithProjection(CLIPTextConfig(hidden_size=1280, intermediate_size=5120,
                                                            num_attention_heads=20, num_hidden_layers=32,
                                                            projection_dim=1280, **clip))
        pipe = StableDiffusionXLPipeline(unet=unet, vae=vae, text_encoder=text, text_encoder_2=text_2,
                                         tokenizer=tokenizer, tokenizer_2=tokenizer, scheduler=scheduler)
    else:
        raise ValueError(f"unknown family {family!r}")
    if dtype is not None:
        pipe = pipe.to(dtype=dtype)
    pipe.set_progress_bar_config(disable=True)
    return pipe
