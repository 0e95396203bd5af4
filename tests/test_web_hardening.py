"""The web app as an attacker and a crowd see it: `voice2img serve` in its own process on loopback
with the tiny model; raw HTTP for path traversal, an over-size upload, and 20 clients at once."""

import http.client
import os
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from conftest import ROOT, SAMPLES, free_port

pytestmark = pytest.mark.slow

CLIENTS = 20


@pytest.fixture(scope="module")
def server(tiny_model_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("served-out")
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "voice2img", "serve", "--port", str(port), "--out", str(out), "--image-model",
         str(tiny_model_dir), "--steps", "1", "--width", "64", "--height", "64", "--max-queue", "40",
         "--max-upload-mb", "1"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("the server did not start:\n" + proc.stdout.read().decode(errors="replace")[-3000:])
            time.sleep(0.5)
    try:
        yield url, port, proc, out
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def generate(url: str):
    from gradio_client import Client, handle_file

    return Client(url, verbose=False).predict(handle_file(str(SAMPLES / "red_fox.wav")), api_name="/generate")


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)  # sent exactly as written: no client-side normalising of ".."
    response = conn.getresponse()
    return response.status, response.read()


def test_only_the_apps_own_files_are_served(server):
    url, port, _, out = server
    heard, prompt, image, status = generate(url)
    assert status.startswith("Done")
    kept = next(out.glob("*.png"))
    secret_files = [b"root:x:0:0", b"[project]", b"PATH="]
    attempts = [
        f"/gradio_api/file={kept}", f"/file={kept}", "/gradio_api/file=/etc/passwd", "/file=/etc/passwd",
        "/gradio_api/file=../../../../../../etc/passwd", "/gradio_api/file=..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/gradio_api/file=%2Fetc%2Fpasswd", f"/gradio_api/file={ROOT / 'pyproject.toml'}",
        "/gradio_api/file=/proc/self/environ", "/static/../../../../../etc/passwd",
        "/assets/..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd", "/gradio_api/file=//etc/passwd",
        f"/gradio_api/file={out}/../{out.name}/{kept.name}", "/favicon.ico/../../../etc/passwd",
    ]
    for path in attempts:
        code, body = get(port, path)
        assert not any(s in body for s in secret_files), path
        if "file=" in path:
            assert code in (403, 404), (path, code)
        assert kept.read_bytes()[:64] not in body or code != 200, path


def test_an_oversize_upload_is_refused_and_the_server_carries_on(server, tmp_path):
    """The server refuses it (gradio_client checks the size before sending, so the refusal is
    asked of the server directly), the client says so in one line, and the next request is drawn."""
    import httpx
    from gradio_client import Client, handle_file

    url = server[0]
    big = tmp_path / "big.wav"
    big.write_bytes(SAMPLES.joinpath("red_fox.wav").read_bytes()[:44] + bytes(2 * 1024 * 1024))
    response = httpx.post(url + "gradio_api/upload", files=[("files", ("big.wav", big.read_bytes(), "audio/wav"))],
                          timeout=60)
    assert response.status_code == 413, (response.status_code, response.text[:300])
    assert "Traceback" not in response.text
    with pytest.raises(ValueError, match="exceeds the maximum file size of 1048576 bytes"):
        Client(url, verbose=False).predict(handle_file(str(big)), api_name="/generate")
    assert generate(url)[3].startswith("Done")


def rss_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_twenty_clients_at_once_are_all_served_and_memory_stays_flat(server):
    url, _, proc, _ = server

    def crowd() -> list:
        results: list = [None] * CLIENTS

        def one(i):
            try:
                results[i] = generate(url)[3]
            except Exception as exc:  # noqa: BLE001 - a failure is what this test counts
                results[i] = f"FAILED: {exc!r}"

        threads = [threading.Thread(target=one, args=(i,)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        return results

    first = crowd()  # warms every code path and cache the crowd uses
    assert all(r and r.startswith("Done") for r in first), first
    before = rss_mb(proc.pid)
    for _ in range(2):
        later = crowd()
        assert all(r and r.startswith("Done") for r in later), later
    after = rss_mb(proc.pid)
    print(f"server RSS: {before:.0f} MB after the first {CLIENTS} requests, {after:.0f} MB after {2 * CLIENTS} more")
    assert after - before < 60, (before, after)
