"""`python -m eval.bodybench`: how long body-name matching (rag.bodies) takes at 10 / 100 / 1,000 bodies.

Per size: the index build for a new catalog (what the first question after an ingest pays), and the
per-question time of finding the bodies (rag.bodies.find + add_unknown) over generated questions —
every body's name, place, bare place, 政府 form, a same-pinyin character, an English form, and real
places the catalog lacks. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import random
import time

from eval.metrics import percentile
from eval.synth.names import make_bodies
from rag import bodies as B
from rag.numerals import normalize_question
from rag.query import Catalog

OTHERS = ("长沙市", "南京市鼓楼区", "北京市海淀区", "泰安市", "恒山区", "福州市")


def _questions(bodies, rng: random.Random) -> list[str]:  # noqa: ANN001
    from pypinyin import lazy_pinyin

    out = []
    for b in bodies:
        stem = b.place[:-1]
        forms = [b.name, b.place, stem, b.place + "政府"]
        if b.kind != "department":
            pos = rng.randrange(len(stem))
            forms.append(stem[:pos] + rng.choice("青清轻倾情卿平评坪屏") + stem[pos + 1 :] + b.place[-1])
            out.append(f"How many requests did {''.join(lazy_pinyin(stem)).capitalize()} receive in 2023?")
        out += [f"{f}2023年收到多少政府信息公开申请" for f in forms]
    out += [f"{p}2023年收到多少申请" for p in OTHERS]
    return out


def run(sizes: list[int], seed: int = 0, passes: int = 3) -> list[dict]:
    rng = random.Random(seed)
    B.jieba_state()  # the word lists load once per process, not per catalog
    B.syllables("淮安")
    rows = []
    for n in sizes:
        bodies = make_bodies(n, rng)
        cat = Catalog({b.name: [b.name, *b.aliases] for b in bodies}, {b.name: [2023] for b in bodies})
        t = time.perf_counter()
        B.index_for(cat)
        build = time.perf_counter() - t
        qs = [(q, normalize_question(q)) for q in _questions(bodies, rng)]
        times = []
        for _ in range(passes):
            for q, norm in qs:
                t = time.perf_counter()
                m = B.find(q, norm, cat, [])
                B.add_unknown(m, norm, q, [], set())
                times.append((time.perf_counter() - t) * 1000)
        rows.append(
            dict(
                bodies=n,
                build_s=round(build, 2),
                questions=len(qs),
                p50_ms=round(percentile(times, 50), 2),
                p95_ms=round(percentile(times, 95), 2),
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.bodybench", description=__doc__)
    p.add_argument("--sizes", default="10,100,1000")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    rows = run([int(x) for x in a.sizes.split(",")], a.seed)
    print("| bodies | index build | questions | find p50 / p95 |")
    print("|---|---|---|---|")
    for r in rows:
        print(f"| {r['bodies']:,} | {r['build_s']} s | {r['questions']} | {r['p50_ms']} / {r['p95_ms']} ms |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
