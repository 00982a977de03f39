"""`python -m eval run|synth|parse|bench|load` — evaluation entry points (see docs/INTERNALS.md)."""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def _csv(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)

    run = sub.add_parser("run", help="answer a Q&A set over a fresh store built from the given reports")
    run.add_argument("--qa", required=True, help="Q&A file (JSON lines)")
    run.add_argument("--reports", nargs="+", required=True, help="report files or folders")
    run.add_argument("--out", required=True, help="result JSON")
    run.add_argument("--home", help="store folder (default: a fresh temporary one)")
    run.add_argument(
        "--min-figure-accuracy", type=float, help="exit 1 when figure accuracy is below this (0–1)"
    )
    run.add_argument("--limit", type=int, help="answer only the first N questions")

    ph = sub.add_parser("phrasings", help="how understanding places single cells asked in many registers")
    ph.add_argument("--qa", help="phrasings file (default eval/qa/phrasings.jsonl)")
    ph.add_argument("--show", action="store_true", help="print every phrasing not placed right")

    syn = sub.add_parser("synth", help="generate synthetic reports, their truth and a Q&A set")
    syn.add_argument("--n", type=int, default=20)
    syn.add_argument("--out", required=True)
    syn.add_argument("--seed", type=int, default=0)
    syn.add_argument(
        "--violations", type=float, default=0.1, help="share of reports with a planted rule violation"
    )
    syn.add_argument("--layouts", type=_csv, default=None, help="comma list of pipe,html,docx,pdf,crawler")
    syn.add_argument(
        "--noise", action="store_true", help="traditional characters, pinyin, doubled punctuation, clutter"
    )
    syn.add_argument(
        "--variants",
        action="store_true",
        help="row labels as real reports print them (eval/synth/variants.py: an independent list of "
        "wordings, typos, split labels, lost headers); measure with `eval parse`",
    )

    par = sub.add_parser("parse", help="parse accuracy of ingest.parse against synthetic truth")
    par.add_argument("--reports", required=True)
    par.add_argument("--truth", required=True)
    par.add_argument("--out", help="result JSON")
    par.add_argument("--show", type=int, default=20, help="how many concrete cell failures to print")

    ben = sub.add_parser(
        "bench", help="ingest throughput, query latency, memory, store size, retrieval recall"
    )
    ben.add_argument("--sizes", type=lambda s: [int(x) for x in _csv(s)], default=[10, 100, 1000])
    ben.add_argument("--out", default=None, help="JSON result (default docs/bench.json)")
    ben.add_argument("--seed", type=int, default=0)
    ben.add_argument("--queries", type=int, default=60, help="questions timed per size")
    ben.add_argument("--work", help="folder for corpora and stores (default: a temporary one)")
    ben.add_argument(
        "--scale",
        action="store_true",
        help="store/answering scale bench (eval.scalebench): synthetic reports straight into the stores, "
        "stand-in passage vectors; e.g. --sizes 1000,10000,100000",
    )
    ben.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite", help="with --scale")
    ben.add_argument("--per-kind", type=int, default=20, help="with --scale: questions timed per kind")
    ben.add_argument(
        "--lexical",
        choices=["sql", "bm25s"],
        default=None,
        help="with --scale: lexical backend (NIANBAO_LEXICAL)",
    )
    ben.add_argument(
        "--parallel", action="store_true", help="with --scale: write facts and vectors in two processes at once"
    )
    lo = sub.add_parser("load", help="bounded loopback load test of POST /api/ask (p95, req/s, errors)")
    lo.add_argument("--users", type=int, default=50)
    lo.add_argument("--seconds", type=float, default=60)
    lo.add_argument("--max-requests", type=int, default=200_000, help="stop after this many requests")
    lo.add_argument("--url", help="a running server on loopback (default: start app.py over --reports)")
    lo.add_argument("--reports", default="data/reports", help="reports for the server started")
    lo.add_argument("--home", help="store folder for the server started (default: a temporary one)")
    lo.add_argument("--qa", default="eval/qa/sample.jsonl", help="questions asked (first --questions)")
    lo.add_argument("--questions", type=int, default=60)
    lo.add_argument("--timeout", type=float, default=30, help="seconds per request before it counts as an error")
    lo.add_argument("--out", help="result JSON")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.cmd == "phrasings":
        from pathlib import Path

        from eval.phrasings import DEFAULT, run

        run(Path(args.qa) if args.qa else DEFAULT, show=args.show)
        return 0
    if args.cmd == "synth":
        from eval.synth import generate_reports, write_corpus
        from eval.synth.render import LAYOUTS

        layouts = args.layouts or list(LAYOUTS)
        reports = generate_reports(
            args.n, seed=args.seed, violations=args.violations, layouts=layouts, noise=args.noise, variants=args.variants
        )
        counts = write_corpus(args.out, reports, qa_seed=args.seed, progress=True)
        print(
            f"wrote {len(reports)} reports to {args.out}/reports, truth to {args.out}/truth, "
            f"{counts['questions']} questions to {args.out}/qa.jsonl"
        )
        print("per layout: " + ", ".join(f"{k} {v}" for k, v in counts.items() if k != "questions"))
        return 0
    if args.cmd == "run":
        from eval.runner import main_run

        return main_run(args)
    if args.cmd == "parse":
        from eval.parse_accuracy import main_parse

        return main_parse(args)
    if args.cmd == "bench":
        from eval.bench import main_bench

        return main_bench(args)
    if args.cmd == "load":
        from eval.load import main as main_load

        return main_load(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
