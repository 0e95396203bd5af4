"""End of speech → image on a GPU, per stage, with real-size architectures and random weights.

    python benchmarks/gpu.py [--out report.json] [--compile]      # on a CUDA machine, < 10 minutes
    python benchmarks/gpu.py --smoke                                # tiny configs on the CPU: checks it runs
    python benchmarks/gpu.py --batching [--smoke]                   # only the serving batch (diffusers alone)

Nothing is downloaded: the models are built from their published configs with random weights,
which cost the same time as the trained ones for a fixed number of tokens and steps.

- hear: Whisper tiny and large-v3-turbo converted to CTranslate2 float16 (what faster-whisper runs),
  encoder in the short window voice2img uses and in Whisper's full 30 s, and the decoder run for
  the number of tokens the spoken prompt really has (random weights never say "end");
- understand: the rules rewriter;
- draw: SD-Turbo and SDXL-Turbo, float16, one step at 512×512, with the full VAE and with the tiny
  autoencoder, and image to image from a 512×512 picture at strength 0.5 (full VAE); --compile adds
  torch.compile on the UNet;
- keep: PNG with metadata;
- batching (what `serve --ray`'s Draw replicas do, voice2img.serving): 1, 4, 8 and 16 requests
  drawn in one diffusers call through Renderer.render_many, each with its own seed's generator,
  against the same requests drawn one at a time, SD-Turbo and SDXL-Turbo, float16, 512×512, one
  step, tiny autoencoder; and the largest pixel difference between a seed drawn in a batch and
  alone. `--batching` runs only this part, which needs diffusers and nothing of Whisper's.
Prints JSON (and writes it to --out).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SPOKEN = "a red fox sleeping in the snow, watercolor painting"
WHISPER = {  # HF WhisperConfig fields of the published checkpoints
    "tiny": dict(d_model=384, encoder_layers=4, decoder_layers=4, encoder_attention_heads=6, decoder_attention_heads=6,
                 encoder_ffn_dim=1536, decoder_ffn_dim=1536, num_mel_bins=80, vocab_size=51865),
    "large-v3-turbo": dict(d_model=1280, encoder_layers=32, decoder_layers=4, encoder_attention_heads=20,
                           decoder_attention_heads=20, encoder_ffn_dim=5120, decoder_ffn_dim=5120, num_mel_bins=128,
                           vocab_size=51866),
    "smoke": dict(d_model=64, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2, decoder_attention_heads=2,
                  encoder_ffn_dim=128, decoder_ffn_dim=128, num_mel_bins=80, vocab_size=51865),
}


def clock(fn, sync, repeat=3):
    fn()  # warm-up
    sync()
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        sync()
        best = min(best, time.perf_counter() - started)
    return round(best, 4)


def whisper_ct2(name: str, folder: Path, device: str) -> Path:
    """A random Whisper of the named size, converted to CTranslate2 like faster-whisper's models."""
    import ctranslate2
    from transformers import WhisperConfig, WhisperForConditionalGeneration, WhisperTokenizerFast

    from voice2img.hear.bundled import bundled_model_dir

    hf, ct2 = folder / f"{name}-hf", folder / f"{name}-ct2"
    WhisperForConditionalGeneration(WhisperConfig(max_source_positions=1500, max_target_positions=448,
                                                  **WHISPER[name])).save_pretrained(hf)
    WhisperTokenizerFast(tokenizer_file=str(bundled_model_dir() / "tokenizer.json")).save_pretrained(hf)
    ctranslate2.converters.TransformersConverter(str(hf)).convert(str(ct2), quantization="float16")
    shutil.copy(bundled_model_dir() / "tokenizer.json", ct2)
    (ct2 / "preprocessor_config.json").write_text(json.dumps({"feature_size": WHISPER[name]["num_mel_bins"]}))
    shutil.rmtree(hf)
    return ct2


def hear_stage(name, folder, device, audio, sync):
    import ctranslate2
    from faster_whisper import WhisperModel
    from faster_whisper.tokenizer import Tokenizer

    from voice2img.hear.short import window_frames

    model = WhisperModel(str(whisper_ct2(name, folder, device)), device=device,
                         compute_type="float16" if device == "cuda" else "int8")
    tokenizer = Tokenizer(model.hf_tokenizer, True, task="transcribe", language="en")
    prompt = list(tokenizer.sot_sequence) + [tokenizer.no_timestamps]
    n_tokens = len(tokenizer.encode(" " + SPOKEN)) + 1
    out = {"tokens_decoded": n_tokens}
    for label, frames in (("short_window", window_frames(len(audio))), ("full_window", 3000)):
        padded = np.zeros(frames * 160, np.float32)
        padded[:len(audio)] = audio[:frames * 160]
        mel = model.feature_extractor(padded)[:, :frames]
        features = ctranslate2.StorageView.from_array(np.ascontiguousarray(mel[None], dtype=np.float32))
        encoded = model.model.encode(features, to_cpu=False)
        out[f"{label}_frames"] = frames
        out[f"{label}_encode_s"] = clock(lambda: model.model.encode(features, to_cpu=False), sync)
        out[f"{label}_decode_s"] = clock(lambda: model.model.generate(
            encoded, [prompt], beam_size=5, max_length=len(prompt) + n_tokens,
            suppress_tokens=[-1, tokenizer.eot]), sync)  # no early end: exactly the prompt's tokens
    out["features_s"] = clock(lambda: model.feature_extractor(np.zeros(window_frames(len(audio)) * 160, np.float32)), lambda: None)
    out["hear_s"] = round(out["features_s"] + out["short_window_encode_s"] + out["short_window_decode_s"], 4)
    return out


def draw_stage(family, device, dtype, compile_unet, sync, smoke):
    import torch
    from diffusers import AutoencoderTiny

    from voice2img.testing import build_random_pipeline, build_tiny_pipeline

    pipe = (build_tiny_pipeline() if smoke else build_random_pipeline(family)).to(device=device, dtype=dtype)
    pipe.set_progress_bar_config(disable=True)
    size = 64 if smoke else 512
    run = lambda: pipe(prompt=SPOKEN, num_inference_steps=1, guidance_scale=0.0, width=size, height=size,  # noqa: E731
                       generator=torch.Generator("cpu").manual_seed(0)).images[0]
    out = {"size": size}
    with torch.inference_mode():
        out["full_vae_s"] = clock(run, sync)
        # Image to image from a picture of the same size, at the profile's strength 0.5 (2 steps, 1 runs),
        # made from the same components as voice2img's Renderer makes it.
        from diffusers import AutoPipelineForImage2Image
        from PIL import Image

        img2img = AutoPipelineForImage2Image.from_pipe(pipe, **pipe.components)
        picture = Image.fromarray(np.random.default_rng(0).integers(0, 255, (size, size, 3), dtype=np.uint8))
        out["image_to_image_s"] = clock(lambda: img2img(prompt=SPOKEN, image=picture, strength=0.5, num_inference_steps=2,
                                                        guidance_scale=0.0, generator=torch.Generator("cpu").manual_seed(0)),
                                        sync)
        out["image_to_image_over_text_to_image"] = round(out["image_to_image_s"] / out["full_vae_s"], 3)
        img2img = None
        full_vae = pipe.vae
        pipe.vae = AutoencoderTiny().to(device=device, dtype=dtype) if not smoke else full_vae
        out["tiny_vae_s"] = clock(run, sync)
        if compile_unet and not smoke:
            started = time.perf_counter()
            pipe.unet = torch.compile(pipe.unet, mode="max-autotune-no-cudagraphs")
            run()
            sync()
            out["compile_first_call_s"] = round(time.perf_counter() - started, 1)
            out["tiny_vae_compiled_s"] = clock(run, sync)
        image = run()
    pipe = run = None  # free the GPU memory before the next family
    if device == "cuda":
        torch.cuda.empty_cache()
    return out, image


def batching_stage(family, device, dtype, sync, smoke, crowds=(1, 4, 8, 16)):
    """Images per second drawn N at a time in one call against one at a time, and how far a
    seed's picture drawn in the batch is from the same seed drawn alone."""
    import torch
    from diffusers import AutoencoderTiny

    from voice2img.draw import DrawingOptions, Renderer
    from voice2img.testing import build_random_pipeline, build_tiny_pipeline
    from voice2img.understand import ImageRequest, RequestSettings

    pipe = (build_tiny_pipeline() if smoke else build_random_pipeline(family)).to(device=device, dtype=dtype)
    if not smoke:
        pipe.vae = AutoencoderTiny().to(device=device, dtype=dtype)
    pipe.set_progress_bar_config(disable=True)
    size = 64 if smoke else 512
    renderer = Renderer(DrawingOptions(model=family, profile=family, steps=1, guidance=0.0, width=size, height=size,
                                       device=device))
    renderer.pipe, renderer._free, renderer.device, renderer.dtype = pipe, [pipe], device, str(dtype).split(".")[-1]
    items = [(r, renderer.settings_for(r)) for r in (ImageRequest(f"{SPOKEN}, number {i}", settings=RequestSettings(seed=i))
                                                     for i in range(max(crowds)))]
    out = {"size": size, "crowds": {}}
    for n in crowds:
        together = clock(lambda: renderer.render_many(items[:n]), sync, repeat=2)
        alone = clock(lambda: [renderer.render_many([item]) for item in items[:n]], sync, repeat=2)
        out["crowds"][n] = {"one_call_s": together, "one_at_a_time_s": alone, "speedup": round(alone / together, 2),
                            "images_per_s_batched": round(n / together, 1)}
    first_alone = np.asarray(renderer.render_many(items[:1])[0].image, dtype=np.int16)
    first_batched = np.asarray(renderer.render_many(items[:4])[0].image, dtype=np.int16)
    out["seed_0_batched_vs_alone_max_diff"] = int(np.abs(first_alone - first_batched).max())
    out["seed_0_batched_vs_alone_mean_diff"] = round(float(np.abs(first_alone - first_batched).mean()), 3)
    renderer = pipe = None
    if device == "cuda":
        torch.cuda.empty_cache()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny configs on the CPU, to check the script runs")
    parser.add_argument("--compile", action="store_true", help="also time torch.compile on the UNet")
    parser.add_argument("--out", help="also write the JSON report here")
    parser.add_argument("--batching", action="store_true", help="only the serving batch: diffusers alone, no Whisper")
    args = parser.parse_args()
    import torch

    if args.batching:
        device = "cpu" if args.smoke else "cuda"
        sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
        dtype = torch.float16 if device == "cuda" else torch.float32
        started = time.perf_counter()
        report = {"device": torch.cuda.get_device_name() if device == "cuda" else "cpu (smoke)", "torch": torch.__version__,
                  "batching": {}}
        for family in (["sd-turbo"] if args.smoke else ["sd-turbo", "sdxl-turbo"]):
            report["batching"][family] = batching_stage(family, device, dtype, sync, args.smoke,
                                                        (1, 2) if args.smoke else (1, 4, 8, 16))
            print(json.dumps({family: report["batching"][family]}), file=sys.stderr, flush=True)
        return finish(report, started, args.out)

    from voice2img import keep
    from voice2img.audio import load_audio
    from voice2img.understand.rules import RulesRewriter

    device = "cpu" if args.smoke else "cuda"
    if device == "cuda" and not torch.cuda.is_available():
        print("benchmarks/gpu.py: no CUDA GPU here; use --smoke on a CPU machine", file=sys.stderr)
        return 2
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    dtype = torch.float16 if device == "cuda" else torch.float32
    audio = load_audio(ROOT / "samples" / "red_fox.wav").samples
    report = {"device": torch.cuda.get_device_name() if device == "cuda" else "cpu (smoke)",
              "torch": torch.__version__, "audio_s": round(len(audio) / 16000, 2), "hear": {}, "draw": {}}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for name in (["smoke"] if args.smoke else ["tiny", "large-v3-turbo"]):
            report["hear"][name] = hear_stage(name, Path(tmp), device, audio, sync)
        rewriter = RulesRewriter()
        report["understand_s"] = clock(lambda: rewriter.rewrite("Um, can you draw me " + SPOKEN + ", thank you."), lambda: None)
        image = None
        for family in (["sd-turbo"] if args.smoke else ["sd-turbo", "sdxl-turbo"]):
            report["draw"][family], image = draw_stage(family, device, dtype, args.compile, sync, args.smoke)
        report["keep_s"] = clock(lambda: keep.save(image, tmp, "bench", "p", {}, overwrite=True), lambda: None)
    totals = {}
    for asr, h in report["hear"].items():
        for family, d in report["draw"].items():
            totals[f"{asr} + {family} (tiny VAE)"] = round(h["hear_s"] + report["understand_s"] + d["tiny_vae_s"] + report["keep_s"], 3)
    report["end_of_speech_to_image_s"] = totals
    report["note"] = ("after the live endpoint's pause (600 ms by default, a setting); hearing starts during the pause, "
                      "so on a fast GPU most of it is hidden")
    return finish(report, started, args.out)


def finish(report: dict, started: float, out: str | None) -> int:
    report["benchmark_seconds"] = round(time.perf_counter() - started, 1)
    text = json.dumps(report, indent=2)
    print(text)
    if out:
        Path(out).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
