"""Renderers of the web app: tables laid out from the template, cell flags, escaping, CSV, uploads."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from nianbao import settings as nb_settings
from nianbao import template as T
from nianbao.types import Fact, Violation
from web import render, upload
from web.tables import TableRenderer

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "reports"
EVIL = '<script>alert("x")</script> **粗体** [点我](javascript:alert(1)) <img src=x onerror=alert(2)>'


def t3_facts(values: dict[str, float]) -> list[Fact]:
    """Table 三 facts for every 2021 leaf row (total = value, person = value, others 0)."""
    out = []
    for r in T.t3_leaf_rows("2021"):
        v = values.get(r.code, 0.0)
        for c in T.T3_COLUMN_ORDER:
            out.append(
                Fact(
                    "三",
                    r.code,
                    c,
                    v if c in ("person", "total") else 0.0,
                    row_label=r.label,
                    column_label=T.T3_COLUMNS[c].label,
                )
            )
    return out


def cell_of(html: str, row: str, col_index: int) -> str:
    tr = re.search(rf'<tr data-row="{re.escape(row)}">(.*?)</tr>', html).group(1)
    return re.findall(r"<td[^>]*>.*?</td>", tr)[col_index]


def test_table3_rows_and_columns_come_from_template():
    html = TableRenderer(t3_facts({"new": 5, "granted": 3}), [], "2021").table3()
    for r in T.T3_ROWS:
        assert r.label.replace("“", "&ldquo;") in html or render.h(r.label) in html, r.code
    for c in T.T3_COLUMN_ORDER:
        assert render.h(T.T3_COLUMNS[c].label) in html
    assert ">5</td>" in cell_of(html, "new", 0)
    assert "nb-cell" in cell_of(html, "granted", 6) and ">3</td>" in cell_of(html, "granted", 6)


def test_group_row_is_summed_from_children_and_flagged_computed():
    html = TableRenderer(t3_facts({"withheld.state_secret": 1, "withheld.process": 1}), [], "2021").table3()
    total = cell_of(html, "withheld", 6)
    assert ">2</td>" in total and "nb-computed" in total and "子项合计" in total


def test_violation_uncertain_blank_flags_with_tooltips():
    facts = t3_facts({"new": 4})
    for f in facts:
        if f.key() == ("三", "new", "business"):
            f.uncertain, f.raw, f.value = True, "713000074", None
        if f.key() == ("三", "new", "ngo"):
            f.blank = True
    v = Violation(
        "R3_row_sum", "总计印为4件，各项之和为<5>件", [("三", "new", "total")], printed=4, expected=5
    )
    html = TableRenderer(facts, [v], "2021").table3()
    total = cell_of(html, "new", 6)
    assert "nb-violation" in total and "R3_row_sum" in total and "&lt;5&gt;" in total
    assert "nb-uncertain" in cell_of(html, "new", 1) and "713000074" in cell_of(html, "new", 1)
    assert "nb-blank" in cell_of(html, "new", 3)
    assert "nb-violation" not in cell_of(html, "granted", 6)


def test_table4_and_table2_labels_from_template():
    facts = [Fact("四", r.code, c, 1.0) for r in T.T4_ROWS for c in T.T4_COLUMN_ORDER]
    html = TableRenderer(facts, [], "2021")
    t4 = html.table4()
    assert all(render.h(r.label) in t4 for r in T.T4_ROWS)
    assert all(T.T4_COLUMNS[c].label in t4 for c in T.T4_COLUMN_ORDER)
    t2 = html.table2()
    rows_2021 = [r for r in T.T2_ROWS if "2021" in r.templates]
    assert all(f'data-row="{r.code}"' in t2 for r in rows_2021)
    assert 'data-row="procurement"' not in t2  # 2019-only row
    assert render.h(T.T2_COLUMNS["amount"].label) in t2


def test_report_text_is_escaped_everywhere():
    from nianbao.types import Passage

    p = Passage(EVIL, "五", "五、存在的主要问题", 0, 10)
    out = render.render_passages([p])
    assert "<script" not in out and "<img" not in out and "&lt;script&gt;" in out
    ans = {
        "answer": "不予公开**2件**。" + EVIL,
        "warnings": [EVIL],
        "citations": [{"report": "r", "body": "某县<b>", "year": 2023, "section": "五", "text": EVIL}],
    }
    md = render.render_answer(ans)
    assert "<script" not in md and "<img" not in md and "某县<b>" not in md
    assert "**2件**" in md  # the answerer's own bold survives
    assert "> ⚠" in md and "\\*\\*粗体\\*\\*" in md  # warnings are markdown-escaped
    v = Violation("R1_balance", EVIL, [("三", "new", "total")])
    assert "<script" not in render.render_violations([v])


def test_cited_cell_is_highlighted_in_its_row():
    facts = [
        Fact(
            "三",
            "withheld.process",
            c,
            1.0 if c in ("person", "total") else 0.0,
            column_label=T.T3_COLUMNS[c].label,
        )
        for c in T.T3_COLUMN_ORDER
    ]
    cell = {
        "table": "三",
        "row": "withheld.process",
        "column": "total",
        "row_label": "6.属于四类过程性信息",
        "column_label": "总计",
        "line": 88,
        "value": 1,
    }
    html = render.render_citation(
        2,
        {"report": "x", "body": "衡山县人民政府", "year": 2023, "section": "三", "text": "", "cell": cell},
        facts,
    )
    assert html.startswith('<details class="nb-source"><summary>[2]')
    cited = re.findall(r'<t[hd] class="nb-cited">([^<]*)</t[hd]>', html)
    assert cited == ["总计", "1"]
    assert "自然人" in html and "6.属于四类过程性信息" in html and "第88行" in html


def test_facts_csv_roundtrip(tmp_path):
    facts = t3_facts({"new": 7})
    path = render.write_facts_csv(facts, tmp_path / "f.csv")
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(facts)
    new_total = next(r for r in rows if r["row"] == "new" and r["column"] == "total")
    assert float(new_total["value"]) == 7 and new_total["column_label"] == "总计"


def test_figure_choices_cover_template():
    keys = {v for _, v in render.figure_choices()}
    assert "三|withheld|total" in keys and "四|review|corrected" in keys and "二|fees|amount" in keys
    assert all(len(k.split("|")) == 3 for k in keys)


@pytest.mark.parametrize(
    "name,expected",
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\x\\衡山县2023年报.PDF", "衡山县2023年报.pdf"),
        ("<script>a.txt", "script_a.txt"),
        ("..", "upload"),
    ],
)
def test_sanitize_filename(name, expected):
    assert upload.sanitize_filename(name) == expected


def test_token_check_and_size_limit(tmp_path):
    try:
        nb_settings.configure(home=tmp_path, staff_token=None)
        assert not upload.staff_enabled() and not upload.check_token("anything")
        nb_settings.configure(staff_token="s3cret", max_upload_mb=1)
        assert upload.check_token("s3cret") and not upload.check_token("s3cre") and not upload.check_token("")
        big = tmp_path / "big.txt"
        big.write_bytes(b"0" * (1024 * 1024 + 1))
        small = SAMPLES / "hengshan_2023.txt"
        saved = upload.save_uploads([big, small, tmp_path / "missing.pdf"])
        assert saved[0].path is None and "MB" in saved[0].reason
        assert saved[1].path is not None and saved[1].path.parent == tmp_path / "uploads"
        assert saved[1].path.read_bytes() == small.read_bytes()
        assert small.is_file()  # a path outside the temp folders is copied, never deleted
        assert saved[2].path is None
    finally:
        nb_settings.reset()


def test_real_report_tables_render():
    """The real parser on a real sample: every cell it produced is shown in the browser tables."""
    import ingest.parse as parse
    parsed = parse.parse_file(SAMPLES / "hongze_2023.pdf")
    html = TableRenderer(parsed.facts, parsed.violations, parsed.meta.template).all_tables()
    assert "nb-violation" in html  # the 行政复议 total printed as 0
    shown = {(m.group(1)) for m in re.finditer(r'data-row="([^"]+)"', html)}
    assert {f.row for f in parsed.facts} <= shown


def test_plain_source_list_replaced_by_expandable_sources():
    cit = {"report": "r", "body": "某县人民政府", "year": 2023, "section": "五", "text": "一是公开不够及时。"}
    ans = {
        "answer": "存在问题：一是公开不够及时[1]。\n\n**来源**\n\n[1] 某县人民政府 2023年报告 · 第五部分",
        "citations": [cit],
    }
    out = render.render_answer(ans)
    assert "**来源**" not in out and out.count("[1]") == 2  # the mark in the text and the expandable source
    assert (
        '<details class="nb-source"><summary>[1] 某县人民政府 · 2023年 · 第五部分（存在的主要问题及改进情况）'
        in out
    )
    assert "**来源**" in render.render_answer({"answer": ans["answer"], "citations": []})


def test_answer_markdown_quotes_survive_but_html_does_not():
    out = render.answer_body(
        {"answer": "报告写道[1]：\n\n> 一是<script>x</script>公开不够及时。", "citations": []}
    )
    assert "\n> 一是" in out and "<script" not in out and "&lt;script>" in out


def test_answer_shows_how_it_was_understood_inert():
    from web.render import render_answer

    html = render_answer({"answer": "x", "understood": "- 机关：<script>alert(1)</script>\n- 把握：30%"})
    assert "我是这样理解的" in html and "把握：30%" in html
    assert "<script>" not in html
