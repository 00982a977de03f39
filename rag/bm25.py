"""Lexical retrieval over passages: bm25s scores on jieba tokens, persisted under settings.bm25_path.

This is the `bm25s` lexical backend (NIANBAO_LEXICAL=bm25s); `sql` is rag.lexical, the same BM25
inside the SQL store. The index is rebuilt from the SQL passages table after each ingest batch.
Tokens of every passage are kept beside the index (keyed by passage id), so a rebuild only
tokenizes passages it has not seen and a reload tokenizes nothing. jieba gets the template's words (row labels, lexicon) so
「不予公开」「行政复议」 stay whole tokens.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import bm25s
import jieba
import numpy as np

from nianbao import template as T
from nianbao.settings import Settings, get_settings

logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on import
log = logging.getLogger(__name__)

_INDEX_DIR = "index"
_IDS_FILE = "ids.json"
_TOKENS_FILE = "tokens.jsonl"

_tokenizer: jieba.Tokenizer | None = None
_tokenizer_lock = threading.Lock()


def _template_words() -> set[str]:
    """Words from the template data that jieba should keep whole (Chinese only, 2+ chars)."""
    words: set[str] = set()
    for r in T.ALL_ROWS.values():
        words.update((r.label, r.short, *r.aliases))
    for cols in T.COLUMNS.values():
        for c in cols.values():
            words.update((c.label, *c.aliases))
    for term in T.LEXICON:
        words.update(term.words)
    for group in (T.APPLICANT_WORDS, T.T4_RESULT_WORDS, T.T2_COLUMN_WORDS, T.SECTION_WORDS):
        for ws in group.values():
            words.update(ws)
    for s in T.SECTIONS:
        words.update((s.title, *s.keywords))
    out = set()
    for w in words:
        w = "".join(ch for ch in w if not ch.isspace())
        if 2 <= len(w) <= 12 and all("\u4e00" <= ch <= "\u9fff" for ch in w):
            out.add(w)
    return out


def get_tokenizer() -> jieba.Tokenizer:
    """The process-wide jieba tokenizer, initialised once, quietly, with the template words."""
    global _tokenizer
    with _tokenizer_lock:
        if _tokenizer is None:
            jieba.setLogLevel(logging.WARNING)
            tk = jieba.Tokenizer()
            tk.initialize()
            for w in sorted(_template_words()):
                tk.add_word(w, freq=max(tk.suggest_freq(w), 1000))
            _tokenizer = tk
        return _tokenizer


def _is_noise(token: str) -> bool:
    return all(ch.isspace() or unicodedata.category(ch)[0] in "PSZC" for ch in token)


def tokenize(text: str) -> list[str]:
    """Search tokens: jieba's for-search cut of the lower-cased text, punctuation/space dropped."""
    return [t for t in get_tokenizer().lcut_for_search(text.lower()) if not _is_noise(t)]


class BM25Index:
    """A bm25s index over (passage id, search text), saved to and loaded from one folder."""

    def __init__(self, path: Path | None = None, settings: Settings | None = None) -> None:
        self.path = Path(path) if path is not None else (settings or get_settings()).bm25_path
        self.ids: list[str] = []
        self._pos: dict[str, int] = {}
        self._retriever: bm25s.BM25 | None = None
        self._tokens: dict[str, list[str]] = {}
        self._lock = threading.RLock()
        self._stamp: tuple[int, int] | None = None
        self.damaged = False  # the saved index could not be read (see load)
        if (settings or get_settings()).lexical != "sql":  # with NIANBAO_LEXICAL=sql, loaded only if used
            self.load()

    def _disk_stamp(self) -> tuple[int, int] | None:
        try:
            st = (self.path / _IDS_FILE).stat()  # each save writes a new file: a new inode
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    def is_saved(self) -> bool:
        """The index on disk exists (it may have been removed behind our back)."""
        return self._disk_stamp() is not None

    def refresh(self) -> bool:
        """Reload when another process (e.g. `python -m ingest` beside the web app) saved a newer
        index; one stat per call, so search() does it every time. True when reloaded."""
        stamp = self._disk_stamp()
        if stamp is None or stamp == self._stamp:
            return False
        return self.load()

    def in_step(self, ids: list[str]) -> bool:
        """The saved index is readable and holds exactly these passage ids, in this order."""
        return not self.damaged and self.is_saved() and self.ids == ids

    def __len__(self) -> int:
        return len(self.ids)

    # ---------------------------------------------------------------- persistence
    def load(self) -> bool:
        """Read the saved index (no tokenizing). False when there is none yet, or when it cannot be
        read: a damaged index is derived data, so it is reported (`damaged`, a log line) and the
        next ingest or start-up rebuilds it from SQL; meanwhile the index held in memory, if any,
        keeps serving."""
        with self._lock:
            ids_file = self.path / _IDS_FILE
            stamp = self._disk_stamp()
            if stamp is None:
                self._stamp = None
                self.ids, self._pos, self._retriever = [], {}, None
                return False
            try:
                ids = json.loads(ids_file.read_text(encoding="utf-8"))
                if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                    raise ValueError("ids.json is not a list of passage ids")
                index_dir = self.path / _INDEX_DIR
                retriever = bm25s.BM25.load(str(index_dir), show_progress=False) if ids else None
                if retriever is not None and retriever.scores["num_docs"] != len(ids):
                    raise ValueError(f"index holds {retriever.scores['num_docs']} passages, ids.json {len(ids)}")
            except Exception as exc:  # noqa: BLE001 - any damage: rebuild from SQL, never crash
                log.warning("BM25 index at %s is damaged (%s: %s); it will be rebuilt from SQL",
                            self.path, type(exc).__name__, str(exc)[:200])
                self.damaged = True
                self._stamp = None  # look again on the next call (a writer may be mid-swap)
                return False
            self.ids, self._retriever, self._stamp, self.damaged = ids, retriever, stamp, False
            self._pos = {pid: i for i, pid in enumerate(ids)}
            self._tokens = {}
            return True

    def _load_tokens(self) -> dict[str, list[str]]:
        """Saved tokens by passage id; {} when the file is missing or damaged (re-tokenize)."""
        if not self._tokens:
            f = self.path / _TOKENS_FILE
            tokens: dict[str, list[str]] = {}
            try:
                with f.open(encoding="utf-8") as fh:
                    for line in fh:
                        pid, toks = json.loads(line)
                        tokens[str(pid)] = [str(t) for t in toks]
            except FileNotFoundError:
                pass
            except (OSError, ValueError, TypeError) as exc:
                log.warning("BM25 tokens at %s are damaged (%s); re-tokenizing", f, type(exc).__name__)
                tokens = {}
            self._tokens = tokens
        return self._tokens

    def rebuild(self, passages: Iterable[tuple[str, str]]) -> None:
        """Replace the index with these (passage id, search text) pairs and save it atomically
        (written to a sibling folder, then swapped in). Tokenizing and indexing run outside the
        lock, so searches keep being answered from the old index until the swap."""
        with self._lock:
            known = dict(self._load_tokens())
        ids: list[str] = []
        corpus: list[list[str]] = []
        tokens: dict[str, list[str]] = {}
        for pid, text in passages:
            toks = known.get(pid)
            if toks is None:
                toks = tokenize(text)
            tokens[pid] = toks
            ids.append(pid)
            corpus.append(toks or [""])
        retriever = None
        if ids:
            retriever = bm25s.BM25()
            retriever.index(corpus, show_progress=False)
        with self._lock:
            tmp = self.path.with_name(self.path.name + ".tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            if retriever is not None:
                retriever.save(str(tmp / _INDEX_DIR), show_progress=False)
            with (tmp / _TOKENS_FILE).open("w", encoding="utf-8") as fh:
                for pid in ids:
                    fh.write(json.dumps([pid, tokens[pid]], ensure_ascii=False) + "\n")
            (tmp / _IDS_FILE).write_text(json.dumps(ids), encoding="utf-8")
            old = self.path.with_name(self.path.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if self.path.exists():
                os.replace(self.path, old)
            os.replace(tmp, self.path)
            shutil.rmtree(old, ignore_errors=True)
            self.ids, self._pos, self._retriever, self._tokens = (
                ids,
                {p: i for i, p in enumerate(ids)},
                retriever,
                tokens,
            )
            self._stamp = self._disk_stamp()
            self.damaged = False

    # ---------------------------------------------------------------- searching
    def doc_freq(self, token: str) -> int:
        """How many passages contain `token` (0 when the index never saw it)."""
        with self._lock:
            self.refresh()
            r = self._retriever
            tid = r.vocab_dict.get(token) if r is not None else None
            if tid is None:
                return 0
            ptr = r.scores["indptr"]
            return int(ptr[tid + 1] - ptr[tid]) if tid + 1 < len(ptr) else 0

    def search(
        self, query: str, k: int = 10, ids_allowed: Iterable[str] | None = None
    ) -> list[tuple[str, float]]:
        """Top-k (passage id, score) with score > 0, optionally only among `ids_allowed`."""
        with self._lock:
            self.refresh()
            if self._retriever is None or k <= 0:
                return []
            vocab = self._retriever.vocab_dict
            qtok = [t for t in tokenize(query) if t in vocab]
            if not qtok:
                return []
            mask = None
            if ids_allowed is not None:
                mask = np.zeros(len(self.ids), dtype=np.float32)
                idx = [self._pos[p] for p in ids_allowed if p in self._pos]
                if not idx:
                    return []
                mask[idx] = 1.0
            scores = np.asarray(self._retriever.get_scores(qtok, weight_mask=mask))
            n_pos = int((scores > 0).sum())
            k = min(k, n_pos)
            if k == 0:
                return []
            top = np.argpartition(-scores, k - 1)[:k]
            top = top[np.argsort(-scores[top], kind="stable")]
            return [(self.ids[i], float(scores[i])) for i in top]
