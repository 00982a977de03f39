"""A narrative answer lists the numbers its quotes state as figures of source "text": staff and
evaluation runs read figures from the Answer JSON, and a number shown only inside a quote is
invisible there. Invariant over generated questions: every text figure is printed in the answer,
and every counted quantity of a quoted passage is among the figures."""

from __future__ import annotations

import re

from conftest_rag import answerer, rag_stores  # noqa: F401

from rag.textnumbers import quoted_numbers

TOPICS = ["政策解读", "平台建设", "监督保障", "存在的主要问题", "改进措施", "主动公开", "政府信息管理", "依申请公开工作"]
FRAMES = ["{b}{y}年{t}方面做了什么", "{b}{y}年{t}是怎么做的", "说说{b}{y}年的{t}情况"]


def _questions(catalog) -> list[str]:  # noqa: ANN001
    out = []
    for i, (body, years) in enumerate(sorted(catalog.years.items())):
        for j, t in enumerate(TOPICS):
            out.append(FRAMES[(i + j) % len(FRAMES)].format(b=body, y=years[-1], t=t))
    return out


def test_quoted_numbers_skip_dates_and_keep_units():
    got = [(n.value, n.unit) for n in quoted_numbers("2021年3月5日，组织4次检查，发布解读材料43期、信息2,6条。")]
    assert (4.0, "次") in got and (43.0, "期") in got
    assert all(u not in ("年", "月") for _, u in got) and (5.0, "日") not in got


def test_narrative_answers_list_the_numbers_they_quote(answerer):  # noqa: F811
    checked = 0
    for question in _questions(answerer.catalog()):
        a = answerer.ask(question).to_dict()
        if a["kind"] != "narrative":
            continue
        quotes = [c["text"] for c in a["citations"] if not c.get("cell")]
        text_figs = [f for f in a["figures"] if f.get("source") == "text"]
        for f in text_figs:
            assert f["label"] and f["label"] in re.sub(r"[\s>]", "", a["answer"]), (question, f)
        want = {(n.value, n.unit) for q in quotes for n in quoted_numbers(q)}
        assert want <= {(f["value"], f["unit"]) for f in text_figs}, question
        checked += bool(want)
    assert checked >= 3  # the sample reports' narrative is full of counts: the invariant was exercised
