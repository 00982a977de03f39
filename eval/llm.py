"""`make eval-llm`: the dev Q&A set answered without and with the configured LLM endpoint.

Reports accuracy both ways (eval.metrics), the guard's rejections and the endpoint's failures
(rag.llm.hooks.stats) and latency. Needs NIANBAO_LLM_URL and a mode; not part of CI (a real model
on two cores takes minutes). Usage: python -m eval.llm [--qa FILE] [--reports PATH…] [--home DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from eval.metrics import summarise
from eval.runner import answer_all, build_store, load_qa
from nianbao.settings import PROJECT_ROOT, configure, get_settings


def _row(name: str, off: dict, on: dict, key: str) -> str:
    def pct(s: dict) -> str:
        r = s[key]
        return "—" if r["accuracy"] is None else f"{r['accuracy'] * 100:.1f}% ({r['passed']}/{r['total']})"

    return f"| {name} | {pct(off)} | {pct(on)} |"


def compare(answerer, questions: list[dict], mode: str) -> dict:  # noqa: ANN001
    """Both runs on one warmed answerer; the mode is switched through settings only."""
    from rag.llm import hooks

    configure(llm_mode="off")
    off = summarise(answer_all(answerer, questions, progress=False))
    configure(llm_mode=mode)
    hooks.reset()
    hooks.warm()
    records = answer_all(answerer, questions, progress=False)
    on = summarise(records)
    return {"off": off, "on": on, "llm": hooks.stats(), "records": records}


def format_result(result: dict, model: str | None, mode: str) -> str:
    off, on = result["off"], result["on"]
    lines = [
        f"model `{model or '?'}`, mode `{mode}`",
        "",
        "| measure | without LLM | with LLM |",
        "|---|---|---|",
    ]
    lines.append(_row("all checks passed", off, on, "overall_accuracy"))
    for k in ("figure", "not_found", "citation", "mention", "kind"):
        lines.append(_row(f"{k} accuracy", off, on, f"{k}_accuracy"))
    lat_off, lat_on = off["latency_ms"], on["latency_ms"]
    lines.append(
        f"| latency p50 / p95 (ms) | {lat_off['p50']} / {lat_off['p95']} | {lat_on['p50']} / {lat_on['p95']} |"
    )
    lines.append(
        f"| confident wrong | {off['confident_wrong']['count']} | {on['confident_wrong']['count']} |"
    )
    lines += ["", "| LLM outcome | count |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(result["llm"].items())] or ["| (none) | 0 |"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.llm", description=__doc__.splitlines()[0])
    p.add_argument("--qa", default=str(PROJECT_ROOT / "eval" / "qa" / "sample.jsonl"))
    p.add_argument("--reports", nargs="+", default=[str(PROJECT_ROOT / "data" / "reports")])
    p.add_argument("--home", help="store folder (reused: unchanged reports are not ingested again)")
    p.add_argument("--out", help="write the summaries and records as JSON here")
    args = p.parse_args(argv)
    s = get_settings()
    if not s.llm_url or s.llm_mode in ("off", ""):
        print("set NIANBAO_LLM_URL and NIANBAO_LLM_MODE (plan|write|both) first", file=sys.stderr)
        return 2
    mode = s.llm_mode
    from rag.answer import Answerer

    with tempfile.TemporaryDirectory(prefix="nianbao-eval-llm-") as tmp:
        stores, _ = build_store(args.reports, args.home or tmp)
        answerer = Answerer(stores)
        answerer.warm()
        result = compare(answerer, load_qa(args.qa), mode)
        stores.close()
    print(format_result(result, s.llm_model, mode))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
