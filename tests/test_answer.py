"""Answerer end to end on the real sample store: routing, not found, clarify, follow-ups, escaping, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest_rag import answerer, rag_stores  # noqa: F401

from nianbao.settings import PROJECT_ROOT
from rag.compose import escape_md, key_sentences

KEYS = {"question", "answer", "kind", "figures", "citations", "warnings", "latency_ms", "context"}


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


def test_qualifier_the_text_does_not_state_keeps_the_table_figure_and_says_so(answerer):  # noqa: F811
    ans = answerer.ask("平潭2022年通过信函提交的申请有多少件？")
    assert ans.kind in ("figure", "mixed") and "**本年新收申请74件**" in ans.answer
    assert "不区分「信函」" in ans.answer and "没有找到按此口径分列的数字" in ans.answer
    assert "> " not in ans.answer  # no passage quoted as if it answered


def test_unknown_body_and_missing_year_are_not_found_and_say_what_exists(answerer):  # noqa: F811
    a = answerer.ask("上海市2023年收到多少申请？")
    assert a.kind == "not_found" and "衡山县人民政府（2023年）" in a.answer
    b = answerer.ask("衡山县2019年收到多少申请？")
    assert b.kind == "not_found" and "2019年" in b.answer and "现有年份" in b.answer


def test_question_without_body_asks_which(answerer):  # noqa: F811
    ans = answerer.ask("2024年收到多少申请？")
    assert ans.kind == "clarify"
    assert "洪泽区人民政府" in ans.answer and "淮安市人民政府" in ans.answer


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
    env = dict(os.environ, HF_HUB_OFFLINE="1")
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
