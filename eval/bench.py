"""`python -m eval bench`: how Nianbao scales on synthetic corpora of 10, 100, 1,000 reports.

Per size: parse time per report (per layout; target ≤ 50 ms), ingest throughput with embeddings cold
and with the embedding cache warm (narrative repeats, so the cache helps), store size on disk, query
latency p50/p95 per question kind, peak memory, and retrieval recall@5 of the known source passage
for hybrid vs BM25-only vs dense-only. Prints a markdown table with the machine and writes JSON.
"""

from __future__ import annotations

import json
import os
import platform
import random
import resource
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from eval.metrics import match_form, percentile
from eval.synth import generate_reports, write_corpus

BENCH_LAYOUTS = ("pipe", "html", "crawler", "docx", "pdf")
# Narrative questions whose source passage is known: (question, the phrase the passage contains).
RECALL_ASKS = (
    ("{name}{year}年政府信息公开工作存在哪些问题和不足？", "problem"),
    ("{name}{year}年下一步怎么改进政务公开工作？", "improvement"),
    ("{name}{year}年在平台建设方面做了哪些工作？", "platform"),
)


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(x.split()[1])
            for x in Path("/proc/meminfo").read_text().splitlines()
            if x.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem_kb = 0
    return {
        "nproc": os.cpu_count(),
        "sched_cpus": len(os.sched_getaffinity(0)),
        "ram_gib": round(mem_kb / 2**20, 1),
        "cpu": cpu,
        "python": platform.python_version(),
    }


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def dir_size_mib(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 2)


def time_parse(reports_dir: Path, files: list[str], layouts: dict[str, str]) -> dict:
    from ingest.parse import parse_file
    from nianbao.types import RejectedFile

    per: dict[str, list[float]] = defaultdict(list)
    rejected = 0
    for name in files:
        t0 = time.perf_counter()
        try:
            parse_file(str(reports_dir / name))
        except RejectedFile:
            rejected += 1
        per[layouts[name]].append((time.perf_counter() - t0) * 1000)
    allv = [v for vs in per.values() for v in vs]
    return {
        "reports": len(files),
        "rejected": rejected,
        "ms_p50": percentile(allv, 50),
        "ms_p95": percentile(allv, 95),
        "by_layout_ms_p50": {k: percentile(v, 50) for k, v in sorted(per.items())},
        "reports_per_s": round(len(allv) / (sum(allv) / 1000), 1) if allv else None,
    }


def ingest_into(home: Path, reports_dir: Path) -> tuple[object, dict]:
    from ingest.pipeline import Ingestor
    from nianbao.settings import configure
    from rag.stores import open_stores

    stores = open_stores(configure(home=str(home)))
    stats0 = _cache_stats(stores)
    t0 = time.perf_counter()
    summary = Ingestor(stores).ingest_paths([reports_dir], progress=True)
    secs = time.perf_counter() - t0
    n = summary.totals.get("ingested", 0) + summary.totals.get("replaced", 0)
    out = {
        "seconds": round(secs, 2),
        "reports": n,
        "reports_per_s": round(n / secs, 2) if secs else None,
        "passages": summary.totals.get("passages"),
        "rejected": summary.totals.get("rejected"),
    }
    stats1 = _cache_stats(stores)
    if stats0 is not None and stats1 is not None:
        out["embedding_cache"] = {k: stats1[k] - stats0.get(k, 0) for k in stats1}
    return stores, out


def _cache_stats(stores) -> dict | None:  # noqa: ANN001
    stats = getattr(stores.embedder, "stats", None)
    if stats is None:
        return None
    d = stats if isinstance(stats, dict) else getattr(stats, "__dict__", {})
    return {k: v for k, v in d.items() if isinstance(v, (int, float))}


def time_queries(answerer, qa: list[dict], n: int, rng: random.Random) -> dict:  # noqa: ANN001
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for q in qa:
        by_kind[q["qtype"]].append(q)
    per_kind = max(2, n // max(1, len(by_kind)))
    lat: dict[str, list[float]] = defaultdict(list)
    for qs in by_kind.values():  # warm up (jieba, BM25, Chroma, caches): one untimed question per kind
        answerer.ask(qs[0]["question"])
    for kind, qs in sorted(by_kind.items()):
        for q in rng.sample(qs, min(per_kind, len(qs))):
            history = [answerer.ask(h).to_dict() for h in q.get("history") or []]
            t0 = time.perf_counter()
            answerer.ask(q["question"], history=history or None)
            lat[kind].append((time.perf_counter() - t0) * 1000)
    allv = [v for vs in lat.values() for v in vs]
    return {
        "questions": len(allv),
        "p50_ms": percentile(allv, 50),
        "p95_ms": percentile(allv, 95),
        "max_ms": round(max(allv), 1) if allv else None,
        "by_kind": {
            k: {"n": len(v), "p50_ms": percentile(v, 50), "p95_ms": percentile(v, 95)} for k, v in lat.items()
        },
    }


def recall_at_5(answerer, reports: list, n: int, rng: random.Random) -> dict:  # noqa: ANN001
    """Recall@5 of the passage holding a known narrative sentence, for hybrid, BM25-only and
    dense-only retrieval, searching the question's body and year as answering does."""
    from rag.query import understand

    catalog = answerer.catalog()
    strip = [a for b in catalog.bodies for a in catalog.bodies[b]]
    retriever = answerer.retriever
    found = {"hybrid": 0, "bm25": 0, "dense": 0}
    total = 0
    for rep in rng.sample(reports, min(n, len(reports))):
        template, what = rng.choice(RECALL_ASKS)
        phrase = {
            "problem": rep.narrative.problems,
            "improvement": rep.narrative.improvements,
            "platform": rep.narrative.platform,
        }[what][0]
        key = match_form(phrase)
        q = understand(template.format(name=rep.short, year=rep.year), catalog)
        hits = retriever.search(
            q, bodies=q.bodies or None, years=q.years or None, k=4 * retriever.depth, strip=strip
        )
        ranked = {
            "hybrid": hits[:5],
            "bm25": sorted((h for h in hits if h.bm25_rank), key=lambda h: h.bm25_rank)[:5],
            "dense": sorted((h for h in hits if h.dense_rank), key=lambda h: h.dense_rank)[:5],
        }
        total += 1
        for method, top in ranked.items():
            # PDF passages break lines inside sentences: compare in matching form.
            found[method] += any(
                h.passage.year == rep.year and key in match_form(h.passage.text or "") for h in top
            )
    return {"questions": total, **{m: round(v / total, 3) if total else None for m, v in found.items()}}


def bench_size(size: int, work: Path, seed: int, queries: int) -> dict:
    from rag.answer import Answerer

    rng = random.Random(seed)
    corpus = work / f"corpus_{size}"
    t0 = time.perf_counter()
    reports = generate_reports(size, seed=seed, violations=0.1, layouts=BENCH_LAYOUTS)
    write_corpus(corpus, reports, qa_seed=seed)
    gen_s = time.perf_counter() - t0
    layouts = {r.file: r.layout for r in reports}
    qa = [json.loads(line) for line in (corpus / "qa.jsonl").read_text(encoding="utf-8").splitlines()]
    out: dict = {"size": size, "generate_seconds": round(gen_s, 1)}
    out["parse"] = time_parse(corpus / "reports", [r.file for r in reports], layouts)

    cold_home = work / f"home_{size}_cold"
    stores, out["ingest_cold"] = ingest_into(cold_home, corpus / "reports")
    out["store_mib"] = dir_size_mib(cold_home)
    answerer = Answerer(stores)
    t0 = time.perf_counter()
    answerer.warm()  # as the web app does at start-up: models, indexes, every report's facts
    out["answerer_load_seconds"] = round(time.perf_counter() - t0, 2)
    out["queries"] = time_queries(answerer, qa, queries, rng)
    out["recall_at_5"] = recall_at_5(answerer, reports, min(queries, 60), rng)
    cache = stores.settings.embedding_cache_path
    stores.close()

    warm_home = work / f"home_{size}_cached"
    warm_home.mkdir(parents=True, exist_ok=True)
    if cache.exists():
        shutil.copy(cache, warm_home / cache.name)
    stores2, out["ingest_cached"] = ingest_into(warm_home, corpus / "reports")
    stores2.close()
    out["peak_rss_mib"] = peak_rss_mib()
    shutil.rmtree(warm_home, ignore_errors=True)
    return out


def format_markdown(result: dict) -> str:
    m = result["machine"]
    lines = [
        f"Machine: {m['nproc']} CPUs ({m['sched_cpus']} usable), {m['ram_gib']} GiB RAM, {m['cpu']}, "
        f"Python {m['python']}",
        "",
        "| reports | parse ms p50/p95 | ingest cold s (rep/s) | ingest cached s (rep/s) | store MiB | "
        "query ms p50/p95 | recall@5 hybrid/bm25/dense | peak RSS MiB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in result["sizes"]:
        p, c, w, q, rc = r["parse"], r["ingest_cold"], r["ingest_cached"], r["queries"], r["recall_at_5"]
        rec = "/".join(str(rc[k]) for k in ("hybrid", "bm25", "dense"))
        lines.append(
            f"| {r['size']} | {p['ms_p50']}/{p['ms_p95']} | {c['seconds']} ({c['reports_per_s']}) | "
            f"{w['seconds']} ({w['reports_per_s']}) | {r['store_mib']} | {q['p50_ms']}/{q['p95_ms']} | {rec} | "
            f"{r['peak_rss_mib']} |"
        )
    last = result["sizes"][-1] if result["sizes"] else None
    if last:
        lines += [
            "",
            f"Parse ms p50 per layout at {last['size']}: "
            + ", ".join(f"{k} {v}" for k, v in last["parse"]["by_layout_ms_p50"].items()),
        ]
        lines += [
            "Query ms p50/p95 per kind at "
            + str(last["size"])
            + ": "
            + ", ".join(f"{k} {v['p50_ms']}/{v['p95_ms']}" for k, v in last["queries"]["by_kind"].items())
        ]
    return "\n".join(lines)


def run_bench(sizes: list[int], work: Path | None = None, seed: int = 0, queries: int = 60) -> dict:
    tmp = None
    if work is None:
        tmp = tempfile.TemporaryDirectory(prefix="nianbao-bench-")
        work = Path(tmp.name)
    try:
        result = {"machine": machine(), "sizes": []}
        for size in sizes:
            t0 = time.perf_counter()
            r = bench_size(size, Path(work), seed, queries)
            r["total_seconds"] = round(time.perf_counter() - t0, 1)
            result["sizes"].append(r)
            print(f"size {size}: {r['total_seconds']} s", flush=True)
        return result
    finally:
        if tmp is not None:
            tmp.cleanup()


def main_bench(args) -> int:  # noqa: ANN001
    from nianbao.settings import PROJECT_ROOT

    out = Path(args.out) if args.out else PROJECT_ROOT / "docs" / "bench.json"
    if getattr(args, "scale", False):
        return main_scale(args, out)
    result = run_bench(args.sizes, Path(args.work) if args.work else None, args.seed, args.queries)
    print(format_markdown(result))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {out}")
    return 0


def main_scale(args, out: Path) -> int:  # noqa: ANN001
    """`--scale`: eval.scalebench; its result goes under "scale" -> backend in the JSON file, beside
    the rendered-corpus figures already there."""
    from eval.scalebench import format_markdown, run_scale

    tmp = None
    work = Path(args.work) if args.work else None
    if work is None:
        tmp = tempfile.TemporaryDirectory(prefix="nianbao-scale-")
        work = Path(tmp.name)
    try:
        lexical = getattr(args, "lexical", None)
        parallel = getattr(args, "parallel", False)
        result = run_scale(args.sizes, work, args.seed, args.per_kind, args.backend, lexical, parallel)
    finally:
        if tmp is not None:
            tmp.cleanup()
    print(format_markdown(result))
    doc = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    scale = doc.setdefault("scale", {})
    have = {r["size"]: r for r in scale.get(args.backend, {}).get("sizes", [])}
    have.update({r["size"]: r for r in result["sizes"]})
    result["sizes"] = [have[k] for k in sorted(have)]
    scale[args.backend] = result
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {out}")
    return 0
