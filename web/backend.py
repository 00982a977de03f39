"""One seam between the web app and the rest of Nianbao (stores, answerer, ingestor).

The UI and the API never import rag/ingest directly: they ask a `Backend`.

Reliability: questions take no lock that ingest holds (ingest is serialized by the home's file
lock, ingest.lock, and writes through SQLite WAL / PostgreSQL MVCC, so answering reads a
consistent snapshot meanwhile); a new store signature, whichever process ingested, drops the
answer cache and reopens Chroma; each answer runs under a time budget; uploads are parsed in a
limited worker process (ingest.sandbox).
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path

from ingest.lock import ingest_lock
from ingest.pipeline import FileResult, Ingestor
from ingest.sandbox import parse_isolated
from nianbao.settings import get_settings
from rag.answer import Answerer
from rag.factstore import FactStore, ReportRow, StoredFact, StoredPassage, StoredViolation
from rag.health import check_sql
from rag.retrieve import store_signature
from rag.stores import Stores, open_stores

log = logging.getLogger(__name__)

SIGNATURE_TTL_S = 0.25  # another process's ingest is seen within this; our own at once
UPLOAD_LOCK_WAIT_S = 600.0
_ABS_PATH = re.compile(r"(?:/[^/\s：、，;；]+)+/([^/\s：、，;；]+)")


class TooLong(RuntimeError):
    """The answer did not finish within the request time budget."""


def file_names_only(text: str) -> str:
    """Server paths in a message reduced to their file names (staff see names, not our layout)."""
    return _ABS_PATH.sub(r"\1", text or "")


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


class Backend:
    """Opens the stores and the answerer once per process; thread-safe for Gradio workers."""

    def __init__(self) -> None:
        self._init_lock = threading.Lock()  # held only while opening stores / the answerer
        self._ingest_lock = threading.Lock()  # one ingest at a time in this process (the file lock spans processes)
        self._stores: Stores | None = None
        self._answerer: Answerer | None = None
        self._cache: OrderedDict[str, dict] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._signature: tuple | None = None
        self._checked_at = 0.0
        self._pool = cf.ThreadPoolExecutor(max_workers=4, thread_name_prefix="answer")
        self.request_seconds = get_settings().request_seconds
        self.cache_size = get_settings().answer_cache
        self._warm = False  # the time budget starts once models are loaded (warm-up is not a request's cost)

    # ------------------------------------------------------------------ plumbing
    def stores(self) -> Stores:
        with self._init_lock:
            if self._stores is None:
                self._stores = open_stores()
            return self._stores

    @property
    def facts(self) -> FactStore:
        return self.stores().facts

    def answerer(self) -> Answerer:
        stores = self.stores()
        with self._init_lock:
            if self._answerer is None:
                self._answerer = Answerer(stores)
            return self._answerer

    def check_signature(self, max_age_s: float = 0.0) -> tuple | None:
        """Compare the store's signature with the one answers were cached under (one small SQL
        query). On a change made by any process: drop the answer cache and reopen Chroma, whose
        embedded client would otherwise keep serving the vectors it loaded (BM25 reloads itself
        from disk, the Answerer refreshes its catalog from the same signature)."""
        now = time.monotonic()
        if max_age_s and now - self._checked_at < max_age_s and self._signature is not None:
            return self._signature
        self._checked_at = now
        sig = store_signature(self.facts)
        if sig != self._signature:
            with self._cache_lock:
                if sig != self._signature:
                    if self._signature is not None:
                        log.info("store changed (%s -> %s): reloading indexes", self._signature, sig)
                        try:
                            self.stores().vectors.reload()
                        except Exception:  # noqa: BLE001 - answers fall back to the stale handle
                            log.exception("could not reopen Chroma")
                    self._cache.clear()
                    self._signature = sig
        return sig

    # ------------------------------------------------------------------ questions
    def ask(
        self,
        question: str,
        history: list | None = None,
        body: str | None = None,
        year: int | None = None,
        context: dict | None = None,
    ) -> dict:
        """The Answer JSON (docs/INTERNALS.md) for one question, within the request time budget
        (TooLong otherwise). Callers validate first (web.limits). Answers are cached per store
        signature: the same question over the same store has the same answer."""
        key = self._key(question, history, body, year, context)
        sig = self.check_signature(SIGNATURE_TTL_S)
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return dict(hit)  # callers may pop keys; the cached copy stays whole
        fut = self._pool.submit(
            self._answer, question, history or None, body or None, year or None, context or None
        )
        try:
            answer = fut.result(timeout=self.request_seconds if self._warm else None)
        except cf.TimeoutError:
            log.warning("question over the %.0f s budget: %r", self.request_seconds, question[:80])
            raise TooLong(f"问题处理超时（超过 {self.request_seconds:g} 秒），请把问题拆小后再问。") from None
        with self._cache_lock:
            if sig == self._signature and self.cache_size > 0:
                self._cache[key] = answer
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return dict(answer)

    @staticmethod
    def _key(question, history, body, year, context) -> str:  # noqa: ANN001
        return json.dumps([question, history, body, year, context], ensure_ascii=False, sort_keys=True, default=str)

    def cached(
        self,
        question: str,
        history: list | None = None,
        body: str | None = None,
        year: int | None = None,
        context: dict | None = None,
    ) -> dict | None:
        """The cached answer for these arguments under the current store signature, or None: cheap
        enough to call on an event loop (a dict lookup, and a signature query at most every
        SIGNATURE_TTL_S)."""
        self.check_signature(SIGNATURE_TTL_S)
        key = self._key(question, history, body, year, context)
        with self._cache_lock:
            hit = self._cache.get(key)
        return dict(hit) if hit is not None else None

    def _answer(self, question, history, body, year, context) -> dict:  # noqa: ANN001
        return self.answerer().ask(question, history=history, body=body, year=year, context=context).to_dict()

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
        """Load what the first question would otherwise pay for (models, indexes, facts); called once
        at start-up, after the sample ingest."""
        self.answerer().warm()
        self.check_signature()
        self._warm = True

    def heal(self) -> dict[str, str]:
        """Start-up check: the SQL store is intact (rag.health.StoreError otherwise) and BM25 and
        Chroma agree with it (rebuilt from SQL when missing, damaged or out of step)."""
        stores = self.stores()
        check_sql(stores.facts.engine)
        with ingest_lock(stores.settings.home):
            done = Ingestor(stores).sync_indexes()
        if not done:
            log.info("stores in step with SQL (%d passages)", len(stores.bm25))
        return done

    def ingest(
        self,
        paths: list[str],
        names: dict[str, str] | None = None,
        supersede: bool = True,
        isolated: bool = True,
        body: str | None = None,
        year: int | None = None,
    ) -> list[FileResult]:
        """Ingest files with the real pipeline; `names` maps a stored path to the name shown to staff
        (it replaces `path` in the results; other paths are shown as file names only).
        `supersede` (uploads): a report replaces the stored one of the same body and year, so a
        corrected re-upload under another file name does not leave a duplicate.
        `isolated`: parse each file in a limited worker process (ingest.sandbox).
        `body`/`year`: staff correction of what the report says about itself.
        Questions keep being answered meanwhile."""
        overrides = {k: v for k, v in (("body", body), ("year", year)) if v}
        if isolated:
            def parse(p: str):  # noqa: ANN202
                return parse_isolated(p, **overrides)
        elif overrides:
            from ingest.parse import parse_file

            def parse(p: str):  # noqa: ANN202
                return parse_file(p, **overrides)
        else:
            parse = None
        with self._ingest_lock:
            ingestor = Ingestor(self.stores(), parse=parse, supersede=supersede, lock_wait_s=UPLOAD_LOCK_WAIT_S)
            summary = ingestor.ingest_paths(paths, progress=False)
        self.check_signature()
        shown = {str(Path(k).resolve()): v for k, v in (names or {}).items()}
        return [
            replace(
                r,
                path=shown.get(str(Path(r.path).resolve()), os.path.basename(str(r.path))),
                reason=file_names_only(r.reason),
            )
            for r in summary.results
        ]

    def is_empty(self) -> bool:
        return not self.facts.reports()
