"""The number guard on the real answers of the Q&A set: an honest writer that restates what each
citation says passes; the same text with any one number changed is rejected."""

from __future__ import annotations

import json
import re

import pytest
from conftest_rag import answerer, rag_stores  # noqa: F401

from nianbao.settings import PROJECT_ROOT
from rag.compose import fmt_num, split_sentences
from rag.llm import guard

QA = [
    json.loads(x)
    for x in (PROJECT_ROOT / "eval" / "qa" / "sample.jsonl").read_text("utf-8").splitlines()
    if x.strip()
]
_DIGITS = re.compile(r"\d+")


def honest(ans) -> list[str]:  # noqa: ANN001
    """One sentence per citation, each restating its source: a cell's value, a passage's sentence."""
    out = []
    for i, c in enumerate(ans.citations, 1):
        cell = c.get("cell")
        if cell and cell.get("value") is not None:
            out.append(f"{c['body']}{c['year']}年{cell['row_label']}为{fmt_num(cell['value'])}件[{i}]。")
        elif not cell:
            said = next((s for s in split_sentences(c["text"]) if len(s) >= 12), None)
            if said:
                out.append(f"报告提到{said.rstrip('。；;')}[{i}]。")
    return out


def derived(ans) -> list[tuple[float, str]]:  # noqa: ANN001
    return [(f["value"], f["unit"]) for f in ans.figures if f.get("derived") and f.get("value") is not None]


@pytest.fixture(scope="module")
def written(answerer):  # noqa: F811
    out = []
    for item in QA:
        ans = answerer.ask(item["question"], history=None)
        if ans.kind in ("narrative", "mixed") and honest(ans):
            out.append((ans, honest(ans)))
    assert len(out) >= 20  # the set has narrative and mixed questions over every sample report
    return out


def test_honest_restatement_of_every_citation_passes(written):
    for ans, sents in written:
        verdict = guard.check("".join(sents), guard.sources_from(ans.citations), ans.question, derived(ans))
        assert verdict.ok, (ans.question, verdict)


def test_any_changed_number_is_rejected(written):
    tried = 0
    for ans, sents in written:
        sources = guard.sources_from(ans.citations)
        for k, sent in enumerate(sents):
            body = sent.split("[")[0]
            for m in list(_DIGITS.finditer(body))[:3]:
                if len(m.group(0)) == 4 and m.group(0).startswith("20"):
                    changed = body[: m.start()] + "1999" + body[m.end() :]  # a year nobody cited
                else:
                    changed = body[: m.start()] + str(int(m.group(0)) * 10 + 7) + body[m.end() :]
                text = "".join([*sents[:k], changed + sent[len(body) :], *sents[k + 1 :]])
                verdict = guard.check(text, sources, ans.question, derived(ans))
                assert not verdict.ok, (ans.question, changed)
                tried += 1
    assert tried >= 30
