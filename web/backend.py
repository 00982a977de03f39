"""One seam between the web app and the rest of Nianbao (stores, answerer, ingestor).

The UI and the API never import rag/ingest directly: they ask a `Backend`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

from ingest.pipeline import FileResult, Ingestor
from rag.answer import Answerer
from rag.factstore import FactStore, ReportRow, StoredFact, StoredPassage, StoredViolation
from rag.stores import Stores, open_stores


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
        self._lock = threading.RLock()
        self._stores: Stores | None = None
        self._answerer: Answerer | None = None

    # ------------------------------------------------------------------ plumbing
    def stores(self) -> Stores:
        with self._lock:
            if self._stores is None:
                self._stores = open_stores()
            return self._stores

    @property
    def facts(self) -> FactStore:
        return self.stores().facts

    def answerer(self) -> Answerer:
        with self._lock:
            if self._answerer is None:
                self._answerer = Answerer(self.stores())
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
        """The Answer JSON (docs/INTERNALS.md) for one question."""
        answer = self.answerer().ask(
            question, history=history or None, body=body or None, year=year or None, context=context or None
        )
        return answer.to_dict()

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

    def ingest(
        self, paths: list[str], names: dict[str, str] | None = None, supersede: bool = True
    ) -> list[FileResult]:
        """Ingest files with the real pipeline; `names` maps a stored path to the name shown to staff
        (it replaces `path` in the results).
        `supersede` (uploads): a report replaces the stored one of the same body and year, so a
        corrected re-upload under another file name does not leave a duplicate."""
        with self._lock:
            summary = Ingestor(self.stores(), supersede=supersede).ingest_paths(paths, progress=False)
        shown = names or {}
        return [replace(r, path=shown.get(str(r.path), str(r.path))) for r in summary.results]

    def is_empty(self) -> bool:
        return not self.facts.reports()
