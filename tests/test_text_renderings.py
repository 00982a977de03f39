"""Text tables in the renderings real text extractions produce: the same facts.

Each real report's hand-read facts (tests/data/expected/) are printed back as a plain-text report
in the national form's wording, then mangled the way PDF/Word/web text extraction mangles tables:
long labels split over two lines (the figures on the first or the second line), labels detached
from their figures, figures separated by spaces instead of ` | `, an extra leading 「三、本年度办理
结果」 cell on every result row, applicant column headers lost (数据1 … 数据6). Every rendering must
parse to exactly the expected facts: the rows are found by their labels and the columns by the
template's fixed order, and the arithmetic (R1–R4) must hold for the reading that is kept.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.parse import parse_document
from nianbao import template as T
from nianbao.types import LoadedDocument

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = ROOT / "tests" / "data" / "expected"
STEMS = sorted(p.stem for p in EXPECTED.glob("*.json"))

T3_HEAD = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
LOST_HEAD = ["数据1", "数据2", "数据3", "数据4", "数据5", "数据6", "总计"]
T2_BLOCKS = [
    ("（一）", ["rules", "normative_docs"]),
    ("（五）", ["licensing", "other_services"]),
    ("（六）", ["penalty", "coercion"]),
    ("（八）", ["fees"]),
    ("（九）", ["procurement"]),
]
RESULT_ROWS = {r.code for r in T.T3_ROWS if r.code not in ("new", "carried_in", "carried_out")}


# The national forms print table 二 columns in this order (2019: 上一年项目数量 · 本年增/减 · 处理决定数量).
PRINT_ORDER = [
    "issued",
    "repealed",
    "in_force",
    "made",
    "published",
    "total_public",
    "prev_items",
    "change",
    "decisions",
    "items",
    "amount",
]


def _print_order(cols) -> list[str]:  # noqa: ANN001
    return sorted(cols, key=PRINT_ORDER.index)


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v}"


def _cells(exp: dict) -> dict[tuple[str, str, str], float]:
    return {(f["table"], f["row"], f["column"]): f["value"] for f in exp["facts"]}


def _split_label(label: str) -> tuple[str, str]:
    """A long label broken where a narrow table cell would wrap it."""
    cut = max(4, len(label) * 3 // 5)
    return label[:cut], label[cut:]


def render(exp: dict, style: set[str]) -> str:
    """The report as plain text in one combination of mangling styles."""
    cells = _cells(exp)
    template = exp["template"]
    sep = " " if "spaces" in style else " | "
    out = [
        f"{exp['body']}",
        f"{exp['year']}年政府信息公开工作年度报告",
        "一、总体情况",
        "本年度依法做好政府信息公开工作，现将有关情况报告如下。",
        "二、主动公开政府信息情况",
    ]

    def row(label: str, values: list[str], long_ok: bool = True) -> None:
        figures = sep.join(values)
        if "split" in style and long_ok and len(label) >= 14:
            a, b = _split_label(label)
            if "figures_first" in style:
                out.extend([f"{a}{sep}{figures}", b])
            else:
                out.extend([a, f"{b}{sep}{figures}"])
        elif "detached" in style:
            out.extend([label, figures])
        else:
            out.append(f"{label}{sep}{figures}")

    for item, codes in T2_BLOCKS:
        present = [c for c in codes if any(k[:2] == ("二", c) for k in cells)]
        if not present:
            continue
        cols = _print_order(T.t2_columns_for(present[0], template))
        out.append(f"第二十条第{item}项")
        out.append("信息内容" + sep + sep.join(T.column("二", c).label for c in cols))
        for code in present:
            cols = _print_order(T.t2_columns_for(code, template))
            row(T.row("二", code).label, [_num(cells[("二", code, c)]) for c in cols], long_ok=False)
    out.append("三、收到和处理政府信息公开申请情况")
    out.append("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）" + sep + "申请人情况")
    out.append(sep.join(LOST_HEAD if "lost_headers" in style else T3_HEAD))
    rows3 = {k[1] for k in cells if k[0] == "三"}
    group = None
    for r in T.T3_ROWS:
        if r.code not in rows3 and not (r.group and any(c.code in rows3 for c in T.t3_children(r.code))):
            continue
        label = r.label
        if r.group and r.code not in rows3:
            group = label  # printed in front of its first child, as merged cells extract
            continue
        if r.parent and group:
            label, group = group + label, None
        if "leading_cell" in style and r.code in RESULT_ROWS | {c.code for c in T.T3_ROWS if c.parent}:
            label = "三、本年度办理结果" + sep + label
        row(label, [_num(cells[("三", r.code, c)]) for c in T.T3_COLUMN_ORDER])
    out.append("四、政府信息公开行政复议、行政诉讼情况")
    out.append("行政复议" + sep + "行政诉讼")
    out.append(
        sep.join(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"])
    )
    out.append(sep.join(_num(cells[("四", r, c)]) for r, c in T.T4_ORDER))
    out += [
        "五、政府信息公开工作存在的主要问题及改进情况",
        "存在的问题是工作还需加强。",
        "六、其他需要报告的事项",
        "无。",
    ]
    return "\n".join(out)


STYLES = [
    set(),
    {"split"},
    {"split", "figures_first"},
    {"detached"},
    {"spaces"},
    {"spaces", "split"},
    {"leading_cell"},
    {"lost_headers"},
    {"lost_headers", "leading_cell", "split"},
    {"spaces", "detached", "lost_headers"},
]


@pytest.mark.parametrize("stem", STEMS)
@pytest.mark.parametrize("style", STYLES, ids=lambda s: "+".join(sorted(s)) or "plain")
def test_rendering_reads_the_expected_facts(stem, style):
    exp = json.loads((EXPECTED / f"{stem}.json").read_text(encoding="utf-8"))
    text = render(exp, style)
    rep = parse_document(LoadedDocument(path=f"{stem}.txt", format="text", text=text), "0" * 64)
    assert (rep.meta.body, rep.meta.year, rep.meta.template) == (exp["body"], exp["year"], exp["template"])
    got = {f.key(): f for f in rep.facts}
    wrong = []
    for key, value in _cells(exp).items():
        f = got.get(key)
        if f is None or f.value != value or f.uncertain:
            wrong.append((key, value, None if f is None else (f.value, f.raw, f.uncertain)))
    assert not wrong, f"{len(wrong)} cells: {wrong[:8]}\n{text[:0]}"
