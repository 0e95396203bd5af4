"""C2PA Content Credentials with ``c2pa-python``: sign a PNG, and read a file's credentials.

The manifest says: created (``c2pa.created``) by a trained algorithm (IPTC's digital source
type), with voice2img and its version as the software agent, and which image model drew it; a
``com.voice2img.request`` assertion adds the prompt (and the transcript only when the operator
asks for it). No thumbnail: the image is its own, and a thumbnail would double a noisy PNG's size.
No timestamp authority: voice2img works offline, so the signature is as old as the signer says.

Every signature is read back before the file is written: a chain c2pa does not accept
(``claimSignature.mismatch`` has been reported for freshly made chains) is an error, not a file
that only looks signed.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field

from .. import __version__
from ..errors import Voice2ImgError
from . import DIGITAL_SOURCE_TYPE

REQUEST_ASSERTION = "com.voice2img.request"
_CONTEXT_SETTINGS = {"builder": {"thumbnail": {"enabled": False}}}


def manifest(*, title: str, model: str, prompt: str, negative_prompt: str, transcript: str | None) -> dict:
    """The manifest definition c2pa's Builder takes."""
    agent = {"name": "voice2img", "version": __version__}
    request = {"prompt": prompt, "negative_prompt": negative_prompt, "image_model": model}
    if transcript is not None:
        request["transcript"] = transcript
    return {
        "claim_generator_info": [agent],
        "title": title,
        "format": "image/png",
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": [{
                "action": "c2pa.created", "digitalSourceType": DIGITAL_SOURCE_TYPE, "softwareAgent": agent,
                "parameters": {"image_model": model},
            }]}},
            {"label": REQUEST_ASSERTION, "data": request},
        ],
    }


def sign(png: bytes, credentials, ingredient=None, **facts) -> bytes:
    """``png`` with a signed manifest embedded; raises Voice2ImgError when it cannot be signed.

    ``ingredient``, a starting picture, goes in as an ``inputTo`` ingredient — C2PA's relation
    for what a generative model was given — which c2pa identifies by its hash.
    """
    import c2pa

    try:
        signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(credentials.alg, credentials.chain.encode(),
                                                           credentials.key.encode(), None))
        context = c2pa.Context.from_dict(_CONTEXT_SETTINGS)
        with signer, context, c2pa.Builder(manifest(**facts), context=context) as builder:
            if ingredient is not None:
                builder.add_ingredient({"title": os.path.basename(ingredient.name), "relationship": "inputTo",
                                        "format": ingredient.mime}, ingredient.mime, io.BytesIO(ingredient.data))
            out = io.BytesIO()
            builder.sign(signer, "image/png", io.BytesIO(png), out)
    except c2pa.C2paError as exc:
        raise Voice2ImgError(f"could not sign {facts.get('title')} with C2PA ({credentials.where}): {exc}") from None
    signed = out.getvalue()
    check = read(signed, "image/png")  # no trust anchors here: this checks the signature and hashes
    if check.state not in ("valid", "untrusted signer"):
        raise Voice2ImgError(f"C2PA signature of {facts.get('title')} did not verify ({', '.join(check.failures)}); "
                             f"check the certificate chain in {credentials.where}")
    return signed


@dataclass(frozen=True)
class ContentCredentials:
    """What a file's C2PA manifest says, and whether it holds.

    ``state``: ``valid`` (intact, signed by a trusted certificate), ``untrusted signer`` (intact,
    but the signer is not in the trust anchors), ``invalid`` (changed after signing, or a bad
    signature) or ``none`` (no manifest).
    """

    state: str
    generator: str = ""
    signer: str = ""
    actions: tuple[str, ...] = ()
    digital_source_type: str = ""
    failures: tuple[str, ...] = ()
    request: dict = field(default_factory=dict)
    ingredients: tuple[str, ...] = ()  # the titles of the pictures it was made from

    def as_dict(self) -> dict:
        return {"state": self.state, "generator": self.generator, "signer": self.signer, "actions": list(self.actions),
                "digital_source_type": self.digital_source_type, "failures": list(self.failures),
                "request": self.request, "ingredients": list(self.ingredients)}


def read(data: bytes, mime: str, trust: tuple[str, ...] = ()) -> ContentCredentials:
    """The credentials in ``data``; ``trust`` holds PEM trust anchors (CA certificates)."""
    import c2pa

    settings = {"trust": {"trust_anchors": "".join(trust)}} if trust else {}
    try:
        with c2pa.Context.from_dict(settings) as context:
            reader = c2pa.Reader.try_create(mime, io.BytesIO(data), context=context)
            if reader is None:
                return ContentCredentials("none")
            with reader:
                state = reader.get_validation_state() or "Invalid"
                active = reader.get_active_manifest() or {}
                results = (reader.get_validation_results() or {}).get("activeManifest", {})
    except c2pa.C2paError as exc:
        return ContentCredentials("invalid", failures=(" ".join(str(exc).split()),))
    failures = tuple(c["code"] for c in results.get("failure", []))
    if state == "Trusted":
        verdict = "valid"
    elif state == "Valid":
        verdict = "untrusted signer"
    else:
        verdict = "invalid"
    generator = " ".join(filter(None, [(active.get("claim_generator_info") or [{}])[0].get("name", ""),
                                       (active.get("claim_generator_info") or [{}])[0].get("version", "")]))
    actions, source, request = [], "", {}
    for assertion in active.get("assertions", []):
        if assertion.get("label", "").startswith("c2pa.actions"):
            for action in assertion.get("data", {}).get("actions", []):
                actions.append(action.get("action", ""))
                source = source or action.get("digitalSourceType", "")
        elif assertion.get("label") == REQUEST_ASSERTION:
            request = assertion.get("data", {})
    signer = (active.get("signature_info") or {}).get("common_name", "")
    ingredients = tuple(i.get("title", "") for i in active.get("ingredients", []))
    return ContentCredentials(verdict, generator, signer, tuple(actions), source, failures, request, ingredients)


