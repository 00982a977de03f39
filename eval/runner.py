"""`python -m eval run`: build a fresh store from the given reports, answer every question of a Q&A
file in-process (models loaded once; follow-ups carry the previous answers' context), score each
answer against its gold and write per-question records plus a summary."""

from __future__ import annotations

import json
import sys
import tempfile
import time
import traceback
from pathlib import Path

from tqdm import tqdm

from eval.metrics import score, summarise


def load_qa(path: str | Path) -> list[dict]:
    out = []
    for i, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines()):
        line = line.strip()
        if line and not line.startswith("#"):
            item = json.loads(line)
            item.setdefault("id", f"q{i + 1}")
            out.append(item)
    return out


def build_store(reports: list[str], home: str | Path) -> tuple[object, dict]:
    """Open stores under `home` and ingest the reports. Returns (stores, ingest summary dict)."""
    from ingest.pipeline import Ingestor
    from nianbao.settings import configure
    from rag.stores import open_stores

    settings = configure(home=str(home))
    stores = open_stores(settings)
    t0 = time.perf_counter()
    summary = Ingestor(stores).ingest_paths(reports, progress=True)
    seconds = time.perf_counter() - t0
    return stores, {
        "seconds": round(seconds, 2),
        "totals": summary.totals,
        "rejected": [{"path": r.path, "reason": r.reason} for r in summary.by_status("rejected")],
    }


def answer_all(answerer, questions: list[dict], progress: bool = True) -> list[dict]:  # noqa: ANN001
    records = []
    for q in tqdm(questions, desc="questions", unit="q", disable=not progress, dynamic_ncols=True):
        rec = {"id": q["id"], "question": q["question"], "qtype": q.get("qtype"), "gold": q}
        try:
            history = []
            for earlier in q.get("history") or []:
                history.append(answerer.ask(earlier, history=list(history)).to_dict())
            t0 = time.perf_counter()
            ans = answerer.ask(q["question"], history=history or None, body=q.get("body"), year=q.get("year"))
            rec["latency_ms"] = round((time.perf_counter() - t0) * 1000, 2)
            rec["answer"] = ans.to_dict()
            rec.update(score(q, rec["answer"]))
        except Exception as exc:  # noqa: BLE001 - one failing question must not stop the run
            rec["error"] = f"{type(exc).__name__}: {exc}"
            rec["traceback"] = traceback.format_exc(limit=5)
            rec["checks"] = {
                k: (False if _asks(q, k) else None)
                for k in ("figure", "not_found", "citation", "mention", "kind")
            }
        records.append(rec)
    return records


def _asks(q: dict, check: str) -> bool:
    return {
        "figure": q.get("expect") is not None and not q.get("not_in_report"),
        "not_found": bool(q.get("not_in_report")),
        "citation": bool(q.get("cells")) and not q.get("not_in_report"),
        "mention": bool(q.get("mention")),
        "kind": bool(q.get("kind")),
    }[check]


def run(
    qa: str | Path,
    reports: list[str],
    home: str | Path | None = None,
    limit: int | None = None,
    progress: bool = True,
) -> dict:
    from rag.answer import Answerer

    questions = load_qa(qa)[:limit] if limit else load_qa(qa)
    tmp = None
    if home is None:
        tmp = tempfile.TemporaryDirectory(prefix="nianbao-eval-")
        home = tmp.name
    try:
        stores, ingest = build_store(reports, home)
        t0 = time.perf_counter()
        answerer = Answerer(stores)
        answerer.warm()  # load models and caches once, before timing questions
        warmup = round(time.perf_counter() - t0, 2)
        records = answer_all(answerer, questions, progress)
        summary = summarise(records)
        summary["ingest_seconds"] = ingest["seconds"]
        summary["answerer_load_seconds"] = warmup
        stores.close()
        return {"summary": summary, "ingest": ingest, "records": records}
    finally:
        if tmp is not None:
            tmp.cleanup()


def _pct(rate: dict) -> str:
    return (
        "—"
        if rate["accuracy"] is None
        else f"{rate['accuracy'] * 100:.1f}% ({rate['passed']}/{rate['total']})"
    )


def format_summary(result: dict) -> str:
    s = result["summary"]
    lines = ["| measure | value |", "|---|---|"]
    lines.append(f"| all checks passed | {_pct(s['overall_accuracy'])} |")
    lines.append(f"| confident wrong (figure/mixed answer, wrong figures) | {s['confident_wrong']['count']} |")
    for k in ("figure", "not_found", "citation", "mention", "kind"):
        lines.append(f"| {k} accuracy | {_pct(s[f'{k}_accuracy'])} |")
    lat = s["latency_ms"]
    lines.append(f"| latency p50 / p95 / max (ms) | {lat['p50']} / {lat['p95']} / {lat['max']} |")
    lines.append(
        f"| ingest seconds | {s['ingest_seconds']} ({result['ingest']['totals'].get('files', 0)} files, "
        f"{len(result['ingest']['rejected'])} rejected) |"
    )
    lines.append(f"| questions / errors | {s['questions']} / {s['errors']} |")
    if s["by_type"]:
        lines += ["", "| question type | all checks passed |", "|---|---|"]
        lines += [f"| {k} | {_pct(v)} |" for k, v in s["by_type"].items()]
    return "\n".join(lines)


def failures(result: dict, n: int = 15) -> list[str]:
    out = []
    for rec in result["records"]:
        checks = rec.get("checks") or {}
        bad = [k for k, v in checks.items() if v is False]
        if bad:
            got = rec.get("error") or (rec.get("answer") or {}).get("answer", "")[:120].replace("\n", " ")
            out.append(
                f"{rec['id']} {rec['question']} failed {','.join(bad)} {rec.get('detail', {})} -> {got}"
            )
    return out[:n]


def main_run(args) -> int:  # noqa: ANN001
    result = run(args.qa, args.reports, args.home, args.limit)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    print(format_summary(result))
    fails = failures(result)
    if fails:
        print("\nfirst failures:")
        print("\n".join(fails))
    print(f"\nwrote {args.out}")
    return exit_code(result, args.min_figure_accuracy)


def exit_code(result: dict, min_figure_accuracy: float | None = None) -> int:
    """0 unless every question errored or figure accuracy is below the CI threshold."""
    s = result["summary"]
    if s["questions"] and s["errors"] == s["questions"]:
        print("every question raised an error", file=sys.stderr)
        return 1
    fig = s["figure_accuracy"]["accuracy"]
    if min_figure_accuracy is not None and (fig or 0) < min_figure_accuracy:
        print(f"figure accuracy {fig} is below --min-figure-accuracy {min_figure_accuracy}", file=sys.stderr)
        return 1
    return 0
