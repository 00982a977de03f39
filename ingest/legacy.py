"""Reports from before 2019 (the 2008 条例 era): no national table template.

Such a report is still a disclosure report: a title 「XX2015年政府信息公开工作年度报告」 and numbered
sections of its own (「一、概述」「三、依申请公开政府信息情况」「四、政府信息公开的收费及减免情况」…).
`read_legacy(doc, year)` recognises it, cuts its narrative along its own headings (so passages never
cross them), and turns the statistics its text states plainly into facts tagged with the `legacy`
template: 「全年共受理政府信息公开申请117件」 is 三/new/total = 117, quoted with its line. Only figures
that mean the same as a template cell are taken; a figure the text states twice with different
numbers is uncertain with both kept. Everything else those years printed stays narrative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nianbao import template as T
from nianbao.text import clean_original
from nianbao.types import Fact, LoadedDocument, Section

__all__ = ["LEGACY", "LAST_LEGACY_YEAR", "LegacyReading", "read_legacy", "legacy_sections"]

LEGACY = "legacy"  # ReportMeta.template of a report without the national tables
LAST_LEGACY_YEAR = 2018  # the 2019 template (国办公开办函〔2019〕60号) starts with the 2019 reports
MIN_HEADINGS = 3

_NUM = "一二三四五六七八九十"
_HEADING = re.compile(rf"^[ \t]*(?:第)?([{_NUM}]{{1,2}})(?:部分)?[、．.，]\s*([^\n。；]{{2,40}})", re.M)
_ABOUT_DISCLOSURE = re.compile(r"依申请公开|主动公开|政府信息公开")
_SENTENCE = re.compile(r"[^。；;！？\n]*[。；;！？]?")
_OTHER_YEAR = re.compile(r"((?:19|20)\d{2})年")

# (table, row, column) <- phrasings the 2008-era reports use for the same figure. Each pattern's
# group 1 is the number; 件/条/宗/份 are the units those reports print for requests.
_UNIT = r"(?:件|宗|份|条|个)"
STATEMENTS: list[tuple[tuple[str, str, str], re.Pattern]] = [
    (
        ("三", "new", "total"),
        re.compile(
            r"(?:共|全年|累计|总共)?(?:受理|收到|接到|接收)(?:了)?(?:各类|公民、法人和其他组织(?:提出的)?)?"
            rf"(?:政府信息公开|信息公开|依申请公开)?(?:的)?申请(?:共|总计|合计|共计)?(\d+){_UNIT}"
        ),
    ),
    (
        ("三", "granted", "total"),
        re.compile(rf"(?:同意公开|(?<!不)予以公开|全部公开)(?:的)?(?:有|共)?(\d+){_UNIT}"),
    ),
    (("三", "partial", "total"), re.compile(rf"部分公开(?:的)?(?:有|共)?(\d+){_UNIT}")),
    (("三", "withheld", "total"), re.compile(rf"不予公开(?:的)?(?:有|共)?(\d+){_UNIT}")),
    (
        ("四", "review", "total"),
        re.compile(rf"(?:申请|提起|发生|收到)?行政复议(?:案件|申请)?(?:共|有)?(\d+){_UNIT}"),
    ),
]


@dataclass
class LegacyReading:
    sections: list[Section]
    facts: list[Fact]


def legacy_sections(doc: LoadedDocument) -> list[Section]:
    """The report's own numbered headings (一、 二、 … in order, each at a line start), as sections
    with offsets into `doc.text`; text before the first is 前言."""
    norm = doc.normalized
    found: list[tuple[str, int, int]] = []
    expected = 0
    for m in _HEADING.finditer(norm.text):
        numeral = m.group(1)
        k = _NUM.index(numeral[-1]) + (10 if len(numeral) == 2 else 0)
        if k != expected:
            continue
        found.append((numeral, m.start(1), m.end(2)))
        expected += 1
    text = doc.text
    out: list[Section] = []
    if not found:
        return out
    first = norm.orig(found[0][1])
    if text[:first].strip():
        out.append(Section("前言", "前言", 0, first))
    for i, (numeral, start, title_end) in enumerate(found):
        s = norm.orig(start)
        e = norm.orig(found[i + 1][1]) if i + 1 < len(found) else len(text)
        title = text[s : norm.orig_end(title_end)].strip(" \t,，、。:：;；")
        out.append(Section(numeral, title, s, e))
    return out


def _facts(doc: LoadedDocument, year: int) -> list[Fact]:
    """Template cells the narrative states plainly, one fact each (uncertain when stated twice
    with different numbers)."""
    norm = doc.normalized
    found: dict[tuple[str, str, str], list[tuple[float, int, str]]] = {}
    for sm in _SENTENCE.finditer(norm.text):
        sentence = sm.group(0)
        if not sentence.strip():
            continue
        years = {int(y) for y in _OTHER_YEAR.findall(sentence)}
        if years - {year}:
            continue  # 「较2014年的90件增长…」: another year's figure
        for key, rx in STATEMENTS:
            m = rx.search(sentence)
            if m:
                start = sm.start() + m.start()
                found.setdefault(key, []).append((float(m.group(1)), start, m.group(0)))
    facts = []
    for (table, row, column), hits in found.items():
        values = sorted({v for v, _, _ in hits})
        value, start, phrase = hits[0]
        orig_start = norm.orig(start)
        line = doc.text.count("\n", 0, orig_start) + 1
        quoted = clean_original(doc.text[orig_start : norm.orig_end(start + len(phrase))])
        uncertain = len(values) > 1
        note = f"2019年以前的报告没有统一表格，数字取自正文：「{quoted}」"
        if uncertain:
            note += "；正文所述数字不一：" + "、".join(str(int(v)) for v in values)
        t_row, t_col = T.row(table, row), T.column(table, column)
        facts.append(
            Fact(
                table=table,
                row=row,
                column=column,
                value=None if uncertain else int(value),
                unit="件",
                raw=quoted,
                row_label=t_row.label,
                column_label=t_col.label,
                page=doc.page_at(orig_start),
                line=line,
                uncertain=uncertain,
                note=note,
            )
        )
    return facts


def read_legacy(doc: LoadedDocument, year: int | None) -> LegacyReading | None:
    """The report read as a pre-2019 disclosure report, or None when it is not one: its year must be
    before 2019, it must speak of 政府信息公开, and it must have at least three numbered sections."""
    if year is None or year > LAST_LEGACY_YEAR:
        return None
    if len(_ABOUT_DISCLOSURE.findall(doc.normalized.text)) < 2:
        return None
    sections = legacy_sections(doc)
    if len([s for s in sections if s.path != "前言"]) < MIN_HEADINGS:
        return None
    return LegacyReading(sections, _facts(doc, year))
