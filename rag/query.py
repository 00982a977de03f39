"""Dataclasses shared by question understanding (rag/understand.py) and answering (rag/answer.py etc.).

Fields may be added later, never renamed: the answering side and the web API depend on these names.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any


@dataclass
class Catalog:
    """What the store holds: bodies with their aliases and the years available for each.

    Built once from FactStore.reports() and rebuilt after ingest; understand() caches its
    alias matcher per Catalog instance.
    """

    bodies: dict[str, list[str]]  # full body name -> aliases (incl. the full name)
    years: dict[str, list[int]]  # full body name -> years available (sorted)

    @classmethod
    def from_store(cls, factstore: Any) -> Catalog:
        bodies: dict[str, list[str]] = {}
        years: dict[str, set[int]] = {}
        for r in factstore.reports():
            names = bodies.setdefault(r.body, [r.body])
            for a in r.aliases or []:
                if a and a not in names:
                    names.append(a)
            years.setdefault(r.body, set()).add(int(r.year))
        return cls(bodies=bodies, years={b: sorted(y) for b, y in years.items()})

    def names_in(self, *texts: str) -> list[str]:
        """The bodies' names and aliases that occur in `texts`, longest first: what a question loses
        before its content words are read. Looked up by the texts' substrings in a set of every name
        (built once per catalog), so the cost follows the question's length, not the catalog's."""
        names, longest = self._name_index
        found: set[str] = set()
        for text in texts:
            for i in range(len(text or "")):
                for j in range(i + 1, min(len(text), i + longest) + 1):
                    if text[i:j] in names:
                        found.add(text[i:j])
        # equal lengths in catalog order: overlapping names (「和庆」「庆浦」) strip as a walk would
        return sorted(found, key=lambda n: (-len(n), names[n]))

    @cached_property
    def _name_index(self) -> tuple[dict[str, int], int]:
        names: dict[str, int] = {}
        for aliases in self.bodies.values():
            for a in aliases:
                if a:
                    names.setdefault(a, len(names))
        return names, max(map(len, names), default=0)

    @cached_property  # a catalog is rebuilt, never changed, when the reports change
    def all_years(self) -> list[int]:
        return sorted({y for ys in self.years.values() for y in ys})

    @property
    def newest_year(self) -> int | None:
        ys = self.all_years
        return ys[-1] if ys else None


@dataclass
class FigureRef:
    """One template cell (or a row's default cell) the question asks about."""

    table: str  # 二 | 三 | 四
    row: str  # row code from nianbao.template
    column: str | None = None  # column code, None = the row's default (三: total; 四: total; 二: first)
    related: list[str] = field(default_factory=list)  # neighbour rows to mention

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> FigureRef:
        return cls(
            table=d["table"],
            row=d["row"],
            column=d.get("column"),
            related=list(d.get("related") or []),
        )


@dataclass
class Query:
    """The question as understood — the typed plan between understanding and answering: what
    body/year/figure/operation it asks for, how sure understanding is, and what it assumed.
    `Plan` is the same class: answering executes a Plan into cell values, the composer writes them."""

    text: str  # the question as asked
    norm: str  # normalized (simplified, half-width digits, numerals converted)
    bodies: list[str] = field(default_factory=list)  # full body names resolved
    unknown_bodies: list[str] = field(default_factory=list)  # names asked about that the store lacks
    years: list[int] = field(default_factory=list)  # resolved years
    years_missing: list[int] = field(default_factory=list)  # years asked that no matching body has
    figures: list[FigureRef] = field(default_factory=list)  # figures asked
    applicants: list[str] = field(default_factory=list)  # table 三 applicant column codes
    operation: str = "single"  # single|breakdown|sum|share|diff|compare|rank|trend|narrative|list
    section: str | None = None  # narrative section hint (五, 六, ...)
    measure: str | None = None  # "disclosure_rate" | "correction_rate" | None
    more_measures: list[str] = field(default_factory=list)  # further measures the question asks for
    wants_narrative: bool = False  # asks how/why/what was done rather than how many
    ambiguous_bodies: list[str] = field(default_factory=list)  # several bodies match -> clarify
    followup: bool = False  # reused context from the previous turn
    notes: list[str] = field(default_factory=list)  # interpretation notes shown to the user
    # words narrowing a figure to what no table column holds (网上, 县本级: template.QUALIFIER_WORDS)
    qualifiers: list[str] = field(default_factory=list)
    # applicant columns named together (法人或其他组织): nianbao.template.COLUMN_GROUPS code; the
    # answer sums those columns instead of listing them
    column_group: str | None = None
    # 0..1: how sure understanding is that `figures`/`measure` are what was asked. Below
    # FIGURE_CONFIDENCE the answer gives no figure (it asks, or says the tables don't hold it).
    confidence: float = 1.0
    # what understanding assumed or could not place (shown under 「我是这样理解的」)
    assumptions: list[str] = field(default_factory=list)
    unexplained: str = ""  # the question's words no part of understanding accounted for
    relative_years: bool = False  # 「去年」 with no body to count from: the year is a guess
    asks_content: bool = False  # asks what a counted case was about (the tables hold only counts)
    not_tabulated: bool = False  # asks a split no table makes (复议 by applicant): say so, state no figure

    def explain(self) -> str:
        """The plan in plain words: the same text the chat shows under 「我是这样理解的」."""
        from rag.explain import explain_plan

        return explain_plan(self)


Plan = Query  # the name for it; one class, two names


@dataclass
class Context:
    """Conversation state carried between turns; round-trips through JSON for the web API."""

    bodies: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    figures: list[FigureRef] = field(default_factory=list)
    applicants: list[str] = field(default_factory=list)
    operation: str = "single"
    measure: str | None = None  # added: a follow-up of a rate question keeps asking for the rate
    column_group: str | None = None

    def to_dict(self) -> dict:
        return {
            "column_group": self.column_group,
            "bodies": list(self.bodies),
            "years": list(self.years),
            "figures": [f.to_dict() for f in self.figures],
            "applicants": list(self.applicants),
            "operation": self.operation,
            "measure": self.measure,
        }

    @classmethod
    def from_dict(cls, d: dict | None) -> Context:
        d = d or {}
        bodies = list(d.get("bodies") or ([d["body"]] if d.get("body") else []))
        years = d.get("years") or ([d["year"]] if d.get("year") else [])
        figures = [FigureRef.from_dict(f) for f in d.get("figures") or []]
        if not figures and d.get("rows") and d.get("table"):  # the Answer JSON's context shape
            cols = d.get("columns") or []
            figures = [FigureRef(d["table"], r, cols[0] if len(cols) == 1 else None) for r in d["rows"]]
        return cls(
            bodies=bodies,
            years=[int(y) for y in years],
            figures=figures,
            applicants=list(d.get("applicants") or []),
            operation=d.get("operation") or "single",
            measure=d.get("measure"),
            column_group=d.get("column_group"),
        )

    @classmethod
    def from_query(cls, q: Query) -> Context:
        return cls(
            bodies=list(q.bodies),
            years=list(q.years),
            figures=list(q.figures),
            applicants=list(q.applicants),
            operation=q.operation,
            measure=q.measure,
            column_group=q.column_group,
        )


def understand(
    question: str,
    catalog: Catalog,
    context: Context | None = None,
    body: str | None = None,
    year: int | None = None,
) -> Query:
    """Parse a question into a Query (implemented in rag/understand.py; re-exported here)."""
    from rag.understand import understand as _understand

    return _understand(question, catalog, context=context, body=body, year=year)
