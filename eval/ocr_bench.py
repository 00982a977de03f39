"""Seconds per page of OCR (ingest.ocr) on a scanned PDF, by stage, with a fixed thread count.

    NIANBAO_OCR_THREADS=2 python -m eval.ocr_bench tests/data/scanned/hongze_2024_scanned.pdf

Prints one line per page (render, deskew, detect+recognise, re-check of empty cells; wall and
CPU seconds, with the machine's load average, since other work on the cores inflates wall time)
and the whole `parse_file` of the document (OCR, geometric tables, referee). The README quotes it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time


def bench(path: str, threads: int) -> dict:
    os.environ["NIANBAO_OCR_THREADS"] = str(threads)
    from nianbao.settings import reset

    reset()
    import pdfplumber

    from ingest import ocr
    from ingest.geotable import Word
    from ingest.parse import parse_file

    t0 = time.perf_counter()
    ocr.engine()
    load_s = time.perf_counter() - t0
    pages = []
    with pdfplumber.open(path) as pdf:
        for i, page in enumerate(pdf.pages, start=1):
            t, c0 = time.perf_counter(), time.process_time()
            img, s = ocr.render_page(page)
            t1 = time.perf_counter()
            upright, angle = ocr.deskew(img)
            t2 = time.perf_counter()
            result, _ = ocr.engine()(upright, use_cls=False)
            t3 = time.perf_counter()
            words = [
                Word(text, min(p[0] for p in b) * s, min(p[1] for p in b) * s, max(p[0] for p in b) * s, max(p[1] for p in b) * s, float(c))
                for b, text, c in result or []
            ]
            extra = ocr._recheck_words(upright, words, s)
            t4 = time.perf_counter()
            pages.append(
                {"page": i, "render_s": t1 - t, "deskew_s": t2 - t1, "angle": angle, "ocr_s": t3 - t2,
                 "recheck_s": t4 - t3, "boxes": len(words), "rechecked": len(extra), "total_s": t4 - t,
                 "cpu_s": time.process_time() - c0}
            )
    ocr._cache.clear()
    t = time.perf_counter()
    rep = parse_file(path)
    parse_s = time.perf_counter() - t
    return {
        "file": path,
        "threads": threads,
        "model_load_s": load_s,
        "pages": pages,
        "seconds_per_page_median": statistics.median(p["total_s"] for p in pages),
        "seconds_per_page_mean": statistics.mean(p["total_s"] for p in pages),
        "cpu_seconds_per_page_mean": statistics.mean(p["cpu_s"] for p in pages),
        "load_average": os.getloadavg()[0],
        "parse_file_s": parse_s,
        "facts": len(rep.facts),
        "uncertain": sum(f.uncertain for f in rep.facts),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdf")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    res = bench(args.pdf, args.threads)
    if args.json:
        print(json.dumps(res, ensure_ascii=False, indent=1))
        return 0
    print(f"{res['file']}  threads={res['threads']}  model load {res['model_load_s']:.1f} s")
    for p in res["pages"]:
        print(
            f"  page {p['page']}: {p['total_s']:.1f} s (render {p['render_s']:.2f}, deskew {p['deskew_s']:.2f} "
            f"[{p['angle']:+.1f}°], detect+recognise {p['ocr_s']:.1f}, re-check {p['recheck_s']:.2f}; "
            f"{p['boxes']} boxes, {p['rechecked']} cells recovered)"
        )
    print(
        f"  per page: median {res['seconds_per_page_median']:.1f} s, mean {res['seconds_per_page_mean']:.1f} s wall, "
        f"{res['cpu_seconds_per_page_mean']:.1f} CPU-s (load average {res['load_average']:.1f}); "
        f"parse_file {res['parse_file_s']:.1f} s; {res['facts']} facts, {res['uncertain']} uncertain"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
