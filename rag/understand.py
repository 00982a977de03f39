"""Question understanding: question text + catalog (+ context) -> Query. Work in progress."""

from __future__ import annotations

from rag.query import Catalog, Context, Query


def understand(
    question: str,
    catalog: Catalog,
    context: Context | None = None,
    body: str | None = None,
    year: int | None = None,
) -> Query:
    """Placeholder until the parser lands: returns the UI filters only."""
    return Query(text=question, norm=question, bodies=[body] if body else [], years=[year] if year else [])
