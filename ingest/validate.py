"""Consistency rules (勾稽关系) over a report's facts.

Real reports break their own arithmetic. A broken rule is information for the reader, never a
reason to change a printed figure: each violation keeps the cells, the printed figure and what
the rule computes, with a plain Chinese sentence quoting both. Rule ids are nianbao.template.RULES.
Cells whose value is unknown (an ambiguous split) are skipped; computed cells are not re-checked
against the rule that computed them.
"""

from __future__ import annotations

import re

from ingest.textgrid import normalized_lines, table_region
from nianbao import template as T
from nianbao.types import Fact, Violation

Key = tuple[str, str, str]


def _fmt(v: float | None) -> str:
    if v is None:
        return "?"
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _index(facts: list[Fact]) -> dict[Key, Fact]:
    return {f.key(): f for f in facts}


def _known(idx: dict[Key, Fact], keys: list[Key]) -> bool:
    return all(k in idx and idx[k].value is not None for k in keys)


def _row_name(table: str, code: str) -> str:
    return T.row(table, code).short


def _col_name(table: str, code: str) -> str:
    return T.column(table, code).label


def _t3_leaves(idx: dict[Key, Fact], template: str) -> list[str]:
    leaves = ["granted", "partial"]
    for g in ("withheld", "unavailable", "not_processed", "other_handling"):
        kids = [r.code for r in T.t3_children(g, "2021") if ("三", r.code, "total") in idx]
        if kids:
            leaves += kids
        else:
            leaves.append(g)  # printed as one row (2019 style （六）其他处理)
    return leaves


def _sum_check(idx, rule: str, total: Key, parts: list[Key], message) -> Violation | None:
    if not _known(idx, [total, *parts]) or idx[total].computed:
        return None
    printed = idx[total].value
    expected = sum(idx[k].value for k in parts)
    if abs(printed - expected) < 1e-6:
        return None
    return Violation(rule, message(printed, expected), [total, *parts], printed, expected)


def _row_totals(idx, table: str, rows, order, rule: str, title) -> list[Violation]:  # noqa: ANN001
    """Each row's 总计 (last of `order`) against the sum of the row's other columns (R3, R4)."""
    out = []
    for r in rows:
        total = (table, r.code, order[-1])
        if total not in idx:
            continue
        parts = [(table, r.code, c) for c in order[:-1]]

        def msg(p, e, r=r, parts=parts):
            terms = " + ".join(f"{_col_name(table, k[2])}{_fmt(idx[k].value)}" for k in parts)
            return f"{title(r)}：{terms} = {_fmt(e)}，但总计印为{_fmt(p)}"

        v = _sum_check(idx, rule, total, parts, msg)
        if v:
            out.append(v)
    return out


def _r3(idx) -> list[Violation]:
    return _row_totals(
        idx, "三", T.T3_ROWS, T.T3_COLUMN_ORDER, "R3_row_sum", lambda r: f"表三「{r.short}」行"
    )


def _r4(idx) -> list[Violation]:
    return _row_totals(idx, "四", T.T4_ROWS, T.T4_COLUMN_ORDER, "R4_t4_sum", lambda r: f"表四「{r.label}」")


def _r0(idx) -> list[Violation]:
    out = []
    for g in ("withheld", "unavailable", "not_processed", "other_handling"):
        kids = [r.code for r in T.t3_children(g, "2021") if ("三", r.code, "total") in idx]
        if not kids:
            continue
        for c in T.T3_COLUMN_ORDER:
            total = ("三", g, c)
            parts = [("三", k, c) for k in kids]

            def msg(p, e, g=g, c=c, parts=parts):
                terms = " + ".join(f"{_row_name('三', k[1])}{_fmt(idx[k].value)}" for k in parts)
                return f"表三「{_col_name('三', c)}」列：{terms} = {_fmt(e)}，但「{_row_name('三', g)}」印为{_fmt(p)}"

            v = _sum_check(idx, "R0_group_sum", total, parts, msg)
            if v:
                out.append(v)
    return out


def _r1_r2(idx, template: str) -> list[Violation]:
    out = []
    leaves = _t3_leaves(idx, template)
    for c in T.T3_COLUMN_ORDER:
        col = _col_name("三", c)
        left = [("三", "new", c), ("三", "carried_in", c)]
        right = [("三", "handled_total", c), ("三", "carried_out", c)]
        if _known(idx, left + right):
            lv = sum(idx[k].value for k in left)
            rv = sum(idx[k].value for k in right)
            if abs(lv - rv) > 1e-6:
                out.append(
                    Violation(
                        "R1_balance",
                        f"表三「{col}」列：本年新收{_fmt(idx[left[0]].value)} + 上年结转{_fmt(idx[left[1]].value)} = {_fmt(lv)}，"
                        f"但办理结果总计{_fmt(idx[right[0]].value)} + 结转下年度{_fmt(idx[right[1]].value)} = {_fmt(rv)}",
                        left + right,
                        rv,
                        lv,
                    )
                )
        total = ("三", "handled_total", c)
        parts = [("三", k, c) for k in leaves]

        def msg(p, e, col=col):
            return f"表三「{col}」列：予以公开、部分公开及不予公开/无法提供/不予处理/其他处理各项之和为{_fmt(e)}，但办理结果总计印为{_fmt(p)}"

        v = _sum_check(idx, "R2_handled_sum", total, parts, msg)
        if v:
            out.append(v)
    return out


def validate(facts: list[Fact], template: str = "2021") -> list[Violation]:
    """Violations of R0–R4 within one report (R5/R6 need last year: see `cross_year`)."""
    idx = _index(facts)
    return _r1_r2(idx, template) + _r0(idx) + _r3(idx) + _r4(idx)


def cross_year(
    prev_facts: list[Fact], facts: list[Fact], prev_year: int | None = None, year: int | None = None
) -> list[Violation]:
    """R5 (this year's 上年结转 = last year's 结转下年度, every column) and the soft R6
    (现行有效 ≈ last year's 现行有效 + 制发 − 废止, table 二 （一）)."""
    prev_name = f"{prev_year}年报告" if prev_year else "上年报告"
    name = f"{year}年报告" if year else "本年报告"
    prev, cur = _index(prev_facts), _index(facts)
    out = []
    for c in T.T3_COLUMN_ORDER:
        a, b = ("三", "carried_in", c), ("三", "carried_out", c)
        if (
            a in cur
            and b in prev
            and cur[a].value is not None
            and prev[b].value is not None
            and abs(cur[a].value - prev[b].value) > 1e-6
        ):
            out.append(
                Violation(
                    "R5_carry_over",
                    f"{name}表三「{_col_name('三', c)}」列上年结转印为{_fmt(cur[a].value)}，"
                    f"但{prev_name}结转下年度为{_fmt(prev[b].value)}",
                    [a, b],
                    cur[a].value,
                    prev[b].value,
                )
            )
    for r in ("rules", "normative_docs"):
        keys = {c: ("二", r, c) for c in ("issued", "repealed", "in_force")}
        if (
            not _known(cur, list(keys.values()))
            or keys["in_force"] not in prev
            or prev[keys["in_force"]].value is None
        ):
            continue
        p_in = prev[keys["in_force"]].value
        iss, rep, now = (cur[keys[c]].value for c in ("issued", "repealed", "in_force"))
        exp = p_in + iss - rep
        if abs(exp - now) > 1e-6:
            out.append(
                Violation(
                    "R6_in_force",
                    f"{name}表二「{T.row('二', r).label}」现行有效印为{_fmt(now)}，而{prev_name}现行有效{_fmt(p_in)} + "
                    f"本年制发{_fmt(iss)} − 本年废止{_fmt(rep)} = {_fmt(exp)}（软规则，可能有清理或口径差异）",
                    list(keys.values()),
                    now,
                    exp,
                    severity="info",
                )
            )
    return out


# ------------------------------------------------------------------------------ R7 text vs table
_END = r"[^。；！？\d]"
_RECEIVED = re.compile(rf"(?:收到|受理|新收)({_END}{{0,24}}?)(\d+)件(申请)?((?:、{_END}{{0,10}}?\d+件)*)")
_MORE = re.compile(r"(\d+)件")
_GRANTED_PARTIAL = re.compile(rf"(?:予以公开|公开)(?:及|和|与|、)部分公开{_END}{{0,4}}?(\d+)件")
# applicant columns as reports print them beside a 收到 figure (template labels; 其他 is too vague)
_APPLICANT_LABELS = [(c, T.T3_COLUMNS[c].label) for c in T.T3_COLUMN_ORDER if c not in ("other_org", "total")]
_REVIEW = re.compile(rf"行政复议(?:案件)?{_END}{{0,4}}?(\d+)件")
_SUIT = re.compile(rf"行政诉讼(?:案件)?{_END}{{0,4}}?(\d+)件")


def _received_vs_table(
    quote: str, printed: float, new: float, carried: float | None, col: str, label: str = ""
) -> Violation:
    """R7: the narrative's count of requests received against table 三's 本年新收 (one column); a
    text figure equal to 新收 + 上年结转 is a different basis, said so."""
    extra = ""
    if carried is not None and printed == new + carried:
        extra = f"；正文数字等于本年新收{_fmt(new)} + 上年结转{_fmt(carried)}，应为统计口径不同"
    what = f"表三本年新收申请（{label}）为" if label else "表三本年新收申请总计为"
    return Violation(
        "R7_text_table",
        f"正文称「{quote}」，{what}{_fmt(new)}件{extra}",
        [("三", "new", col), ("三", "carried_in", col)],
        printed,
        new,
        severity="info",
    )


def _sentence(text: str, start: int, end: int) -> str:
    a = max(text.rfind(p, 0, start) for p in "。；\n") + 1
    ends = [i for i in (text.find(p, end) for p in "。；\n") if i >= 0]
    b = min(ends) + 1 if ends else len(text)
    return text[a:b].replace("\n", "").strip()


def narrative_text(text: str) -> str:
    """The report's normalized text with the tables cut out (so table digits never count as narrative)."""
    lines = list(normalized_lines(text))
    region = table_region(lines)
    if region is None:
        return "\n".join(lines)
    first, col, last, end_col = region
    head = lines[:first] + [lines[first][:col]]
    tail = [lines[last][end_col:]] + lines[last + 1 :]
    return "\n".join(head + tail)


def text_vs_table(text: str, facts: list[Fact]) -> list[Violation]:
    """R7 (severity info): figures the narrative states — 收到/受理申请N件, 行政复议N件, 行政诉讼N件 —
    that differ from the table cells, quoting both. `text` is the report's original text."""
    idx = _index(facts)
    narrative = narrative_text(text)
    out: list[Violation] = []
    seen: set[tuple[str, float]] = set()

    def cell(k):
        return idx[k].value if k in idx and idx[k].value is not None else None

    new, carried = cell(("三", "new", "total")), cell(("三", "carried_in", "total"))
    for m in _RECEIVED.finditer(narrative):
        if "申请" not in m.group(1) and not m.group(3):
            continue
        fig = int(m.group(2)) + sum(int(x) for x in _MORE.findall(m.group(4) or ""))
        if new is None or fig == new or ("new", fig) in seen:
            continue
        seen.add(("new", fig))
        out.append(_received_vs_table(_sentence(narrative, m.start(), m.end()), fig, new, carried, "total"))
    for m in _RECEIVED.finditer(narrative):
        # 「涉及自然人72件、商业企业3件」 in a 收到 sentence: each applicant column against its cell
        if "申请" not in m.group(1) and not m.group(3):
            continue
        sentence = _sentence(narrative, m.start(), m.end())
        for col, label in _APPLICANT_LABELS:
            am = re.search(re.escape(label) + r"(\d+)件", sentence)
            cnew, ccar = cell(("三", "new", col)), cell(("三", "carried_in", col))
            if not am or cnew is None or int(am.group(1)) == cnew or (col, int(am.group(1))) in seen:
                continue
            afig = int(am.group(1))
            seen.add((col, afig))
            out.append(_received_vs_table(sentence, afig, cnew, ccar, col, label))
    granted, partial = cell(("三", "granted", "total")), cell(("三", "partial", "total"))
    for m in _GRANTED_PARTIAL.finditer(narrative):
        fig = int(m.group(1))
        if granted is None or partial is None or fig == granted + partial or ("gp", fig) in seen:
            continue
        seen.add(("gp", fig))
        out.append(
            Violation(
                "R7_text_table",
                f"正文称「{_sentence(narrative, m.start(), m.end())}」，表三予以公开{_fmt(granted)}件 + "
                f"部分公开{_fmt(partial)}件 = {_fmt(granted + partial)}件",
                [("三", "granted", "total"), ("三", "partial", "total")],
                fig,
                granted + partial,
                severity="info",
            )
        )
    checks = [
        (_REVIEW, "review", [("四", "review", "total")], "行政复议"),
        (_SUIT, "suit", [("四", "suit_direct", "total"), ("四", "suit_after_review", "total")], "行政诉讼"),
    ]
    for rx, tag, keys, name in checks:
        vals = [cell(k) for k in keys]
        if any(v is None for v in vals):
            continue
        table_v = sum(vals)
        for m in rx.finditer(narrative):
            fig = int(m.group(1))
            if fig == table_v or (tag, fig) in seen:
                continue
            seen.add((tag, fig))
            quote = _sentence(narrative, m.start(), m.end())
            out.append(
                Violation(
                    "R7_text_table",
                    f"正文称「{quote}」，表四{name}总计为{_fmt(table_v)}件",
                    keys,
                    fig,
                    table_v,
                    severity="info",
                )
            )
    return out
