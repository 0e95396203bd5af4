"""Starting pictures (image-to-image): hostile picture files in, a usable RGB picture or one clear
line out; then the picture drawn from, by the CLI and in batch, with what was done in its metadata."""

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT, SAMPLES
from voice2img.draw import DrawingOptions, Renderer
from voice2img.errors import Voice2ImgError
from voice2img.keep import read_metadata
from voice2img.pictures import MAX_PIXELS, load_picture
from voice2img.understand import ImageRequest, RequestSettings


def photo(width=120, height=80) -> Image.Image:
    """Left half red, right half blue: which way up it is can be read from its pixels."""
    a = np.zeros((height, width, 3), np.uint8)
    a[:, : width // 2] = (220, 30, 30)
    a[:, width // 2 :] = (30, 30, 220)
    return Image.fromarray(a)


def save(image, path, **kw):
    image.save(path, **kw)
    return path


# -- the hostile-picture corpus ---------------------------------------------------------------------
def test_exif_orientation_is_honoured(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view": how phones store a portrait
    path = save(photo(120, 80), tmp_path / "phone.jpg", exif=exif.tobytes(), quality=95)
    picture = load_picture(path)
    assert picture.image.size == (80, 120) and (picture.width, picture.height) == (80, 120)
    top, bottom = np.asarray(picture.image)[5, 40], np.asarray(picture.image)[-5, 40]
    assert top[0] > 150 and bottom[2] > 150  # the red half is now on top


def test_transparency_is_flattened_onto_white(tmp_path):
    rgba = Image.new("RGBA", (64, 64), (255, 0, 0, 0))
    rgba.paste((0, 0, 255, 255), (0, 0, 32, 64))
    picture = load_picture(save(rgba, tmp_path / "logo.png"))
    pixels = np.asarray(picture.image)
    assert picture.image.mode == "RGB"
    assert tuple(pixels[10, 10]) == (0, 0, 255) and tuple(pixels[10, 50]) == (255, 255, 255)
    palette = rgba.convert("P", palette=Image.ADAPTIVE)
    palette.info["transparency"] = 0
    assert load_picture(save(palette, tmp_path / "palette.png")).image.mode == "RGB"


def test_cmyk_and_16_bit_files_become_8_bit_rgb(tmp_path):
    cmyk = load_picture(save(photo().convert("CMYK"), tmp_path / "print.jpg"))
    assert cmyk.image.mode == "RGB" and np.asarray(cmyk.image)[5, 5][0] > 150
    ramp = (np.linspace(0, 65535, 64 * 64).reshape(64, 64)).astype(np.uint16)
    deep = load_picture(save(Image.fromarray(ramp), tmp_path / "scan16.png"))
    values = np.asarray(deep.image)[:, :, 0]
    assert deep.image.mode == "RGB" and values.min() < 5 and values.max() > 250  # scaled, not clipped to white


def test_an_animation_gives_its_first_frame(tmp_path):
    frames = [Image.new("RGB", (48, 48), c) for c in ((250, 0, 0), (0, 250, 0), (0, 0, 250))]
    path = tmp_path / "loop.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    pixel = np.asarray(load_picture(path).image)[10, 10]
    assert pixel[0] > 200 and pixel[1] < 50


def test_a_50_megapixel_photo_is_shrunk_while_it_is_decoded(tmp_path):
    big = tmp_path / "camera.jpg"
    Image.new("RGB", (8660, 5774), (90, 140, 200)).save(big, quality=80)
    # In a fresh process, so that its peak memory is the loader's: decoded whole, the photo alone
    # would take 150 MB; JPEG's draft mode decodes it at an eighth of each side.
    probe = ("import resource, sys; from voice2img.pictures import load_picture;"
             "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss;"
             f"p = load_picture({str(big)!r});"
             "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss;"
             "print(p.image.size[0], p.image.size[1], p.width, p.height, (after - before) // 1024)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120)
    width, height, file_width, file_height, grown_mb = map(int, out.stdout.split())
    assert (file_width, file_height) == (8660, 5774) and max(width, height) <= 2048
    assert grown_mb < 100, f"loading grew the process by {grown_mb} MB (decoding it whole: about 200 MB)"


def test_a_decompression_bomb_is_refused_before_it_is_decoded(tmp_path):
    side = int((MAX_PIXELS * 1.2) ** 0.5)
    bomb = save(Image.new("1", (side, side)), tmp_path / "bomb.png")  # a tiny file, 144 megapixels
    assert bomb.stat().st_size < 200_000
    with pytest.raises(Voice2ImgError, match=r"bomb\.png: \d+x\d+ is \d+ megapixels, more than a starting picture may"):
        load_picture(bomb)


@pytest.mark.parametrize("name,content,message", [
    ("notes.jpg", b"just some text, not a picture", "not a picture"),
    ("empty.png", b"", "the file is empty"),
    ("half.png", "png-half", "truncated or damaged"),
    ("half.jpg", "jpg-half", "truncated or damaged"),
])
def test_a_file_that_is_not_a_usable_picture_is_one_line_naming_it(tmp_path, name, content, message):
    if isinstance(content, str):
        buffer = io.BytesIO()
        photo(400, 300).save(buffer, "PNG" if content.startswith("png") else "JPEG")
        content = buffer.getvalue()[: len(buffer.getvalue()) // 2]
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(Voice2ImgError) as caught:
        load_picture(path)
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value) and "\n" not in str(caught.value)


def test_a_missing_file_is_one_line(tmp_path):
    with pytest.raises(Voice2ImgError, match=r"nope\.png: cannot read it"):
        load_picture(tmp_path / "nope.png")


# -- drawing from a picture -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def renderer(tiny_model_dir):
    return Renderer(DrawingOptions(model=str(tiny_model_dir), steps=1))


def test_the_size_follows_the_pictures_aspect_within_the_models_budget(renderer, tmp_path):
    wide = load_picture(save(photo(1600, 900), tmp_path / "wide.png"))
    chosen = renderer.settings_for(ImageRequest("a watercolor"), wide)
    assert (chosen.width, chosen.height) == (704, 384)  # 16:9 in 512², multiples of 64
    tall = load_picture(save(photo(600, 900), tmp_path / "tall.png"))
    assert (lambda c: (c.width, c.height))(renderer.settings_for(ImageRequest("x"), tall)) == (448, 640)
    # An aspect the speaker asked for wins over the picture's.
    said = renderer.settings_for(ImageRequest("x", settings=RequestSettings(aspect="1:1")), wide)
    assert (said.width, said.height) == (512, 512)


def test_steps_are_raised_so_that_at_least_one_runs(renderer, tmp_path):
    picture = load_picture(save(photo(), tmp_path / "p.png"))
    # SD-Turbo's rule: image-to-image runs steps × strength steps, which must reach 1.
    assert renderer.settings_for(ImageRequest("x", settings=RequestSettings(strength=0.25)), picture).steps == 4
    assert renderer.settings_for(ImageRequest("x", settings=RequestSettings(strength=0.5, steps=3)), picture).steps == 3
    for bad in (0.0, 1.5):
        with pytest.raises(Voice2ImgError, match="strength must be above 0 and at most 1"):
            renderer.settings_for(ImageRequest("x", settings=RequestSettings(strength=bad)), picture)


def test_a_low_strength_keeps_the_picture_and_a_high_one_changes_it(tiny_model_dir, tmp_path):
    renderer = Renderer(DrawingOptions(model=str(tiny_model_dir), steps=4, width=64, height=64))
    picture = load_picture(save(photo(64, 64), tmp_path / "p.png"))
    original = np.asarray(picture.image, float)

    def change(strength):
        d = renderer.render(ImageRequest("a watercolor", settings=RequestSettings(strength=strength, seed=3)), init=picture)
        return np.abs(np.asarray(d.image, float) - original).mean()

    assert change(0.25) < change(1.0)
    plain = renderer.render(ImageRequest("a watercolor", settings=RequestSettings(seed=3)))
    from_picture = renderer.render(ImageRequest("a watercolor", settings=RequestSettings(seed=3, strength=0.25)), init=picture)
    assert not np.array_equal(np.asarray(plain.image), np.asarray(from_picture.image))


@pytest.mark.slow
def test_run_with_a_starting_picture_records_it_everywhere(tiny_model_dir, tmp_path):
    from voice2img.provenance import verify
    from voice2img.provenance.report import trust_anchors

    start = save(photo(400, 300), tmp_path / "holiday.jpg", quality=92)
    out = subprocess.run([sys.executable, "-m", "voice2img", "run", SAMPLES / "red_fox.wav", "--out", tmp_path / "out",
                          "--image-model", tiny_model_dir, "--steps", "1", "--init-image", start, "--strength", "0.4",
                          "--json"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout)
    assert record["init_image"]["file"] == str(start) and record["image_settings"]["strength"] == 0.4
    assert (record["image_settings"]["width"], record["image_settings"]["height"]) == (576, 448)  # 4:3 in 512²
    meta = read_metadata(record["image"])
    assert meta["a1111"]["Denoising strength"] == "0.4" and meta["a1111"]["Steps"] == "3"  # raised: 3 × 0.4 ≥ 1
    import hashlib

    assert meta["voice2img"]["init_image"]["sha256"] == hashlib.sha256(start.read_bytes()).hexdigest()
    assert json.loads(open(record["sidecar"]).read())["init_image"]["width"] == 400
    report = verify(record["image"], trust_anchors())
    assert report.ok and report.c2pa.ingredients == ("holiday.jpg",)
    # A picture that cannot be used stops the run before any work, in one line.
    bad = tmp_path / "bad.png"
    bad.write_text("no")
    out = subprocess.run([sys.executable, "-m", "voice2img", "run", SAMPLES / "red_fox.wav", "--out", tmp_path / "x",
                          "--image-model", tiny_model_dir, "--init-image", bad], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert out.returncode == 1 and out.stderr.strip() == f"voice2img: error: {bad}: not a picture (or a kind this tool cannot read)"


@pytest.mark.slow
def test_batch_pairs_a_recording_with_the_picture_of_the_same_name(tiny_model_dir, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "red_fox.wav", folder / "visit.wav")
    save(photo(300, 300), folder / "visit.jpg")
    shutil.copy(SAMPLES / "cabin.ogg", folder / "cabin.ogg")  # no picture: drawn from noise

    def batch():
        return subprocess.run([sys.executable, "-m", "voice2img", "batch", folder, "--out", tmp_path / "out",
                               "--image-model", tiny_model_dir, "--steps", "1", "--width", "64", "--height", "64"],
                              capture_output=True, text=True, cwd=ROOT, timeout=600)

    assert batch().returncode == 0
    with sqlite3.connect(tmp_path / "out" / "voice2img-manifest.sqlite") as db:
        rows = dict(db.execute("SELECT input, init_image FROM items").fetchall())
    assert json.loads(rows["visit.wav"])["file"].endswith("visit.jpg") and json.loads(rows["cabin.ogg"]) is None
    assert "Denoising strength" in read_metadata(tmp_path / "out" / "visit.png")["a1111"]
    assert "Denoising strength" not in read_metadata(tmp_path / "out" / "cabin.png")["a1111"]
    # A changed picture is a changed item: it is redone, the untouched one is not.
    save(photo(200, 300), folder / "visit.jpg")
    again = batch()
    assert again.returncode == 0 and "1 done, 0 no speech, 0 failed, 1 skipped" in again.stdout
