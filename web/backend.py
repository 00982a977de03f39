"""One seam between the web app and the rest of Nianbao (stores, answerer, ingestor).

The UI and the API never import rag/ingest directly: they ask a `Backend`. Imports are guarded so
the app stays runnable (showing 「系统初始化中」) while a part is missing or failing to load.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from rag.factstore import FactStore, ReportRow, StoredFact, StoredPassage, StoredViolation

log = logging.getLogger(__name__)

NOT_READY = "系统初始化中，请稍后再试。"


@dataclass
class UploadResult:
    """Per-file outcome shown to staff after an upload (mirrors ingest.pipeline.FileResult)."""

    name: str
    status: str  # ingested | unchanged | replaced | rejected
    body: str | None = None
    year: int | None = None
    n_facts: int = 0
    n_passages: int = 0
    n_violations: int = 0
    reason: str = ""


@dataclass
class Catalog:
    """What the store holds, for dropdowns: body -> years, newest last."""

    years: dict[str, list[int]] = field(default_factory=dict)

    @property
    def bodies(self) -> list[str]:
        return sorted(self.years)

    @property
    def all_years(self) -> list[int]:
        return sorted({y for ys in self.years.values() for y in ys})


def _field(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


class Backend:
    """Lazily opens the stores and the answerer once per process; thread-safe for Gradio workers."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._stores = None
        self._answerer = None
        self._facts: FactStore | None = None
        self.error: str | None = None

    # ------------------------------------------------------------------ plumbing
    @property
    def facts(self) -> FactStore:
        with self._lock:
            if self._facts is None:
                stores = self.stores()
                self._facts = getattr(stores, "facts", None) if stores is not None else None
                if self._facts is None:
                    self._facts = FactStore()
            return self._facts

    def stores(self):  # noqa: ANN201 - rag.stores.Stores when available
        with self._lock:
            if self._stores is None:
                try:
                    from rag.stores import open_stores

                    self._stores = open_stores()
                except Exception as e:  # noqa: BLE001 - keep the app up, say why
                    self.error = f"存储未就绪：{e}"
                    log.warning("stores unavailable: %s", e)
                    return None
            return self._stores

    def answerer(self):  # noqa: ANN201 - rag.answer.Answerer when available
        with self._lock:
            if self._answerer is None:
                stores = self.stores()
                if stores is None:
                    return None
                try:
                    from rag.answer import Answerer

                    self._answerer = Answerer(stores)
                except Exception as e:  # noqa: BLE001
                    self.error = f"问答模块未就绪：{e}"
                    log.warning("answerer unavailable: %s", e)
                    return None
            return self._answerer

    # ------------------------------------------------------------------ questions
    def ask(
        self,
        question: str,
        history: list | None = None,
        body: str | None = None,
        year: int | None = None,
        context: dict | None = None,
    ) -> dict:
        """The Answer JSON (docs/INTERNALS.md) for one question; a not-ready answer when rag is missing."""
        t0 = time.perf_counter()
        answerer = self.answerer()
        if answerer is None:
            return {
                "question": question,
                "answer": NOT_READY,
                "kind": "not_found",
                "figures": [],
                "citations": [],
                "warnings": [self.error] if self.error else [],
                "latency_ms": round((time.perf_counter() - t0) * 1000, 1),
                "context": context or {},
            }
        answer = answerer.ask(
            question, history=history or None, body=body or None, year=year or None, context=context or None
        )
        return answer.to_dict() if hasattr(answer, "to_dict") else dict(answer)

    # ------------------------------------------------------------------ browsing
    def catalog(self) -> Catalog:
        cat = Catalog()
        for r in self.facts.reports():
            cat.years.setdefault(r.body, [])
            if r.year not in cat.years[r.body]:
                cat.years[r.body].append(r.year)
        for ys in cat.years.values():
            ys.sort()
        return cat

    def report(self, body: str, year: int) -> ReportRow | None:
        rows = self.facts.reports(body=body, year=year)
        return rows[-1] if rows else None

    def report_facts(self, report_id: str) -> list[StoredFact]:
        return self.facts.facts(report_id=report_id)

    def report_violations(self, report_id: str) -> list[StoredViolation]:
        return self.facts.violations(report_id=report_id)

    def report_passages(self, report_id: str) -> list[StoredPassage]:
        return self.facts.passages(report_id=report_id)

    def figure_series(
        self, table: str, row: str, column: str, body: str | None = None, year: int | None = None
    ) -> list[StoredFact]:
        return self.facts.facts(body=body, year=year, table=table, row=row, column=column)

    # ------------------------------------------------------------------ ingest
    def warm(self) -> None:
        """Load what the first question would otherwise pay for (embedding model, tokenizer,
        catalog); called once at start-up, after the sample ingest."""
        answerer = self.answerer()
        warm = getattr(answerer, "warm", None)
        if warm is not None:
            warm()

    def ingest(
        self, paths: list[str], names: dict[str, str] | None = None, supersede: bool = True
    ) -> list[UploadResult]:
        """Ingest files with the real pipeline; `names` maps a stored path to the name shown to staff.
        `supersede` (uploads): a report replaces the stored one of the same body and year, so a
        corrected re-upload under another file name does not leave a duplicate."""
        stores = self.stores()
        if stores is None:
            return [
                UploadResult(names.get(p, p) if names else p, "rejected", reason=NOT_READY) for p in paths
            ]
        from ingest.pipeline import Ingestor

        with self._lock:
            summary = Ingestor(stores, supersede=supersede).ingest_paths(paths, progress=False)
        out = []
        for r in _field(summary, "results", []):
            path = str(_field(r, "path", ""))
            out.append(
                UploadResult(
                    name=(names or {}).get(path, path),
                    status=_field(r, "status", ""),
                    body=_field(r, "body"),
                    year=_field(r, "year"),
                    n_facts=_field(r, "n_facts", 0) or 0,
                    n_passages=_field(r, "n_passages", 0) or 0,
                    n_violations=_field(r, "n_violations", 0) or 0,
                    reason=_field(r, "reason", "") or "",
                )
            )
        return out

    def is_empty(self) -> bool:
        return not self.facts.reports()
