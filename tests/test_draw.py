"""Draw and keep: a diffusers pipeline saved to disk, loaded through the public path, renders a PNG
whose metadata says what was asked; the same seed gives the same pixels."""

import json

import numpy as np
import pytest
from PIL import Image

from voice2img.draw import DrawingOptions, Renderer, profile_for
from voice2img.errors import ModelUnavailableError, Voice2ImgError
from voice2img.keep import a1111_parameters, parse_a1111_parameters, read_metadata, save
from voice2img.understand import ImageRequest, RequestSettings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def renderer(tiny_model_dir):
    return Renderer(DrawingOptions(model=str(tiny_model_dir), steps=2, width=64, height=64))


def pixels(drawing):
    return np.asarray(drawing.image)


def test_the_saved_pipeline_loads_through_from_pretrained_and_renders(renderer):
    drawing = renderer.render(ImageRequest("a red fox", settings=RequestSettings(seed=7)))
    assert drawing.image.size == (64, 64) and drawing.image.mode == "RGB"
    assert pixels(drawing).std() > 0  # not a blank image
    assert type(renderer.pipe).__name__ == "StableDiffusionPipeline"
    assert (drawing.seed, drawing.steps, drawing.sampler, drawing.device) == (7, 2, "Euler", "cpu")


def test_same_seed_same_pixels_other_seed_other_pixels(renderer):
    a = renderer.render(ImageRequest("a red fox", settings=RequestSettings(seed=1)))
    b = renderer.render(ImageRequest("a red fox", settings=RequestSettings(seed=1)))
    c = renderer.render(ImageRequest("a red fox", settings=RequestSettings(seed=2)))
    assert np.array_equal(pixels(a), pixels(b))
    assert not np.array_equal(pixels(a), pixels(c))


def test_a_fresh_load_of_the_same_model_gives_the_same_pixels(renderer, tiny_model_dir):
    again = Renderer(DrawingOptions(model=str(tiny_model_dir), steps=2, width=64, height=64))
    request = ImageRequest("a lighthouse", settings=RequestSettings(seed=99))
    assert np.array_equal(pixels(renderer.render(request)), pixels(again.render(request)))


def test_without_a_seed_one_is_chosen_and_reported(renderer):
    first = renderer.render(ImageRequest("a cat"))
    second = renderer.render(ImageRequest("a cat"))
    assert first.seed != second.seed  # two draws of 2**32: a clash would be a bug
    assert np.array_equal(pixels(first), pixels(renderer.render(ImageRequest("a cat", settings=RequestSettings(seed=first.seed)))))


def test_progress_is_reported_per_step(renderer):
    seen = []
    renderer.render(ImageRequest("a cat", settings=RequestSettings(steps=3)), progress=lambda i, n: seen.append((i, n)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_spoken_settings_win_over_options_which_win_over_the_profile(tiny_model_dir):
    r = Renderer(DrawingOptions(model=str(tiny_model_dir), steps=3))
    chosen = r.settings_for(ImageRequest("x", settings=RequestSettings(width=256)))
    assert (chosen.steps, chosen.width, chosen.height, chosen.guidance) == (3, 256, 512, 7.5)


@pytest.mark.parametrize("options,message", [
    (dict(width=500), "multiple of 8"), (dict(height=0), "multiple of 8"), (dict(steps=0), "at least 1"),
    (dict(guidance=-1.0), "not be negative"), (dict(seed=-5), "seed must be"),
])
def test_bad_settings_are_one_clear_line(tiny_model_dir, options, message):
    with pytest.raises(Voice2ImgError, match=message):
        Renderer(DrawingOptions(model=str(tiny_model_dir), **options)).settings_for(ImageRequest("x"))


@pytest.mark.parametrize("model,profile,steps,guidance,size", [
    ("stabilityai/sd-turbo", "sd-turbo", 1, 0.0, 512),
    ("stabilityai/sdxl-turbo", "sdxl-turbo", 1, 0.0, 512),
    ("stable-diffusion-v1-5/stable-diffusion-v1-5", "sd15", 25, 7.5, 512),
    ("stabilityai/stable-diffusion-xl-base-1.0", "sdxl", 30, 5.0, 1024),
    ("black-forest-labs/FLUX.1-schnell", "flux-schnell", 4, 0.0, 1024),
    ("SimianLuo/LCM_Dreamshaper_v7", "lcm", 4, 1.0, 512),
    ("stabilityai/stable-diffusion-3.5-medium", "sd3", 28, 7.0, 1024),
    ("stabilityai/stable-diffusion-3.5-large-turbo", "sd3-turbo", 4, 0.0, 1024),
    ("PixArt-alpha/PixArt-Sigma-XL-2-1024-MS", "pixart", 20, 4.5, 1024),
    ("Efficient-Large-Model/Sana_1600M_1024px_diffusers", "sana", 20, 4.5, 1024),
    ("Kwai-Kolors/Kolors-diffusers", "kolors", 50, 5.0, 1024),
    ("playgroundai/playground-v2.5-1024px-aesthetic", "playground", 50, 3.0, 1024),
])
def test_model_profiles(model, profile, steps, guidance, size):
    p = profile_for(model)
    assert (p.name, p.steps, p.guidance, p.width) == (profile, steps, guidance, size)
    if profile == "flux-schnell":
        assert p.extra == {"max_sequence_length": 256}


@pytest.mark.parametrize("cls,folder,profile", [
    ("StableDiffusionXLPipeline", "my-model", "sdxl"),
    ("StableDiffusion3Pipeline", "my-model", "sd3"),
    ("PixArtSigmaPipeline", "my-model", "pixart"),
    ("SanaPipeline", "my-model", "sana"),
    ("KolorsPipeline", "my-model", "kolors"),
    ("FluxPipeline", "my-model", "flux-dev"),
    # The class wins over a name that says otherwise ("xl" used to mean SDXL)...
    ("StableDiffusion3Pipeline", "my-xl-finetune", "sd3"),
    ("StableDiffusionPipeline", "pixel-xl-art", "sd15"),
    # ...and the name tells the fast members of a family apart.
    ("StableDiffusionXLPipeline", "my-sdxl-turbo", "sdxl-turbo"),
    ("FluxPipeline", "flux-schnell-copy", "flux-schnell"),
])
def test_a_local_folders_pipeline_class_picks_its_profile(tmp_path, cls, folder, profile):
    (tmp_path / folder).mkdir()
    (tmp_path / folder / "model_index.json").write_text(json.dumps({"_class_name": cls}))
    assert profile_for(str(tmp_path / folder)).name == profile


def test_the_loaded_pipelines_class_corrects_a_guess_from_the_name():
    assert profile_for("someone/my-model").name == "sd15"  # nothing to go on but the name
    assert profile_for("someone/my-model", pipeline_class="StableDiffusion3Pipeline").name == "sd3"
    assert profile_for("someone/my-model", pipeline_class="PixArtAlphaPipeline").size_multiple == 16


@pytest.mark.parametrize("key,profile", [
    ("model.diffusion_model.joint_blocks.0.x_block.attn.qkv.weight", "sd3"),
    ("double_blocks.0.img_attn.qkv.weight", "flux-dev"),
    ("conditioner.embedders.1.model.ln_final.weight", "sdxl"),
    ("cond_stage_model.transformer.text_model.final_layer_norm.weight", "sd15"),
])
def test_a_single_file_checkpoints_layers_pick_its_family(tmp_path, key, profile):
    from safetensors.numpy import save_file

    path = tmp_path / "checkpoint.safetensors"  # a name that says nothing
    save_file({key: np.zeros(1, dtype=np.float32)}, str(path))
    assert profile_for(str(path)).name == profile


def test_a_model_with_no_tiny_autoencoder_says_so(tiny_model_dir):
    with pytest.raises(Voice2ImgError, match="no tiny autoencoder is known for Sana"):
        Renderer(DrawingOptions(model=str(tiny_model_dir), profile="sana", vae="tiny")).render(ImageRequest("a cat"))


def test_a_hub_model_with_no_network_is_one_clear_line(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ModelUnavailableError) as info:
        Renderer(DrawingOptions(model="someone/not-cached-model-xyz")).render(ImageRequest("a cat"))
    message = str(info.value)
    assert "not-cached-model-xyz" in message and "--image-model PATH" in message and "\n" not in message


@pytest.mark.parametrize("name,message", [
    ("nowhere", "no such file or folder"),
    ("", "not a diffusers pipeline folder"),
    ("model.bin", "must be .safetensors or .ckpt"),
])
def test_bad_local_models_are_one_clear_line(tmp_path, name, message):
    (tmp_path / "model.bin").write_bytes(b"not a model")
    with pytest.raises(Voice2ImgError, match=message):
        Renderer(DrawingOptions(model=str(tmp_path / name))).render(ImageRequest("a cat"))


def test_png_metadata_round_trips_through_pillow(renderer, tmp_path):
    d = renderer.render(ImageRequest("a red fox, snow", settings=RequestSettings(seed=42)))
    parameters = a1111_parameters("a red fox, snow", "people, text", steps=d.steps, sampler=d.sampler,
                                  guidance=d.guidance, seed=d.seed, width=d.width, height=d.height,
                                  model="tiny-sd", version="0.1.0")
    png, sidecar = save(d.image, tmp_path, "fox", parameters, {"transcript": "A red fox, snow."})
    with Image.open(png) as image:
        assert image.text["parameters"] == parameters
        assert np.array_equal(np.asarray(image.convert("RGB")), pixels(d))  # lossless
    meta = read_metadata(png)
    assert meta["voice2img"] == {"transcript": "A red fox, snow."}
    a1111 = meta["a1111"]
    assert a1111["prompt"] == "a red fox, snow" and a1111["negative_prompt"] == "people, text"
    assert (a1111["Steps"], a1111["Seed"], a1111["Size"], a1111["Sampler"]) == ("2", "42", "64x64", "Euler")
    assert a1111["CFG scale"] == "7.5" and a1111["Model"] == "tiny-sd"


def test_parameters_without_negative_prompt_parse_back():
    text = a1111_parameters("a cat", "", steps=1, sampler="Euler", guidance=0.0, seed=3, width=512,
                            height=512, model="sd-turbo", version="0.1.0")
    assert text.splitlines()[1].startswith("Steps: 1, Sampler: Euler, CFG scale: 0, Seed: 3, Size: 512x512")
    assert parse_a1111_parameters(text)["negative_prompt"] == ""


def test_outputs_are_never_overwritten_and_leave_no_temporary_files(tmp_path):
    image = Image.new("RGB", (8, 8))
    first = save(image, tmp_path, "clip", "p", {})
    second = save(image, tmp_path, "clip", "p", {})
    assert [p.name for p in first] == ["clip.png", "clip.json"]
    assert [p.name for p in second] == ["clip-1.png", "clip-1.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip-1.json", "clip-1.png", "clip.json", "clip.png"]


@pytest.mark.parametrize("aspect,area,size", [
    ("16:9", 512 * 512, (704, 384)), ("3:2", 512 * 512, (640, 448)), ("2:3", 512 * 512, (448, 640)),
    ("1:1", 512 * 512, (512, 512)), ("16:9", 1024 * 1024, (1344, 768)), ("16:9", 64 * 64, (88, 48)),
])
def test_spoken_aspects_keep_the_models_pixel_budget(aspect, area, size):
    from voice2img.draw.render import size_for_aspect

    assert size_for_aspect(aspect, area) == size


def test_an_explicit_spoken_size_beats_the_aspect(tiny_model_dir):
    r = Renderer(DrawingOptions(model=str(tiny_model_dir)))
    chosen = r.settings_for(ImageRequest("x", settings=RequestSettings(aspect="16:9")))
    assert (chosen.width, chosen.height) == (704, 384)
    chosen = r.settings_for(ImageRequest("x", settings=RequestSettings(aspect="16:9", width=256, height=256)))
    assert (chosen.width, chosen.height) == (256, 256)


def test_a_tiny_autoencoder_replaces_the_vae(tiny_model_dir, tmp_path):
    from voice2img.testing import save_tiny_autoencoder

    vae = save_tiny_autoencoder(tmp_path / "taesd")
    r = Renderer(DrawingOptions(model=str(tiny_model_dir), vae=str(vae), steps=1, width=64, height=64))
    drawing = r.render(ImageRequest("a cat", settings=RequestSettings(seed=3)))
    assert type(r.pipe.vae).__name__ == "AutoencoderTiny" and drawing.image.size == (64, 64)


def test_a_tiny_autoencoder_that_cannot_load_is_one_clear_line(tiny_model_dir, monkeypatch):
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ModelUnavailableError, match="tiny autoencoder 'madebyollin/taesd' is not in the local cache"):
        Renderer(DrawingOptions(model=str(tiny_model_dir), vae="tiny")).render(ImageRequest("a cat"))


@pytest.mark.parametrize("tiny_vae", [False, True], ids=["own vae", "tiny autoencoder"])
def test_two_threads_draw_at_once_sharing_the_weights(tiny_model_dir, tmp_path, tiny_vae):
    """Two requests in flight together (each waits for the other at its first step, which would
    time out if drawings took turns), each the same pixels as alone, with one copy of the weights.
    With --vae tiny too: from_pipe drops a component whose class is not the one the pipeline
    declares (AutoencoderTiny for AutoencoderKL), which once failed every second drawing."""
    import threading

    from voice2img.testing import save_tiny_autoencoder

    vae = str(save_tiny_autoencoder(tmp_path / "taesd")) if tiny_vae else None
    r = Renderer(DrawingOptions(model=str(tiny_model_dir), steps=3, width=64, height=64, vae=vae))
    requests = [ImageRequest(p, settings=RequestSettings(seed=s)) for p, s in (("a red fox", 1), ("a blue car", 2))]
    alone = [pixels(r.render(q)) for q in requests]
    both_started = threading.Barrier(2, timeout=30)
    out: dict = {}

    def draw(i):
        def step(done, total):
            if done == 1:
                both_started.wait()
        out[i] = pixels(r.render(requests[i], progress=step))

    threads = [threading.Thread(target=draw, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not both_started.broken and set(out) == {0, 1}
    assert all(np.array_equal(out[i], alone[i]) for i in range(2))
    pipes = r._free
    assert len(pipes) == 2 and pipes[0] is not pipes[1]
    assert pipes[0].unet is pipes[1].unet and pipes[0].vae is pipes[1].vae
    assert pipes[0].scheduler is not pipes[1].scheduler and pipes[0].tokenizer is not pipes[1].tokenizer
