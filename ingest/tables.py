"""Tables 二, 三, 四 -> facts (one typed row per printed cell).

Rows come from `ingest.textgrid` (plain text or loader grids) and are read by a small state
machine: headers announce the table, labels are matched to template codes by `ingest.labels`,
and the numbers are read (and, for run-together text, split) by `ingest.split`. Every printed cell
of tables 二, 三 and 四 becomes a `Fact` with its provenance; table 三 group rows (（三）…（六）) are
added as computed sums of their children. Values are kept as printed: checking them is
`ingest.validate`'s job, except that an ambiguous split may be settled by the column rules.

Rows printed with no number at all (reports that leave zeros blank, issue 13) are rows of the
template all the same: a table 二/三 row's label with blank cells or alone, a table 四 group's label
alone, table 四's one row of 15 blank cells, or — where text and geometry lose empty cells — table
四's column headers with no number under them. Where the report's own rows print numbers beside
blank cells, such a row is 0 (`blank=True`); where nothing shows what its blanks mean, its cells are
uncertain with 0 the candidate. A row whose label is not printed is never made up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import product

from ingest import labels, referee
from ingest.normalize import clean_original
from ingest.split import SplitOutcome, candidates_note, complete_splits, parse_number, split_row
from ingest.textgrid import UNIT_SUFFIX, RawRow, rows_from_grids, rows_from_text
from nianbao import template as T
from nianbao.types import Fact, LoadedDocument, Section

_T4_SIZES = (5, 5, 5)
_CHILD_AFTER = re.compile(r"\d{1,2}\s*[.、．]")  # an item number after a group label
_BLANK = {"", "-", "—", "–", "/", "－", "——"}


@dataclass
class TableResult:
    facts: list[Fact]
    template: str  # "2021" | "2019"
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Cell:
    value: float | None
    raw: str
    blank: bool = False
    computed: bool = False
    uncertain: bool = False
    note: str = ""
    # an ambiguous row's candidate splits (Fact.splits) and this cell's index in them
    splits: list[tuple[float, ...]] = field(default_factory=list)
    pos: int | None = None
    cands: list[float] = field(default_factory=list)  # the values this cell takes in those splits
    unit: str = ""  # a unit printed in the cell itself (`251000元`), overriding the column's


@dataclass
class _ReadRow:
    """One table row read into cells, plus the split candidates when it was ambiguous."""

    row: RawRow
    cells: list[_Cell]
    candidates: list[tuple[float, ...]] = field(default_factory=list)


# ------------------------------------------------------------------------------ reading cells
def _trim(cells: list[str], n: int) -> list[str]:
    cells = list(cells)
    while len(cells) > n and cells[-1].strip() == "":
        cells.pop()
    while len(cells) > n and cells[0].strip() == "":
        cells.pop(0)
    return cells


def _collapse_repeats(cells: list[str], n: int) -> list[str]:
    """Grids repeat a merged cell across the columns it spans (`447228 447228 447228`); collapse
    runs of equal cells when that gives exactly the expected count."""
    out = [c for i, c in enumerate(cells) if i == 0 or c != cells[i - 1]]
    return out if len(out) == n else cells


def _from_outcome(out: SplitOutcome, n: int) -> tuple[list[_Cell], list[tuple[float, ...]]]:
    if out.values is not None:
        note = out.note if out.split else ""
        return [_Cell(v, out.raw if out.split else str(v), note=note) for v in out.values], []
    return [
        _Cell(
            None,
            out.raw,
            uncertain=True,
            note=out.note,
            splits=complete_splits(out.candidates),
            pos=i,
            cands=_values_at(out.candidates, i),
        )
        for i in range(n)
    ], out.candidates


def _values_at(candidates: list[tuple[float, ...]], i: int) -> list[float]:
    """This cell's distinct values across a row's candidate splits, in candidate order."""
    out: list[float] = []
    for c in candidates:
        if i < len(c) and c[i] not in out:
            out.append(c[i])
    return out


def read_cells(
    row: RawRow, sizes: tuple[int, ...], sum_last: bool
) -> tuple[list[_Cell], list[tuple[float, ...]]]:
    """The row's `sum(sizes)` cells. Separated cells are read as printed (blank -> 0, a blank group
    total -> computed); run-together digits are split with the sum rule."""
    n = sum(sizes)
    if not row.joined:
        cells = _trim(row.cells, n)
        if len(cells) > n:
            cells = _collapse_repeats(cells, n)
        if len(cells) == n:
            out = []
            for c in cells:
                t = c.strip()
                if t in _BLANK:
                    out.append(_Cell(0, t, blank=True))
                    continue
                unit = UNIT_SUFFIX.search(t)
                v = parse_number(t[: unit.start()] if unit else t)
                if v is None:
                    break
                out.append(_Cell(v, t, unit=unit.group(1) if unit else ""))
            else:
                _fill_blank_totals(out, sizes if sum_last else ())
                return out, []
        tokens = [tok for c in cells for tok in c.split()]
        out = split_row(tokens, sizes, sum_last)
        if out.values is not None and out.split and not sum_last and len(tokens) < n:
            # separated cells, some missing (trailing blanks dropped): cutting a printed cell's digits
            # (「35」 -> 3, 5) is a guess no rule checks — the cell may as well be 35 beside a blank
            padded = [parse_number(t) for t in tokens]
            cands = list(out.candidates)
            if all(v is not None for v in padded):
                cands.append((*padded, *[0] * (n - len(padded))))
            out = SplitOutcome(None, cands, out.raw, split=True,
                               note=f"分隔的单元格只有{len(tokens)}个，少于应有的{n}个，「{out.raw}」的拆分无法验证")  # fmt: skip
        return _from_outcome(out, n)
    return _from_outcome(split_row(row.cells, sizes, sum_last), n)


def _fill_blank_totals(cells: list[_Cell], sizes: tuple[int, ...]) -> None:
    """A blank 总计 is not 0: it is the sum of its group, computed."""
    i = 0
    for size in sizes:
        total = cells[i + size - 1]
        if total.blank and not all(c.blank for c in cells[i : i + size]):
            total.value = sum(c.value or 0 for c in cells[i : i + size - 1])
            total.blank, total.computed = False, True
            total.note = "总计栏空白，按同行各项之和计算"
        i += size


# ------------------------------------------------------------------------------ state machine
@dataclass
class _Tables:
    t2: dict[str, tuple[RawRow, tuple[str, ...]]] = field(default_factory=dict)
    t3: dict[str, RawRow] = field(default_factory=dict)
    t3_blank: dict[str, RawRow] = field(default_factory=dict)  # rows printed with every cell blank
    t4_rows: list[RawRow] = field(default_factory=list)
    t4_blank: list[RawRow] = field(default_factory=list)
    # rows printed with no number at all (issue 13: zeros left blank): a table 二 row's label with
    # blank cells or none, a table 四 group's label alone; and whether table 四's column headers
    # (结果维持 …) were printed, which label its one row of 15 numbers
    t2_blank: dict[str, tuple[RawRow, tuple[str, ...]]] = field(default_factory=dict)
    t4_label_only: list[RawRow] = field(default_factory=list)
    t4_header: bool = False
    t2_headers: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)


def _collect(rows: list[RawRow]) -> _Tables:
    st = _Tables()
    table: str | None = None
    group: str | None = None
    t2_cols: list[str] = []
    for r in rows:
        marker = labels.table_marker(r.label)
        if marker == "end":
            if st.seen:
                break
            continue
        if marker in ("二", "三", "四") and not (marker == "二" and table in ("三", "四") and not r.cells):
            if marker != table:
                group = None
            table = marker
            st.seen.add(marker)
        if table is None or table == "二":
            cols = labels.t2_columns(r.label)
            if cols:
                t2_cols = cols
                st.t2_headers.append(r.label)
            m = labels.match_row(r.label, "二")
            if m and any(c.strip() for c in r.cells):
                table = "二"
                st.seen.add("二")
                st.t2.setdefault(m.row.code, (r, tuple(t2_cols)))
                continue
            if m and table == "二" and _only_label(r, m):
                st.t2_blank.setdefault(m.row.code, (r, tuple(t2_cols)))
                continue
            m3 = labels.match_row(r.label, "三", group)
            if m3 is None or not r.cells:
                continue
            table = "三"
            st.seen.add("三")
        if table == "三":
            m = labels.match_row(r.label, "三", group)
            group = labels.group_context(r.label, group)
            if m is None:
                continue
            if m.row.group:
                group = m.row.code
                if _CHILD_AFTER.match(labels.compact(r.label)[m.end :]):
                    continue  # 「（五）不予处理4.…」: a child whose own words were not recognised
            elif m.row.parent is None:
                group = None
            else:  # a child named by its own words puts us in its group (the group label may be lost)
                group = m.row.parent
            if any(c.strip() for c in r.cells):
                st.t3.setdefault(m.row.code, r)
            elif (len(r.cells) >= 7 and not r.joined) or (
                (not m.row.group or m.row.code == "other_handling") and _only_label(r, m)
            ):
                st.t3_blank.setdefault(m.row.code, r)  # cells printed blank, or the label alone
            continue
        if table == "四" and any(c.strip() for c in r.cells):
            st.t4_rows.append(r)
        elif table == "四" and len(r.cells) >= 5 and not r.joined:
            st.t4_blank.append(r)  # printed all blank: zeros if the report leaves zeros blank
        elif table == "四" and not r.cells:
            m4 = labels.match_row(r.label, "四")
            if m4 is not None and _only_label(r, m4):
                st.t4_label_only.append(r)  # 「行政复议」 alone: a group row printed blank, or a header
            elif any(w in labels.compact(r.label) for w in _T4_HEADER_WORDS):
                st.t4_header = True
    return st


_T4_HEADER_WORDS = ("结果维持", "结果纠正", "尚未审结")
_LABEL_NOISE = re.compile(r"[\s（）()、.．:：|“”\"‘’「」，,]|第二十条|第[（(][一二三四五六七八九][）)]项|\d")


def _only_label(r: RawRow, m: labels.RowMatch) -> bool:
    """The row is its template label and nothing else, with no number: a row printed blank
    (「规章 |  |  | 」, 「规章」 alone in text or geometry). Blank cells only; a label that also
    carries other words (narrative, a header run into it) is not a row."""
    if any(c.strip() for c in r.cells):
        return False
    text = labels.compact(r.label)
    own = [m.row.label] + ([T.row(m.row.table, m.row.parent).label] if m.row.parent else [])
    rest = text
    for words in (*own, "三、本年度办理结果"):
        rest = rest.replace(labels.compact(words), "")
    if rest == text:  # the row named by an alias (「未经复议直接起诉」)
        rest = text[: m.start] + text[m.end :]
    rest = _LABEL_NOISE.sub("", rest)
    return rest == "" or any(rest in labels.compact(w) for w in own)


# ------------------------------------------------------------------------------ facts
def _fact(
    table: str, row: T.Row, col: T.Column, cell: _Cell, src: RawRow | None, row_label: str = ""
) -> Fact:
    return Fact(
        table=table,
        row=row.code,
        column=col.code,
        value=cell.value,
        unit=cell.unit
        or (src.unit if src and src.unit and col.unit == "万元" else "")
        or (col.unit if table == "二" else "件"),
        raw=cell.raw,
        row_label=clean_original(row_label or (src.label_orig if src else row.label) or row.label),
        column_label=col.label,
        page=src.page if src else None,
        line=src.line if src else None,
        blank=cell.blank,
        computed=cell.computed,
        uncertain=cell.uncertain,
        note="；".join(n for n in (cell.note, candidates_note(cell.splits, cell.pos)) if n),
        candidates=list(cell.cands),
        splits=list(cell.splits),
        split_pos=cell.pos if cell.splits else None,
    )


# Narrative statements that can settle an ambiguous table 二 split:
# 「现行有效行政规范性文件698件」「制发的规范性文件88件」.
_T2_EVIDENCE = {
    "issued": ("制发", "印发", "出台"),
    "repealed": ("废止",),
    "in_force": ("现行有效",),
}
_EVIDENCE_RE = {
    col: re.compile(rf"(?:{'|'.join(words)})([^。；;\d]{{0,16}}?)(\d+)件")
    for col, words in _T2_EVIDENCE.items()
}


def narrative_evidence(text_norm: str) -> dict[tuple[str, str], set[int]]:
    """(row, column) -> numbers the narrative states for it (table 二 （一） only)."""
    out: dict[tuple[str, str], set[int]] = {}
    for col, rx in _EVIDENCE_RE.items():
        for m in rx.finditer(text_norm):
            between = m.group(1)
            for row in T.T2_ROWS[:2]:
                if any(a in between for a in row.aliases):
                    out.setdefault((row.code, col), set()).add(int(m.group(2)))
                    break
    return out


def _settle_t2(code: str, cols: tuple[str, ...], cells: list[_Cell], cands, evidence) -> list[_Cell]:
    """Pick the one candidate split that the narrative confirms best (at least one figure)."""
    if not cands or not evidence:
        return cells
    scored = []
    for cand in cands:
        score = sum(1 for col, v in zip(cols, cand, strict=True) if v in evidence.get((code, col), ()))
        scored.append((score, cand))
    scored.sort(key=lambda sc: -sc[0])
    if scored[0][0] == 0:
        return cells
    raw = cells[0].raw
    top = [cand for score, cand in scored if score == scored[0][0]]
    if len(top) == 1:
        note = f"连写数字「{raw}」有{len(cands)}种拆分，按正文所述数字确定"
        return [_Cell(v, raw, note=note) for v in top[0]]
    # Several splits agree with the narrative: a cell on which they all agree is decided (the
    # narrative states it and the digits allow it); the others stay uncertain among those splits.
    out = []
    for i in range(len(cells)):
        values = {cand[i] for cand in top}
        if len(values) == 1:
            out.append(
                _Cell(
                    values.pop(), raw, note=f"连写数字「{raw}」有{len(cands)}种拆分，本栏按正文所述数字确定"
                )
            )
        else:
            note = f"连写数字「{raw}」有{len(cands)}种拆分，正文所述数字之外仍有{len(top)}种，无法确定"
            out.append(
                _Cell(None, raw, uncertain=True, note=note, splits=complete_splits(top), pos=i, cands=_values_at(top, i))
            )
    return out


def _t2_facts(st: _Tables, template: str, warnings: list[str], evidence) -> list[Fact]:
    facts = []
    # rows printed with their label and no number, where the table is otherwise read
    blank = {c: v for c, v in st.t2_blank.items() if c not in st.t2} if st.t2 else {}
    zero = _zero_convention(st)
    for code, (raw, printed_cols) in [*st.t2.items(), *blank.items()]:
        row = T.row("二", code)
        cols = tuple(c for c in printed_cols if c in row.columns) if printed_cols else ()
        if not cols or len(cols) != len(printed_cols):
            cols = T.t2_columns_for(code, template)
        if not cols:
            continue
        if code in blank:
            cells = _blank_cells(len(cols), zero)
            if not zero:
                warnings.append(f"表二「{row.label}」：{cells[0].note}")
            for col_code, cell in zip(cols, cells, strict=True):
                facts.append(_fact("二", row, T.column("二", col_code), cell, raw))
            continue
        cells, cands = read_cells(raw, (len(cols),), sum_last=False)
        cells = _settle_t2(code, cols, cells, cands, evidence)
        if any(c.uncertain for c in cells):
            warnings.append(f"表二「{row.label}」：{cells[0].note}")
        for col_code, cell in zip(cols, cells, strict=True):
            facts.append(_fact("二", row, T.column("二", col_code), cell, raw))
    return facts


def _t3_equations(
    template: str, printed_groups: set[str], single_other: bool
) -> list[tuple[str, list[str], list[str]]]:
    """Column equations of table 三 as (rule, left rows, right rows): sum(left) = sum(right)."""
    leaves = ["granted", "partial"]
    for g in ("withheld", "unavailable", "not_processed", "other_handling"):
        if g == "other_handling" and single_other:
            leaves.append(g)
            continue
        leaves += [r.code for r in T.t3_children(g, template)]
    eqs = [
        ("R1_balance", ["new", "carried_in"], ["handled_total", "carried_out"]),
        ("R2_handled_sum", ["handled_total"], leaves),
    ]
    for g in printed_groups:
        eqs.append(("R0_group_sum", [g], [r.code for r in T.t3_children(g, template)]))
    return eqs


def _eqs_hold(read: dict[str, list[float | None]], eqs) -> bool | None:
    """True when every equation whose rows are all known holds in every column; None if none could be checked."""
    checked = False
    for _rule, left, right in eqs:
        rows = left + right
        if any(r not in read or any(v is None for v in read[r]) for r in rows):
            continue
        checked = True
        for k in range(7):
            if sum(read[r][k] for r in left) != sum(read[r][k] for r in right):
                return False
    return True if checked else None


def _resolve_t3(read: dict[str, _ReadRow], eqs, warnings: list[str]) -> None:
    """Settle ambiguous run-together rows with the column rules (R1/R2): try every combination of
    the ambiguous rows' candidate splits; when exactly one combination makes every checkable
    column equation hold, take it (and say so in each cell's note)."""
    ambiguous = [c for c, rr in read.items() if rr.candidates]
    if ambiguous:
        base = {c: [x.value for x in rr.cells] for c, rr in read.items() if not rr.candidates}
        sizes = [len(read[c].candidates) for c in ambiguous]
        total = 1
        for n in sizes:
            total *= n
        if total <= 4096:
            good = []
            for combo in product(*(read[c].candidates for c in ambiguous)):
                trial = dict(base)
                trial.update({c: list(v) for c, v in zip(ambiguous, combo, strict=True)})
                if _eqs_hold(trial, eqs):
                    good.append(combo)
                    if len(good) > 1:
                        break
            if len(good) == 1:
                for code, cand in zip(ambiguous, good[0], strict=True):
                    rr = read[code]
                    raw = rr.cells[0].raw
                    note = f"连写数字「{raw}」按行合计有{len(rr.candidates)}种拆分，按列合计规则（R1/R2）确定为唯一一种"
                    rr.cells = [_Cell(v, raw, note=note) for v in cand]
                    rr.candidates = []
    for code, rr in read.items():
        if rr.candidates or any(c.uncertain for c in rr.cells):
            warnings.append(f"表三「{T.row('三', code).label}」：{rr.cells[0].note}")


def _blanks_mean_zero(rows) -> bool:  # noqa: ANN001
    """The report leaves zeros blank: some row prints numbers beside blank cells."""
    for r in rows:
        if r.joined:
            continue
        cells = [c.strip() for c in r.cells]
        if any(c in _BLANK for c in cells) and any(c not in _BLANK for c in cells):
            return True
    return False


def _zero_convention(st: _Tables) -> bool:
    """Whether this report prints zeros as blank cells, decided from its own rows of 二, 三 and
    四 (numbers printed beside blank cells): then a row printed with no number is a row of zeros;
    otherwise such a row is uncertain."""
    return _blanks_mean_zero([r for r, _ in st.t2.values()] + list(st.t3.values()) + st.t4_rows)


def _blank_cells(n: int, zero: bool) -> list[_Cell]:
    """The cells of a row printed with no number: 0 (blank) where the report leaves zeros blank,
    else uncertain with 0 the one candidate."""
    if zero:
        return [_Cell(0, "", blank=True, note="整行空白，本报告以空白表示0") for _ in range(n)]
    note = "整行空白，本报告未见以空白表示0的做法，无法确定是否为0"
    return [_Cell(None, "", blank=True, uncertain=True, note=note, cands=[0]) for _ in range(n)]


def _t3_facts(st: _Tables, template: str, warnings: list[str]) -> list[Fact]:
    read: dict[str, _ReadRow] = {}
    if st.t3_blank and _zero_convention(st):
        # a row printed all blank in a table whose zeros are blank: a row of zeros
        for code, raw in st.t3_blank.items():
            kids = {c.code for c in T.t3_children(code, "2021")}
            if kids & (st.t3.keys() | st.t3_blank.keys()):
                continue  # a group label above its children (（六）其他处理 is a row only in 2019)
            st.t3.setdefault(code, raw)
    for code, raw in st.t3.items():
        if not any(c.strip() for c in raw.cells):
            read[code] = _ReadRow(raw, _blank_cells(7, True))
            continue
        cells, cands = read_cells(raw, (7,), sum_last=True)
        read[code] = _ReadRow(raw, cells, cands)
    single_other = "other_handling" in read and not any(
        c.code in read for c in T.t3_children("other_handling", "2021")
    )
    printed_groups = {g for g in ("withheld", "unavailable", "not_processed") if g in read}
    if "other_handling" in read and not single_other:
        printed_groups.add("other_handling")
    _resolve_t3(read, _t3_equations(template, printed_groups, single_other), warnings)

    facts: list[Fact] = []
    cols = [T.column("三", c) for c in T.T3_COLUMN_ORDER]
    for row in T.T3_ROWS:
        rr = read.get(row.code)
        if rr is not None:
            for col, cell in zip(cols, rr.cells, strict=True):
                facts.append(_fact("三", row, col, cell, rr.row))
            continue
        if row.group:
            kids = [read[c.code] for c in T.t3_children(row.code, "2021") if c.code in read]
            if not kids:
                continue
            incomplete = len(kids) < len(T.t3_children(row.code, template))
            for k, col in enumerate(cols):
                vals = [kid.cells[k].value for kid in kids]
                unknown = incomplete or any(v is None for v in vals)  # a missing child: no sum
                cell = _Cell(
                    None if unknown else sum(vals),
                    "",
                    computed=True,
                    uncertain=unknown,
                    note="分组行未单独印出，按其各子项之和计算",
                )
                facts.append(_fact("三", row, col, cell, kids[0].row, row_label=row.label))
    missing = [
        r.label
        for r in T.t3_leaf_rows(template)
        if r.code not in read and not (r.parent == "other_handling" and single_other)
    ]
    if read and missing:
        warnings.append("表三缺少以下行：" + "、".join(missing))
    return facts


def _t4_by_label(rows: list[RawRow], blank: list[RawRow]) -> dict[str, RawRow] | None:
    """Table 四 printed as labelled rows (「行政复议 | 10 | 1 | 0 | 0 | 11」…), in any order: each row
    with numbers names a different group; `blank` rows (a group's label with no number) fill the
    groups printed blank. None for the usual one-row layout."""
    if not rows:
        return None
    out: dict[str, RawRow] = {}
    for r in rows:
        m = labels.match_row(r.label, "四")
        if m is None or m.row.code in out:
            return None
        out[m.row.code] = r
    if len(out) == 1 and (len(r.cells) > 5 or r.joined):
        return None  # one labelled run of numbers: the one-row layout, read as 15
    for r in blank:
        m = labels.match_row(r.label, "四")
        if m is not None and _only_label(r, m):
            out.setdefault(m.row.code, r)
    return out if len(out) >= 2 else None


def _t4_labelled(by_label: dict[str, RawRow], warnings: list[str], zero: bool) -> list[Fact]:
    facts = []
    for row in T.T4_ROWS:
        raw = by_label.get(row.code)
        if raw is None:
            continue
        if not any(c.strip() for c in raw.cells):  # the group printed blank
            cells = _blank_cells(5, zero)
            for col_code, cell in zip(T.T4_COLUMN_ORDER, cells, strict=True):
                facts.append(_fact("四", row, T.column("四", col_code), cell, raw))
            continue
        cells, cands = read_cells(raw, (5,), sum_last=True)
        if cands or any(c.uncertain for c in cells):
            warnings.append(f"表四「{row.label}」：{cells[0].note}")
        for col_code, cell in zip(T.T4_COLUMN_ORDER, cells, strict=True):
            facts.append(_fact("四", row, T.column("四", col_code), cell, raw))
    return facts


def _t4_facts(st: _Tables, warnings: list[str]) -> list[Fact]:
    zero = _zero_convention(st)
    by_label = _t4_by_label(st.t4_rows, st.t4_blank + st.t4_label_only)
    if by_label:
        return _t4_labelled(by_label, warnings, zero)
    if not st.t4_rows:
        # the one row of 15 printed all blank (its empty cells kept by the grid), or — where
        # text and geometry lose empty cells — table 四's column headers with no number under
        # them, in a report whose other tables were read
        src = st.t4_blank[0] if st.t4_blank else None
        if src is None and not (st.t4_header and "四" in st.seen and (st.t2 or st.t3)):
            return []
        if not zero:
            warnings.append("表四：整行空白，本报告未见以空白表示0的做法，无法确定是否为0")
        facts = []
        for (row_code, col_code), cell in zip(T.T4_ORDER, _blank_cells(15, zero), strict=True):
            row = T.row("四", row_code)
            facts.append(_fact("四", row, T.column("四", col_code), cell, src, row_label=row.label))
        return facts
    first = st.t4_rows[0]
    joined = any(r.joined for r in st.t4_rows)
    cells_txt = [c for r in st.t4_rows for c in r.cells]
    merged = RawRow(
        "", cells_txt if joined else _trim(cells_txt, 15), first.label_orig, first.page, first.line, joined
    )
    cells, cands = read_cells(merged, _T4_SIZES, sum_last=True)
    if cands or any(c.uncertain for c in cells):
        warnings.append(f"表四：{cells[0].note}")
    facts = []
    for (row_code, col_code), cell in zip(T.T4_ORDER, cells, strict=True):
        row = T.row("四", row_code)
        facts.append(_fact("四", row, T.column("四", col_code), cell, merged, row_label=row.label))
    return facts


def _detect_template(st: _Tables) -> str:
    return labels.detect_template(st.t2_headers, st.t3.keys()) or "2021"


def facts_from_rows(rows: list[RawRow], evidence: dict | None = None) -> TableResult:
    """Facts of tables 二, 三, 四 from table rows in document order; `evidence` (from
    `narrative_evidence`) may settle ambiguous table 二 splits."""
    st = _collect(rows)
    template = _detect_template(st)
    warnings: list[str] = []
    facts = (
        _t2_facts(st, template, warnings, evidence or {})
        + _t3_facts(st, template, warnings)
        + _t4_facts(st, warnings)
    )
    for t in ("二", "三", "四"):
        if not any(f.table == t for f in facts):
            warnings.append(f"未找到表{t}")
    return TableResult(facts, template, warnings)


def _score(res: TableResult) -> int:
    return sum(1 for f in res.facts if f.value is not None and not f.computed)


def extract_facts(doc: LoadedDocument, sections: list[Section] | None = None) -> TableResult:
    """Every cell of tables 二, 三, 四 in `doc`: from the loader's grids when it found tables (PDF,
    HTML, DOCX), else — or when the grids read worse — from the text itself. PDFs have a third
    reading, by geometry (`doc.layout_grids`); there the arithmetic referees between readings
    table by table (`ingest.referee`), and OCR'd cells the rules cannot confirm are uncertain."""
    lines_norm = doc.normalized.lines
    evidence = narrative_evidence("\n".join(lines_norm))
    if doc.layout_grids:
        return _refereed(doc, lines_norm, evidence)
    best: TableResult | None = None
    if doc.grids:
        best = facts_from_rows(rows_from_grids(doc.grids), evidence)
    if best is None or _score(best) < 200:
        res = facts_from_rows(rows_from_text(doc.text, lines_norm), evidence)
        if best is None or _score(res) > _score(best):
            best = res
    facts = referee.slid_columns(best.facts, best.template)
    best.facts = referee.orphan_groups(referee.blanks_in_broken_rules(facts, best.template), best.template)
    return best


def _refereed(doc: LoadedDocument, lines_norm, evidence) -> TableResult:  # noqa: ANN001
    readings = []
    for name, rows in (
        ("grids", rows_from_grids(doc.grids) if doc.grids else None),
        ("layout", rows_from_grids(doc.layout_grids)),
        ("text", rows_from_text(doc.text, lines_norm) if not doc.ocr_pages else None),
    ):
        if rows:
            res = facts_from_rows(rows, evidence)
            facts = referee.attach_ocr(res.facts, doc.layout_grids) if name == "layout" else res.facts
            readings.append(referee.Reading(name, facts, res.template, res.warnings))
    if not readings:
        return facts_from_rows([], evidence)
    chosen, _ = referee.choose(readings)
    facts = referee.dispute(chosen.facts, chosen.template, readings)
    facts = referee.slid_columns(facts, chosen.template)
    facts = referee.blanks_in_broken_rules(facts, chosen.template)
    facts = referee.orphan_groups(facts, chosen.template)
    facts = referee.check_ocr(facts, chosen.template)
    warnings = list(chosen.warnings)
    n_ocr = sum(1 for f in facts if f.source == "ocr" and f.uncertain)
    if n_ocr:
        warnings.append(f"OCR识别：{n_ocr}个单元格置信度不足且无法由勾稽关系核对，标为不确定")
    return TableResult(facts, chosen.template, warnings)


__all__ = ["TableResult", "extract_facts", "facts_from_rows", "read_cells"]
