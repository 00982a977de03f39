"""Parse time per real report: `python -m eval.parsebench [FILES or FOLDERS]`.

Each file is loaded once, then parsed (`ingest.parse.parse_document`: normalization, metadata,
sections, tables, validation, passages) `--repeat` times after one warm-up parse; the median is
reported per file and the median over text reports (txt/md/html) against the 50 ms budget. The
normalized document is cached per text, so the warm-up parse pays for it and the timed parses
measure the rest: `--cold` clears that cache before every parse to include normalization.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from ingest.load import load
from ingest.parse import parse_document
from nianbao.text import normalize_document
from nianbao.types import RejectedFile

SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")


def _files(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        out += sorted(f for f in p.rglob("*") if f.suffix.lower() in SUFFIXES) if p.is_dir() else [p]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.parsebench", description=__doc__)
    ap.add_argument("paths", nargs="*", default=["data/reports", "tests/data/dev-reports"])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--cold", action="store_true", help="include normalization in every timed parse")
    args = ap.parse_args(argv)
    text_ms: list[float] = []
    for f in _files(args.paths):
        try:
            doc = load(f)
            parse_document(doc, "0" * 64)
        except RejectedFile as exc:
            print(f"{f.name:40s} rejected: {str(exc)[:60]}")
            continue
        times = []
        for _ in range(args.repeat):
            if args.cold:
                normalize_document.cache_clear()
            t0 = time.perf_counter()
            parse_document(doc, "0" * 64)
            times.append((time.perf_counter() - t0) * 1000)
        ms = statistics.median(times)
        if f.suffix.lower() in (".txt", ".md", ".html", ".htm"):
            text_ms.append(ms)
        print(f"{f.name:40s} {doc.format:5s} {len(doc.text):7d} chars  {ms:7.1f} ms")
    if text_ms:
        med = statistics.median(text_ms)
        print(f"text reports: median {med:.1f} ms, max {max(text_ms):.1f} ms (budget 50 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
