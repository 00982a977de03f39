"""`python -m eval phrasings` — how understanding places single template cells asked in many
registers (eval/qa/phrasings.jsonl: 260 phrasings written independently from TEMPLATE.md by someone
who did not see the code: template labels, official paraphrase, spoken Chinese, applicant types in
everyday words, English). Understanding only: no store, no model.

Each phrasing is one of
- right: the plan holds the asked cell (or its group broken down, so the cell is listed; for a
  table 二 row whose column is not named, the row);
- unsure: no figure, or a confidence below FIGURE_CONFIDENCE — the answer would ask back;
- wrong: a confident plan for other cells — the answer would state the wrong figure.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from nianbao import template as T
from rag.query import Catalog
from rag.understand import FIGURE_CONFIDENCE, understand

DEFAULT = Path(__file__).parent / "qa" / "phrasings.jsonl"
# The bodies and years of the reports the phrasings name (data/reports + the dev reports).
BODIES = {
    "衡山县人民政府": [2023],
    "洪泽区人民政府": [2023, 2024],
    "淮安市人民政府": [2024],
    "平潭综合实验区": [2019, 2020, 2021, 2022, 2023, 2024, 2025],
    "上海市人民政府办公厅": [2019],
}


def catalog() -> Catalog:
    return Catalog({b: [b] for b in BODIES}, {b: list(ys) for b, ys in BODIES.items()})


def judge(item: dict, cat: Catalog) -> tuple[str, object]:
    q = understand(item["question"], cat)
    want = (item["table"], item["row"])
    col = item.get("column")
    if not q.figures or q.confidence < FIGURE_CONFIDENCE or q.not_tabulated:
        return "unsure", q
    parent = getattr(T.ALL_ROWS.get(want), "parent", None)
    for f in q.figures:
        same = (f.table, f.row) == want or (q.operation == "breakdown" and parent and (f.table, f.row) == (want[0], parent))
        if not same:
            continue
        if col is None or f.column == col or col in (q.applicants or []) or (f.column is None and col == "total"):
            return "right", q
        if f.table == "二" and f.column is None:
            return "right", q  # the row's columns are all given
    return "wrong", q


def run(path: Path = DEFAULT, show: bool = False) -> dict:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    cat = catalog()
    counts: Counter = Counter()
    misses = []
    for it in items:
        verdict, q = judge(it, cat)
        counts[verdict] += 1
        if verdict != "right":
            misses.append((verdict, it["question"], f"{it['table']}/{it['row']}/{it.get('column')}",
                           [(f.table, f.row, f.column) for f in q.figures], q.confidence))  # fmt: skip
    out = {"phrasings": len(items), **{k: counts[k] for k in ("right", "unsure", "wrong")}}
    print(json.dumps(out, ensure_ascii=False))
    if show:
        for m in misses:
            print(*m, sep=" | ")
    return out
