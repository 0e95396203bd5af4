"""Draw and keep: a diffusers pipeline saved to disk, loaded through the public path, renders a PNG
whose metadata says what was asked; the same seed gives the same pixels."""

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
    assert (chosen["steps"], chosen["width"], chosen["height"], chosen["guidance"]) == (3, 256, 512, 7.5)


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
])
def test_model_profiles(model, profile, steps, guidance, size):
    p = profile_for(model)
    assert (p.name, p.steps, p.guidance, p.width) == (profile, steps, guidance, size)
    if profile == "flux-schnell":
        assert p.extra == {"max_sequence_length": 256}


def test_a_local_folders_pipeline_class_picks_its_profile(tmp_path):
    (tmp_path / "my-model").mkdir()
    (tmp_path / "my-model" / "model_index.json").write_text('{"_class_name": "StableDiffusionXLPipeline"}')
    assert profile_for(str(tmp_path / "my-model")).name == "sdxl"


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
    assert (chosen["width"], chosen["height"]) == (704, 384)
    chosen = r.settings_for(ImageRequest("x", settings=RequestSettings(aspect="16:9", width=256, height=256)))
    assert (chosen["width"], chosen["height"]) == (256, 256)


def test_a_tiny_autoencoder_replaces_the_vae(tiny_model_dir, tmp_path):
    from voice2img.testing import save_tiny_autoencoder

    vae = save_tiny_autoencoder(tmp_path / "taesd")
    r = Renderer(DrawingOptions(model=str(tiny_model_dir), vae=str(vae), steps=1, width=64, height=64))
    drawing = r.render(ImageRequest("a cat", settings=RequestSettings(seed=3)))
    assert type(r.pipe.vae).__name__ == "AutoencoderTiny" and drawing.image.size == (64, 64)


def test_a_tiny_autoencoder_that_cannot_load_is_one_clear_line(tiny_model_dir, monkeypatch):
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ModelUnavailableError, match="tiny autoencoder 'madebyollin/taesd' could not be loaded"):
        Renderer(DrawingOptions(model=str(tiny_model_dir), vae="tiny")).render(ImageRequest("a cat"))
