"""The whole Q&A set eval/qa/sample.jsonl against the real ingested sample corpus.

Each question must get the gold kind, every expected number (as a figure or in the text, citation
marks and the source list excluded), a citation of every gold cell, and every "mention" string
(compared in simplified form: quotes keep a traditional-character report's own characters).
"""

from __future__ import annotations

import json
import re
import statistics
import time

import pytest
from conftest_rag import answerer, rag_stores  # noqa: F401

from ingest.normalize import to_simplified
from nianbao.settings import PROJECT_ROOT

QA_FILE = PROJECT_ROOT / "eval" / "qa" / "sample.jsonl"
QA = [json.loads(line) for line in QA_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
_NUM = re.compile(r"-?\d+(?:\.\d+)?")
KINDS_OK = {
    "figure": {"figure", "mixed"},
    "narrative": {"narrative", "mixed"},
    "mixed": {"mixed"},
    "not_found": {"not_found"},
    "clarify": {"clarify"},
}


def answer_body(markdown: str) -> str:
    """The answer text without the source list and citation marks."""
    text = markdown.split("**来源**")[0]
    return re.sub(r"\[\d+\]", " ", text)


def numbers_in(text: str) -> set[float]:
    return {round(float(x), 2) for x in _NUM.findall(text.replace(",", ""))}


def problems(item: dict, ans: dict) -> list[str]:
    """Why an answer fails its gold record (empty = passes)."""
    out = []
    want_kind = "not_found" if item.get("not_in_report") else item.get("kind")
    if want_kind and ans["kind"] not in KINDS_OK.get(want_kind, {want_kind}):
        out.append(f"kind {ans['kind']} != {want_kind}")
    body = answer_body(ans["answer"])
    have = numbers_in(body) | {
        round(float(f["value"]), 2) for f in ans["figures"] if f.get("value") is not None
    }
    for n in item.get("expect") or []:
        if round(float(n), 2) not in have:
            out.append(f"missing number {n}")
    cited = {
        (c.get("body"), c.get("year"), c["cell"]["table"], c["cell"]["row"], c["cell"]["column"])
        for c in ans["citations"]
        if c.get("cell")
    }
    for cell in item.get("cells") or []:
        key = (cell["body"], cell["year"], cell["table"], cell["row"], cell["column"])
        if key not in cited:
            out.append(f"cell not cited {key}")
    # quotes keep the report's own characters (traditional stays traditional): compare in simplified form
    simple = to_simplified(body)
    for m in item.get("mention") or []:
        if to_simplified(m) not in simple:
            out.append(f"missing mention {m!r}")
    return out


def ask(answerer, item: dict) -> dict:  # noqa: F811
    return answerer.ask(
        item["question"], history=item.get("history"), body=item.get("body"), year=item.get("year")
    ).to_dict()


@pytest.mark.slow
def test_every_sample_question(answerer):  # noqa: F811
    failures, latencies = [], []
    for item in QA:
        t0 = time.perf_counter()
        ans = ask(answerer, item)
        latencies.append((time.perf_counter() - t0) * 1000)
        bad = problems(item, ans)
        if bad:
            failures.append(f"{item.get('id')} {item['question']}: {'; '.join(bad)}")
    assert not failures, f"{len(failures)}/{len(QA)} failed:\n" + "\n".join(failures)
    p50 = statistics.median(latencies)
    p95 = sorted(latencies)[int(0.95 * (len(latencies) - 1))]
    print(f"latency over {len(QA)} questions: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    # p95 is reported, not asserted: on a shared 2-core machine narrative questions (embedding +
    # Chroma) swing from ~30 ms to over a second with the load; eval's bench publishes both.
    assert p50 <= 50
