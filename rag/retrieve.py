"""Hybrid passage retrieval: BM25 and dense vectors fused by reciprocal rank fusion.

Both retrievers are filtered to the bodies and years the question is about (BM25 by allowed
passage ids, Chroma by a `where` filter); a passage from the section the question points to
(e.g. 五 for 问题/改进) gets a boost. On the sample corpus BM25 alone beat dense retrieval and
the fusion of both was best (DESIGN.md).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from sqlalchemy import select

from rag.factstore import StoredPassage
from rag.factstore import passages as passages_table
from rag.query import Query
from rag.vectorstore import build_where

RRF_K = 60
SECTION_BOOST = 0.5 / RRF_K  # worth half a first place
_YEAR = re.compile(r"(?:19|20)\d{2}\s*年?度?")


@dataclass
class Hit:
    """One retrieved passage with its fused score and the evidence behind it."""

    passage: StoredPassage
    score: float  # fused RRF score (+ section boost)
    bm25: float | None = None  # raw BM25 score when BM25 found it
    dense: float | None = None  # cosine similarity when the vector search found it
    bm25_rank: int | None = None
    dense_rank: int | None = None

    @property
    def top_section(self) -> str:
        return self.passage.section.split("/")[0]


@dataclass
class _Meta:
    report_id: str
    body: str
    year: int
    section: str


class Retriever:
    """Searches passages of the stores; passage metadata is cached and refreshed on demand."""

    def __init__(self, stores, depth: int = 20):  # noqa: ANN001
        self.stores = stores
        self.depth = depth
        self._meta: dict[str, _Meta] | None = None
        self._lock = threading.Lock()

    def refresh(self) -> None:
        with self._lock:
            self._meta = None

    @property
    def meta(self) -> dict[str, _Meta]:
        with self._lock:
            if self._meta is None:
                t = passages_table
                q = select(t.c.id, t.c.report_id, t.c.body, t.c.year, t.c.section)
                with self.stores.facts.engine.connect() as c:
                    self._meta = {r[0]: _Meta(r[1], r[2], int(r[3]), r[4]) for r in c.execute(q)}
            return self._meta

    def allowed(self, bodies: list[str] | None, years: list[int] | None) -> list[str] | None:
        if not bodies and not years:
            return None
        bs, ys = set(bodies or []), set(years or [])
        return [pid for pid, m in self.meta.items() if (not bs or m.body in bs) and (not ys or m.year in ys)]

    @staticmethod
    def query_text(q: Query, strip: list[str]) -> str:
        """The question without body names and years: those are filters, not content."""
        text = q.norm or q.text
        for name in sorted(strip, key=len, reverse=True):
            if len(name) >= 2:
                text = text.replace(name, " ")
        return _YEAR.sub(" ", text).strip() or (q.norm or q.text)

    def search(
        self,
        q: Query,
        bodies: list[str] | None = None,
        years: list[int] | None = None,
        k: int = 5,
        strip: list[str] | None = None,
    ) -> list[Hit]:
        text = self.query_text(q, strip or [])
        allowed = self.allowed(bodies, years)
        if allowed is not None and not allowed:
            return []
        bm = self.stores.bm25.search(text, k=self.depth, ids_allowed=allowed)
        where = build_where(body=bodies or None, year=years or None)
        vec = self.stores.embedder.embed_query_array(text)
        dense = self.stores.vectors.query(vec, k=self.depth, where=where)
        fused: dict[str, dict] = {}
        for rank, (pid, score) in enumerate(bm, 1):
            e = fused.setdefault(pid, {"score": 0.0})
            e["score"] += 1.0 / (RRF_K + rank)
            e["bm25"], e["bm25_rank"] = score, rank
        for rank, h in enumerate(dense, 1):
            if allowed is not None and h.id not in self.meta:
                continue
            e = fused.setdefault(h.id, {"score": 0.0})
            e["score"] += 1.0 / (RRF_K + rank)
            e["dense"], e["dense_rank"] = h.score, rank
        if q.section:
            for pid, e in fused.items():
                m = self.meta.get(pid)
                if m and m.section.split("/")[0] == q.section:
                    e["score"] += SECTION_BOOST
        best = sorted(fused.items(), key=lambda kv: -kv[1]["score"])[:k]
        by_id = {p.id: p for p in self.stores.facts.passages(ids=[pid for pid, _ in best])}
        return [
            Hit(
                by_id[pid], e["score"], e.get("bm25"), e.get("dense"), e.get("bm25_rank"), e.get("dense_rank")
            )
            for pid, e in best
            if pid in by_id
        ]
