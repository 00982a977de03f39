"""`python -m eval parse`: run ingest.parse.parse_file on each report and compare its facts with the
truth (synthetic truth or tests/data/expected): cell accuracy, missed, wrong and extra cells,
rejected files, metadata — per layout and per template, with the concrete failures listed."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

EXT_LAYOUT = {".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html", ".txt": "text"}


@dataclass
class Tally:
    files: int = 0
    rejected: int = 0
    cells: int = 0
    correct: int = 0
    missed: int = 0
    wrong: int = 0  # a value that differs from the truth (uncertain ones included)
    # Of the wrong: flagged uncertain by the parser (run-together cells it would not split).
    uncertain: int = 0
    extra: int = 0
    meta_ok: int = 0
    parse_ms: list[float] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for k in (
            "files",
            "rejected",
            "cells",
            "correct",
            "missed",
            "wrong",
            "uncertain",
            "extra",
            "meta_ok",
        ):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        self.parse_ms += other.parse_ms

    @property
    def accuracy(self) -> float | None:
        return round(self.correct / self.cells, 5) if self.cells else None

    @property
    def decided_accuracy(self) -> float | None:
        """Accuracy over the cells the parser did not flag as uncertain."""
        decided = self.cells - self.uncertain
        return round(self.correct / decided, 5) if decided else None

    def to_dict(self) -> dict:
        ms = sorted(self.parse_ms)
        return {
            "files": self.files,
            "rejected": self.rejected,
            "cells": self.cells,
            "correct": self.correct,
            "missed": self.missed,
            "wrong": self.wrong,
            "uncertain": self.uncertain,
            "extra": self.extra,
            "cell_accuracy": self.accuracy,
            "decided_accuracy": self.decided_accuracy,
            "meta_ok": self.meta_ok,
            "parse_ms_median": round(ms[len(ms) // 2], 1) if ms else None,
            "parse_ms_max": round(ms[-1], 1) if ms else None,
        }


def _same_body(truth: dict, body: str) -> bool:
    names = [truth["body"], *truth.get("aliases", [])]
    return any(body == n or body.endswith(n) or n.endswith(body) for n in names if n)


def compare(truth: dict, parsed) -> tuple[Tally, list[dict]]:  # noqa: ANN001
    """Tally one parsed report against its truth; failures name the cell, expected and got."""
    t = Tally(files=1)
    gold = {(f["table"], f["row"], f["column"]): f["value"] for f in truth["facts"]}
    got = {}
    for f in parsed.facts:
        got.setdefault((f.table, f.row, f.column), f)
    fails = []
    for key, value in gold.items():
        t.cells += 1
        fact = got.get(key)
        if fact is None:
            t.missed += 1
            fails.append(
                {"file": truth["file"], "cell": list(key), "expected": value, "got": None, "kind": "missed"}
            )
        elif fact.value is None or abs(float(fact.value) - float(value)) > 1e-6:
            t.wrong += 1
            unsure = fact.value is None or fact.uncertain
            t.uncertain += unsure
            fails.append(
                {
                    "file": truth["file"],
                    "cell": list(key),
                    "expected": value,
                    "got": fact.value,
                    "raw": fact.raw,
                    "kind": "uncertain" if unsure else "wrong",
                }
            )
        else:
            t.correct += 1
    extras = [k for k, f in got.items() if k not in gold and not f.computed]
    t.extra = len(extras)
    for k in extras[:3]:
        fails.append(
            {"file": truth["file"], "cell": list(k), "expected": None, "got": got[k].value, "kind": "extra"}
        )
    meta = parsed.meta
    meta_ok = (
        _same_body(truth, meta.body) and meta.year == truth["year"] and meta.template == truth["template"]
    )
    t.meta_ok = int(meta_ok)
    if not meta_ok:
        fails.append(
            {
                "file": truth["file"],
                "kind": "meta",
                "expected": [truth["body"], truth["year"], truth["template"]],
                "got": [meta.body, meta.year, meta.template],
            }
        )
    return t, fails


def evaluate(
    reports: Path | str, truth: Path | str, parse: Callable | None = None, progress: bool = True
) -> dict:
    """Parse every report that has a truth file; totals per layout and per template."""
    from nianbao.types import RejectedFile

    if parse is None:
        from ingest.parse import parse_file as parse
    reports, truth = Path(reports), Path(truth)
    truths = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(truth.glob("*.json"))]
    overall, by_layout, by_template = Tally(), {}, {}
    failures: list[dict] = []
    for tr in tqdm(truths, desc="parse", unit="file", disable=not progress, dynamic_ncols=True):
        path = reports / tr["file"]
        layout = tr.get("layout") or EXT_LAYOUT.get(path.suffix.lower(), path.suffix)
        t0 = time.perf_counter()
        try:
            parsed = parse(str(path))
            ms = (time.perf_counter() - t0) * 1000
            tally, fails = compare(tr, parsed)
            tally.parse_ms.append(ms)
        except RejectedFile as exc:
            tally = Tally(files=1, rejected=1, cells=len(tr["facts"]), missed=len(tr["facts"]))
            fails = [{"file": tr["file"], "kind": "rejected", "got": str(exc)}]
        except Exception as exc:  # noqa: BLE001 - a crash is a result too
            tally = Tally(files=1, rejected=1, cells=len(tr["facts"]), missed=len(tr["facts"]))
            fails = [{"file": tr["file"], "kind": "error", "got": f"{type(exc).__name__}: {exc}"}]
        overall.add(tally)
        by_layout.setdefault(layout, Tally()).add(tally)
        by_template.setdefault(tr["template"], Tally()).add(tally)
        failures += fails
    return {
        "overall": overall.to_dict(),
        "by_layout": {k: v.to_dict() for k, v in sorted(by_layout.items())},
        "by_template": {k: v.to_dict() for k, v in sorted(by_template.items())},
        "failures": failures,
    }


def format_table(result: dict) -> str:
    head = (
        "| group | files | rejected | cells | accuracy | decided acc. | missed | wrong (uncertain) | extra | meta ok "
        "| parse ms (median/max) |"
    )
    lines = [head, "|" + "---|" * 11]

    def row(name: str, d: dict) -> str:
        acc = "—" if d["cell_accuracy"] is None else f"{d['cell_accuracy'] * 100:.2f}%"
        dec = "—" if d["decided_accuracy"] is None else f"{d['decided_accuracy'] * 100:.2f}%"
        return (
            f"| {name} | {d['files']} | {d['rejected']} | {d['cells']} | {acc} | {dec} | {d['missed']} | "
            f"{d['wrong']} ({d['uncertain']}) | {d['extra']} | {d['meta_ok']} | "
            f"{d['parse_ms_median']}/{d['parse_ms_max']} |"
        )

    lines += [row(f"layout {k}", v) for k, v in result["by_layout"].items()]
    lines += [row(f"template {k}", v) for k, v in result["by_template"].items()]
    lines.append(row("all", result["overall"]))
    return "\n".join(lines)


def main_parse(args) -> int:  # noqa: ANN001
    result = evaluate(args.reports, args.truth)
    print(format_table(result))
    if result["failures"] and args.show:
        print(f"\nfirst {min(args.show, len(result['failures']))} of {len(result['failures'])} failures:")
        for f in result["failures"][: args.show]:
            print(json.dumps(f, ensure_ascii=False))
    if args.out:
        Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0
