"""One synthetic report as an ordered document (title, intro, headed sections holding paragraphs or a
table) that every renderer walks the same way."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from eval.synth.layout import LTable, build_tables
from eval.synth.narrative import Narrative
from nianbao import template as T

# Heading variants seen in real reports (the parser must match them tolerantly).
HEADING_VARIANTS = {
    "四": (
        "政府信息公开行政复议、行政诉讼情况",
        "因政府信息公开工作被申请行政复议、提起行政诉讼情况",
        "因政府信息公开申请行政复议、提起行政诉讼的情况",
    ),
    "二": ("主动公开政府信息情况",),
    "三": ("收到和处理政府信息公开申请情况",),
    "五": ("存在的主要问题及改进情况", "政府信息公开工作存在的主要问题及改进情况"),
}


@dataclass
class DocSection:
    number: str
    heading: str  # as printed: 一、总体情况
    paragraphs: list[str] = field(default_factory=list)
    table: LTable | None = None


@dataclass
class Document:
    title: str
    date_line: str
    intro: str
    sections: list[DocSection]
    body: str
    year: int


def build_document(
    rng: random.Random, body: str, year: int, template: str, cells: dict, narrative: Narrative
) -> Document:
    tables = {t.number: t for t in build_tables(cells, template, rng)}
    sections = []
    for s in T.SECTIONS:
        title = rng.choice(HEADING_VARIANTS.get(s.number, (s.title,)))
        sec = DocSection(s.number, f"{s.number}、{title}")
        if s.table:
            sec.table = tables[s.table]
        else:
            sec.paragraphs = list(narrative.sections[s.number])
        sections.append(sec)
    month, day = rng.choice([(1, rng.randint(10, 31)), (2, rng.randint(1, 28))])
    return Document(
        title=f"{body}{year}年政府信息公开工作年度报告",
        date_line=f"（{year + 1}年{month}月{day}日）",
        intro=narrative.intro,
        sections=sections,
        body=body,
        year=year,
    )
