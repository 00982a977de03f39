"""Data flows one way: `nianbao` <- `ingest` and `rag` <- `web`/`app.py`. An import back up (rag
reaching into ingest, nianbao into either) would tie the answering side to the parser's internals."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# ingest writes through the store classes that live in rag (rag.stores, rag.factstore): the one
# sanctioned crossing; everything else stays below web/app.py.
FORBIDDEN = {"nianbao": {"ingest", "rag", "web", "eval"}, "rag": {"ingest", "web", "eval"}, "ingest": {"web", "eval"}}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_back_up(package):
    bad = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & FORBIDDEN[package])
        for p in (ROOT / package).rglob("*.py")
        if _imports(p) & FORBIDDEN[package]
    }
    assert not bad, bad
