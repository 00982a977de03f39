"""Phrasings generated from the template itself (every lexicon word, measure word and column-group
word in several sentence frames, bodies written several ways): understanding must place each one,
and must not state a figure for questions whose subject no table holds."""

from __future__ import annotations

import itertools

import pytest

from nianbao import template as T
from rag.query import Catalog
from rag.understand import FIGURE_CONFIDENCE, understand

HZ, PT = "洪泽区人民政府", "平潭综合实验区"
CAT = Catalog({HZ: [HZ, "淮安市洪泽区人民政府"], PT: [PT]}, {HZ: [2023, 2024], PT: [2021, 2022]})
BODIES = [("洪泽区", HZ), ("洪泽", HZ), ("平潭", PT), ("平潭综合实验区", PT)]
FRAMES = [
    "{b}{y}年{w}有多少件？",
    "{y}年{b}的{w}是多少",
    "请问{b}{y}年度{w}的数量",
    "{b}{y}年{w}一共几件",
]
YEAR = {HZ: 2024, PT: 2022}
# Lexicon words that are not standalone figure names in a sentence frame (they need a request
# context, or they are English words inside a Chinese frame).
_SKIP = {"公开了", "全部公开", "grant", "approved", "disclosed", "received", "processed", "closed", "handled"}


def _cases():
    for term in T.LEXICON:
        for w in term.words:
            if w.isascii() or w in _SKIP:
                continue
            yield term, w


@pytest.mark.parametrize(("term", "word"), list(_cases()), ids=lambda x: getattr(x, "row", x))
def test_every_lexicon_word_in_every_frame(term, word):
    for (bname, body), frame in itertools.product(BODIES, FRAMES):
        q = understand(frame.format(b=bname, y=YEAR[body], w=word), CAT)
        assert q.bodies == [body], (frame, word, q.bodies)
        assert q.years == [YEAR[body]], (frame, word, q.years)
        rows = {(f.table, f.row) for f in q.figures}
        assert (term.table, term.row) in rows or any(
            (term.table, r) in rows for r in term.related
        ), (frame, word, rows)
        assert q.confidence >= FIGURE_CONFIDENCE, (frame, word, q.unexplained)


@pytest.mark.parametrize("measure", list(T.MEASURES.values()), ids=lambda m: m.code)
def test_every_measure_word(measure):
    for w, (bname, body) in itertools.product(measure.words, BODIES):
        if w.isascii():
            continue
        for frame in ("{b}{y}年的{w}是多少", "{y}年{b}{w}多少", "{b}{y}年{w}怎么样"):
            q = understand(frame.format(b=bname, y=YEAR[body], w=w), CAT)
            assert q.measure == measure.code, (frame, w, q.measure)
            if measure.table == "三":
                assert {f.row for f in q.figures} == set(measure.numerator + measure.denominator)


def test_column_group_words_sum_the_organisation_columns():
    group = T.COLUMN_GROUPS["organisations"]
    for w in group.words:
        if w.isascii():
            continue
        q = understand(f"洪泽区2024年{w}申请了多少件", CAT)
        assert q.column_group == "organisations" and q.applicants == list(group.columns), (w, q)


# Subjects the tables do not hold, phrased as figure questions about requests: understanding may
# not point at 本年新收 (or any cell) with confidence.
NOT_IN_TABLES = [
    "{b}{y}年有多少申请是通过微信公众号留言提交的",
    "{b}{y}年有多少申请涉及征地拆迁补偿标准",
    "{b}{y}年申请人平均等了多少天才拿到答复",
    "{b}{y}年收到群众来信来访多少件",
]


@pytest.mark.parametrize("frame", NOT_IN_TABLES)
def test_no_confident_figure_for_subjects_no_table_holds(frame):
    for bname, body in BODIES:
        q = understand(frame.format(b=bname, y=YEAR[body]), CAT)
        assert not (q.figures and q.confidence >= FIGURE_CONFIDENCE and q.operation != "narrative"), (
            frame,
            [(f.table, f.row) for f in q.figures],
            q.confidence,
        )


def test_several_results_in_one_question():
    q = understand("洪泽区2024年行政复议维持几件、纠正几件、尚未审结几件", CAT)
    assert [(f.row, f.column) for f in q.figures] == [
        ("review", "upheld"),
        ("review", "corrected"),
        ("review", "pending"),
    ]


def test_years_of_one_body_ranked_and_summed():
    assert understand("平潭哪一年收到的申请最多", CAT).operation == "rank_years"
    q = understand("平潭2021到2022年一共收到多少申请", CAT)
    assert q.operation == "sum" and q.years == [2021, 2022]


def test_plan_explains_itself():
    q = understand("洪泽区2024年办结率", CAT)
    text = q.explain()
    assert "办结率" in text and "洪泽区人民政府" in text and "2024" in text


def test_stated_change_needs_a_change_word():
    from rag.textnumbers import CHANGE_WORDS, content_terms, stated_numbers

    terms = content_terms("受理的申请量比上一年多了还是少了", [])
    text = "共受理政府信息公开申请859件，申请数量较去年回落12.3%；答复申请805件。"
    got = stated_numbers(text, terms, None, need=1, any_of=CHANGE_WORDS)
    assert [n.value for n in got] == [12.3]
    assert stated_numbers("共受理政府信息公开申请859件。", terms, None, need=1, any_of=CHANGE_WORDS) == []
