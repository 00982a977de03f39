"""The two calls the Answerer makes when a mode is on: `replan` after understanding and `rewrite`
after composing. Both return the deterministic result whenever the model fails or is not trusted:
an unreachable endpoint adds a one-line note, a rejected plan or text is logged and counted
(`stats()`), and nothing raises.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from dataclasses import replace
from itertools import takewhile

from rag.llm import guard, planner, writer
from rag.llm.breaker import Breaker
from rag.llm.client import ChatClient, Unavailable
from rag.llm.config import LLMConfig, current
from rag.llm.menu import build
from rag.query import Catalog, Context, Query

log = logging.getLogger("nianbao.llm")

WRITTEN_KINDS = ("narrative", "mixed")
_MARK = re.compile(r"\[\d{1,3}\]")
WRITER_DOWN = "（写作模型暂不可用，以下为系统直接整理的答案。）"
PLANNER_DOWN = "（理解模型暂不可用，以下按系统自己的理解回答。）"
WRITTEN = "（以上由模型根据所列来源撰写，其中每个数字都已与来源核对。）"

_stats: Counter = Counter()
_clients: dict[LLMConfig, ChatClient] = {}
_lock = threading.Lock()


def stats() -> dict[str, int]:
    """How often each outcome happened since start (plan.used, write.rejected.unsupported_number…)."""
    with _lock:
        return dict(_stats)


def reset() -> None:
    """Forget counters, clients and breakers (tests; a changed configuration gets new ones anyway)."""
    with _lock:
        _stats.clear()
        _clients.clear()


def _count(key: str) -> None:
    with _lock:
        _stats[key] += 1


def client(config: LLMConfig) -> ChatClient:
    """One client (and one breaker) per configuration."""
    with _lock:
        if config not in _clients:
            _clients[config] = ChatClient(config, Breaker())
        return _clients[config]


def warm() -> None:
    """Import and build the chat model now (a second or more on two cores), not on the first question."""
    config = current()
    if config.plans or config.writes:
        client(config).model()


def replan(query: Query, question: str, catalog: Catalog, context: Context | None) -> Query | None:
    """A model-made Query when the deterministic one is unsure and the model's plan validates; else None."""
    config = current()
    if not config.plans or not planner.needs_plan(query) or not catalog.bodies:
        return None
    menu = build(catalog, question, keep=list(context.bodies) if context else [])
    try:
        reply = client(config).complete(planner.messages(question, context, menu), json_mode=True)
        fields = planner.validate(planner.parse(reply), catalog, menu)
    except Unavailable as exc:
        _count(f"plan.unavailable.{exc.reason}")
        query.notes.append(PLANNER_DOWN)
        return None
    except planner.InvalidPlan as exc:
        _count(f"plan.rejected.{exc.reason}")
        log.info("LLM plan rejected (%s) for %r", exc, question)
        return None
    _count("plan.used")
    return planner.to_query(query, fields)


def rewrite(answer, query: Query, citations: list[dict]):  # noqa: ANN001, ANN201 - rag.answer.Answer
    """The answer in the model's sentences when every number and [n] passes the guard; else `answer`.
    `query` is the plan the answer was made for (kept in the interface for kind-specific rules)."""
    config = current()
    if not config.writes or answer.kind not in WRITTEN_KINDS or not citations:
        return answer
    derived = [f for f in answer.figures if f.get("derived") and f.get("value") is not None]
    try:
        reply = "".join(client(config).stream(writer.messages(answer.question, citations, derived)))
    except Unavailable as exc:
        _count(f"write.unavailable.{exc.reason}")
        return replace(answer, answer=f"{WRITER_DOWN}\n\n{answer.answer}")
    text = writer.clean(reply)
    verdict = guard.check(
        text,
        guard.sources_from(citations),
        question=answer.question,
        derived=[(float(f["value"]), f.get("unit") or "") for f in derived],
    )
    if not verdict.ok:
        _count(f"write.rejected.{verdict.reason}")
        log.warning("LLM answer rejected (%s): %s", verdict.reason, verdict.detail)
        return answer
    _count("write.used")
    return replace(answer, answer="\n\n".join([*_notes(answer.answer), text, WRITTEN]))


def _notes(markdown: str) -> list[str]:
    """The deterministic answer's opening paragraphs that cite nothing: its notes (按…理解, 库中没有
    2019年的报告, 报告表格不区分「网上」…), which the written answer keeps above the model's text."""
    return list(takewhile(lambda p: not _MARK.search(p), markdown.split("\n\n")))
