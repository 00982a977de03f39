"""Table facts from the real sample reports (text, crawler text, PDF) and from re-encoded /
re-rendered copies of them: every expected cell, the same facts whatever the rendering."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from ingest.labels import detect_template, match_row, table_marker
from ingest.load import load
from ingest.normalize import normalize_line
from ingest.tables import extract_facts, facts_from_rows
from ingest.textgrid import RawRow, rows_from_text
from nianbao import template as T

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "data" / "reports"
EXPECTED = ROOT / "tests" / "data" / "expected"
SAMPLES = [
    "hengshan_2023.txt",
    "pingtan_2021.txt",
    "pingtan_2022.txt",
    "hongze_2023.pdf",
    "hongze_2024.pdf",
    "huaian_2024.pdf",
]

_cache: dict[str, object] = {}


def facts_of(name: str):
    if name not in _cache:
        _cache[name] = extract_facts(load(REPORTS / name))
    return _cache[name]


def _expected(name: str) -> dict | None:
    p = EXPECTED / (Path(name).stem + ".json")
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None


@pytest.mark.parametrize("name", SAMPLES)
def test_every_expected_cell(name):
    exp = _expected(name)
    if exp is None:
        pytest.skip("no expected facts yet")
    res = facts_of(name)
    got = {f.key(): f for f in res.facts}
    uncertain = {
        (u["table"], u["row"], c)
        for u in exp.get("uncertain", [])
        for c in u.get("columns", [u.get("column")])
    }
    wrong = []
    for e in exp["facts"]:
        key = (e["table"], e["row"], e["column"])
        f = got.get(key)
        if f is None:
            wrong.append((key, "missing"))
        elif key in uncertain:
            # the report itself is ambiguous here: never a silent guess
            if not f.uncertain or f.value not in (None, e["value"]):
                wrong.append((key, f.value, f.uncertain))
        elif f.value != e["value"] or f.uncertain:
            wrong.append((key, e["value"], f.value, f.raw))
    assert not wrong, wrong
    assert res.template == exp["template"]


@pytest.mark.parametrize("name", SAMPLES)
def test_all_cells_present_with_provenance(name):
    res = facts_of(name)
    keys = {f.key() for f in res.facts}
    assert len(keys) == len(res.facts), "one fact per cell"
    for r in T.T3_ROWS:
        if r.group:
            continue
        if (
            r.parent == "other_handling"
            and ("三", "other_handling", "total") in keys
            and not any(f.row == r.code for f in res.facts)
        ):
            continue  # （六） printed as one row
        for c in T.T3_COLUMN_ORDER:
            assert ("三", r.code, c) in keys, (r.code, c)
    assert {k for k in keys if k[0] == "四"} == {("四", r, c) for r, c in T.T4_ORDER}
    for f in res.facts:
        if not f.computed:
            assert f.row_label and f.column_label
            assert (f.page if name.endswith(".pdf") else f.line) is not None
    fees = next(f for f in res.facts if f.key() == ("二", "fees", "amount"))
    assert fees.unit == "万元"


def test_group_rows_are_computed_sums():
    res = facts_of("huaian_2024.pdf")
    got = {f.key(): f for f in res.facts}
    g = got[("三", "withheld", "total")]
    assert g.computed and g.value == sum(
        got[("三", r.code, "total")].value for r in T.t3_children("withheld")
    )
    assert g.value == 2 + 31 + 5 + 6 + 8 + 12 + 9 + 105


def test_hongze_other_handling_is_one_row_per_row_not_per_report():
    res = facts_of("hongze_2023.pdf")
    got = {f.key(): f for f in res.facts}
    assert res.template == "2021"  # 2021 tables ...
    assert not got[("三", "other_handling", "total")].computed  # ... with （六） printed as one row
    assert not any(f.row.startswith("other_handling.") for f in res.facts)
    assert got[("三", "withheld.law_prohibits", "person")].row_label.endswith(
        "其他法律行政止公开"
    )  # typo kept


def test_pingtan_run_together_split_by_row_and_column_rules():
    res = facts_of("pingtan_2021.txt")
    got = {f.key(): f for f in res.facts}
    new = [got[("三", "new", c)].value for c in T.T3_COLUMN_ORDER]
    assert new == [64, 0, 0, 2, 0, 4, 70]
    granted = got[("三", "granted", "person")]
    assert granted.value == 27 and granted.raw == "270020130" and "R1/R2" in granted.note
    assert [got[("四", "suit_direct", c)].value for c in T.T4_COLUMN_ORDER] == [12, 0, 0, 0, 12]
    # 693665 (table 二, no sum rule) stays uncertain: raw kept, no silent guess
    nd = got[("二", "normative_docs", "issued")]
    assert nd.uncertain and nd.value is None and nd.raw == "693665"
    assert any("693665" in w for w in res.warnings)


def test_narrative_settles_table2_split():
    got = {f.key(): f for f in facts_of("pingtan_2022.txt").facts}
    assert [got[("二", "normative_docs", c)].value for c in ("issued", "repealed", "in_force")] == [
        88,
        55,
        698,
    ]
    assert "正文" in got[("二", "normative_docs", "in_force")].note


def _same_values(a, b):
    va = {f.key(): (f.value, f.uncertain) for f in a.facts}
    vb = {f.key(): (f.value, f.uncertain) for f in b.facts}
    assert va == vb


def test_gbk_copy_same_facts(tmp_path):
    src = (REPORTS / "pingtan_2022.txt").read_text(encoding="utf-8")
    p = tmp_path / "pingtan_2022_gbk.txt"
    p.write_bytes(src.encode("gbk", errors="replace"))
    _same_values(extract_facts(load(p)), facts_of("pingtan_2022.txt"))


def test_traditional_copy_same_facts(tmp_path):
    from opencc_purepy import OpenCC

    src = (REPORTS / "pingtan_2021.txt").read_text(encoding="utf-8")
    trad = OpenCC("s2t").convert(src)
    assert trad != src
    p = tmp_path / "pingtan_2021_trad.txt"
    p.write_text(trad, encoding="utf-8")
    _same_values(extract_facts(load(p)), facts_of("pingtan_2021.txt"))


def _pipe_text_to_html(text: str) -> str:
    out, in_table = ["<html><body>"], False
    for line in text.split("\n"):
        if " | " in line or line.rstrip().endswith("|"):
            if not in_table:
                out.append("<table>")
                in_table = True
            cells = "".join(f"<td>{html.escape(c.strip())}</td>" for c in line.split("|"))
            out.append(f"<tr>{cells}</tr>")
        else:
            if in_table:
                out.append("</table>")
                in_table = False
            out.append(f"<p>{html.escape(line)}</p>")
    out.append("</table></body></html>" if in_table else "</body></html>")
    return "\n".join(out)


def test_html_rendering_same_facts(tmp_path):
    src = (REPORTS / "hengshan_2023.txt").read_text(encoding="utf-8")
    p = tmp_path / "hengshan_2023.html"
    p.write_text(_pipe_text_to_html(src), encoding="utf-8")
    doc = load(p)
    assert doc.format == "html" and doc.grids
    _same_values(extract_facts(doc), facts_of("hengshan_2023.txt"))


# ---------------------------------------------------------------------------------- labels
@pytest.mark.parametrize(
    ("label", "table", "group", "code"),
    [
        ("（三）不予公开1.属于国家秘密", "三", None, "withheld.state_secret"),
        ("3.其他", "三", "other_handling", "other_handling.other"),
        ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "三", None, "partial"),
        ("（六）其他处理", "三", "not_processed", "other_handling"),
        ("法提供2.没有现成信息需要另行制作", "三", "withheld", "unavailable.needs_creation"),
        ("三\n、\n本\n年\n度\n办\n理\n结\n果（一）予以公开", "三", None, "granted"),
        ("2.其他法律行政止公开", "三", "withheld", "withheld.law_prohibits"),
        ("（七）总计", "三", "other_handling", "handled_total"),
        ("行政规范性文件", "二", None, "normative_docs"),
    ],
)
def test_match_row(label, table, group, code):
    m = match_row(normalize_line(label), table, group)
    assert m is not None and m.row.code == code


def test_short_child_alias_needs_its_group():
    assert match_row("其他", "三", None) is None


def test_traditional_label():
    assert (
        match_row(normalize_line("5.要求行政機關確認或重新出具已獲取信息"), "三").row.code
        == "not_processed.reissue"
    )


def test_template_from_headers_not_year():
    assert detect_template(["信息内容本年制发件数本年废止件数现行有效件数"]) == "2021"
    assert detect_template(["信息内容本年新制作数量本年新公开数量对外公开总数量"]) == "2019"
    assert detect_template(["申请人情况"]) is None
    assert table_marker("行政复议行政诉讼结果维持") == "四"


def test_2019_table2_columns():
    rows = [
        RawRow("第二十条第（一）项信息内容本年新制作数量本年新公开数量对外公开总数量", []),
        RawRow("规章", ["1", "2", "30"]),
        RawRow("第二十条第（五）项信息内容上一年项目数量本年增/减处理决定数量", []),
        RawRow("行政许可", ["12", "-3", "400"]),
    ]
    res = facts_from_rows(rows)
    got = {f.key(): f.value for f in res.facts}
    assert res.template == "2019"
    assert got[("二", "rules", "made")] == 1 and got[("二", "rules", "total_public")] == 30
    assert got[("二", "licensing", "change")] == -3 and got[("二", "licensing", "decisions")] == 400


def test_blank_cells_and_blank_total():
    text = "\n".join(
        [
            "二、主动公开政府信息情况",
            "三、收到和处理政府信息公开申请情况",
            "申请人情况 | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计",
            "一、本年新收政府信息公开申请数量 | 5 |  | 0 | 0 | 0 | 2 |  |",
            "五、存在的主要问题及改进情况",
        ]
    )
    rows = rows_from_text(text)
    got = {f.key(): f for f in facts_from_rows(rows).facts}
    b = got[("三", "new", "business")]
    assert b.value == 0 and b.blank
    t = got[("三", "new", "total")]
    assert t.value == 7 and t.computed and not t.blank


def test_table4_as_labelled_rows_in_any_order():
    text = "\n".join(
        [
            "二、主动公开政府信息情况",
            "四、政府信息公开行政复议、行政诉讼情况",
            "类别 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计",
            "行政诉讼（复议后起诉） | 5 | 0 | 0 | 1 | 6",
            "行政复议 | 10 | 1 | 0 | 0 | 11",
            "行政诉讼（未经复议直接起诉） | 2 | 0 | 0 | 0 | 2",
            "五、存在的主要问题及改进情况",
        ]
    )
    got = {f.key(): f.value for f in facts_from_rows(rows_from_text(text)).facts}
    assert [got[("四", "review", c)] for c in T.T4_COLUMN_ORDER] == [10, 1, 0, 0, 11]
    assert got[("四", "suit_after_review", "total")] == 6 and got[("四", "suit_direct", "upheld")] == 2
