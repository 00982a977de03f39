"""Arithmetic as the referee between readings of one report's tables.

A PDF's tables can be read three ways — its ruled grids, its words placed by geometry
(`ingest.geotable`), its extracted text — and each can fail differently (collapsed blank cells,
a missed rule, an OCR misread). The template's rules (R0–R4, `ingest.validate`) decide:
- per table, the reading that decides the most cells no broken rule challenges wins, then the
  one breaking fewer rules, then the first (ruled grids, geometry, text: most to least structure);
- a rule the winner breaks, where another reading gives the cells other values, is the parse's
  doing, not the report's: those cells become uncertain, with every reading kept as candidates;
  where every reading agrees, the report itself is inconsistent and the violation stands;
- a whole column equal to its neighbour while a rule fails is a slid column: uncertain;
- a blank cell (read as 0) in a rule that fails may be a lost figure: uncertain;
- OCR'd cells carry the recogniser's confidence; a cell that is not confirmed by a rule that
  holds (changing it would break that rule) and not read with high confidence is uncertain.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ingest.geotable import is_number
from ingest.labels import compact
from ingest.validate import validate
from nianbao import template as T
from nianbao.types import Fact, Grid, Violation

Key = tuple[str, str, str]
HIGH_CONFIDENCE = 0.95  # OCR reads at least this sure stand without a rule to confirm them
_CHECKED_RULES = ("R0_group_sum", "R1_balance", "R2_handled_sum", "R3_row_sum", "R4_t4_sum")


@dataclass
class Reading:
    name: str  # "grids" | "layout" | "text"
    facts: list[Fact]
    template: str
    warnings: list[str]


def _table_of(v: Violation) -> str | None:
    tables = {c[0] for c in v.cells}
    return tables.pop() if len(tables) == 1 else None


def _score(reading: Reading, table: str, violations: list[Violation]) -> tuple[int, int]:
    """(decided cells no broken rule challenges, broken rules): more of the first is better,
    then fewer of the second. A reading that decides nothing never wins by breaking nothing."""
    broken = [v for v in violations if _table_of(v) == table and v.rule in _CHECKED_RULES]
    challenged = {c for v in broken for c in v.cells}
    decided = sum(
        1
        for f in reading.facts
        if f.table == table and f.value is not None and not f.computed and f.key() not in challenged
    )
    return decided, len(broken)


def choose(readings: list[Reading]) -> tuple[Reading, dict[str, str]]:
    """One reading combined table by table (see module docstring), and which reading each table
    came from."""
    readings = [r for r in readings if r is not None]
    viols = [validate(r.facts, r.template) for r in readings]
    picked: dict[str, int] = {}
    for table in T.TABLES:
        have = [i for i, r in enumerate(readings) if any(f.table == table for f in r.facts)]
        if not have:
            continue
        def rank(i: int, table: str = table) -> tuple[int, int, int]:
            decided, broken = _score(readings[i], table, viols[i])
            return -decided, broken, i

        picked[table] = min(have, key=rank)
    facts: list[Fact] = []
    warnings: list[str] = []
    for table in T.TABLES:
        if table not in picked:
            warnings.append(f"未找到表{table}")
            continue
        r = readings[picked[table]]
        facts += [f for f in r.facts if f.table == table]
        warnings += [w for w in r.warnings if w.startswith(f"表{table}")]
    t2 = picked.get("二", picked.get("三", 0)) if readings else 0
    template = readings[t2].template if readings else "2021"
    combined = Reading("+".join(sorted({readings[i].name for i in picked.values()})), facts, template, warnings)
    return combined, {t: readings[i].name for t, i in picked.items()}


def _uncertain(f: Fact, candidates: list[float], why: str) -> Fact:
    cands = []
    for c in candidates:
        if c is not None and c not in cands:
            cands.append(c)
    head, rest = "", f.note
    if f.source == "ocr" and rest.startswith("OCR"):  # where the cell was read stays first
        head, _, rest = rest.partition("；")
    note = "；".join(n for n in (head, why, rest) if n)
    return replace(f, value=None, uncertain=True, candidates=cands, note=note)


def dispute(chosen: list[Fact], template: str, readings: list[Reading]) -> list[Fact]:
    """Cells in broken rules that another reading reads differently: the parse, not the report."""
    idx = {f.key(): f for f in chosen}
    others = [{f.key(): f for f in r.facts} for r in readings]
    out: dict[Key, Fact] = {}
    for v in validate(chosen, template):
        if v.rule not in _CHECKED_RULES:
            continue
        for key in v.cells:
            f = idx.get(key)
            if f is None or f.value is None or f.computed:
                continue
            alts = [o[key].value for o in others if key in o and o[key].value is not None]
            if any(a != f.value for a in alts):
                out[key] = _uncertain(
                    f, [f.value, *alts], "各种读法的数字不一致，且本表勾稽关系不成立，无法确定"
                )
    return [out.get(f.key(), f) for f in chosen]


def slid_columns(facts: list[Fact], template: str) -> list[Fact]:
    """Table 三 columns that repeat their left neighbour in every row while a rule fails: the
    numbers slid one column (blank cells collapsed), so neither column can be trusted."""
    idx = {f.key(): f for f in facts if f.table == "三"}
    rows = sorted({k[1] for k in idx})
    cols = T.T3_COLUMN_ORDER
    broken: set[Key] | None = None  # validated only when a column repeats (rare)
    bad: set[Key] = set()
    for a, b in zip(cols, cols[1:], strict=False):
        pairs = [(idx.get(("三", r, a)), idx.get(("三", r, b))) for r in rows]
        pairs = [(x, y) for x, y in pairs if x and y and x.value is not None and y.value is not None]
        if len(pairs) < 3 or not any(x.value for x, _ in pairs):
            continue
        if not all(x.value == y.value for x, y in pairs):
            continue
        if broken is None:
            broken = {c for v in validate(facts, template) if v.rule in _CHECKED_RULES for c in v.cells}
        if any(x.key() in broken or y.key() in broken for x, y in pairs):
            for x, y in pairs:
                if not (x.computed or x.blank):
                    bad.add(x.key())
                if not (y.computed or y.blank):
                    bad.add(y.key())
    if not bad:
        return facts
    why = "整列数字与相邻一列完全相同且勾稽关系不成立，疑为空白单元格造成的错列"
    return [_uncertain(f, [f.value], why) if f.key() in bad else f for f in facts]


def blanks_in_broken_rules(facts: list[Fact], template: str) -> list[Fact]:
    """A blank cell is read as 0 because the report leaves zeros blank; where a rule it takes part
    in fails, the blank may be a lost figure instead (a label the parse did not place, a cell the
    text lost), so it is uncertain, with 0 kept as a candidate."""
    if not any(f.blank for f in facts):
        return facts
    broken = {c for v in validate(facts, template) if v.rule in _CHECKED_RULES for c in v.cells}
    why = "空白单元格按0计，但所在勾稽关系不成立，无法确定是否为0"
    return [_uncertain(f, [0], why) if f.blank and f.key() in broken else f for f in facts]


def orphan_groups(facts: list[Fact], template: str) -> list[Fact]:
    """A table 三 group row ((三)不予公开 …) printed with figures while none of its child rows was
    read: the 2021 layouts print the group label beside its children, so the figures are a
    child's whose own label was not recognised; they cannot stand as the group's total.
    (（六）其他处理 is printed as one row of its own in the 2019 template and in many 2021 reports.)"""
    present = {f.row for f in facts if f.table == "三"}
    bad = {
        g
        for g in ("withheld", "unavailable", "not_processed")  # （六）其他处理 is often one row of its own
        if g in present
        and T.t3_children(g, template)
        and not any(c.code in present for c in T.t3_children(g, template))
    }
    why = "分组行印有数字但其各子项均未读出，数字应属某一子项，不能作为分组合计"
    return [
        _uncertain(f, [f.value], why) if f.table == "三" and f.row in bad and not f.computed else f for f in facts
    ]


# ------------------------------------------------------------------------------ OCR confidence
def ocr_note(page: int | None) -> str:
    """How a citation names an OCR'd cell (the fact store keeps notes; see Fact.source)."""
    return f"OCR，第{page}页" if page else "OCR"


def attach_ocr(facts: list[Fact], grids: list[Grid]) -> list[Fact]:
    """Mark facts read from OCR'd grids (source "ocr", the cell's confidence), matching each fact
    to its grid row by page and label and to its cell by the column's place in the row."""
    rows: dict[tuple[int | None, str], list[float | None]] = {}
    for g in grids:
        if g.source != "ocr" or g.conf is None:
            continue
        for cells, confs in zip(g.rows, g.conf, strict=True):
            labelled = bool(cells) and bool(cells[0].strip()) and not is_number(cells[0])
            nums = confs[1:] if labelled else confs
            if len(cells) > 1 or not labelled:
                rows.setdefault((g.page, compact(cells[0]) if labelled else ""), nums)
    if not rows:
        return facts
    ocr_pages = {g.page for g in grids if g.source == "ocr"}
    out = []
    for f in facts:
        if f.page not in ocr_pages:
            out.append(f)
            continue
        conf = _conf_of(f, rows)
        note = "；".join(n for n in (ocr_note(f.page), f.note) if n)
        out.append(replace(f, source="ocr", confidence=conf, note=note))
    return out


def _conf_of(f: Fact, rows: dict) -> float | None:  # noqa: ANN001
    if f.table == "三":
        order = list(T.T3_COLUMN_ORDER)
    elif f.table == "四":
        order = [f"{r}/{c}" for r, c in T.T4_ORDER]
        key = f"{f.row}/{f.column}"
        confs = rows.get((f.page, compact(f.row_label))) or rows.get((f.page, ""))
        if confs is None:
            return None
        if len(confs) == len(order):
            return confs[order.index(key)]
        if len(confs) == len(T.T4_COLUMN_ORDER):
            return confs[list(T.T4_COLUMN_ORDER).index(f.column)]
        return None
    else:
        confs = rows.get((f.page, compact(f.row_label)))
        if confs is None:
            return None
        cols = list(T.t2_columns_for(f.row, "2021")) + list(T.t2_columns_for(f.row, "2019"))
        k = cols.index(f.column) if f.column in cols else -1
        return confs[k] if 0 <= k < len(confs) else (confs[0] if len(confs) == 1 else None)
    confs = rows.get((f.page, compact(f.row_label)))
    if confs is None or len(confs) != len(order):
        return None
    return confs[order.index(f.column)]


def _confirmed(facts: list[Fact], template: str, key: Key, base: int) -> bool:
    """True when the cell sits in a rule that holds: changing it breaks a rule."""
    trial = [replace(f, value=f.value + 1) if f.key() == key else f for f in facts]
    return len(validate(trial, template)) > base


def check_ocr(facts: list[Fact], template: str) -> list[Fact]:
    """OCR'd cells the arithmetic does not confirm, read with less than high confidence (or
    found blank), are uncertain — the reading kept as the candidate."""
    viols = validate(facts, template)
    base = len(viols)
    broken = {c for v in viols if v.rule in _CHECKED_RULES for c in v.cells}
    out = []
    for f in facts:
        if f.source != "ocr" or f.value is None or f.computed:
            out.append(f)
            continue
        conf = f.confidence if f.confidence is not None else (0.9 if f.blank else 0.0)
        if conf >= HIGH_CONFIDENCE and f.key() not in broken:
            out.append(f)
            continue
        if _confirmed(facts, template, f.key(), base):
            out.append(replace(f, note="；".join(n for n in (f.note, f"OCR识别（置信度{conf:.2f}），经勾稽关系核对") if n)))
            continue
        out.append(_uncertain(f, [f.value], f"OCR识别置信度{conf:.2f}，勾稽关系无法核对，未采信"))
    return out
