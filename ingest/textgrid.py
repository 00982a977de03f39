"""Table rows out of plain text and loader grids, in one shape.

Three sources look different but carry the same thing — a label and the numbers after it:
- ` | ` rows (mirror copies): each line is a grid row, with empty placeholder cells;
- crawler text: the whole table on one line, labels and digit runs alternating, cells run
  together (`一、本年新收…数量713000074二、上年结转…`);
- loader grids (HTML/PDF/DOCX): rows of cells, merged cells repeated or None.
Each becomes a `RawRow(label, cells)`; `ingest.tables` reads rows without caring where they came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ingest import labels
from nianbao.template import T2_COLUMNS
from nianbao.text import normalize_document, normalize_line
from nianbao.types import Grid

# A numeric cell: digits with thousands separators / decimals, or a dash meaning "none".
_NUMERIC_CELL = re.compile(r"^\s*(?:-?\d[\d,]*(?:\.\d+)?\s*(?:万元|元)?|[-—–/]|－)\s*$")
# A money unit printed right after a figure (`251000元`): the figure is in that unit.
UNIT_SUFFIX = re.compile(r"\s*(万元|元)$")
_BLANKISH = re.compile(r"^\s*(?:[-—–/]|－)?\s*$")
_BLANK_ROW = re.compile(r"^\s*\|?(?:[ \t　]*\|){4,}[ \t　]*$")  # `|  |  |  |  |`: 5+ empty cells
# A digit run in crawler text (cells separated by spaces or not at all).
_DIGIT_RUN = re.compile(r"-?\d[\d.,]*(?:(?:[ \t]+|(?=-\d))-?\d[\d.,]*)*")
# An item number that belongs to the next label (`00000002.其他法律…` -> `0000000` + `2.`).
_ITEM_PREFIX = re.compile(r"(\d)[.、．]$")
_LONE_ITEM = re.compile(r"^\d[.、．]$")
_SUB_ITEM = re.compile(r"\d[.、．]")
_AUTO_HEADER = re.compile(r"(?:数据|列|字段|[Cc]olumn|[Cc]ol)\s*\d{1,2}(?!\d)")
_REGION_START = re.compile(r"二\s*、\s*主动公开政府信息|第二十条\s*第")
_REGION_END = re.compile(
    r"[五六]\s*[、.]\s*(?:政府信息公开工作)?(?:存在的?主要问题|主要问题|存在问题|其他需要报告)"
)


@dataclass
class RawRow:
    """One printed table row: its label (normalized; `label_orig` as printed) and its cell texts.
    `joined` is True when cell separators may be missing (crawler text), so one cell text can
    hold several numbers."""

    label: str
    cells: list[str] = field(default_factory=list)
    label_orig: str = ""
    page: int | None = None
    line: int | None = None
    joined: bool = False
    unit: str = ""  # a money unit printed after the row's figures (`…32.52元`), else ""


def is_numeric_cell(cell: str) -> bool:
    return bool(_NUMERIC_CELL.match(cell))


def _row_from_cells(norm: list[str], orig: list[str], page: int | None, line: int | None) -> RawRow:
    """Label = the text cells; cells = everything after the last text cell."""
    last_text = -1
    for i, c in enumerate(norm):
        if c.strip() and not is_numeric_cell(c):
            last_text = i
    keep = [i for i in range(last_text + 1) if norm[i].strip() and not is_numeric_cell(norm[i])]
    keep = [i for k, i in enumerate(keep) if k == 0 or norm[i] != norm[keep[k - 1]]]  # merged cells repeat
    label = "".join(norm[i] for i in keep)
    label_orig = " ".join(orig[i].strip() for i in keep)
    cells = [c.strip() for c in norm[last_text + 1 :]]
    return RawRow(label, cells, label_orig, page, line)


def rows_from_grids(grids: list[Grid]) -> list[RawRow]:
    """Rows of every loader grid, in document order (a table split over pages is several grids)."""
    out: list[RawRow] = []
    for g in grids:
        for k, row in enumerate(g.rows):
            orig = ["" if c is None else str(c) for c in row]
            norm = [normalize_line(c.replace("\n", "")) if c else "" for c in orig]
            r = _row_from_cells(norm, orig, g.page, (g.line + k) if g.line else None)
            if r.label or any(r.cells) or len(r.cells) >= 5:  # all-blank rows: see ingest.tables
                out.append(r)
    return out


def _rows_from_run(line_norm: str, lineno: int) -> list[RawRow]:
    """Crawler text: alternate labels and digit runs; a trailing item number goes to the next label."""
    out: list[RawRow] = []
    label_start, carry = 0, ""
    for m in _DIGIT_RUN.finditer(line_norm):
        label = carry + line_norm[label_start : m.start()]
        run = m.group(0)
        carry = ""
        label_start = m.end()
        nxt = line_norm[m.end() : m.end() + 1]
        pm = _ITEM_PREFIX.search(run)
        if pm and ((nxt and not nxt.isspace()) or (not nxt.strip() and _LONE_ITEM.match(run))):
            # `…00000002.其他法律…`, or a line ending `（三）不予公开1.` whose item goes on the next line
            # `…00000002.其他法律` : the last digit is the next label's item number
            carry = run[pm.start() :]
            run = run[: pm.start()]
        elif run.endswith((".", ",")):
            run = run[:-1]
        if not run.strip():
            carry = label + carry
            continue
        unit = next((u for u in ("万元", "元") if line_norm.startswith(u, m.end())), "")
        label = label.strip()
        out.append(RawRow(label, run.split(), display_label(label), None, lineno, joined=True, unit=unit))
    tail = carry + line_norm[label_start:]
    if tail.strip():
        out.append(RawRow(tail.strip(), [], tail.strip(), None, lineno, joined=True))
    return out


@lru_cache(maxsize=1)
def _header_end() -> re.Pattern:
    words = sorted({a for c in T2_COLUMNS.values() for a in c.aliases} | {"信息内容"}, key=len, reverse=True)
    t2 = "|".join(re.escape(w) + r"(?:（[^（）]{0,12}）)?" for w in words)
    t3 = r"(?:自然人|商业企业|科研机构|社会公益组织|法律服务机构|其他|总计|申请人情况)(?=[一二三四]、|（[一二三四五六七]）)"
    return re.compile(f"(?:{t2}|{t3})")


def display_label(label: str) -> str:
    """A crawler row's label without the table headers run into it (「…现行有效件数规章」 -> 「规章」,
    「…法律服务机构其他一、本年新收…」 -> 「一、本年新收…」): the label cited to users. Matching keeps
    the whole label (the headers tell the template and the columns)."""
    last = None
    for m in _header_end().finditer(label):
        last = m
    if last is None or len(label) - last.end() < 2:
        return label
    return label[last.end() :]


def table_region(lines_norm: list[str]) -> tuple[int, int, int, int] | None:
    """Where the tables are: (first line, start column, last line, end column), from
    「二、主动公开」/「第二十条」 to the heading of section 五 (or 六); None when absent."""
    for i, ln in enumerate(lines_norm):
        m = _REGION_START.search(ln)
        if m:
            first, col = i, m.start()
            break
    else:
        return None
    for i in range(first, len(lines_norm)):
        m = _REGION_END.search(lines_norm[i], col if i == first else 0)
        if m:
            return first, col, i, m.start()
    return first, col, len(lines_norm) - 1, len(lines_norm[-1])


def normalized_lines(text: str) -> tuple[str, ...]:
    """The text's lines in matching form: the lines of the document's one normalized form
    (`nianbao.text.normalize_document`, cached), so tables, evidence and R7 read the same text."""
    return normalize_document(text).lines


def _match_end(label: str, group: str | None) -> int | None:
    """Where the template row a label names ends in it (table 三 in the group in force, else 二);
    None if it names none."""
    m = labels.match_row(label, "三", group) or labels.match_row(label, "二")
    return None if m is None else m.end


def _merged(a: RawRow, b: RawRow, cells_from: RawRow) -> RawRow:
    label = labels.compact(a.label) + labels.compact(b.label)
    orig = (a.label_orig + b.label_orig).strip()
    c = cells_from
    return RawRow(label, c.cells, orig, c.page, a.line or b.line, c.joined, c.unit)


def join_split_labels(rows: list[RawRow]) -> list[RawRow]:
    """Text extraction breaks long labels over lines and detaches labels from their figures:
    「（二）部分公开（区分处理的，只计这一情形，不」 / 「计其他情形） | 4 | 0 …」 (figures after the
    label's end), 「一、本年新收政府信 | 21 …」 / 「息公开申请数量」 (figures on the first line), or a
    label alone above a line of figures. A label-only line joins the figures row above it when that
    row's label names no template row (or ends in an item number, 「（三）不予公开1.」) and the joined
    label names one through the added text; otherwise it joins the figures row below it when that
    row's own label names none and the joined label does. A row that names its own template row
    never gains or loses a label, so figures are never moved from one label to another."""
    out: list[RawRow] = []
    group: str | None = None  # the table 三 group in force (「3.其他」 means a row only inside one)
    for r in rows:
        prev = out[-1] if out else None
        if r.cells:
            if (
                prev is not None
                and not prev.cells
                and _match_end(r.label, group) is None
                and labels.table_marker(r.label) is None
                and labels.table_marker(prev.label) not in ("二", "四", "end")
                and _match_end(labels.compact(prev.label) + labels.compact(r.label), group) is not None
            ):
                out[-1] = _merged(prev, r, r)
                group = labels.group_context(out[-1].label, group)
                continue
            out.append(r)
            group = labels.group_context(r.label, group)
            continue
        if prev is not None and prev.cells and labels.table_marker(r.label) is None:
            head = labels.compact(prev.label)
            own, end = _match_end(head, group), _match_end(head + labels.compact(r.label), group)
            # incomplete: names no row, or goes on past its row into a sub-item (「（四）无法提供1.本机关」)
            incomplete = own is None or bool(_SUB_ITEM.search(head, own))
            if incomplete and end is not None and end > len(head):
                out[-1] = _merged(prev, r, prev)
                group = labels.group_context(out[-1].label, group)
                continue
        out.append(r)
        group = labels.group_context(r.label, group)
    return out


def rows_from_text(text: str, lines_norm: tuple[str, ...] | list[str] | None = None) -> list[RawRow]:
    """Rows of the tables in plain text (` | ` rows or run-together crawler text)."""
    lines = text.split("\n")
    if lines_norm is None:
        lines_norm = normalized_lines(text)
    region = table_region(lines_norm)
    if region is None:
        return []
    first, col, last, end_col = region
    out: list[RawRow] = []
    for i in range(first, last + 1):
        norm, orig = lines_norm[i], lines[i]
        if i == last:
            norm = norm[:end_col]
        if i == first:
            norm = norm[col:]
        if not norm.strip():
            if _BLANK_ROW.match(orig) and i not in (first, last):
                # a row printed with every cell blank (`|  |  |  |`), which normalization empties:
                # its blank cells, so table 四's one row of zeros left blank is still a row
                out.append(RawRow("", [c.strip() for c in orig.split("|")], "", None, i + 1))
            continue
        if len(_AUTO_HEADER.findall(norm)) >= 3:
            # column headers lost and renamed by the extraction tool (数据1 … 数据6): a header row,
            # the columns are read in the template's fixed order
            out.append(RawRow(norm.replace("|", ""), [], orig, None, i + 1))
        elif "|" in norm:
            ncells = norm.split("|")
            ocells = orig.split("|")
            if len(ocells) != len(ncells):
                ocells = ncells
            out.append(_row_from_cells(ncells, ocells, None, i + 1))
        else:
            out.extend(_rows_from_run(norm, i + 1))
    return join_split_labels(out)
