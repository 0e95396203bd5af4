"""The minimal web app, called as a program would: gradio_client against a real server on loopback."""

import socket

import pytest

from conftest import SAMPLES
from voice2img import DrawingOptions, Pipeline
from voice2img.keep import read_metadata

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_generate_over_http_returns_transcript_prompt_and_image(tiny_model_dir, tmp_path):
    from gradio_client import Client, handle_file

    from voice2img.web import build_app

    pipeline = Pipeline(drawing=DrawingOptions(model=str(tiny_model_dir), steps=1, width=64, height=64, seed=3))
    app = build_app(pipeline, out_dir=str(tmp_path))
    app.queue(default_concurrency_limit=1)
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        heard, prompt, image, status = client.predict(handle_file(str(SAMPLES / "red_fox.wav")), api_name="/generate")
        assert "fox" in heard.lower() and prompt.startswith("a red fox")
        assert status.startswith("Done: seed 3")
        assert read_metadata(image)["a1111"]["prompt"] == prompt  # the served PNG keeps its metadata
        assert len(list(tmp_path.glob("*.png"))) == 1
    finally:
        app.close()
