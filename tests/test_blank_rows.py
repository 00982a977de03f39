"""Rows printed entirely blank (issue 13): many reports leave zeros blank, so a county with no
行政强制 decisions prints 「行政强制 |  」 and a year with no lawsuits prints table 四's groups with
no number at all. Such a row must come back as facts — 0 with `blank=True` where the report's own
rows show that it leaves zeros blank (numbers printed beside blank cells), uncertain where the
report gives no such evidence — and never as a row whose label the report does not print.

Each sample's hand-read facts (tests/data/expected/) are printed as the web page
`eval.renderings.report_html(blank_zeros=True)` draws (official layout, rowspan/colspan), as the
` | ` text a text export of that page gives (blank cells kept, or a blank row's label alone with
its cells dropped), and — with Chromium — as that page printed to PDF, with and without borders.
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import pytest

from eval import renderings as R
from eval.synth.layout import build_tables
from ingest.parse import parse_document, parse_file
from nianbao import template as T
from nianbao.types import LoadedDocument

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = ROOT / "tests" / "data" / "expected"
_ZERO = re.compile(r"^\s*0\s*$")


def _exp(stem: str) -> dict:
    return json.loads((EXPECTED / f"{stem}.json").read_text(encoding="utf-8"))


def _cells(exp: dict) -> dict[tuple[str, str, str], float]:
    return {(f["table"], f["row"], f["column"]): f["value"] for f in exp["facts"]}


def _zero_rows(exp: dict) -> set[tuple[str, str]]:
    """Rows of tables 二 and 四 whose every expected cell is 0."""
    rows: dict[tuple[str, str], list[float]] = defaultdict(list)
    for (t, r, _c), v in _cells(exp).items():
        if t in ("二", "四"):
            rows[(t, r)].append(v)
    return {k for k, vs in rows.items() if all(v == 0 for v in vs)}


STEMS = sorted(s for s in (p.stem for p in EXPECTED.glob("*.json")) if _zero_rows(_exp(s)))


def _narrative(exp: dict) -> str:
    return "\n".join(
        [
            f"{exp['body']}{exp['year']}年政府信息公开工作年度报告",
            "一、总体情况",
            "本年度依法做好政府信息公开工作，现将有关情况报告如下。",
            "二、主动公开政府信息情况",
            "五、政府信息公开工作存在的主要问题及改进情况",
            "六、其他需要报告的事项",
            "无。",
        ]
    )


def _facts(exp: dict) -> list:
    return [
        SimpleNamespace(key=(lambda k: lambda: k)((f["table"], f["row"], f["column"])), value=f["value"])
        for f in exp["facts"]
    ]


def page_html(exp: dict, border: bool = True) -> str:
    return R.report_html(_narrative(exp), _facts(exp), exp["template"], blank_zeros=True, border=border)


def page_text(exp: dict, drop_blank_cells: bool = False, blank_zeros: bool = True, blank_rows=None) -> str:  # noqa: ANN001
    """The page's tables as a text export prints them: each printed cell once, ` | ` between.
    `blank_zeros`: zero cells printed empty; `blank_rows`: only these (table, row) are printed
    blank (zeros elsewhere printed 0); `drop_blank_cells`: a row's trailing empty cells are
    lost (a blank row is its label alone; table 四's blank row vanishes)."""
    cells = R._complete(dict(_cells(exp)), exp["template"])
    tables = build_tables(cells, exp["template"], random.Random(0))
    heads = {"二": "二、主动公开政府信息情况", "三": "三、收到和处理政府信息公开申请情况", "四": "四、政府信息公开行政复议、行政诉讼情况"}
    blank_labels = {T.row(t, r).label for t, r in (blank_rows or ()) if t == "二"}
    t4_blank = any(t == "四" for t, _ in (blank_rows or ()))  # table 四 is one row of 15
    out = [f"{exp['body']}{exp['year']}年政府信息公开工作年度报告", "一、总体情况", "本年度依法做好政府信息公开工作。"]
    for t in tables:
        out.append(heads[t.number])
        for row in t.rows:
            texts = [c.text for c in row]
            label = next((c.text for c in row if c.header is False and not re.match(r"^-?[\d.]+$", c.text)), "")
            for i, c in enumerate(row):
                if c.header or not _ZERO.match(c.text):
                    continue
                if blank_zeros or label in blank_labels or (t.number == "四" and t4_blank):
                    texts[i] = ""
            if drop_blank_cells and not any(c.header for c in row) and all(x == "" for x in texts[1:]):
                texts = texts[:1] if texts[0] else []  # a blank row: its label alone, or nothing
                if not texts:
                    continue
            out.append(" | ".join(texts))
    out += ["五、政府信息公开工作存在的主要问题及改进情况", "工作还需加强。", "六、其他需要报告的事项", "无。"]
    return "\n".join(out)


def _parse_text(stem: str, text: str):  # noqa: ANN202
    return parse_document(LoadedDocument(path=f"{stem}.txt", format="text", text=text), "0" * 64)


def _check(rep, exp: dict, strict_rows: bool = True) -> None:  # noqa: ANN001
    """Every expected cell read the same, or uncertain (0 among its candidates); never different.
    The all-zero rows of 二/四 are there, 0 and blank (with `strict_rows`). A blank cell that the
    report's own broken total turns into a computed sum (hongze 2023 表四 prints 0 beside parts)
    is the rendering's loss, as `eval.renderings.compare` allows."""
    assert (rep.meta.body, rep.meta.year, rep.meta.template) == (exp["body"], exp["year"], exp["template"])
    got = {f.key(): f for f in rep.facts}
    broken = {tuple(c) for v in exp["violations"] for c in v["cells"]}
    wrong = []
    for key, v in _cells(exp).items():
        f = got.get(key)
        if f is None:
            wrong.append((key, v, "missing"))
        elif f.uncertain:
            if f.value is not None or (f.candidates and v not in f.candidates and v == 0):
                wrong.append((key, v, "uncertain", f.value, f.candidates))
        elif abs(f.value - v) > 1e-4 * max(1.0, abs(v)) and not (f.computed and v == 0 and key in broken):
            wrong.append((key, v, f.value, f.raw))
    assert not wrong, wrong
    if strict_rows:
        for t, r in _zero_rows(exp):
            row = [f for f in rep.facts if (f.table, f.row) == (t, r)]
            assert row and all(f.value == 0 and f.blank and not f.uncertain for f in row), (t, r, row)


@pytest.mark.parametrize("stem", STEMS)
def test_html_page_with_blank_zero_rows(stem, tmp_path):
    exp = _exp(stem)
    p = tmp_path / f"{stem}.html"
    p.write_text(page_html(exp), encoding="utf-8")
    _check(parse_file(p), exp)


@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("drop", [False, True], ids=["blank_cells", "label_alone"])
def test_text_export_with_blank_zero_rows(stem, drop):
    exp = _exp(stem)
    _check(_parse_text(stem, page_text(exp, drop_blank_cells=drop)), exp)


def test_blank_row_without_the_blank_zero_convention_is_uncertain():
    """Zeros printed 0 everywhere but in 规章 and table 四: nothing shows what the blanks mean, so
    those cells are uncertain (0 the candidate), not 0 and not missing."""
    exp = _exp("hengshan_2023")
    text = page_text(exp, blank_zeros=False, blank_rows={("二", "rules"), ("四", "review")})
    assert "规章 |  |  | " in text
    rep = _parse_text("hengshan_2023", text)
    _check(rep, exp, strict_rows=False)
    blank = [f for f in rep.facts if (f.table == "二" and f.row == "rules") or f.table == "四"]
    assert len(blank) == 3 + 15
    assert all(f.uncertain and f.value is None and f.candidates == [0] for f in blank), blank
    # the printed zeros elsewhere stay printed zeros
    assert any(f.value == 0 and not f.blank for f in rep.facts if f.table == "三")


def test_absent_label_is_not_invented():
    """A report that does not print the 规章 row, or table 四 at all, gets no facts for them."""
    exp = _exp("pingtan_2022")
    text = page_text(exp, drop_blank_cells=True)
    assert "\n规章\n" in text and "\n行政强制\n" in text
    cut = text.replace("\n规章\n", "\n")
    cut = cut[: cut.index("四、政府信息公开行政复议")] + cut[cut.index("五、政府信息公开工作") :]
    rep = _parse_text("pingtan_2022", cut)
    keys = {f.key()[:2] for f in rep.facts}
    assert ("二", "rules") not in keys
    assert not any(t == "四" for t, _ in keys)
    coercion = [f for f in rep.facts if f.key()[:2] == ("二", "coercion")]
    assert [(f.value, f.blank) for f in coercion] == [(0, True)]


def test_table4_by_labelled_rows_with_a_blank_group():
    """Table 四 printed one group a row; the lawsuit groups printed blank (label alone, or label
    and empty cells): zeros, as the 表三 blanks beside numbers show the convention."""
    exp = _exp("hengshan_2023")
    text = page_text(exp, drop_blank_cells=False)
    head = text[: text.index("四、政府信息公开行政复议")]
    t4 = "\n".join(
        [
            "四、政府信息公开行政复议、行政诉讼情况",
            "类别 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计",
            "行政复议 | 2 |  |  | 1 | 3",
            "行政诉讼（未经复议直接起诉）",
            "行政诉讼（复议后起诉） |  |  |  |  | ",
            "五、政府信息公开工作存在的主要问题及改进情况",
            "无。",
        ]
    )
    rep = _parse_text("hengshan_2023", head + t4)
    got = {(f.row, f.column): (f.value, f.blank, f.uncertain) for f in rep.facts if f.table == "四"}
    assert got[("review", "upheld")] == (2, False, False)
    assert got[("review", "pending")] == (1, False, False)
    assert got[("review", "corrected")] == (0, True, False)
    for g in ("suit_direct", "suit_after_review"):
        for c in T.T4_COLUMN_ORDER:
            assert got[(g, c)] == (0, True, False), (g, c)


needs_chromium = pytest.mark.skipif(R.chromium() is None, reason="chromium not installed (scripts/system-deps.sh)")


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize(
    ("stem", "border"),
    [("hengshan_2023", True), ("hengshan_2023", False), ("shanghai_szfbgt_2019", True), ("pingtan_2022", False)],
)
def test_printed_pdf_with_blank_zero_rows(stem, border, tmp_path):
    exp = _exp(stem)
    html = tmp_path / "page.html"
    html.write_text(page_html(exp, border), encoding="utf-8")
    pdf = R.html_to_pdf(html, tmp_path / "printed.pdf")
    _check(parse_file(pdf), exp)
