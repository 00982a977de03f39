"""Figures across reports: one body's years (trend, difference, ranked years) and several bodies
(comparison, ranking), each value from its own report's cells."""

from __future__ import annotations

import re

from nianbao import template as T
from rag.compose import fmt_num, fmt_pct
from rag.factbook import CellValue, ReportFacts
from rag.factwriter import FactWriter as _Answer
from rag.factwriter import cell_label
from rag.query import Catalog, FigureRef, Query

RANK_LIMIT = 10  # a ranking lists this many bodies (all of them when there are no more)


class CompareOps:
    """Operations trend / diff / compare / rank / rank-years of FactAnswerer (mixed in)."""

    def _rank_years(self, q: Query, rfs: list[ReportFacts], out: _Answer) -> None:
        """「平潭哪年的申请量最高」: one body's years ordered by the figure."""
        if not rfs:
            return
        for fig in q.figures:
            vals, unknown = [], []
            for rf in rfs:
                cv = self._one(q, rf, fig, out)
                (unknown if cv.undecidable else vals).append(cv) if not cv.missing else None
            vals.sort(key=lambda cv: -(cv.value or 0))
            label = self._label(q, fig, vals[0] if vals else None)
            years = "、".join(str(rf.report.year) for rf in rfs)
            items = [f"{i}. {cv.report.year}年：{self._sum_phrase(cv, out)}" for i, cv in enumerate(vals, 1)]
            items += [f"- {cv.report.year}年：无法确定，未参与排序。{self._sum_phrase(cv, out)}" for cv in unknown]
            top = ""
            if vals:
                top = f"最高的是{vals[0].report.year}年（{fmt_num(vals[0].value)}{vals[0].unit}），"
                top += f"最低的是{vals[-1].report.year}年（{fmt_num(vals[-1].value)}{vals[-1].unit}）。"
                out.derived(vals[0].report, vals[0].report.year, "年", "最高的年份")
            out.line(f"{rfs[0].report.body}各年（{years}年）按「{label}」排序：\n" + "\n".join(items) + "\n\n" + top)

    def _diff(self, q: Query, rfs: list[ReportFacts], out: _Answer) -> None:
        if len(rfs) < 2:
            for rf in rfs:
                self._single(q, rf, out)
            if rfs:
                out.line(f"库中只有{rfs[0].report.body}{rfs[0].report.year}年的报告，无法由表格计算年度变化。")
            return
        a, b = rfs[0], rfs[-1]
        for va, vb in zip(self._values(q, a), self._values(q, b), strict=True):
            if va.missing or vb.missing:
                continue
            pa, pb = out.phrase(va), out.phrase(vb)
            if va.undecidable or vb.undecidable:
                out.line(f"{b.report.body}：{a.report.year}年{pa}，{b.report.year}年{pb}。")
                out.cannot_derive(b.report.body, [va, vb], "两年的变化")
                continue
            delta = (vb.value or 0) - (va.value or 0)
            line = f"{b.report.body}：{a.report.year}年{pa}，{b.report.year}年{pb}；"
            word = "增加" if delta > 0 else ("减少" if delta < 0 else "持平")
            arith = f"{fmt_num(vb.value)}-{fmt_num(va.value)}"
            out.derived(b.report, delta, va.unit, arith)
            if delta:
                line += f"{word} **{fmt_num(abs(delta))}{va.unit}**"
                if va.value:
                    pct = delta / va.value
                    out.derived(b.report, round(pct * 100, 1), "%", f"({arith})/{fmt_num(va.value)}")
                    line += f"（{'+' if pct > 0 else ''}{fmt_pct(pct)}）"
                line += "。"
            else:
                line += "两年持平。"
            out.line(line)

    def _trend(self, q: Query, rfs: list[ReportFacts], out: _Answer) -> None:
        if not rfs:
            return
        body = rfs[0].report.body
        for i, fig in enumerate(q.figures):
            items = []
            for rf in rfs:
                cv = self._one(q, rf, fig, out)
                items.append(f"- {rf.report.year}年：{self._sum_phrase(cv, out)}")
            years = "、".join(str(rf.report.year) for rf in rfs)
            head = f"{body}各年（库中有{years}年的报告）：" if i == 0 else ""
            out.line(head + "\n" + "\n".join(items))

    def _compare(
        self, q: Query, per_body: dict[str, list[ReportFacts]], out: _Answer, verdict: bool = True
    ) -> None:
        """Each body's figure; with `verdict`, also their total and which is more (bodies the
        question compares, not bodies listed because it named none)."""
        rows: list[tuple[CellValue, str]] = []
        for rfs in per_body.values():
            for rf in rfs:
                for cv in self._values(q, rf):
                    rows.append((cv, f"- {self._who(rf)}：{out.phrase(cv)}"))
        suits = [f for f in q.figures if f.table == "四" and f.row.startswith("suit")]
        if len(suits) == 2 and len(q.figures) == 2:  # 「谁的行政诉讼多」: both kinds of lawsuit, per body
            sums = []
            for rfs in per_body.values():
                for rf in rfs:
                    cvs = self._values(q, rf)
                    if any(cv.missing or cv.undecidable for cv in cvs) or len({cv.column for cv in cvs}) != 1:
                        continue
                    total = sum(cv.value or 0 for cv in cvs)
                    arith = "+".join(fmt_num(cv.value) for cv in cvs)
                    out.derived(rf.report, total, cvs[0].unit, arith)
                    sums.append((rf, total, arith))
            rows.append((None, "\n".join(f"- {self._who(rf)}行政诉讼合计 {a} = **{fmt_num(t)}件**" for rf, t, a in sums)))
            out.line("\n".join(line for _, line in rows))
            if verdict and len(sums) >= 2 and len({t for _, t, _ in sums}) > 1:
                top = max(sums, key=lambda x: x[1])
                out.line(f"行政诉讼合计最多的是{self._who(top[0])}（{fmt_num(top[1])}件）。")
            return
        out.line("\n".join(line for _, line in rows))
        if not verdict:
            return
        present = [cv for cv, _ in rows if not cv.missing and cv.value is not None]
        same = len(q.figures) == 1 and len({(cv.row, cv.column) for cv, _ in rows if not cv.missing}) == 1
        unknown = [cv for cv, _ in rows if cv.undecidable]
        if unknown and same:
            who = "、".join(dict.fromkeys(f"{cv.report.body}{cv.report.year}年" for cv in unknown))
            out.line(f"{who}的数字无法确定，无法比较多少，也不给出合计。")
            return
        if len(present) >= 2 and same:
            top = max(present, key=lambda cv: cv.value)
            low = min(present, key=lambda cv: cv.value)
            total = sum(cv.value for cv in present)
            arith = "+".join(fmt_num(cv.value) for cv in present)
            out.derived(None, total, present[0].unit, arith)
            out.line(f"合计 {arith} = **{fmt_num(total)}{present[0].unit}**。")
            if top.value != low.value:
                line = f"{top.report.body}（{fmt_num(top.value)}{top.unit}）多于{low.report.body}（{fmt_num(low.value)}{low.unit}）"
                if len(present) == 2:  # two bodies compared: by how much
                    gap = top.value - low.value
                    arith = f"{fmt_num(top.value)}−{fmt_num(low.value)}"
                    out.derived(None, gap, top.unit, arith)
                    line += f"，相差 {arith} = **{fmt_num(gap)}{top.unit}**"
                out.line(line + "。")
            else:
                out.line("两者相同。")

    def _rank(self, q: Query, catalog: Catalog, out: _Answer) -> None:
        """Bodies ranked by one figure in one year, as a SQL aggregate (FactBook.rank): only the
        reports listed are read, so a ranking costs the same at 100 reports as at 100,000."""
        year = max(q.years) if q.years else catalog.newest_year
        if year is None:
            return
        asked = set(q.bodies)
        every = len(asked) >= len(catalog.bodies) and asked.issuperset(catalog.bodies)
        # every body (「哪个单位…最多」): no IN list of the whole catalog in the SQL, and no sort of it
        named = sorted(asked) if len(asked) >= 2 and not every else []
        ascending = bool(re.search(r"最少|最低|fewest|lowest|least", q.norm))
        for fig in q.figures:
            cols = self.columns(q, fig, "2021")
            r = self.book.rank(fig.table, fig.row, year, cols[0] if fig.column or q.applicants else None,
                               bodies=named or None, limit=RANK_LIMIT, ascending=ascending, counts=False)  # fmt: skip
            first = (r.top or r.undecidable or [None])[0]
            label = cell_label(fig.table, fig.row, first.column) if first else T.row(fig.table, fig.row).short
            scope = "所问" if named and len(named) < len(catalog.bodies) else "库中共有"
            shown = [cv.report.body for cv in r.top + r.undecidable]
            who = f"（{'、'.join(shown)}）" if r.reports <= RANK_LIMIT else f"，以下列出{'最少' if ascending else '最多'}的{len(r.top)}个"
            head = f"{year}年{scope}{r.reports}个机关的报告{who}，按「{label}」{'从少到多' if ascending else ''}排序："
            items = [f"{i}. {cv.report.body}：{out.phrase(cv)}" for i, cv in enumerate(r.top, 1)]
            items += [f"- {cv.report.body}：无法确定，未参与排序。{out.phrase(cv)}" for cv in r.undecidable]
            if r.n_undecidable > len(r.undecidable):
                items.append(f"- 另有{r.n_undecidable - len(r.undecidable)}份报告的这一数字无法确定，未参与排序。")
            out.line(head + "\n" + "\n".join(items))

    def reports_for_each(self, bodies: list[str], year: int) -> list[ReportFacts]:
        reps = [r for r in (self.book.report(b, year) for b in bodies) if r is not None]
        loaded = self.book.load(reps)
        return [loaded[r.id] for r in reps]

    def _one(self, q: Query, rf: ReportFacts, fig: FigureRef, out: _Answer):  # noqa: ANN202 - CellValue | _Summed
        """One figure's value in one report: its column, or the sum of a column group (法人或其他组织)."""
        if q.column_group and fig.table == "三":
            return self._column_sum(rf, fig.row, list(T.COLUMN_GROUPS[q.column_group].columns), out)
        return self.book.get(rf, fig.table, fig.row, self.columns(q, fig, rf.report.template)[0])

    @staticmethod
    def _label(q: Query, fig: FigureRef, cv) -> str:  # noqa: ANN001
        base = T.row(fig.table, fig.row).short
        if q.column_group and fig.table == "三":
            return f"{base}（{T.COLUMN_GROUPS[q.column_group].name}）"
        col = getattr(cv, "column", None)
        return cell_label(fig.table, fig.row, col) if col else base
