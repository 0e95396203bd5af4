"""AI-generated marks: every kept image carries a signed C2PA manifest, XMP that says what made it,
and an invisible watermark — read back by voice2img verify, by c2pa-python's own reader and by
exiftool, from every shell."""

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT, SAMPLES
from voice2img import keep
from voice2img.errors import Voice2ImgError
from voice2img.provenance import DIGITAL_SOURCE_TYPE, Marker, MarkOptions, verify
from voice2img.provenance.keys import CA_FILE, CHAIN_FILE, KEY_FILE, config_dir, create_local_keys
from voice2img.provenance.report import trust_anchors

MADE = {"model": "stabilityai/sd-turbo", "prompt": "a red fox in the snow", "negative_prompt": "people",
        "transcript": "um, draw a red fox in the snow, no people"}


def picture(size=(320, 256), seed=0) -> Image.Image:
    """A picture with smooth regions and edges, as drawn images have (not white noise)."""
    rng = np.random.default_rng(seed)
    h, w = size[1], size[0]
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    base = np.stack([np.sin(6 * x + seed), np.cos(5 * y), np.sin(4 * (x + y))], axis=-1)
    noise = rng.normal(0, 0.08, (h, w, 3))
    rgb = ((base + 1) / 2 * 0.85 + noise).clip(0, 1)
    rgb[h // 4 : h // 2, w // 3 : w // 2] = [0.9, 0.2, 0.1]  # a hard-edged shape
    return Image.fromarray((rgb * 255).astype(np.uint8))


def marked(tmp_path, image=None, marker=None, stem="fox", made=MADE):
    png, sidecar = keep.save(image or picture(), tmp_path, stem, "a red fox in the snow\nSteps: 1",
                             {"transcript": made["transcript"]}, marker=marker or Marker(), made=made)
    return png, sidecar


def voice2img(*args, env=None, timeout=600):
    return subprocess.run([sys.executable, "-m", "voice2img", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=timeout)


def c2pa_own_reading(png: Path, anchors: str | None = None) -> tuple[str, dict]:
    """(validation state, active manifest) as c2pa-python itself reads them."""
    import c2pa

    settings = {"trust": {"trust_anchors": anchors}} if anchors else {}
    with c2pa.Context.from_dict(settings) as context, open(png, "rb") as fp:
        with c2pa.Reader("image/png", fp, context=context) as reader:
            return reader.get_validation_state(), reader.get_active_manifest()


def exiftool(png: Path) -> dict:
    assert shutil.which("exiftool"), "exiftool is missing: apt-get install libimage-exiftool-perl (.ci/run does)"
    out = subprocess.run(["exiftool", "-j", "-XMP-iptcExt:DigitalSourceType", "-XMP-dc:Description",
                          "-XMP-xmp:CreatorTool", str(png)], capture_output=True, text=True, check=True, timeout=60)
    return json.loads(out.stdout)[0]


def local_ca() -> str:
    return (config_dir() / CA_FILE).read_text()


# -- one kept image ------------------------------------------------------------------------------
def test_a_kept_image_carries_all_three_marks_and_its_old_metadata(tmp_path):
    png, sidecar = marked(tmp_path)
    report = verify(png, trust_anchors())
    assert report.ok, report.text()
    assert report.c2pa.actions == ("c2pa.created",) and report.c2pa.digital_source_type == DIGITAL_SOURCE_TYPE
    assert report.c2pa.generator.startswith("voice2img ") and report.watermark["payload"] == "v2img"
    assert report.xmp["description"] == MADE["prompt"]
    # What was there before stays readable: A1111's parameters, voice2img's fields, the sidecar.
    meta = keep.read_metadata(png)
    assert meta["a1111"]["prompt"] == "a red fox in the snow" and meta["voice2img"]["transcript"] == MADE["transcript"]
    assert meta["voice2img"]["marks"]["watermark"].startswith("dwtDctSvd")
    assert json.loads(sidecar.read_text())["marks"] == meta["voice2img"]["marks"]


def test_c2pa_pythons_own_reader_trusts_it_with_the_local_ca_and_reads_what_made_it(tmp_path):
    png, _ = marked(tmp_path)
    state, manifest = c2pa_own_reading(png, local_ca())
    assert state == "Trusted"
    actions = [a for x in manifest["assertions"] if x["label"].startswith("c2pa.actions") for a in x["data"]["actions"]]
    assert [a["action"] for a in actions] == ["c2pa.created"]
    assert actions[0]["digitalSourceType"] == DIGITAL_SOURCE_TYPE
    assert actions[0]["softwareAgent"]["name"] == "voice2img" and actions[0]["parameters"]["image_model"] == MADE["model"]
    # Without that CA it is intact but untrusted: said plainly, by c2pa and by voice2img verify.
    assert c2pa_own_reading(png)[0] == "Valid"
    assert verify(png).c2pa.state == "untrusted signer" and not verify(png).ok


def test_exiftool_reads_the_xmp_source_type_and_prompt(tmp_path):
    made = {**MADE, "prompt": 'a "quoted" fox & <friends>, café'}
    png, _ = marked(tmp_path, made=made)
    tags = exiftool(png)
    assert tags["DigitalSourceType"] == DIGITAL_SOURCE_TYPE
    assert tags["Description"] == made["prompt"] and tags["CreatorTool"].startswith("voice2img")


def test_the_transcript_goes_into_the_manifest_only_when_the_operator_says_so(tmp_path):
    png, _ = marked(tmp_path)
    assert "transcript" not in verify(png).c2pa.request and verify(png).c2pa.request["prompt"] == MADE["prompt"]
    png, _ = marked(tmp_path, marker=Marker(MarkOptions(include_transcript=True)), stem="with")
    assert verify(png).c2pa.request["transcript"] == MADE["transcript"]


def test_pixels_changed_after_signing_make_it_invalid(tmp_path):
    png, _ = marked(tmp_path)
    data = png.read_bytes()
    # Change one pixel and re-encode the image data, keeping every other chunk (the manifest too).
    with Image.open(png) as image:
        pixels = np.array(image.convert("RGB"))
    pixels[5, 5] = 255 - pixels[5, 5]
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    tampered = tmp_path / "tampered.png"
    tampered.write_bytes(_replace_image_data(data, buffer.getvalue()))
    report = verify(tampered, trust_anchors())
    assert report.c2pa.state == "invalid" and "assertion.dataHash.mismatch" in report.c2pa.failures
    out = voice2img("verify", tampered)
    assert out.returncode == 1 and "C2PA invalid" in out.stdout


@pytest.mark.parametrize("how", ["png", "jpeg"])
def test_stripped_metadata_leaves_the_watermark(tmp_path, how):
    png, _ = marked(tmp_path)
    stripped = tmp_path / f"stripped.{how}"
    with Image.open(png) as image:  # Pillow writes no metadata unless asked
        image.convert("RGB").save(stripped, quality=90) if how == "jpeg" else image.convert("RGB").save(stripped)
    report = verify(stripped, trust_anchors())
    assert report.c2pa.state == "none" and report.xmp["digital_source_type"] == ""
    assert report.watermark["found"] and report.problems == ["C2PA none", "no XMP DigitalSourceType trainedAlgorithmicMedia"]


def test_an_unmarked_picture_has_no_watermark(tmp_path):
    plain = tmp_path / "plain.png"
    picture(seed=3).save(plain)
    assert not verify(plain).watermark["found"]


def test_not_an_image_and_a_truncated_one_are_one_line_each(tmp_path):
    png, _ = marked(tmp_path)
    half = tmp_path / "half.png"
    half.write_bytes(png.read_bytes()[: len(png.read_bytes()) // 2])
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    out = voice2img("verify", png, half, text, tmp_path / "missing.png")
    assert out.returncode == 1
    errors = out.stderr.strip().splitlines()
    assert errors == [f"voice2img: error: {half}: the image is truncated or damaged",
                      f"voice2img: error: {text}: not an image",
                      f"voice2img: error: {tmp_path / 'missing.png'}: cannot read it (No such file or directory)"]
    assert out.stdout.startswith(f"{png}: valid marks")
    records = [json.loads(line) for line in voice2img("verify", png, half, "--json").stdout.splitlines()]
    assert [r["ok"] for r in records] == [True, False] and records[1]["error"]


def test_small_images_say_they_carry_no_watermark(tmp_path):
    png, sidecar = marked(tmp_path, image=picture((64, 64)))
    assert json.loads(sidecar.read_text())["marks"]["watermark"] == "none: smaller than 256x256 pixels"
    report = verify(png, trust_anchors())
    assert report.c2pa.state == "valid" and report.problems == ["no watermark"]
    for size in ((200, 200), (320, 180)):  # fewer pixels than the watermark needs: said, not a crash
        small = tmp_path / f"small-{size[0]}.png"
        picture(size).save(small)
        assert verify(small).watermark == {"found": False, "bit_errors": None, "payload": "", "why": "too small to carry one"}


def test_marks_can_be_switched_off(tmp_path):
    png, sidecar = marked(tmp_path, marker=Marker(MarkOptions(c2pa=False, watermark=False)))
    report = verify(png, trust_anchors())
    assert report.c2pa.state == "none" and not report.watermark["found"]
    assert report.xmp["digital_source_type"] == DIGITAL_SOURCE_TYPE  # XMP costs nothing and stays
    assert json.loads(sidecar.read_text())["marks"]["c2pa"] == "off"


# -- signing credentials --------------------------------------------------------------------------
def test_keys_create_makes_a_chain_readable_only_by_its_owner(tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    out = voice2img("keys", "create", env=env)
    assert out.returncode == 0 and "untrusted" in out.stdout
    folder = tmp_path / "voice2img" / "c2pa"
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in folder.iterdir()} == {
        CHAIN_FILE: "0o600", KEY_FILE: "0o600", CA_FILE: "0o600"}
    assert folder.joinpath(CHAIN_FILE).read_text().count("BEGIN CERTIFICATE") == 2  # leaf, then CA
    again = voice2img("keys", "create", env=env)
    assert again.returncode == 1 and again.stderr.strip().endswith("pass --force to replace them")
    assert "signed by 'voice2img signer" in voice2img("keys", "show", env=env).stdout


def test_an_operators_certificate_signs_and_verifies_against_its_own_ca(tmp_path):
    operator = create_local_keys(tmp_path / "operator")
    marker = Marker(MarkOptions(cert=str(operator / CHAIN_FILE), key=str(operator / KEY_FILE)))
    png, _ = marked(tmp_path, marker=marker)
    assert verify(png, trust_anchors()).c2pa.state == "untrusted signer"  # not this user's CA
    assert voice2img("verify", png).returncode == 1
    trusted = voice2img("verify", png, "--trust", operator / CA_FILE)
    assert trusted.returncode == 0, trusted.stdout + trusted.stderr


def test_a_certificate_c2pa_refuses_is_an_error_and_nothing_is_written(tmp_path):
    cert, key = _self_signed(tmp_path)
    with pytest.raises(Voice2ImgError, match=r"could not sign fox\.png with C2PA"):
        marked(tmp_path / "out", marker=Marker(MarkOptions(cert=str(cert), key=str(key))))
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_unusable_credentials_stop_a_run_before_any_work(tmp_path):
    operator = create_local_keys(tmp_path / "operator")
    other = create_local_keys(tmp_path / "other")
    cases = [
        (["--c2pa-cert", operator / CHAIN_FILE], "needs both --c2pa-cert and --c2pa-key"),
        (["--c2pa-cert", operator / CHAIN_FILE, "--c2pa-key", other / KEY_FILE], "does not belong to the certificate"),
        (["--c2pa-cert", tmp_path / "nope.pem", "--c2pa-key", other / KEY_FILE], "cannot read the C2PA certificate"),
    ]
    for flags, message in cases:
        out = voice2img("run", SAMPLES / "red_fox.wav", "--out", tmp_path / "out", *flags, timeout=120)
        assert out.returncode == 1 and message in out.stderr and out.stderr.count("\n") == 1, out.stderr
    assert not (tmp_path / "out").exists()


# -- every shell ----------------------------------------------------------------------------------
SIZE_FLAGS = ["--steps", "1", "--width", "256", "--height", "256"]


@pytest.mark.slow
def test_run_and_batch_images_verify_everywhere(tiny_model_dir, tmp_path):
    out = voice2img("run", SAMPLES / "red_fox.wav", "--out", tmp_path / "run", "--image-model", tiny_model_dir,
                    *SIZE_FLAGS, "--seed", "7")
    assert out.returncode == 0, out.stderr
    assert "marks:   C2PA signed by" in out.stdout
    (tmp_path / "in").mkdir()
    shutil.copy(SAMPLES / "cabin.ogg", tmp_path / "in" / "cabin.ogg")
    out = voice2img("batch", tmp_path / "in", "--out", tmp_path / "batch", "--image-model", tiny_model_dir, *SIZE_FLAGS)
    assert out.returncode == 0, out.stderr
    images = sorted((tmp_path / "run").glob("*.png")) + sorted((tmp_path / "batch").rglob("*.png"))
    assert len(images) == 2
    checked = voice2img("verify", *images, "--json")
    assert checked.returncode == 0, checked.stdout
    for png in images:
        assert c2pa_own_reading(png, local_ca())[0] == "Trusted"
        assert exiftool(png)["DigitalSourceType"] == DIGITAL_SOURCE_TYPE


@pytest.mark.slow
def test_an_image_that_cannot_be_signed_fails_its_batch_input_in_one_line(tiny_model_dir, tmp_path):
    cert, key = _self_signed(tmp_path)
    (tmp_path / "in").mkdir()
    shutil.copy(SAMPLES / "red_fox.wav", tmp_path / "in" / "fox.wav")
    out = voice2img("batch", tmp_path / "in", "--out", tmp_path / "out", "--image-model", tiny_model_dir,
                    "--steps", "1", "--width", "64", "--height", "64", "--c2pa-cert", cert, "--c2pa-key", key)
    assert out.returncode == 1
    with sqlite3.connect(tmp_path / "out" / "voice2img-manifest.sqlite") as db:
        status, reason = db.execute("SELECT status, reason FROM items").fetchone()
    assert status == "failed" and "could not sign fox.png with C2PA" in reason
    assert not list((tmp_path / "out").rglob("*.png"))


@pytest.mark.slow
def test_the_web_download_is_the_marked_file(tiny_model_dir, tmp_path):
    from voice2img import DrawingOptions, Pipeline
    from voice2img.web.studio import Session, Studio

    studio = Studio(Pipeline(drawing=DrawingOptions(model=str(tiny_model_dir), steps=1)), tmp_path / "kept")
    s = Session()
    entries = studio.draw(s, studio.request_from_fields(s, "a paper boat on a lake", "", 1, 256, 256, 0.0, 5))
    download = entries[0].shown
    assert Path(download).parent.parent != tmp_path / "kept"  # the private copy the page offers
    report = verify(download, trust_anchors())
    assert report.ok, report.text()


def _replace_image_data(signed: bytes, other: bytes) -> bytes:
    """``signed`` with its IDAT chunks swapped for ``other``'s."""
    def chunks(data):
        i, out = 8, []
        while i < len(data):
            n = int.from_bytes(data[i : i + 4], "big")
            out.append(data[i : i + 12 + n])
            i += 12 + n
        return out

    new = [c for c in chunks(other) if c[4:8] == b"IDAT"]
    result, placed = [], False
    for chunk in chunks(signed):
        if chunk[4:8] != b"IDAT":
            result.append(chunk)
        elif not placed:
            result.extend(new)
            placed = True
    return signed[:8] + b"".join(result)


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A self-signed leaf certificate: C2PA wants a chain and refuses it."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "self-signed")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "self.pem", folder / "self.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path
