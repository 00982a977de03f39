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

from nianbao.text import normalize_document, normalize_line
from nianbao.types import Grid

# A numeric cell: digits with thousands separators / decimals, or a dash meaning "none".
_NUMERIC_CELL = re.compile(r"^\s*(?:-?\d[\d,]*(?:\.\d+)?\s*(?:万元|元)?|[-—–/]|－)\s*$")
# A money unit printed right after a figure (`251000元`): the figure is in that unit.
UNIT_SUFFIX = re.compile(r"\s*(万元|元)$")
_BLANKISH = re.compile(r"^\s*(?:[-—–/]|－)?\s*$")
# A digit run in crawler text (cells separated by spaces or not at all).
_DIGIT_RUN = re.compile(r"-?\d[\d.,]*(?:(?:[ \t]+|(?=-\d))-?\d[\d.,]*)*")
# An item number that belongs to the next label (`00000002.其他法律…` -> `0000000` + `2.`).
_ITEM_PREFIX = re.compile(r"(\d)[.、．]$")
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
            if r.label or any(r.cells):
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
        if pm and nxt and not nxt.isspace():
            # `…00000002.其他法律` : the last digit is the next label's item number
            carry = run[pm.start() :]
            run = run[: pm.start()]
        elif run.endswith((".", ",")):
            run = run[:-1]
        if not run.strip():
            carry = label + carry
            continue
        unit = next((u for u in ("万元", "元") if line_norm.startswith(u, m.end())), "")
        out.append(RawRow(label.strip(), run.split(), label.strip(), None, lineno, joined=True, unit=unit))
    tail = carry + line_norm[label_start:]
    if tail.strip():
        out.append(RawRow(tail.strip(), [], tail.strip(), None, lineno, joined=True))
    return out


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
            continue
        if "|" in norm:
            ncells = norm.split("|")
            ocells = orig.split("|")
            if len(ocells) != len(ncells):
                ocells = ncells
            out.append(_row_from_cells(ncells, ocells, None, i + 1))
        else:
            out.extend(_rows_from_run(norm, i + 1))
    return out
