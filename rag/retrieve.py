"""Hybrid passage retrieval: BM25 and dense vectors fused by reciprocal rank fusion.

Both retrievers are filtered to the bodies and years the question is about (BM25 by allowed
passage ids with bm25s, inside the SQL query with NIANBAO_LEXICAL=sql, rag.lexical; dense search
exactly over the allowed passages' vectors when they are few, EXACT_DENSE_MAX; an unfiltered
Chroma search filtered afterwards when they are a large share, BROAD_SHARE; else Chroma with a
`where` filter); a passage from the section the question points to (e.g. 五 for 问题/改进) gets a
boost. On the sample corpus BM25 alone beat dense retrieval and
the fusion of both was best (DESIGN.md).
"""

from __future__ import annotations

import math
import re
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select

from nianbao import template as T
from rag import lexical
from rag.bm25 import tokenize
from rag.factstore import StoredPassage
from rag.factstore import passages as passages_table
from rag.query import Query
from rag.vectorstore import VectorHit, build_where

RRF_K = 60
SECTION_BOOST = 0.5 / RRF_K  # worth half a first place
# A question scoped to at most this many passages (a body/year names one report, 8-30 passages)
# is scored exactly: those passages' vectors fetched by id and compared with the query vector
# (VectorStore.query_exact, a few ms); a filtered HNSW query took 135-290 ms a call at 85,000
# passages. Larger scopes (a year over every body) and unscoped questions use Chroma's query.
EXACT_DENSE_MAX = 2000
# A filter that keeps a large share of the passages (a year over every body) is applied to an
# unfiltered search instead: Chroma's filtered query took 2.4 s for one year of 850,000 passages,
# an unfiltered one for 200 neighbours 52 ms. The search asks for enough neighbours that `depth`
# of them are expected in scope twice over (at most BROAD_MAX_K), else the filtered query runs.
BROAD_SHARE = 0.05
BROAD_MAX_K = 1000
_YEAR = re.compile(r"(?:19|20)\d{2}\s*年?度?")
# Words that say what kind of answer is wanted, not what it is about: left out of coverage.
QUESTION_WORDS = frozenset(
    [
        "多少",
        "几",
        "几个",
        "几件",
        "几次",
        "什么",
        "哪些",
        "哪个",
        "哪里",
        "如何",
        "怎么",
        "怎样",
        "怎么样",
        "是否",
        "有没有",
        "为什么",
        "情况",
        "方面",
        "主要",
        "具体",
        "请问",
        "一下",
        "介绍",
        "说说",
        "告诉",
        "我们",
        "我县",
        "我市",
        "我区",
        "本县",
        "本市",
        "该",
        "这个",
        "那个",
        "有关",
        "相关",
        "关于",
        "进行",
        "开展",
        "工作",
        "政府",
        "what",
        "how",
        "many",
        "much",
        "which",
        "why",
        "when",
        "where",
        "did",
        "does",
        "was",
        "were",
        "is",
        "are",
        "the",
        "of",
        "in",
        "for",
        "and",
        "to",
    ]
)


@dataclass
class Hit:
    """One retrieved passage with its fused score and the evidence behind it."""

    passage: StoredPassage
    score: float  # fused RRF score (+ section boost)
    bm25: float | None = None  # raw BM25 score when BM25 found it
    dense: float | None = None  # cosine similarity when the vector search found it
    bm25_rank: int | None = None
    dense_rank: int | None = None
    coverage: float = 0.0  # share of the question's content (IDF-weighted) found in the passage

    @property
    def top_section(self) -> str:
        return self.passage.section.split("/")[0]


@dataclass(slots=True, frozen=True)
class _Meta:
    """One passage's place, held for every passage: slots and shared strings keep 850,000 of
    them in a few hundred MB less than plain dataclasses with a string per row."""

    report_id: str
    body: str
    year: int
    section: str


def store_signature(factstore) -> tuple:  # noqa: ANN001
    """A cheap fingerprint of the store: the newest write's id (FactStore.generation, one
    primary-key lookup, the same at 10 or 10^6 reports). It changes whenever any process adds,
    replaces or removes a report or its violations, so caches keyed on it refresh at once."""
    return (factstore.generation(),)


class Retriever:
    """Searches passages of the stores through their public APIs (BM25Index.search/doc_freq,
    VectorStore.query, FactStore). Passage metadata is cached per report set (store_signature)."""

    def __init__(self, stores, depth: int = 20):  # noqa: ANN001
        self.stores = stores
        self.depth = depth
        self._meta: dict[str, _Meta] | None = None
        # (body, year) -> passage ids; body -> years with passages; (body, year) -> its place in the
        # store's order: replaced together when the metadata is read again
        self._scopes: tuple[dict, dict, dict] = ({}, {}, {})
        self._idf: dict[str, float] = {}
        self._signature: tuple | None = None
        self._lock = threading.Lock()

    def refresh(self, signature: tuple | None = None) -> None:
        """Drop the metadata cache; with `signature`, only when the report set changed."""
        with self._lock:
            if signature is None or signature != self._signature:
                self._meta = None
                self._idf = {}
                self._signature = signature

    def check(self) -> None:
        """Refresh when the stores changed since the metadata was read (one small query)."""
        self.refresh(store_signature(self.stores.facts))

    @property
    def meta(self) -> dict[str, _Meta]:
        with self._lock:
            if self._meta is None:
                t = passages_table
                q = select(t.c.id, t.c.report_id, t.c.body, t.c.year, t.c.section)
                with self.stores.facts.engine.connect() as c:
                    i = sys.intern  # a report's ~9 passages share its id, body and section names
                    meta = {r[0]: _Meta(i(r[1]), i(r[2]), int(r[3]), i(r[4] or "")) for r in c.execute(q)}
                by_key: dict[tuple[str, int], list[str]] = {}
                for pid, m in meta.items():
                    by_key.setdefault((m.body, m.year), []).append(pid)
                years_of: dict[str, list[int]] = {}
                for b, y in by_key:
                    years_of.setdefault(b, []).append(y)
                order = {k: i for i, k in enumerate(by_key)}
                # one assignment: a reader takes the three maps of one snapshot (allowed())
                self._scopes = (by_key, years_of, order)
                self._meta = meta
            return self._meta

    def allowed(self, bodies: list[str] | None, years: list[int] | None) -> list[str] | None:
        """Passage ids of the bodies and years asked (None = no filter)."""
        if not bodies and not years:
            return None
        _ = self.meta
        by_key, years_of, order = self._scopes  # one attribute read: the maps of one snapshot
        bs, ys = set(bodies or []), set(years or [])
        if bs:  # through each body's years: a scoped question never walks the whole catalog
            keys = [(b, y) for b in bs for y in years_of.get(b, ()) if not ys or y in ys]
        else:
            keys = [k for k in by_key if k[1] in ys]
        keys.sort(key=order.__getitem__)  # the store's order, as when every key was walked
        return [pid for k in keys for pid in by_key[k]]

    def idf(self, token: str) -> float:
        """IDF of a token over the BM25 corpus; a token the corpus never uses weighs most.
        Cached until the report set changes."""
        cached = self._idf.get(token)
        if cached is None:
            lex = lexical.for_stores(self.stores)
            n = len(lex) or 1
            df = lex.doc_freq(token)
            cached = self._idf[token] = math.log((n - df + 0.5) / (df + 0.5) + 1.0)
        return cached

    @staticmethod
    def content_terms(text: str) -> list[str]:
        """The question's content words: no question words, no single characters, no numbers."""
        out = []
        for t in tokenize(text):
            t = t.lower()
            if len(t) < 2 or t in QUESTION_WORDS or t.isdigit() or t in out:
                continue
            out.append(t)
        return out

    def coverage(self, terms: list[str], passage: StoredPassage) -> float:
        if not terms:
            return 0.0
        text = passage.search_text or passage.text
        have = _passage_tokens(passage.id, text)
        weights = {t: self.idf(t) for t in terms}
        found = sum(w for t, w in weights.items() if t in have or t in text)
        return found / (sum(weights.values()) or 1.0)

    @staticmethod
    def query_text(q: Query, strip: list[str]) -> str:
        """The question without body names and years: those are filters, not content."""
        text = q.norm or q.text
        for name in sorted(strip, key=len, reverse=True):
            if len(name) >= 2:
                text = text.replace(name, " ")
        return _YEAR.sub(" ", text).strip() or (q.norm or q.text)

    def dense(
        self,
        vec,  # noqa: ANN001 - the query vector
        bodies: list[str] | None,
        years: list[int] | None,
        allowed: list[str] | None,
    ) -> list[VectorHit]:
        """Dense hits, best first, score = cosine similarity: exact over `allowed` when it has at
        most EXACT_DENSE_MAX passages, else (or when the vectors cannot be read by id) Chroma's
        query filtered by body/year."""
        vectors = self.stores.vectors
        exact = getattr(vectors, "query_exact", None)
        if exact is not None and allowed is not None and len(allowed) <= EXACT_DENSE_MAX:
            hits = exact(vec, allowed, k=self.depth)
            if hits is not None:
                return hits
        total = len(self.meta)
        if allowed is not None and total and len(allowed) >= BROAD_SHARE * total:
            want = min(total, BROAD_MAX_K, math.ceil(2 * self.depth * total / len(allowed)))
            bs, ys = set(bodies or []), set(years or [])
            meta = self.meta
            hits = [
                h for h in vectors.query(vec, k=want, where=None)
                if (m := meta.get(h.id)) is not None and (not bs or m.body in bs) and (not ys or m.year in ys)
            ]
            if len(hits) >= self.depth or want >= total:
                return hits[: self.depth]
        where = build_where(body=bodies or None, year=years or None)
        return vectors.query(vec, k=self.depth, where=where)

    def search(
        self,
        q: Query,
        bodies: list[str] | None = None,
        years: list[int] | None = None,
        k: int = 5,
        strip: list[str] | None = None,
        checked: bool = False,
    ) -> list[Hit]:
        """Top-k passages for the question within the bodies/years asked. `checked`: the caller has
        just refreshed against the store's signature (Answerer does once per question)."""
        if not checked:
            self.check()
        text = self.query_text(q, strip or [])
        allowed = self.allowed(bodies, years)
        if allowed is not None and not allowed:
            return []
        lex = lexical.for_stores(self.stores)
        if getattr(lex, "scoped", False):  # SQL: the body/year filter is part of the query
            bm = lex.search(text, k=self.depth, bodies=bodies or None, years=years or None)
        else:
            bm = lex.search(text, k=self.depth, ids_allowed=allowed)
        vec = self.stores.embedder.embed_query_array(text)
        dense = self.dense(vec, bodies, years, allowed)
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
        terms = self.content_terms(text)
        if q.section:
            # 问题/改进/下一步 chose the section; they need not occur in the passage itself
            cues = T.SECTION_WORDS.get(q.section, ())
            terms = [t for t in terms if not any(t in c or c in t for c in cues)]
        hits = [
            Hit(
                by_id[pid], e["score"], e.get("bm25"), e.get("dense"), e.get("bm25_rank"), e.get("dense_rank")
            )
            for pid, e in best
            if pid in by_id
        ]
        for h in hits:
            if not terms and q.section and h.top_section == q.section:
                h.coverage = 1.0  # the question asks for the section as a whole
            else:
                h.coverage = self.coverage(terms, h.passage)
        return hits


@lru_cache(maxsize=4096)
def _passage_tokens(pid: str, text: str) -> frozenset[str]:
    return frozenset(t.lower() for t in tokenize(text))
