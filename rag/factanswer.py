"""Figure answers from facts: a Plan (rag.query.Query) in, cell values with their citations out.

FactAnswerer picks the reports a plan asks about and dispatches to one operation; the operations
live by kind in rag/fact_lookup.py, rag/fact_rates.py and rag/fact_compare.py, and all of them write
through rag/factwriter.py.
"""

from __future__ import annotations

from rag.compose import Citations, fmt_num
from rag.fact_compare import CompareOps
from rag.fact_lookup import LookupOps
from rag.fact_rates import _BASE_ROWS, _HANDLED_PARTS, RateOps
from rag.factbook import FactBook, ReportFacts, default_column
from rag.factwriter import FactResult, Figure, cell_label
from rag.factwriter import FactWriter as _Answer
from rag.query import Catalog, FigureRef, Query

__all__ = ["FactAnswerer", "FactBook", "FactResult", "Figure", "cell_label"]
MAX_UNSCOPED = 10  # a question naming no year (or no body) is answered for each report up to this many


class FactAnswerer(LookupOps, RateOps, CompareOps):
    """Answers figure questions (a Query with figures or a derived measure) from the fact store."""

    def __init__(self, book: FactBook):
        self.book = book

    # ---- targets

    def bodies(self, q: Query, catalog: Catalog) -> list[str]:
        if q.bodies:
            return list(q.bodies)
        if q.operation in ("rank", "compare") or len(catalog.bodies) == 1:
            return sorted(catalog.bodies)
        return []

    def years_for(self, q: Query, catalog: Catalog, body: str) -> list[int]:
        have = catalog.years.get(body, [])
        asked = [y for y in q.years if y in have]
        if q.operation in ("trend", "rank_years"):
            if len(asked) >= 2:
                return [y for y in have if min(asked) <= y <= max(asked)]
            return list(have)
        if q.operation == "diff":
            if len(asked) >= 2:
                return [min(asked), max(asked)]
            if len(asked) == 1:
                before = [y for y in have if y < asked[0]]
                return [before[-1], asked[0]] if before else asked
            return have[-2:]
        if q.years:
            return asked
        if q.operation in ("single", "breakdown", "share", "each") and len(have) <= MAX_UNSCOPED:
            return list(have)  # no year named: each year the store has (a short list), not a silent pick
        return have[-1:]

    def columns(self, q: Query, fig: FigureRef, tpl: str) -> list[str]:
        if fig.table == "三" and q.applicants and (fig.column in (None, "total")):
            return list(q.applicants)
        return [fig.column or default_column(fig.table, fig.row, tpl)]

    def reports_for(self, body: str, years: list[int]) -> list[ReportFacts]:
        reps = [r for r in (self.book.report(body, y) for y in years) if r is not None]
        loaded = self.book.load(reps)
        return [loaded[r.id] for r in reps]

    # ---- entry point

    def answer(self, q: Query, catalog: Catalog, cites: Citations) -> FactResult | None:
        if not q.figures and not q.measure:
            return None
        out = _Answer(self.book, cites)
        if q.measure:
            self._measures(q, catalog, out)
            return out.finish() if out.figures else None
        if q.operation == "rank_years":
            for b in self.bodies(q, catalog):
                self._rank_years(q, self.reports_for(b, self.years_for(q, catalog, b)), out)
            return out.finish() if out.lines else None
        if q.operation == "rank":
            self._rank(q, catalog, out)
            return out.finish()
        bodies = self.bodies(q, catalog)
        if not bodies:
            return None
        years_of = {b: self.years_for(q, catalog, b) for b in bodies}
        if q.operation in ("compare", "each") and not q.years and len(bodies) > 1:
            # no year named: compare like with like — the newest year all of them report
            common = set.intersection(*(set(catalog.years.get(b, [])) for b in bodies))
            if common:
                years_of = {b: [max(common)] for b in bodies}
            elif q.operation == "compare":
                q.operation = "each"  # their newest reports are of different years: list, no verdict
        per_body = {b: self.reports_for(b, years_of[b]) for b in bodies}
        if not any(per_body.values()):
            return None
        if q.operation in ("compare", "each") and len(bodies) > 1:
            self._compare(q, per_body, out, verdict=q.operation == "compare")
        elif q.operation == "diff":
            for rfs in per_body.values():
                self._diff(q, rfs, out)
        elif q.operation == "trend":
            for rfs in per_body.values():
                self._trend(q, rfs, out)
        elif q.operation == "sum" and not self._sums_a_part_with_its_base(q):
            for rfs in per_body.values():
                self._sum(q, rfs, out)
        else:
            for rfs in per_body.values():
                for rf in rfs:
                    if q.operation == "share" or q.operation == "sum":
                        self._share(q, rf, out)
                    elif q.operation in ("breakdown", "list"):
                        self._breakdown(q, rf, out)
                    elif q.operation == "breakdown_applicants":
                        self._by_applicant(q, rf, out)
                    else:
                        self._single(q, rf, out)
        if not out.figures and not out.lines:
            return None
        return out.finish("figure" if out.figures or out.cited else "not_found")

    @staticmethod
    def _sums_a_part_with_its_base(q: Query) -> bool:
        """Adding 办结总数 to one of its parts means nothing: such a question asks for a share."""
        rows = [f.row for f in q.figures if f.table == "三"]
        return len(rows) >= 2 and rows[-1] in _BASE_ROWS and all(r in _HANDLED_PARTS for r in rows[:-1])

    # ---- operations

    @staticmethod
    def _who(rf: ReportFacts) -> str:
        return f"{rf.report.body}{rf.report.year}年"

    def balance(self, cites: Citations) -> FactResult | None:
        """An answer that shows both 本年新收 and 办结 of one report also gets the table's own balance
        (rule R1: 新收 + 上年结转 = 办结 + 结转下年度), which explains why the two differ."""
        shown: dict[tuple[str, int], set[str]] = {}
        for c in cites.items:
            cell = c.cell or {}
            if (cell.get("table"), cell.get("column")) == ("三", "total") and cell.get("row") in ("new", "handled_total"):
                shown.setdefault((c.body, int(c.year)), set()).add(cell["row"])
        out = _Answer(self.book, cites)
        for (body, year), rows in shown.items():
            rep = self.book.report(body, year) if rows == {"new", "handled_total"} else None
            if rep is None:
                continue
            rf = self.book.facts_of(rep)
            cv = {r: self.book.get(rf, "三", r, "total") for r in ("new", "carried_in", "handled_total", "carried_out")}
            if any(v.missing or v.undecidable for v in cv.values()):
                continue
            lhs = (cv["new"].value or 0) + (cv["carried_in"].value or 0)
            rhs = (cv["handled_total"].value or 0) + (cv["carried_out"].value or 0)
            out.line(
                f"{body}{year}年表三的收支：本年新收{fmt_num(cv['new'].value)} + {out.phrase(cv['carried_in'])} = {fmt_num(lhs)}件，"
                f"办结{fmt_num(cv['handled_total'].value)} + {out.phrase(cv['carried_out'])} = {fmt_num(rhs)}件"
                + ("，两边相等。" if lhs == rhs else "，两边不等 — 报告自相矛盾，请以原文核实。")
            )
        return out.finish() if out.lines else None
