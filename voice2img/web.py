"""A minimal web UI: upload or record audio → transcript, prompt and image.

The app is built in one function; its handlers only call the shared :class:`Pipeline`, whose
models load once and serve every session. The full live UI (streaming, refinement, history)
builds on this.
"""

from __future__ import annotations

import os

from .errors import Voice2ImgError
from .pipeline import Pipeline

DEFAULT_OUT = "outputs"


def generate(pipeline: Pipeline, audio_path: str | None, out_dir: str = DEFAULT_OUT) -> dict:
    """One request from the UI or its API: a dict with transcript, prompt, image path and status."""
    if not audio_path:
        return {"transcript": "", "prompt": "", "image": None, "status": "Record or upload some audio first."}
    try:
        heard = pipeline.hear_and_understand(audio_path)
        result = pipeline.run(audio_path, out_dir, heard=heard)
    except Voice2ImgError as exc:
        # Keep whatever was understood visible; say plainly why there is no image.
        return {"transcript": "", "prompt": "", "image": None, "status": f"No image: {exc}"}
    d = result.drawing
    status = (f"Done: seed {d.seed}, {d.steps} step(s), {d.width}x{d.height}; "
              f"hear {result.timings.get('hear', 0):.2f}s, draw {result.timings.get('draw', 0):.2f}s")
    return {"transcript": result.transcript.text, "prompt": result.request.prompt,
            "image": str(result.png_path), "status": status}


def build_app(pipeline: Pipeline, out_dir: str = DEFAULT_OUT):
    import gradio as gr

    def on_generate(audio_path):
        r = generate(pipeline, audio_path, out_dir)
        return r["transcript"], r["prompt"], r["image"], r["status"]

    with gr.Blocks(title="voice2img") as app:
        gr.Markdown("# voice2img\nSpeak a picture: record or upload audio, then press Generate.")
        audio = gr.Audio(sources=["microphone", "upload"], type="filepath", label="Spoken request")
        button = gr.Button("Generate", variant="primary")
        status = gr.Markdown("Ready.", elem_id="status")
        transcript = gr.Textbox(label="Heard", interactive=False)
        prompt = gr.Textbox(label="Prompt", interactive=False)
        image = gr.Image(label="Image", type="filepath", format="png", interactive=False)
        button.click(on_generate, inputs=audio, outputs=[transcript, prompt, image, status], api_name="generate")
    return app


def serve(pipeline: Pipeline, host: str = "127.0.0.1", port: int = 7860, out_dir: str = DEFAULT_OUT) -> None:
    app = build_app(pipeline, out_dir)
    app.queue(default_concurrency_limit=1)  # one shared model: requests wait their turn
    app.launch(server_name=host, server_port=port, allowed_paths=[os.path.abspath(out_dir)])
