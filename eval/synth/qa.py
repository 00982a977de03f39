"""A Q&A set over a synthetic corpus, gold computed from the printed cells: single figures,
breakdowns, sums, shares, year-on-year differences, body comparisons, rankings, follow-ups,
narrative questions with their known source passage, and questions the reports cannot answer."""

from __future__ import annotations

import random
from collections import defaultdict

from nianbao import template as T

# Figures people ask about: (table, row, column, ways of asking). The row's template label is added.
FIGURE_ASKS = [
    (
        "三",
        "new",
        "total",
        ("收到多少件政府信息公开申请", "新收了多少政府信息公开申请", "本年新收政府信息公开申请数量是多少"),
    ),
    ("三", "granted", "total", ("予以公开的申请有多少件", "同意公开了多少件申请")),
    ("三", "partial", "total", ("部分公开的申请有多少件",)),
    ("三", "withheld", "total", ("有多少申请被拒绝（不予公开）", "不予公开的申请有多少件")),
    ("三", "unavailable", "total", ("无法提供的申请有多少件",)),
    ("三", "handled_total", "total", ("办结了多少件政府信息公开申请",)),
    ("三", "carried_out", "total", ("有多少申请结转下年度继续办理",)),
    ("三", "carried_in", "total", ("上年结转的政府信息公开申请有多少件",)),
    ("三", "unavailable.not_held", "total", ("因本机关不掌握相关政府信息而无法提供的有多少件",)),
    ("三", "new", "person", ("自然人提出了多少件政府信息公开申请", "个人提交了多少件政府信息公开申请")),
    ("三", "new", "business", ("商业企业提出了多少件政府信息公开申请",)),
    ("三", "new", "legal", ("法律服务机构提出了多少件政府信息公开申请",)),
    ("四", "review", "total", ("因政府信息公开被申请行政复议多少件", "政府信息公开行政复议有多少件")),
    ("四", "review", "corrected", ("行政复议结果纠正的有多少件",)),
    ("四", "review", "upheld", ("行政复议结果维持的有多少件",)),
    ("四", "suit_direct", "total", ("未经复议直接起诉的行政诉讼有多少件",)),
    ("二", "penalty", "decisions", ("作出了多少件行政处罚决定", "行政处罚决定数量是多少")),
    ("二", "licensing", "decisions", ("行政许可处理决定数量是多少",)),
    ("二", "coercion", "decisions", ("行政强制决定有多少件",)),
    ("二", "fees", "amount", ("行政事业性收费金额是多少万元",)),
    ("二", "normative_docs", "issued", ("本年制发了多少件行政规范性文件",)),
    ("二", "normative_docs", "in_force", ("现行有效的行政规范性文件有多少件",)),
]
NOT_IN_TEMPLATE = (
    "财政预算总额是多少",
    "招商引资金额是多少",
    "全年GDP增长了多少",
    "有多少名公务员",
    "新建了多少所学校",
)


def value(rep, table: str, row: str, column: str) -> float | None:
    """A printed cell, or a group row as the sum of its printed children."""
    key = (table, row, column)
    if key in rep.cells:
        return rep.cells[key]
    kids = T.t3_children(row, rep.template) if table == "三" else []
    if kids:
        return sum(rep.cells.get(("三", k.code, column), 0) for k in kids)
    return None


def _name(rep, rng: random.Random) -> str:
    return rng.choice([rep.body.name, *rep.body.aliases])


def _cell(rep, table: str, row: str, column: str) -> list[dict]:
    """The gold citation; a group row (不予公开) is cited by itself or any of its children."""
    return [{"body": rep.body.name, "year": rep.year, "table": table, "row": row, "column": column}]


def _num(v: float) -> int | float:
    return int(v) if float(v).is_integer() else round(v, 4)


def make_questions(reports: list, rng: random.Random, per_report: int = 3) -> list[dict]:
    out: list[dict] = []
    by_body: dict[str, dict[int, object]] = defaultdict(dict)
    by_year: dict[int, list] = defaultdict(list)
    for rep in reports:
        by_body[rep.body.name][rep.year] = rep
        by_year[rep.year].append(rep)

    def add(kind: str, q: dict) -> None:
        q = {"id": f"{kind}-{len(out):05d}", "kind": q.pop("kind", "figure"), **q}
        q["qtype"] = kind
        out.append(q)

    for rep in reports:
        name = _name(rep, rng)
        asks = [a for a in FIGURE_ASKS if value(rep, a[0], a[1], a[2]) is not None]
        for table, row, col, phrasings in rng.sample(asks, min(per_report, len(asks))):
            v = value(rep, table, row, col)
            add(
                "single",
                {
                    "question": f"{name}{rep.year}年{rng.choice(phrasings)}？",
                    "expect": [_num(v)],
                    "cells": _cell(rep, table, row, col),
                    "report": rep.file,
                },
            )
        # breakdown of a group row
        group = rng.choice(["withheld", "unavailable", "not_processed"])
        kids = [(k, rep.cells[("三", k.code, "total")]) for k in T.t3_children(group, rep.template)]
        nonzero = [(k, v) for k, v in kids if v]
        if nonzero:
            add(
                "breakdown",
                {
                    "question": f"{name}{rep.year}年{T.row('三', group).short}的申请按原因分别有多少件？",
                    "expect": [_num(v) for _, v in nonzero],
                    "report": rep.file,
                },
            )
        # sum
        g, p = rep.cells[("三", "granted", "total")], rep.cells[("三", "partial", "total")]
        add(
            "sum",
            {
                "question": f"{name}{rep.year}年予以公开和部分公开的申请一共多少件？",
                "expect": [_num(g + p)],
                "report": rep.file,
            },
        )
        # share
        handled = rep.cells[("三", "handled_total", "total")]
        if handled:
            add(
                "share",
                {
                    "question": f"{name}{rep.year}年的实质公开率是多少？",
                    "expect": [round((g + p) / handled * 100, 1)],
                    "report": rep.file,
                },
            )
        # year-on-year and a follow-up
        before = by_body[rep.body.name].get(rep.year - 1)
        if before is not None:
            a, b = rep.cells[("三", "new", "total")], before.cells[("三", "new", "total")]
            add(
                "year_diff",
                {
                    "question": f"{name}{rep.year}年收到的政府信息公开申请比{rep.year - 1}年多了多少件？",
                    "expect": [_num(a - b)],
                    "report": rep.file,
                },
            )
            add(
                "follow_up",
                {
                    "history": [f"{name}{rep.year}年收到多少件政府信息公开申请？"],
                    "question": f"那{rep.year - 1}年呢？",
                    "expect": [_num(b)],
                    "report": before.file,
                    "cells": _cell(before, "三", "new", "total"),
                },
            )
        # narrative with a known source passage
        problem = rng.choice(rep.narrative.problems)
        add(
            "narrative",
            {
                "question": f"{name}{rep.year}年政府信息公开工作存在哪些问题？",
                "kind": "narrative",
                "report": rep.file,
                "source": {"file": rep.file, "section": "五", "text": problem},
                **({} if rep.noise else {"mention": [problem[:8]]}),
            },
        )
        fee = rep.narrative.fee_yuan
        statement = rep.narrative.fee_sentence.rstrip("。")
        add(
            "fee",
            {
                "question": f"{name}{rep.year}年收取了多少信息处理费？",
                "kind": "narrative",
                "report": rep.file,
                "source": {"file": rep.file, "section": "六", "text": statement},
                **({} if rep.noise else {"mention": [str(int(fee)) if fee else statement]}),
            },
        )
        # not found: a year this body has no report for, or a figure the template does not have
        missing = [y for y in range(2019, 2026) if y not in by_body[rep.body.name]]
        if missing and rng.random() < 0.5:
            add(
                "not_found",
                {
                    "question": f"{name}{rng.choice(missing)}年收到多少件政府信息公开申请？",
                    "not_in_report": True,
                    "kind": "not_found",
                },
            )
        else:
            add(
                "not_found",
                {
                    "question": f"{name}{rep.year}年{rng.choice(NOT_IN_TEMPLATE)}？",
                    "not_in_report": True,
                    "kind": "not_found",
                },
            )
    # comparisons and rankings within a year
    for year, reps in sorted(by_year.items()):
        if len(reps) >= 2:
            a, b = rng.sample(reps, 2)
            va, vb = a.cells[("三", "new", "total")], b.cells[("三", "new", "total")]
            add(
                "compare",
                {
                    "question": f"{year}年{_name(a, rng)}和{_name(b, rng)}哪个收到的政府信息公开申请更多？",
                    "expect": [_num(va), _num(vb)],
                },
            )
        if len(reps) >= 3:
            vals = sorted(((r.cells[("二", "penalty", "decisions")], r) for r in reps), key=lambda x: -x[0])
            if vals[0][0] != vals[1][0]:
                add(
                    "ranking",
                    {
                        "question": f"{year}年哪个单位作出的行政处罚决定最多？",
                        "expect": [_num(vals[0][0])],
                        "mention": [vals[0][1].body.aliases[0]],
                    },
                )
    return out
