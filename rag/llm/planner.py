"""Plans from the model for questions the deterministic reader could not place.

The model gets the question, the conversation context and the menu (rag/llm/menu.py) and answers
with one JSON object. Every field is checked against the menu and the catalog; one unknown body,
year, figure code or operation and the whole plan is discarded. A valid plan becomes a Query that
the deterministic executor answers, so figures still come from cells; the answer opens with a note
「按…理解」, written from the validated fields (never the model's own words), for the reader to check.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import replace

from nianbao import template as T
from rag.llm.menu import MEASURES, OPERATIONS, Menu
from rag.query import Catalog, Context, FigureRef, Query
from rag.understand import FIGURE_CONFIDENCE

# Below this the deterministic answer states no figure (it asks or says the tables lack it): then a
# second reading by the model is worth its cost. Above it the deterministic plan stands.
CONFIDENCE_FLOOR = FIGURE_CONFIDENCE

SYSTEM = (
    "你是政府信息公开工作年度报告问答系统的问题解析器。把用户的问题解析成一个 JSON 对象，"
    "只能使用下面“可选项”中列出的机关、年份和代码，不要编造。只输出 JSON，不要解释。\n"
    'JSON 格式：{"bodies": [机关全称], "years": [年份], '
    '"figures": [{"table": "三", "row": "行代码", "column": "列代码或null"}], '
    '"applicants": [申请人代码], "operation": "运算代码", "measure": "指标代码或null", '
    '"section": "部分编号或null", "wants_narrative": true或false}\n'
    "问的是做法、问题、改进等文字内容时 figures 为空，wants_narrative 为 true，并给出 section。"
)


class InvalidPlan(ValueError):
    """The model's plan names something the catalog or template lacks; `reason` is counted."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


def needs_plan(q: Query) -> bool:
    return getattr(q, "confidence", 1.0) < CONFIDENCE_FLOOR


def messages(question: str, context: Context | None, menu: Menu) -> list[tuple[str, str]]:
    ctx = json.dumps(context.to_dict(), ensure_ascii=False) if context else "无"
    user = f"可选项：\n{menu.text()}\n\n上一轮的上下文：{ctx}\n\n问题：{question}"
    return [("system", SYSTEM), ("human", user)]


_THINK = re.compile(r"<think>.*?</think>", re.S)


def parse(reply: str) -> dict:
    """The JSON object of a reply (reasoning tags and code fences around it are tolerated)."""
    text = _THINK.sub("", reply or "")
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        raise InvalidPlan("malformed_json", text[:80])
    try:
        plan = json.loads(text[start : end + 1])
    except json.JSONDecodeError as exc:
        raise InvalidPlan("malformed_json", str(exc)) from exc
    if not isinstance(plan, dict):
        raise InvalidPlan("malformed_json", "not an object")
    return plan


def _strings(value, field: str) -> list[str]:  # noqa: ANN001
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidPlan("bad_field", field)
    return value


def _body(name: str, catalog: Catalog) -> str:
    if name in catalog.bodies:
        return name
    owners = {b for b, aliases in catalog.bodies.items() if name in aliases}
    if len(owners) != 1:
        raise InvalidPlan("unknown_body", name)
    return owners.pop()


def _figure(d, menu: Menu) -> FigureRef:  # noqa: ANN001
    if not isinstance(d, dict) or not isinstance(d.get("table"), str) or not isinstance(d.get("row"), str):
        raise InvalidPlan("bad_field", "figures")
    table, row, column = d["table"], d["row"], d.get("column") or None
    if (table, row) not in menu.rows:
        raise InvalidPlan("unknown_figure", f"{table}/{row}")
    if column is not None:
        if not isinstance(column, str) or (table, column) not in menu.columns:
            raise InvalidPlan("unknown_column", f"{table}/{column}")
        if table == "二" and column not in T.row(table, row).columns:
            raise InvalidPlan("unknown_column", f"{table}/{row}/{column}")
    return FigureRef(table=table, row=row, column=column)


def validate(plan: dict, catalog: Catalog, menu: Menu) -> dict:
    """The plan's fields, each checked; raises InvalidPlan on the first that fails."""
    bodies = list(dict.fromkeys(_body(b, catalog) for b in _strings(plan.get("bodies"), "bodies")))
    raw_years = plan.get("years") or []
    if not isinstance(raw_years, list):
        raise InvalidPlan("bad_field", "years")
    try:
        years = sorted({int(y) for y in raw_years})
    except (TypeError, ValueError) as exc:
        raise InvalidPlan("bad_field", "years") from exc
    have = {y for b in (bodies or catalog.bodies) for y in catalog.years.get(b, [])}
    for y in years:
        if y not in have:
            raise InvalidPlan("unknown_year", str(y))
    raw_figures = plan.get("figures") or []
    if not isinstance(raw_figures, list):
        raise InvalidPlan("bad_field", "figures")
    figures = [_figure(f, menu) for f in raw_figures]
    applicants = _strings(plan.get("applicants"), "applicants")
    for a in applicants:
        if a not in menu.applicants:
            raise InvalidPlan("unknown_applicant", a)
    operation = plan.get("operation") or "single"
    if operation not in OPERATIONS:
        raise InvalidPlan("unknown_operation", str(operation))
    measure = plan.get("measure") or None
    if measure is not None and measure not in MEASURES:
        raise InvalidPlan("unknown_measure", str(measure))
    section = plan.get("section") or None
    if section is not None and section not in menu.sections:
        raise InvalidPlan("unknown_section", str(section))
    narrative = plan.get("wants_narrative", False)
    if not isinstance(narrative, bool):
        raise InvalidPlan("bad_field", "wants_narrative")
    narrative = narrative or operation == "narrative" or (section is not None and not figures)
    if not (figures or measure or narrative):
        raise InvalidPlan("empty_plan", "nothing to look up")
    return dict(
        bodies=bodies,
        years=years,
        figures=figures,
        applicants=applicants,
        operation=operation,
        measure=measure,
        section=section,
        wants_narrative=narrative,
    )


def describe(fields: dict) -> str:
    """「按“衡山县人民政府 2023年 本年新收申请”理解」: the plan in words, for the reader to check."""
    parts = ["、".join(fields["bodies"]) or "库中各机关"]
    if fields["years"]:
        parts.append("、".join(f"{y}年" for y in fields["years"]))
    what = [
        T.row(f.table, f.row).short + (f"（{T.column(f.table, f.column).label}）" if f.column else "")
        for f in fields["figures"]
    ]
    if fields["measure"]:
        what.append(MEASURES[fields["measure"]].split("（")[0])
    if fields["wants_narrative"] and fields["section"]:
        what.append(f"报告第{fields['section']}部分「{T.SECTION_BY_NUMBER[fields['section']].title}」")
    elif fields["wants_narrative"]:
        what.append("报告正文")
    parts.append("、".join(what))
    if fields["operation"] not in ("single", "narrative"):
        parts.append(OPERATIONS[fields["operation"]])
    return f"按“{' '.join(p for p in parts if p)}”理解（问题由模型解读，请核对）。"


def to_query(q: Query, fields: dict) -> Query:
    """The deterministic Query with the model's fields; ready for the same executor. Its confidence is
    that of a validated plan: the note says whose reading it is, the executor need not doubt it."""
    note = describe(fields)
    have = {f.name for f in dataclasses.fields(q)}
    extra = {
        "confidence": 1.0,
        "assumptions": [*getattr(q, "assumptions", []), note],
        "column_group": None,  # the plan names its applicant columns itself
        "unexplained": "",
        "relative_years": False,  # years are the store's, validated
    }
    return replace(
        q,
        **fields,
        unknown_bodies=[],
        ambiguous_bodies=[],
        years_missing=[],
        notes=[note],
        **{k: v for k, v in extra.items() if k in have},
    )
