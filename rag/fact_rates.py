"""Arithmetic on cells: sums, shares and the template's derived measures (nianbao.template.MEASURES),
with the arithmetic shown and no figure derived from a cell that cannot be read for certain."""

from __future__ import annotations

from nianbao import template as T
from rag.compose import fmt_num, fmt_pct
from rag.factbook import CellValue, ReportFacts
from rag.factwriter import FactWriter as _Answer
from rag.factwriter import Summed as _Summed
from rag.factwriter import cell_label
from rag.query import Catalog, Query

SMALL_SAMPLE = 30  # below this many cases a rate says little (TEMPLATE.md)
_BASE_ROWS = {"handled_total", "new"}  # rows a share is taken of when a question names them
_HANDLED_PARTS = set(T.T3_OUTCOME_ROWS)


class RateOps:
    """Operations sum / share / measure of FactAnswerer (mixed in)."""

    def _sum(self, q: Query, rfs: list[ReportFacts], out: _Answer) -> None:
        cvs = [cv for rf in rfs for cv in self._values(q, rf) if not cv.missing]
        if not cvs:
            return
        phrases = "、".join((f"{cv.report.year}年" if len(rfs) > 1 else "") + out.phrase(cv) for cv in cvs)
        total = sum(cv.value or 0 for cv in cvs)
        arith = "+".join(fmt_num(cv.value) for cv in cvs)
        unit = cvs[0].unit
        who = rfs[0].report.body + ("" if len(rfs) > 1 else f"{rfs[0].report.year}年")
        years = f"{rfs[0].report.year}—{rfs[-1].report.year}年：" if len(rfs) > 1 else ""
        if any(cv.undecidable for cv in cvs):
            out.line(f"{who}{years}{phrases}。")
            out.cannot_derive(who + years, cvs, "合计")
            return
        out.derived(rfs[-1].report, total, unit, arith)
        out.line(f"{who}{years}{phrases}，合计 {arith} = **{fmt_num(total)}{unit}**。")

    def _denominator(self, q: Query, cv: CellValue, rf: ReportFacts) -> CellValue | None:
        meta = T.row(cv.table, cv.row)
        if cv.table == "三" and cv.column != "total":
            return self.book.get(rf, "三", cv.row, "total")
        if cv.table == "三" and meta.parent:
            return self.book.get(rf, "三", meta.parent, cv.column)
        if cv.table == "三" and cv.row in _HANDLED_PARTS:
            return self.book.get(rf, "三", "handled_total", cv.column)
        if cv.table == "四" and cv.column != "total":
            return self.book.get(rf, "四", cv.row, "total")
        return None

    def _ratio_line(
        self, rf: ReportFacts, out: _Answer, nums: list[CellValue], den: CellValue, name: str
    ) -> float | None:
        phr = "、".join(out.phrase(cv) for cv in nums)
        den_phr = out.phrase(den)
        num = sum(cv.value or 0 for cv in nums)
        arith = "+".join(fmt_num(cv.value) for cv in nums)
        arith = f"({arith})" if len(nums) > 1 else arith
        if any(cv.undecidable for cv in [*nums, den]):
            out.line(f"{self._who(rf)}{phr}，{den_phr}。")
            out.cannot_derive(self._who(rf), [*nums, den], name)
            return None
        if not den.value:
            out.line(f"{self._who(rf)}{phr}，{den_phr}，分母为0，无法计算{name}。")
            return None
        ratio = num / den.value
        out.derived(rf.report, round(ratio * 100, 1), "%", f"{arith}/{fmt_num(den.value)}")
        line = (
            f"{self._who(rf)}{phr}，{den_phr}；{name} = {arith}/{fmt_num(den.value)} ≈ **{fmt_pct(ratio)}**。"
        )
        if den.value < SMALL_SAMPLE:
            line += f"（仅{fmt_num(den.value)}件，样本很小，比率参考意义有限。）"
        out.line(line)
        return ratio

    def _share(self, q: Query, rf: ReportFacts, out: _Answer) -> None:
        nums = [cv for cv in self._values(q, rf) if not cv.missing]
        if not nums:
            return
        den = None
        if len(nums) >= 2 and nums[-1].row in _BASE_ROWS and nums[-1].row != nums[0].row:
            # 「不予公开占办结总数的比例」: a base row named last (never a column of the same row)
            den, nums = nums[-1], nums[:-1]
        den = den or self._denominator(q, nums[0], rf)
        if den is None or den.missing:
            self._single(q, rf, out)
            return
        self._ratio_line(rf, out, nums, den, f"占{cell_label(den.table, den.row, den.column)}的比例")

    def _measures(self, q: Query, catalog: Catalog, out: _Answer) -> None:
        """A derived rate for each body and year asked; several bodies are also ordered."""
        bodies = self.bodies(q, catalog)
        if not bodies and q.operation == "rank":
            bodies = sorted(catalog.bodies)
        results: list[tuple[ReportFacts, float]] = []
        undecided: list[ReportFacts] = []
        for b in bodies:
            for rf in self.reports_for(b, self.years_for(q, catalog, b)):
                n = len(out.lines)
                rates = self._measure(q, rf, out)
                results.extend((rf, r) for r in rates)
                if not rates and any("无法确定" in line for line in out.lines[n:]):
                    undecided.append(rf)
        if len({rf.report.body for rf, _ in results} | {rf.report.body for rf in undecided}) > 1:
            name = T.MEASURES[q.measure].name
            ordered = sorted(results, key=lambda x: -x[1])
            line = f"按{name}从高到低：" + " > ".join(f"{self._who(rf)}{fmt_pct(r)}" for rf, r in ordered)
            if undecided:
                line += "；" + "、".join(self._who(rf) for rf in undecided) + "：无法确定（未参与排序）"
            out.line(line + "。")

    def _measure(self, q: Query, rf: ReportFacts, out: _Answer) -> list[float]:
        rates: list[float] = []
        m = T.MEASURES[q.measure]
        if m.table == "三":
            cols = [] if q.column_group else (q.applicants or ["total"])
            groups = [[c] for c in cols] or [list(q.applicants)]
            for group in groups:
                nums = [self._column_sum(rf, r, group, out) for r in m.numerator]
                dens = [self._column_sum(rf, r, group, out) for r in m.denominator]
                if any(d is None or d.missing for d in dens):
                    continue
                ratio = self._rate_line(rf, out, nums, dens, f"{m.name}（{m.formula}）")
                if ratio is not None:
                    rates.append(ratio)
                if ratio is not None and m.warn_below is not None and ratio < m.warn_below:
                    out.line(f"⚠️ {m.name}低于{m.warn_below:.0%}，评议中通常视为警示信号。")
        elif q.measure == "correction_rate":
            rows = [f.row for f in q.figures if f.table == "四"] or ["review"]
            for r in dict.fromkeys(rows):
                corr = self.book.get(rf, "四", r, "corrected")
                total = self.book.get(rf, "四", r, "total")
                pend = self.book.get(rf, "四", r, "pending")
                if corr.missing or total.missing:
                    continue
                name = T.row("四", r).short
                phr = "、".join(out.phrase(cv) for cv in (corr, total, pend) if not cv.missing)
                if out.cannot_derive(f"{self._who(rf)}{phr}；", [corr, total, pend], f"{name}纠错率"):
                    continue
                parts = [self.book.get(rf, "四", r, c) for c in ("upheld", "corrected", "other")]
                bases = [("总计", total.value or 0, fmt_num(total.value))]
                if pend.value:  # staff often leave pending cases out (TEMPLATE.md): show both
                    bases.append(
                        (
                            "总计−尚未审结",
                            (total.value or 0) - (pend.value or 0),
                            f"({fmt_num(total.value)}-{fmt_num(pend.value or 0)})",
                        )
                    )
                if all(not p.missing and not p.undecidable for p in parts):
                    by_parts = sum(p.value or 0 for p in parts)
                    if by_parts not in (b[1] for b in bases) and by_parts != (total.value or 0):
                        bases.append(
                            (
                                "维持+纠正+其他结果（各项之和）",
                                by_parts,
                                "(" + "+".join(fmt_num(p.value) for p in parts) + ")",
                            )
                        )
                segs = []
                for base_name, decided, base_arith in bases:
                    if decided <= 0:
                        segs.append(f"按{base_name}，已审结0件，无法计算纠错率")
                        continue
                    ratio = (corr.value or 0) / decided
                    arith = f"{fmt_num(corr.value)}/{base_arith}"
                    out.derived(rf.report, round(ratio * 100, 1), "%", arith)
                    seg = f"按纠正/({base_name}) = {arith} ≈ **{fmt_pct(ratio)}**"
                    if decided < SMALL_SAMPLE:
                        seg += f"（仅{fmt_num(decided)}件已审结，样本很小，比率参考意义有限）"
                    warn = T.MEASURES["correction_rate"].warn_above
                    if warn is not None and ratio > warn:
                        seg += f"，⚠️ 高于{warn:.0%}，评议中通常视为警示信号"
                    segs.append(seg)
                    rates.append(ratio)
                out.line(f"{self._who(rf)}{phr}；{name}纠错率：" + "；".join(segs) + "。")
            suits = [r for r in dict.fromkeys(rows) if r.startswith("suit")]
            if len(suits) == 2:  # 「行政诉讼纠错率」 asks for both kinds of lawsuit together
                corr = [self.book.get(rf, "四", r, "corrected") for r in suits]
                tot = [self.book.get(rf, "四", r, "total") for r in suits]
                if not any(cv.missing or cv.undecidable for cv in corr + tot):
                    c, t = sum(cv.value or 0 for cv in corr), sum(cv.value or 0 for cv in tot)
                    arith = f"({'+'.join(fmt_num(cv.value) for cv in corr)})/({'+'.join(fmt_num(cv.value) for cv in tot)})"
                    out.derived(rf.report, c, "件", "+".join(fmt_num(cv.value) for cv in corr))
                    out.derived(rf.report, t, "件", "+".join(fmt_num(cv.value) for cv in tot))
                    if t:
                        ratio = c / t
                        out.derived(rf.report, round(ratio * 100, 1), "%", arith)
                        out.line(
                            f"两类行政诉讼合计：纠正{fmt_num(c)}件，总计{fmt_num(t)}件；诉讼纠错率 = {arith} = "
                            f"{fmt_num(c)}/{fmt_num(t)} ≈ **{fmt_pct(ratio)}**。"
                        )
                        rates.insert(0, ratio)

        return rates[:1]

    def _column_sum(self, rf: ReportFacts, row: str, cols: list[str], out: _Answer) -> CellValue | None:
        """One row's value over several applicant columns (法人或其他组织 = five columns)."""
        cvs = [self.book.get(rf, "三", row, c) for c in cols]
        if len(cvs) == 1:
            return cvs[0]
        absent = [cv for cv in cvs if cv.missing]
        if absent:
            return absent[0]  # a sum with a column missing would be understated: say it is missing
        return _Summed(cvs)

    def _rate_line(
        self, rf: ReportFacts, out: _Answer, nums: list, dens: list, name: str
    ) -> float | None:
        """numerator cells / denominator cells (each may be a column sum), arithmetic shown."""
        cells = [x for x in nums + dens if x is not None]
        if any(x.missing for x in cells):  # a rate over a cell the report lacks would be understated
            out.line(f"{self._who(rf)}：" + "、".join(self._sum_phrase(x, out) for x in cells if x.missing) + f"，无法计算{name}。")
            return None
        flat = [cv for x in cells for cv in (x.cvs if isinstance(x, _Summed) else [x])]
        phr = "、".join(self._sum_phrase(x, out) for x in cells)
        if any(cv.undecidable for cv in flat):
            out.line(f"{self._who(rf)}{phr}。")
            out.cannot_derive(self._who(rf), flat, name)
            return None
        num = sum(x.value or 0 for x in nums if x is not None)
        den = sum(x.value or 0 for x in dens)

        def arith(xs: list) -> str:
            a = "+".join(fmt_num(x.value) for x in xs if x is not None)
            return f"({a})" if len(xs) > 1 else a

        if not den:
            out.line(f"{self._who(rf)}{phr}，分母为0，无法计算{name}。")
            return None
        ratio = num / den
        out.derived(rf.report, round(ratio * 100, 1), "%", f"{arith(nums)}/{arith(dens)}")
        line = f"{self._who(rf)}{phr}；{name} = {arith(nums)}/{arith(dens)} ≈ **{fmt_pct(ratio)}**。"
        if den < SMALL_SAMPLE:
            line += f"（仅{fmt_num(den)}件，样本很小，比率参考意义有限。）"
        if len(dens) == 1 and not isinstance(dens[0], _Summed) and dens[0].row == "handled_total":
            got = out.outcome_sum(rf, dens[0].column)
            if got and got[0] and abs(got[0] - den) > 1e-9:  # R2 broken: the rate on the parts' sum too
                alt = num / got[0]
                out.derived(rf.report, round(alt * 100, 1), "%", f"{arith(nums)}/{fmt_num(got[0])}")
                line += (
                    f"但各项办理结果之和为{fmt_num(got[0])}件，与印出的总计不符；按各项之和计算为 "
                    f"{arith(nums)}/{fmt_num(got[0])} ≈ **{fmt_pct(alt)}**。"
                )
        out.line(line)
        return ratio

    def _sum_phrase(self, x, out: _Answer) -> str:  # noqa: ANN001 - CellValue | _Summed
        if not isinstance(x, _Summed):
            return out.phrase(x)
        parts = "、".join(out.phrase(cv) for cv in x.cvs)
        if any(cv.undecidable for cv in x.cvs):
            return parts
        arith = "+".join(fmt_num(cv.value) for cv in x.cvs)
        out.derived(x.cvs[0].report, x.value, x.cvs[0].unit, arith)
        name = T.row("三", x.cvs[0].row).short
        return f"{name}合计 {arith} = **{fmt_num(x.value)}{x.cvs[0].unit}**（{parts}）"
