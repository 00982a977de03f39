"""All stores of one NIANBAO_HOME, opened once per process and shared: the SQL fact store, the
Chroma passage vectors, the BM25 index and the (cached) embedder."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from nianbao.settings import Settings, get_settings
from rag.bm25 import BM25Index
from rag.embeddings import CachedEmbeddings, forget_embedder, get_embedder
from rag.factstore import FactStore
from rag.vectorstore import VectorStore


@dataclass
class Stores:
    settings: Settings
    facts: FactStore
    vectors: VectorStore
    bm25: BM25Index
    embedder: CachedEmbeddings

    def close(self) -> None:
        """Release this home's stores; the next open_stores() for it opens them afresh."""
        with _lock:
            for key, st in list(_open.items()):
                if st is self:
                    del _open[key]
        self.vectors.close()
        self.facts.engine.dispose()
        forget_embedder(self.settings)


_open: dict[tuple, Stores] = {}
_lock = threading.Lock()


def _key(s: Settings) -> tuple:
    return (str(s.home), s.db_url, s.chroma_url, s.chroma_collection, s.embedding_backend, s.embedding_model)


def open_stores(settings: Settings | None = None) -> Stores:
    """The Stores for these settings (default: get_settings()), opened on first call and reused."""
    s = settings or get_settings()
    key = _key(s)
    with _lock:
        st = _open.get(key)
        if st is None:
            s.home.mkdir(parents=True, exist_ok=True)
            embedder = get_embedder(s)
            st = Stores(
                settings=s,
                facts=FactStore(s.db_url),
                vectors=VectorStore(s, embedder=embedder.name),
                bm25=BM25Index(settings=s),
                embedder=embedder,
            )
            _open[key] = st
        return st


def close_all() -> None:
    for st in list(_open.values()):
        st.close()
