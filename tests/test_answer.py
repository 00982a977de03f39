"""Answerer end to end on the real sample store: routing, not found, clarify, follow-ups, escaping, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest_rag import answerer, rag_stores  # noqa: F401

from nianbao.settings import PROJECT_ROOT
from rag.compose import escape_md, key_sentences

KEYS = {"question", "answer", "kind", "figures", "citations", "warnings", "latency_ms", "context", "understood"}


def test_refusal_question_answers_withheld_with_neighbours_and_cells(answerer):  # noqa: F811
    ans = answerer.ask("衡山县2023年有多少申请被拒绝了？").to_dict()
    assert set(ans) == KEYS and ans["kind"] == "figure"
    text = ans["answer"]
    for s in ("不予公开2件", "国家秘密1件", "过程性信息1件", "无法提供3件", "不予处理0件"):
        assert s in text
    rows = {c["cell"]["row"] for c in ans["citations"] if c.get("cell")}
    assert {"withheld", "unavailable", "not_processed"} <= rows
    assert all(c["body"] == "衡山县人民政府" and c["year"] == 2023 for c in ans["citations"])
    json.dumps(ans, ensure_ascii=False)


def test_hongze_appeals_state_the_contradiction(answerer):  # noqa: F811
    ans = answerer.ask("洪泽区2023年行政复议多少件？")
    assert "各项之和为11件" in ans.answer and "总计印为0件" in ans.answer
    assert ans.warnings


def test_narrative_question_quotes_a_cited_passage(answerer):  # noqa: F811
    ans = answerer.ask("淮安市2024年政务公开存在哪些问题？")
    assert ans.kind == "narrative"
    cite = ans.citations[0]
    assert cite["section"].startswith("五") and cite["body"] == "淮安市人民政府" and "cell" not in cite
    assert "> " in ans.answer and "[1]" in ans.answer


def test_qualified_count_quotes_the_narrative_in_the_reports_own_characters(answerer):  # noqa: F811
    # the tables do not split requests by channel or level; the Hengshan text does (traditional)
    ans = answerer.ask("衡山县2023年县本级通过网上提交的政府信息公开申请有多少件？")
    assert ans.kind == "mixed" and "不区分「县本级」、「网上」" in ans.answer
    assert "**本年新收申请21件**" in ans.answer  # the table's overall figure, labelled as such
    quote = next(c["text"] for c in ans.citations if "cell" not in c)
    assert "網上申請14件" in quote  # original characters, no pinyin, no doubled punctuation
    assert "(" not in quote and "，，" not in quote and ",、" not in quote


def test_qualifier_the_text_does_not_state_is_not_found_with_the_table_total_for_reference(answerer):  # noqa: F811
    """The count asked (by 信函) is in neither table nor text: the report doesn't say. The overall
    count is shown beside it for reference, never as the answer."""
    ans = answerer.ask("平潭2022年通过信函提交的申请有多少件？")
    assert ans.kind == "not_found" and "**本年新收申请74件**" in ans.answer
    assert "不区分「信函」" in ans.answer and "正文也没有提到" in ans.answer and "仅供参考" in ans.answer
    assert "> " not in ans.answer  # no passage quoted as if it answered


def test_unknown_body_and_missing_year_are_not_found_and_say_what_exists(answerer):  # noqa: F811
    a = answerer.ask("上海市2023年收到多少申请？")
    assert a.kind == "not_found" and "衡山县人民政府（2023年）" in a.answer
    b = answerer.ask("衡山县2019年收到多少申请？")
    assert b.kind == "not_found" and "2019年" in b.answer and "现有年份" in b.answer


def test_question_without_body_answers_for_each_report(answerer):  # noqa: F811
    """Few reports match (two bodies have 2024): each is answered, from its own cells, rather than
    asking which; the answer says it did so. A relative year with no body to count from is asked."""
    ans = answerer.ask("2024年收到多少申请？")
    assert ans.kind in ("figure", "mixed") and "没有指明机关" in ans.answer
    got = {(f["body"], f["row"]) for f in ans.figures if f.get("row") == "new"}
    assert got == {("洪泽区人民政府", "new"), ("淮安市人民政府", "new")}
    assert "多于" not in ans.answer.split("**来源**")[0]  # listed, not compared
    assert answerer.ask("去年收到多少申请？").kind == "clarify"


def test_follow_up_uses_context_and_history(answerer):  # noqa: F811
    first = answerer.ask("平潭2021年收到多少申请？")
    by_context = answerer.ask("那2022年呢？", context=first.context)
    by_history = answerer.ask("那2022年呢？", history=["平潭2021年收到多少申请？"])
    by_dicts = answerer.ask("那2022年呢？", history=[first.to_dict()])
    for a in (by_context, by_history, by_dicts):
        assert "**本年新收申请74件**" in a.answer


def test_report_text_is_escaped():
    assert escape_md("<script>alert(1)</script> *x*") == "&lt;script&gt;alert(1)&lt;/script&gt; \\*x\\*"
    text = "存在不足：一是培训不够。二是解读不深。三是平台老旧。" * 8
    quote = key_sentences(text, "问题")
    assert quote.count("一是") >= 1 and "二是" in quote and "三是" in quote


def test_stream_yields_the_whole_answer(answerer):  # noqa: F811
    pieces = list(answerer.stream("衡山县2023年收到多少申请？"))
    assert len(pieces) > 1 and "本年新收申请21件" in "".join(pieces)


def test_cli_prints_json(rag_stores):  # noqa: F811
    env = dict(os.environ, HF_HUB_OFFLINE="1", DATABASE_URL=rag_stores.settings.database_url or "")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "rag",
            "ask",
            "衡山县2023年收到多少申请？",
            "--json",
            "--home",
            str(rag_stores.settings.home),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    ans = json.loads(out.stdout)
    assert ans["kind"] == "figure" and any(f["value"] == 21 for f in ans["figures"])


def _one_source_list(ans) -> dict[int, dict]:  # noqa: ANN001
    """Each citation number [1]..[n] appears exactly once in the single source list."""
    text = ans.answer
    assert text.count("**来源**") == 1
    sources = text.split("**来源**", 1)[1]
    n = len(ans.citations)
    for i in range(1, n + 1):
        assert sources.count(f"[{i}] ") == 1, i
        assert f"[{i}]" in text.split("**来源**", 1)[0]
    assert f"[{n + 1}]" not in text
    return {i: c for i, c in enumerate(ans.citations, 1)}


def _cited(ans, row: str, column: str) -> list[int]:  # noqa: ANN001
    return [
        i
        for i, c in _one_source_list(ans).items()
        if c.get("cell") and c["cell"]["row"] == row and c["cell"]["column"] == column
    ]


def test_several_clauses_each_get_an_answer_with_one_source_list(answerer):  # noqa: F811
    ans = answerer.ask("淮安市2024年收到多少政府信息公开申请？其中企业申请多少？")
    assert "3119件" in ans.answer and "53件" in ans.answer
    assert ans.answer.index("3119件") < ans.answer.index("53件")  # clauses in order
    (total,) = _cited(ans, "new", "total")
    (business,) = _cited(ans, "new", "business")
    assert ans.citations[total - 1]["cell"]["value"] == 3119
    assert ans.citations[business - 1]["cell"]["value"] == 53
    assert ans.kind == "figure" and ans.context["columns"] == ["business"]


def test_lawsuit_totals_and_corrected_share_citation_numbers(answerer):  # noqa: F811
    ans = answerer.ask("淮安市2024年行政诉讼有多少件？被纠正了几件？")
    body = ans.answer.split("**来源**", 1)[0]
    assert "46件" in body and "5件" in body and body.index("46件") < body.index("= **5件**")
    assert _cited(ans, "suit_direct", "total") and _cited(ans, "suit_after_review", "total")
    (corrected,) = _cited(ans, "suit_direct", "corrected")
    assert ans.citations[corrected - 1]["cell"]["value"] == 4
    # the corrected cell, cited in both clauses, keeps one number
    assert body.count(f"[{corrected}]") == 2
    assert len({json.dumps(c, sort_keys=True) for c in ans.citations}) == len(ans.citations)


def test_clauses_one_understanding_covers_are_answered_as_one(answerer):  # noqa: F811
    ans = answerer.ask("平潭2022年制发、废止了多少规范性文件？现行有效多少？")
    body = ans.answer.split("**来源**", 1)[0]
    assert body.strip().count("\n\n") == 0 and "88件" in body and "55件" in body and "698件" in body
    assert len(_one_source_list(ans)) == 3
