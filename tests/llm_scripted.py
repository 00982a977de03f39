"""A scripted OpenAI-compatible chat server on loopback, for the LLM tests: real HTTP, real SSE.

Each request takes the next scripted reply (text, a stall, an HTTP status, invalid JSON) and is
recorded, so tests can read what Nianbao sent. Handlers sleep at most `Reply.delay` seconds and the
server stops with a one-second grace, so no test waits on it for long.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse


@dataclass
class Reply:
    content: str = ""
    status: int = 200
    delay: float = 0.0  # seconds before anything is sent (a stall)
    stall_after_first: float = 0.0  # seconds between the first piece and the rest (streaming)
    raw: str | None = None  # a body sent as is (invalid JSON)


class Scripted:
    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.app = self._app()
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None
        self.port = 0
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def push(self, *replies: Reply | str) -> None:
        with self.lock:
            self.replies.extend(r if isinstance(r, Reply) else Reply(r) for r in replies)

    def clear(self) -> None:
        with self.lock:
            self.replies.clear()
            self.requests.clear()

    def _next(self, body: dict) -> Reply:
        with self.lock:
            self.requests.append(body)
            return self.replies.popleft() if self.replies else Reply(status=500, content="no scripted reply")

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def chat(request: Request):  # noqa: ANN202
            body = await request.json()
            reply = self._next(body)
            if reply.delay:
                await self._sleep(reply.delay)
            if reply.status != 200:
                return JSONResponse(
                    {"error": {"message": reply.content or "error", "type": "server_error"}}, reply.status
                )
            if reply.raw is not None:
                return PlainTextResponse(reply.raw, media_type="application/json")
            model = body.get("model", "scripted")
            if not body.get("stream"):
                return JSONResponse(_completion(model, reply.content))
            return StreamingResponse(self._sse(model, reply), media_type="text/event-stream")

        return app

    async def _sleep(self, seconds: float) -> None:
        """A stall that ends early when the server stops (at most 15 s in any case)."""
        end = time.monotonic() + min(seconds, 15.0)
        while time.monotonic() < end and not self.stopping.is_set():
            await asyncio.sleep(0.05)

    async def _sse(self, model: str, reply: Reply):  # noqa: ANN202
        text = reply.content
        pieces = [text[i : i + 6] for i in range(0, len(text), 6)] or [""]
        for i, piece in enumerate(pieces):
            yield _chunk(model, {"role": "assistant", "content": piece} if i == 0 else {"content": piece})
            if i == 0 and reply.stall_after_first:
                await self._sleep(reply.stall_after_first)
        yield _chunk(model, {}, "stop")
        yield "data: [DONE]\n\n"

    def start(self) -> Scripted:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", timeout_graceful_shutdown=1, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.server.started, "scripted LLM server did not start"
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=5)


def _completion(model: str, content: str) -> dict:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(model: str, delta: dict, finish: str | None = None) -> str:
    data = {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

