"""The optional LLM rewriter against a real local HTTP server that speaks the chat-completions
protocol: real sockets, real JSON, and the ways real endpoints fail."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from voice2img.understand.llm import SYSTEM_PROMPT, LLMOptions, LLMRewriter

SPOKEN = "Um, can you draw me a red, no wait, a blue car on a beach, without people, as pixel art, thank you."
RULES_PROMPT = "a blue car on a beach, pixel art, 8-bit, crisp pixels"


class ChatServer:
    """Answers POST /v1/chat/completions with whatever ``reply`` is set to; records each request."""

    def __init__(self):
        self.reply = None  # (status, body bytes) or a callable
        self.delay = 0.0
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                time.sleep(server.delay)
                status, payload = server.reply
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def answer(self, content, status=200):
        message = {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]}
        self.reply = (status, json.dumps(message).encode())

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = ChatServer()
    yield s
    s.close()


def rewriter(server, **options):
    return LLMRewriter(LLMOptions(base_url=server.url, model="tiny-llm", api_key="secret", timeout=1.0, **options))


def test_a_good_reply_is_used_and_settings_still_come_from_the_rules(server):
    server.answer('{"prompt": "a blue car parked on a beach", "negative_prompt": "people"}')
    request = rewriter(server).rewrite(SPOKEN)
    assert request.prompt == "a blue car parked on a beach, pixel art, 8-bit, crisp pixels"
    assert request.negative_prompt == "people, blurry, smooth gradients"
    assert request.settings.style == "pixel art" and not request.notes
    assert any("rewritten by LLM tiny-llm" in r.reason for r in request.removed)
    sent = server.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["Authorization"] == "Bearer secret"
    assert sent["body"]["model"] == "tiny-llm" and sent["body"]["temperature"] == 0
    assert sent["body"]["messages"][0] == {"role": "system", "content": SYSTEM_PROMPT}
    assert SPOKEN in sent["body"]["messages"][1]["content"]


def test_json_wrapped_in_a_code_fence_is_accepted(server):
    server.answer('```json\n{"prompt": "a blue car on a beach", "negative_prompt": ""}\n```')
    assert rewriter(server).rewrite(SPOKEN).prompt.startswith("a blue car on a beach,")


@pytest.mark.parametrize("content,why", [
    ("not json at all", "not the JSON asked for"),
    ('{"prompt": "", "negative_prompt": ""}', "empty"),
    ('{"prompt": "Sure! Here is your prompt: a blue car", "negative_prompt": ""}', "chat answer"),
    ('{"prompt": "a spaceship orbiting jupiter", "negative_prompt": ""}', "drew something else"),
    ('{"prompt": "' + "a blue car on a beach, " * 20 + '", "negative_prompt": ""}', "too long"),
    ('{"negative_prompt": "people"}', "not the JSON asked for"),
])
def test_unusable_replies_fall_back_to_the_rules(server, content, why):
    server.answer(content)
    request = rewriter(server).rewrite(SPOKEN)
    assert request.prompt == RULES_PROMPT and request.negative_prompt == "people, blurry, smooth gradients"
    assert len(request.notes) == 1 and why in request.notes[0] and "rules' prompt was used" in request.notes[0]


def test_a_server_error_falls_back(server):
    server.reply = (500, b"<html>Internal Server Error</html>")
    request = rewriter(server).rewrite(SPOKEN)
    assert request.prompt == RULES_PROMPT and "HTTP 500" in request.notes[0]


def test_a_garbage_body_falls_back(server):
    server.reply = (200, b"\x00\xffgarbage")
    request = rewriter(server).rewrite(SPOKEN)
    assert request.prompt == RULES_PROMPT and "not JSON" in request.notes[0]


def test_a_slow_endpoint_times_out_and_falls_back(server):
    server.answer('{"prompt": "a blue car", "negative_prompt": ""}')
    server.delay = 3.0
    started = time.perf_counter()
    request = LLMRewriter(LLMOptions(base_url=server.url, model="m", timeout=0.5)).rewrite(SPOKEN)
    assert time.perf_counter() - started < 2.5  # gave up near the timeout, not after the reply
    assert request.prompt == RULES_PROMPT and "could not be reached in 0.5 s" in request.notes[0]


def test_no_server_at_all_falls_back():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    request = LLMRewriter(LLMOptions(base_url=f"http://127.0.0.1:{port}/v1", model="m", timeout=1)).rewrite(SPOKEN)
    assert request.prompt == RULES_PROMPT and "could not be reached" in request.notes[0]


def test_silence_never_reaches_the_endpoint(server):
    server.answer('{"prompt": "a beautiful sunset", "negative_prompt": ""}')
    assert rewriter(server).rewrite("Thank you.").empty
    assert server.requests == []


def test_negatives_the_speaker_never_said_are_dropped(server):
    server.answer('{"prompt": "a blue car on a beach", "negative_prompt": "people, blurry, watermark"}')
    assert rewriter(server).rewrite("A blue car on a beach, without people.").negative_prompt == "people"


def test_follow_ups_are_applied_by_the_rules_not_sent_to_the_endpoint(server):
    server.answer('{"prompt": "blue", "negative_prompt": ""}')
    llm = rewriter(server)
    first = llm.rewrite("A red car on a beach.")
    assert first.prompt.startswith("a red car")  # (the endpoint's reply was unusable: different subject)
    request = llm.rewrite("Make it blue.", first)
    assert request.prompt == "a blue car on a beach" and len(server.requests) == 1
