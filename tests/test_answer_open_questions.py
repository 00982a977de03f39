"""Questions that name no figure and no report clearly are asked back, never answered with a guess:
a comparison that says not what to compare, and one report's section asked of the whole collection."""

from __future__ import annotations

import pytest
from conftest_rag import answerer, rag_stores  # noqa: F401


@pytest.mark.parametrize("frame", ["{a}和{b}哪个好", "{a}跟{b}比谁做得更好？", "{a}与{b}相比怎么样"])
def test_a_comparison_without_a_measure_asks_what_to_compare(answerer, frame):  # noqa: F811
    a = answerer.ask(frame.format(a="洪泽区", b="衡山县"))
    assert a.kind == "clarify" and "比较" in a.answer, a.answer[:120]


def test_reviews_are_never_added_to_lawsuits(answerer):  # noqa: F811
    a = answerer.ask("洪泽区2023年行政复议和行政诉讼各有几件？")
    assert "行政诉讼（复议后起诉）合计" in a.answer  # the two lawsuit rows are summed …
    assert "行政复议、行政诉讼" not in a.answer  # … and the review is not among them
