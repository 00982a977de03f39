"""Lexical search inside the SQL store (NIANBAO_LEXICAL=sql): shared by every process, scoped in SQL.

Each passage's jieba search tokens (rag.bm25.tokenize, space-joined) sit in `passage_lex`, written in
the same transaction as the passage itself (FactStore.replace_report -> add_passages) and removed
with it (ON DELETE CASCADE from passages, plus an explicit delete). On top of that table:
- SQLite: an FTS5 external-content table `passage_fts` over `terms` (kept in step by triggers; its
  tokenizer splits only at spaces for jieba's tokens) and `passage_fts_vocab` (document frequencies).
- PostgreSQL: a `tsv` tsvector column built from the tokens as given (a tsvector literal, so the
  parser never re-splits 「3.5」 or 「e-mail」; equivalent to the 'simple' config on pre-tokenised
  text) with a GIN index.

Searching (SqlLexical.search) ranks with the same BM25 as bm25s (method "lucene", k1=1.5, b=0.75)
over corpus-wide statistics (passages, average length, document frequency of each query token;
cached per store generation), so both backends and the in-process bm25s index give the same
top passages. A question that names bodies reads only those bodies' (and years') rows through the
(body, year) index; one without bodies lets the engine find and pre-rank the matching passages
(FTS5 MATCH + bm25(), tsvector @@ + ts_rank, year filter in SQL), and the best PREFILTER of them are
re-scored: exact while the query's words match few passages, approximate on a large corpus (there
only its rarer words select candidates; see _rows). A passage removed from `passages` can never come back: every read joins `passages`.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import weakref
from collections import Counter
from collections.abc import Iterable, Sequence

from sqlalchemy import bindparam, event, text
from sqlalchemy.engine import Connection, Engine

from rag.bm25 import tokenize
from rag.factstore import metadata

log = logging.getLogger(__name__)

K1, B = 1.5, 0.75  # bm25s defaults (rag.bm25.BM25Index), so both backends rank alike
PREFILTER = 200  # unscoped questions: candidates the engine pre-ranks before exact BM25
COMMON = 0.25  # ... found by the words in at most this share of passages (when the query has any)
CHEAP_MATCHES = 2000  # ... unless all its words together match no more passages than this
_CHUNK = 500
# jieba keeps these inside tokens (its han/alnum pattern); everything else it emits alone
_FTS_TOKENIZER = "unicode61 remove_diacritics 0 tokenchars '+#&._%-'"

_SQLITE_DDL = (
    """CREATE TABLE IF NOT EXISTS passage_lex (
        lex_id INTEGER PRIMARY KEY,
        passage_id VARCHAR(80) NOT NULL UNIQUE REFERENCES passages (id) ON DELETE CASCADE,
        report_id VARCHAR(200) NOT NULL,
        body VARCHAR(200) NOT NULL,
        year INTEGER NOT NULL,
        n_terms INTEGER NOT NULL,
        terms TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS ix_passage_lex_body_year ON passage_lex (body, year)",
    "CREATE INDEX IF NOT EXISTS ix_passage_lex_report ON passage_lex (report_id)",
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS passage_fts USING fts5(
        terms, content='passage_lex', content_rowid='lex_id', tokenize="{_FTS_TOKENIZER}")""",
    "CREATE VIRTUAL TABLE IF NOT EXISTS passage_fts_vocab USING fts5vocab(passage_fts, 'row')",
    """CREATE TRIGGER IF NOT EXISTS passage_lex_ai AFTER INSERT ON passage_lex BEGIN
        INSERT INTO passage_fts (rowid, terms) VALUES (new.lex_id, new.terms); END""",
    """CREATE TRIGGER IF NOT EXISTS passage_lex_ad AFTER DELETE ON passage_lex BEGIN
        INSERT INTO passage_fts (passage_fts, rowid, terms) VALUES ('delete', old.lex_id, old.terms); END""",
)
_PG_DDL = (
    """CREATE TABLE IF NOT EXISTS passage_lex (
        passage_id VARCHAR(80) PRIMARY KEY REFERENCES passages (id) ON DELETE CASCADE,
        report_id VARCHAR(200) NOT NULL,
        body VARCHAR(200) NOT NULL,
        year INTEGER NOT NULL,
        n_terms INTEGER NOT NULL,
        terms TEXT NOT NULL,
        tsv TSVECTOR NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS ix_passage_lex_body_year ON passage_lex (body, year)",
    "CREATE INDEX IF NOT EXISTS ix_passage_lex_report ON passage_lex (report_id)",
    "CREATE INDEX IF NOT EXISTS ix_passage_lex_tsv ON passage_lex USING GIN (tsv)",
)


# ---------------------------------------------------------------- schema
def create_schema(conn: Connection) -> None:
    """Create the lexical tables, indexes (and on SQLite the FTS5 tables and triggers) if missing."""
    for ddl in _PG_DDL if conn.dialect.name == "postgresql" else _SQLITE_DDL:
        conn.execute(text(ddl))


@event.listens_for(metadata, "after_create")
def _after_create(target, connection, **kw) -> None:  # noqa: ANN001
    """A fresh store (metadata.create_all) gets the lexical tables with the others."""
    create_schema(connection)


# ---------------------------------------------------------------- writing
def _q(token: str) -> str:
    """A token quoted as a tsvector/tsquery lexeme, taken literally (no parser, no normalizing)."""
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _tsvector(tokens: Sequence[str]) -> str:
    pos: dict[str, list[int]] = {}
    for i, t in enumerate(tokens, 1):
        if len(t.encode()) > 2000:  # PostgreSQL refuses lexemes over 2 KB
            continue
        p = pos.setdefault(t, [])
        if len(p) < 256 and (not p or p[-1] < 16383):  # its limits: 256 positions, up to 16383
            p.append(min(i, 16383))
    return " ".join(f"{_q(t)}:{','.join(map(str, p))}" for t, p in pos.items())


def add_passages(conn: Connection, items: Iterable[tuple[str, str, str, int, str]]) -> int:
    """Index (passage id, report id, body, year, search text) rows in `conn`'s transaction (the one
    that writes the passages). Returns how many were added."""
    pg = conn.dialect.name == "postgresql"
    rows = []
    for pid, rid, body, year, search_text in items:
        toks = tokenize(search_text or "")
        row = dict(pid=pid, rid=rid, body=body, year=int(year), n=max(len(toks), 1), terms=" ".join(toks))
        if pg:
            row["tsv"] = _tsvector(toks)
        rows.append(row)
    if not rows:
        return 0
    cols = "passage_id, report_id, body, year, n_terms, terms" + (", tsv" if pg else "")
    vals = ":pid, :rid, :body, :year, :n, :terms" + (", CAST(:tsv AS tsvector)" if pg else "")
    conn.execute(text(f"INSERT INTO passage_lex ({cols}) VALUES ({vals})"), rows)
    return len(rows)


def delete_report(conn: Connection, report_id: str) -> None:
    """Remove a report's rows (the passages' ON DELETE CASCADE does it too, where enforced)."""
    conn.execute(text("DELETE FROM passage_lex WHERE report_id = :r"), {"r": report_id})


def sync(conn: Connection) -> dict[str, int]:
    """Bring passage_lex in step with passages: index passages it lacks, drop rows whose passage is
    gone. The signature compared is the set of passage ids (two anti-joins). Returns the counts."""
    orphans = conn.execute(
        text(
            "DELETE FROM passage_lex WHERE NOT EXISTS (SELECT 1 FROM passages p WHERE p.id = passage_lex.passage_id)"
        )
    ).rowcount
    missing = conn.execute(
        text(
            "SELECT p.id, p.report_id, p.body, p.year, p.search_text FROM passages p WHERE NOT EXISTS "
            "(SELECT 1 FROM passage_lex l WHERE l.passage_id = p.id) ORDER BY p.report_id, p.seq"
        )
    ).all()
    added = 0
    for i in range(0, len(missing), _CHUNK):
        added += add_passages(conn, [tuple(r) for r in missing[i : i + _CHUNK]])
    return {"added": added, "removed": max(orphans or 0, 0)}


def rebuild(engine: Engine) -> dict:
    """Drop and re-derive the whole lexical index from the passages table (tokenizing everything);
    returns counts and seconds. For repairs and for timing the one-off cost."""
    t = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM passage_lex"))
        if conn.dialect.name == "sqlite":
            conn.execute(text("INSERT INTO passage_fts (passage_fts) VALUES ('delete-all')"))
        n = sync(conn)
        if conn.dialect.name == "sqlite":
            conn.execute(text("INSERT INTO passage_fts (passage_fts) VALUES ('optimize')"))
    return {**n, "seconds": round(time.perf_counter() - t, 1)}


def migrate(conn: Connection) -> None:
    """Schema step: the lexical tables, filled from the passages already stored (a one-off
    tokenizing of the corpus: ~1.5 min per 10,000 reports on two cores)."""
    t = time.perf_counter()
    create_schema(conn)
    n = sync(conn)
    if n["added"] or n["removed"]:
        log.info("lexical index filled from SQL: %s in %.1f s", n, time.perf_counter() - t)


# ---------------------------------------------------------------- searching
class SqlLexical:
    """BM25 over passage_lex, with the interface Retriever uses of BM25Index (search, doc_freq,
    len). One per FactStore (`for_store`); it holds only small caches keyed by the store generation."""

    scoped = True  # search() takes bodies/years, not a list of allowed passage ids

    def __init__(self, facts) -> None:  # noqa: ANN001
        self.facts = facts
        self.engine: Engine = facts.engine
        self.pg = self.engine.dialect.name == "postgresql"
        self._lock = threading.Lock()
        self._gen: int | None = None
        self._n = 0
        self._avgdl = 1.0
        self._df: dict[str, int] = {}

    # ---- corpus statistics, per store generation
    def refresh(self, generation: int | None = None) -> None:
        """Re-read N and the average length when the store changed (one primary-key lookup)."""
        gen = self.facts.generation() if generation is None else generation
        with self._lock:
            if gen == self._gen:
                return
        with self.engine.connect() as c:
            n, total = c.execute(text("SELECT count(*), coalesce(sum(n_terms), 0) FROM passage_lex")).one()
        with self._lock:
            self._gen, self._n, self._df = gen, int(n), {}
            self._avgdl = (float(total) / n) if n else 1.0

    def __len__(self) -> int:
        self.refresh()
        return self._n

    def _doc_freqs(self, tokens: Iterable[str], conn: Connection) -> dict[str, int]:
        out = {}
        for t in set(tokens):
            df = self._df.get(t)
            if df is None:
                if self.pg:
                    q = "SELECT count(*) FROM passage_lex WHERE tsv @@ CAST(:q AS tsquery)"
                    df = int(conn.execute(text(q), {"q": _q(t)}).scalar() or 0)
                else:
                    q = "SELECT doc FROM passage_fts_vocab WHERE term = :t"
                    df = int(conn.execute(text(q), {"t": t}).scalar() or 0)
                self._df[t] = df
            out[t] = df
        return out

    def doc_freq(self, token: str) -> int:
        """How many passages contain `token` (0 when none does)."""
        self.refresh()
        with self.engine.connect() as c:
            return self._doc_freqs([token], c)[token]

    def _idf(self, df: int) -> float:
        return math.log(1 + (self._n - df + 0.5) / (df + 0.5))

    # ---- candidates
    @staticmethod
    def _scope_sql(bodies: list[str] | None, years: list[int] | None) -> tuple[str, dict]:
        where, params = [], {}
        if bodies:
            where.append("l.body IN :bodies")
            params["bodies"] = list(bodies)
        if years:
            where.append("l.year IN :years")
            params["years"] = [int(y) for y in years]
        return " AND ".join(where), params

    def _rows(self, conn: Connection, qtok: list[str], df: dict[str, int], bodies, years, k: int):  # noqa: ANN001, ANN205
        scope, params = self._scope_sql(bodies, years)
        # Without bodies the engine finds the candidates. When the query's words match more passages
        # than it ranks cheaply, it looks for the rarer words only (in at most a quarter of the
        # passages), when there are any: the words in most passages add little to any score, and
        # matching on them would make the engine rank most of the corpus. Otherwise every word is
        # matched, and with at most PREFILTER matches the result is exact.
        uniq = list(dict.fromkeys(qtok))
        if sum(df[t] for t in uniq) > CHEAP_MATCHES:
            qtok = [t for t in uniq if df[t] <= COMMON * self._n] or uniq
        else:
            qtok = uniq
        cols = "l.passage_id, l.terms, l.n_terms, p.report_id, p.seq"
        if bodies:  # the reports asked only, through the (body, year) index
            sql = f"SELECT {cols} FROM passage_lex l JOIN passages p ON p.id = l.passage_id WHERE {scope}"
        elif self.pg:
            params["q"] = " | ".join(_q(t) for t in qtok)
            sql = (
                f"SELECT {cols} FROM passage_lex l JOIN passages p ON p.id = l.passage_id "
                f"WHERE l.tsv @@ CAST(:q AS tsquery){' AND ' + scope if scope else ''} "
                "ORDER BY ts_rank(l.tsv, CAST(:q AS tsquery)) DESC LIMIT :lim"
            )
        else:
            params["q"] = " OR ".join('"' + t.replace('"', '""') + '"' for t in qtok)
            if scope:  # years only: filtered on passage_lex before ranking
                sql = (
                    f"SELECT {cols} FROM passage_fts f JOIN passage_lex l ON l.lex_id = f.rowid "
                    f"JOIN passages p ON p.id = l.passage_id WHERE passage_fts MATCH :q AND {scope} "
                    "ORDER BY bm25(passage_fts) LIMIT :lim"
                )
            else:  # rank inside FTS5 first, join only the best (a third of the time at 85,000 passages)
                sql = (
                    f"SELECT {cols} FROM (SELECT rowid AS r FROM passage_fts WHERE passage_fts MATCH :q "
                    "ORDER BY bm25(passage_fts) LIMIT :lim) f JOIN passage_lex l ON l.lex_id = f.r "
                    "JOIN passages p ON p.id = l.passage_id"
                )
        if not bodies:
            params["lim"] = max(PREFILTER, 10 * k)
        stmt = text(sql)
        for name in ("bodies", "years"):
            if name in params:
                stmt = stmt.bindparams(bindparam(name, expanding=True))
        return conn.execute(stmt, params).all()

    def search(
        self,
        query: str,
        k: int = 10,
        bodies: list[str] | None = None,
        years: list[int] | None = None,
    ) -> list[tuple[str, float]]:
        """Top-k (passage id, BM25 score) with score > 0 among the bodies/years given (None = all)."""
        if k <= 0:
            return []
        self.refresh()
        if not self._n:
            return []
        tokens = tokenize(query)
        if not tokens:
            return []
        with self.engine.connect() as c:
            with self._lock:
                df = self._doc_freqs(tokens, c)
            qtok = [t for t in tokens if df[t] > 0]  # as bm25s: words the corpus never uses score nothing
            if not qtok:
                return []
            rows = self._rows(c, qtok, df, bodies, years, k)
        idf = {t: self._idf(df[t]) for t in set(qtok)}
        want = set(qtok)
        scored = []
        for pid, terms, n_terms, rid, seq in rows:
            tf = Counter(t for t in terms.split(" ") if t in want)
            if not tf:
                continue
            norm = K1 * (1 - B + B * n_terms / self._avgdl)
            s = sum(idf[t] * tf[t] / (tf[t] + norm) for t in qtok if t in tf)
            if s > 0:
                scored.append((-s, rid, seq, pid))
        scored.sort()
        return [(pid, -ns) for ns, _, _, pid in scored[:k]]


_by_store: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_by_store_lock = threading.Lock()


def for_store(facts) -> SqlLexical:  # noqa: ANN001
    """The SqlLexical of one FactStore (created on first use)."""
    with _by_store_lock:
        lex = _by_store.get(facts)
        if lex is None:
            lex = _by_store[facts] = SqlLexical(facts)
        return lex


def for_stores(stores):  # noqa: ANN001, ANN201
    """The lexical index answering uses under these stores' settings: SqlLexical for `sql`, the
    in-process BM25Index for `bm25s`."""
    return for_store(stores.facts) if stores.settings.lexical == "sql" else stores.bm25
