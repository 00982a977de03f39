"""The printed layout of tables 二, 三, 四 as logical grids (cells with rowspan/colspan), built from
nianbao.template, so every renderer draws the same tables the official templates print."""

from __future__ import annotations

import random
from dataclasses import dataclass

from nianbao import template as T

# Print order of table 二 columns in the 2019 format (上一年项目数量 · 本年增/减 · 处理决定数量).
T2_PRINT_ORDER = (
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
)
T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


@dataclass
class LCell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


@dataclass
class LTable:
    number: str  # 二 | 三 | 四
    width: int
    rows: list[list[LCell]]  # each row lists only the cells that start in it


def fmt(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def build_tables(cells: dict, template: str, rng: random.Random) -> list[LTable]:
    return [table2(cells, template, rng), table3(cells, template), table4(cells)]


def table2(cells: dict, template: str, rng: random.Random) -> LTable:
    rows: list[list[LCell]] = []
    width = 4
    spaced = rng.random() < 0.3  # 「第二十条 第（一）项」 as some PDFs print it
    items: dict[str, list] = {}
    for r in T.T2_ROWS:
        if template in r.templates:
            items.setdefault(r.item, []).append(r)
    for item, item_rows in items.items():
        label = f"第二十条{' ' if spaced else ''}第{item}项"
        rows.append([LCell(label, colspan=width, header=True)])
        cols = sorted(T.t2_columns_for(item_rows[0].code, template), key=T2_PRINT_ORDER.index)
        rows.append(
            [LCell("信息内容", header=True)] + _spread([T.T2_COLUMNS[c].label for c in cols], width - 1, True)
        )
        for r in item_rows:
            rcols = sorted(T.t2_columns_for(r.code, template), key=T2_PRINT_ORDER.index)
            rows.append(
                [LCell(r.label)] + _spread([fmt(cells[("二", r.code, c)]) for c in rcols], width - 1, False)
            )
    return LTable("二", width, rows)


def _spread(texts: list[str], width: int, header: bool) -> list[LCell]:
    out = [LCell(t, header=header) for t in texts]
    out[-1].colspan += width - len(texts)
    return out


def table3(cells: dict, template: str) -> LTable:
    width = 10
    c = T.T3_COLUMNS
    rows = [
        [LCell(T3_NOTE, rowspan=3, colspan=3, header=True), LCell("申请人情况", colspan=7, header=True)],
        [
            LCell(c["person"].label, rowspan=2, header=True),
            LCell("法人或其他组织", colspan=5, header=True),
            LCell(c["total"].label, rowspan=2, header=True),
        ],
        [LCell(c[k].label, header=True) for k in T.T3_ORG_COLUMNS],
    ]

    def values(code: str) -> list[LCell]:
        return [LCell(fmt(cells[("三", code, k)])) for k in T.T3_COLUMN_ORDER]

    rows.append([LCell(T.row("三", "new").label, colspan=3)] + values("new"))
    rows.append([LCell(T.row("三", "carried_in").label, colspan=3)] + values("carried_in"))
    result_rows: list[list[LCell]] = []
    for code in ("granted", "partial"):
        result_rows.append([LCell(T.row("三", code).label, colspan=2)] + values(code))
    for group in ("withheld", "unavailable", "not_processed", "other_handling"):
        children = T.t3_children(group, template)
        if not children:  # 2019: （六）其他处理 is one row
            result_rows.append([LCell(T.row("三", group).label, colspan=2)] + values(group))
            continue
        for i, child in enumerate(children):
            head = [LCell(T.row("三", group).label, rowspan=len(children))] if i == 0 else []
            result_rows.append(head + [LCell(child.label)] + values(child.code))
    result_rows.append([LCell(T.row("三", "handled_total").label, colspan=2)] + values("handled_total"))
    result_rows[0].insert(0, LCell("三、本年度办理结果", rowspan=len(result_rows)))
    rows.extend(result_rows)
    rows.append([LCell(T.row("三", "carried_out").label, colspan=3)] + values("carried_out"))
    return LTable("三", width, rows)


def table4(cells: dict) -> LTable:
    cols = T.T4_COLUMN_ORDER
    labels = [T.T4_COLUMNS[k].label for k in cols]
    review, direct, after = T.T4_ROWS
    rows = [
        [LCell(review.label, colspan=5, header=True), LCell("行政诉讼", colspan=10, header=True)],
        [LCell(t, rowspan=2, header=True) for t in labels]
        + [LCell("未经复议直接起诉", colspan=5, header=True), LCell("复议后起诉", colspan=5, header=True)],
        [LCell(t, header=True) for t in labels * 2],
        [LCell(fmt(cells[("四", code, k)])) for code, k in T.T4_ORDER],
    ]
    return LTable("四", 15, rows)


def expand(table: LTable) -> list[list[str | None]]:
    """The full grid: each cell's text at its top-left position, None where a span covers."""
    grid: list[list[str | None]] = []
    covered: set[tuple[int, int]] = set()
    for i, row in enumerate(table.rows):
        line: list[str | None] = [None] * table.width
        j = 0
        for cell in row:
            while (i, j) in covered:
                j += 1
            line[j] = cell.text
            for di in range(cell.rowspan):
                for dj in range(cell.colspan):
                    covered.add((i + di, j + dj))
            j += cell.colspan
        grid.append(line)
    return grid
