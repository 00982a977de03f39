"""Looking cells up: one figure, its parts, its applicant columns, and the neighbours a reader needs beside it."""

from __future__ import annotations

from nianbao import template as T
from rag.compose import fmt_num
from rag.factbook import CellValue, ReportFacts
from rag.factwriter import FactWriter as _Answer
from rag.query import FigureRef, Query


class LookupOps:
    """Operations single / breakdown / by-applicant of FactAnswerer (mixed in)."""

    def _single(self, q: Query, rf: ReportFacts, out: _Answer) -> None:
        tpl = rf.report.template
        segs, related = [], []
        asked = {(f.table, f.row, c) for f in q.figures for c in self.columns(q, f, tpl)}
        for fig in q.figures:
            if q.column_group and fig.table == "三":
                group = T.COLUMN_GROUPS[q.column_group]
                segs.append(f"{group.name}" + self._sum_phrase(self._column_sum(rf, fig.row, list(group.columns), out), out))
                segs += self._group_context(rf, fig.row, group.columns, out)
                continue
            for col in self.columns(q, fig, tpl):
                main = self.book.get(rf, fig.table, fig.row, col)
                segs.append(out.phrase(main))
                if main.missing:
                    continue  # no such cell in this report's template: say so, no neighbours
                for rel in fig.related:
                    if T.ALL_ROWS.get((fig.table, rel)) and all(rel != f.row for f in q.figures):
                        cv = self.book.get(rf, fig.table, rel, col)
                        if not cv.missing:
                            related.append(out.phrase(cv))
                related += self._context_cells(rf, fig.table, fig.row, col, asked, out)
        line = f"{self._who(rf)}" + "，".join(segs) + "。"
        # the two lawsuit rows add up to 行政诉讼; a 复议 is a different thing and is never added to them
        t4 = [
            self.book.get(rf, f.table, f.row, self.columns(q, f, tpl)[0])
            for f in q.figures
            if f.table == "四" and f.row != "review"
        ]
        t4 = [cv for cv in t4 if not cv.missing]
        if len(t4) >= 2 and len({cv.column for cv in t4}) == 1 and any(cv.undecidable for cv in t4):
            line += "其中有数字无法确定，不给出合计。"
        elif len(t4) >= 2 and len({cv.column for cv in t4}) == 1:
            total = sum(cv.value or 0 for cv in t4)
            arith = "+".join(fmt_num(cv.value) for cv in t4)
            out.derived(rf.report, total, t4[0].unit, arith)
            names = "、".join(T.row("四", cv.row).short for cv in t4)
            line += f"{names}合计 {arith} = **{fmt_num(total)}{t4[0].unit}**。"
        gp = [self.book.get(rf, "三", r, self.columns(q, f, tpl)[0]) for r in ("granted", "partial")
              for f in q.figures if (f.table, f.row) == ("三", r)]  # fmt: skip
        if len(gp) == 2 and not any(cv.missing or cv.undecidable for cv in gp):
            total = sum(cv.value or 0 for cv in gp)
            arith = "+".join(fmt_num(cv.value) for cv in gp)
            out.derived(rf.report, total, gp[0].unit, arith)
            line += f"予以公开和部分公开合计 {arith} = **{fmt_num(total)}{gp[0].unit}**。"
        if related:
            line += "相关情形：" + "、".join(dict.fromkeys(related)) + "。"
        out.line(line)

    def _context_cells(
        self, rf: ReportFacts, table: str, row: str, col: str, asked: set, out: _Answer
    ) -> list[str]:
        """The cells a reader needs beside one result: a table 四 result with its group's total
        (纠正1件 of 复议7件), a table 二 column with the rest of its row (废止0件; 制发3件, 现行有效8件)."""
        tpl = rf.report.template

        def fresh(c: str) -> bool:
            return (table, row, c) not in asked and not out.cites.has_cell(rf.report.id, table, row, c)

        if table == "四" and col != "total" and fresh("total"):
            cv = self.book.get(rf, table, row, "total")
            return [] if cv.missing else [out.phrase(cv)]
        if table == "二":
            cols = [c for c in (T.t2_columns_for(row, tpl) or ()) if c != col and fresh(c)]
            cvs = [self.book.get(rf, table, row, c) for c in cols]
            return [out.phrase(cv) for cv in cvs if not cv.missing]
        return []

    def _group_context(self, rf: ReportFacts, row: str, cols: tuple[str, ...], out: _Answer) -> list[str]:
        """Beside a column group's sum (法人或其他组织), the row's 总计 and the columns outside the
        group (自然人): 「有没有单位申请」 is answered by how many, out of how many, and who the rest are."""
        total = self.book.get(rf, "三", row, "total")
        rest = [self.book.get(rf, "三", row, c) for c in T.T3_COLUMN_ORDER if c not in cols and c != "total"]
        rest = [cv for cv in rest if not cv.missing]
        if total.missing:
            return []
        return [f"全部为{out.phrase(total)}" + (f"，其余是{'、'.join(out.phrase(cv) for cv in rest)}" if rest else "")]

    def _parts_of(self, fig: FigureRef, rf: ReportFacts, col: str) -> list[tuple[str, str, str]]:
        """(table, row, column) cells that make up one figure, for a breakdown."""
        tpl = rf.report.template
        meta = T.row(fig.table, fig.row)
        if fig.table == "三" and meta.group:
            return [("三", c.code, col) for c in T.t3_children(fig.row, tpl)] or [("三", fig.row, col)]
        if fig.table == "三" and fig.row == "handled_total":
            return [("三", r, col) for r in T.T3_OUTCOME_ROWS]
        if fig.table == "三":
            return [("三", fig.row, c) for c in T.T3_COLUMN_ORDER[:-1]]
        if fig.table == "四":
            return [("四", fig.row, c) for c in T.T4_COLUMN_ORDER[:-1]]
        return [("二", fig.row, c) for c in (T.t2_columns_for(fig.row, tpl) or meta.columns)]

    def _breakdown(self, q: Query, rf: ReportFacts, out: _Answer) -> None:
        tpl = rf.report.template
        for fig in q.figures:
            col = self.columns(q, fig, tpl)[0]
            meta = T.row(fig.table, fig.row)
            across_columns = fig.table in ("三", "四") and not meta.group and fig.row != "handled_total"
            if across_columns:
                col = "total"  # the parts are the row's columns: the whole is its 总计, not one applicant
            if fig.table == "二":
                head = f"{self._who(rf)}{meta.label}："
            else:
                whole = self.book.get(rf, fig.table, fig.row, col)
                head = f"{self._who(rf)}{out.phrase(whole, with_parts=False)}，其中："
            items = []
            for t, r, c in self._parts_of(fig, rf, col):
                cv = self.book.get(rf, t, r, c)
                if not cv.missing:
                    items.append(f"- {out.phrase(cv)}")
            if items and q.column_group and fig.table == "三":  # 「法人或其他组织」 named: its sum too
                group = T.COLUMN_GROUPS[q.column_group]
                items.append(f"- {group.name}" + self._sum_phrase(self._column_sum(rf, fig.row, list(group.columns), out), out))
            out.line(head + "\n" + "\n".join(items) if items else head.removesuffix("，其中：") + "。")

    def _by_applicant(self, q: Query, rf: ReportFacts, out: _Answer) -> None:
        """「结转的申请是谁提的」: one table 三 row across its applicant columns."""
        for fig in q.figures:
            whole = self.book.get(rf, "三", fig.row, "total")
            items = [self.book.get(rf, "三", fig.row, c) for c in T.T3_COLUMN_ORDER[:-1]]
            shown = [f"- {out.phrase(cv)}" for cv in items if not cv.missing and (cv.value is None or cv.value)]
            head = f"{self._who(rf)}{out.phrase(whole, with_parts=False)}，按申请人："
            out.line(head + "\n" + ("\n".join(shown) if shown else "- 各类申请人均为0"))

    def _values(self, q: Query, rf: ReportFacts) -> list[CellValue]:
        tpl = rf.report.template
        return [
            self.book.get(rf, fig.table, fig.row, col)
            for fig in q.figures
            for col in self.columns(q, fig, tpl)
        ]
