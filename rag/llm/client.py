"""One chat call to the OpenAI-compatible endpoint, bounded in time, through LangChain's ChatOpenAI.

Every failure (timeout, refused connection, 429/5xx, an empty reply, an open breaker) becomes one
`Unavailable` with a short reason, so callers fall back to the deterministic answer. The call runs
in a daemon thread and the caller waits at most `timeout` seconds in all: a server that stalls
after sending a few tokens costs no more than one that never answers.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator

from rag.llm.breaker import Breaker
from rag.llm.config import LLMConfig

log = logging.getLogger("nianbao.llm")

_DONE = object()
MAX_TOKENS = 600  # a plan or a 300-character answer fits well within it


class Unavailable(Exception):
    """The endpoint gave no usable reply; `reason` is one word for logs and counters."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def _reason(exc: BaseException) -> str:
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIConnectionError):
        return "connection"
    if isinstance(exc, openai.APIStatusError):
        code = exc.status_code
        return "http_429" if code == 429 else ("http_5xx" if code >= 500 else f"http_{code}")
    if isinstance(exc, (ValueError, openai.APIResponseValidationError)):
        return "malformed_json"  # a body that is not the JSON (or SSE) of a chat completion
    return type(exc).__name__


class ChatClient:
    """Calls one endpoint; shares one breaker across planner and writer (same endpoint)."""

    def __init__(self, config: LLMConfig, breaker: Breaker | None = None):
        self.config = config
        self.breaker = breaker or Breaker()
        self._model = None
        self._lock = threading.Lock()

    def model(self):  # noqa: ANN201 - a ChatOpenAI, imported only when a mode is on
        with self._lock:
            if self._model is None:
                from langchain_openai import ChatOpenAI

                self._model = ChatOpenAI(
                    base_url=self.config.url,
                    model=self.config.model or "default",
                    api_key=self.config.api_key or "none",  # local servers ignore it; the client needs one
                    timeout=self.config.timeout,
                    max_retries=0,  # a retry would double the wait; the breaker handles bad spells
                    temperature=0,
                    max_tokens=MAX_TOKENS,  # a runaway reply must not hold the endpoint until the timeout
                )
            return self._model

    def complete(self, messages: list[tuple[str, str]], json_mode: bool = False) -> str:
        """The whole reply (streamed from the endpoint, so the deadline holds between tokens)."""
        return "".join(self.stream(messages, json_mode=json_mode))

    def stream(self, messages: list[tuple[str, str]], json_mode: bool = False) -> Iterator[str]:
        """The reply in pieces as they arrive; raises Unavailable, at most `timeout` s after the start."""
        if not self.breaker.allow():
            raise Unavailable("breaker_open")

        def call() -> Iterator:
            model = self.model()  # in the worker: the first call's import counts toward the deadline too
            if json_mode:  # one reply; the deadline below still holds
                return iter([model.invoke(messages, response_format={"type": "json_object"})])
            return model.stream(messages)

        deadline = time.monotonic() + self.config.timeout
        pieces: queue.Queue = queue.Queue()

        def run() -> None:
            try:
                for chunk in call():
                    pieces.put(chunk.content if isinstance(chunk.content, str) else str(chunk.content))
                pieces.put(_DONE)
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
                pieces.put(exc)

        threading.Thread(target=run, name="nianbao-llm-call", daemon=True).start()
        got = False
        while True:
            left = deadline - time.monotonic()
            try:
                item = pieces.get(timeout=max(0.0, left))
            except queue.Empty:
                self._fail("timeout", f"no reply within {self.config.timeout:g} s")
            if item is _DONE:
                break
            if isinstance(item, BaseException):
                self._fail(_reason(item), str(item)[:200])
            if item:
                got = True
                yield item
        if not got:
            self._fail("empty", "the endpoint returned no text")
        self.breaker.success()

    def _fail(self, reason: str, detail: str) -> None:
        self.breaker.failure()
        log.warning("LLM endpoint unavailable (%s): %s", reason, detail)
        raise Unavailable(reason, detail)
