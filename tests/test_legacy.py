"""Reports from before 2019 (no national tables) are disclosure reports too.

Generated 2008-era reports — the old seven-part structure, statistics stated in sentences in
several phrasings, a comparison with the year before that must not be taken for this year's
figure — must be ingested: template `legacy`, sections by their own headings, passages within
them, and the figures stated plainly as facts quoted with their line. Non-reports stay rejected.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from ingest.legacy import LEGACY
from ingest.parse import parse_document, parse_file
from nianbao.types import LoadedDocument, RejectedFile

NEGATIVE = Path(__file__).parent / "data" / "negative"

NEW = [
    "全年共受理政府信息公开申请{n}件",
    "共收到各类政府信息公开申请{n}件",
    "受理公民、法人和其他组织提出的政府信息公开申请{n}件",
    "本年度共接到信息公开申请{n}件",
]
GRANTED = ["同意公开{n}件", "予以公开的{n}件", "全部公开{n}件"]
PARTIAL = ["部分公开{n}件", "同意部分公开{n}件"]
WITHHELD = ["不予公开{n}件", "不予公开的有{n}件"]
REVIEW = ["因政府信息公开申请行政复议{n}件", "发生行政复议案件{n}件"]


def legacy_report(
    body: str,
    year: int,
    new: str,
    granted: str,
    partial: str,
    withheld: str,
    review: str,
    n: tuple[int, int, int, int, int],
) -> str:
    a, g, p, w, r = n
    return "\n".join(
        [
            f"{body}{year}年政府信息公开工作年度报告",
            f"根据《中华人民共和国政府信息公开条例》（以下简称《条例》）规定，特向社会公布{year}年度本机关政府信息公开工作年度报告。"
            f"本报告统计期限自{year}年1月1日起至{year}年12月31日止。",
            "一、概述",
            f"{year}年，我们认真贯彻落实《条例》，进一步完善政府信息公开工作机制，推进政府信息公开工作深入开展。",
            "二、主动公开政府信息情况",
            f"{year}年全年共主动公开政府信息1523条，其中通过政府网站公开1200条。",
            "三、依申请公开政府信息情况",
            f"{new.format(n=a)}，其中，{granted.format(n=g)}，{partial.format(n=p)}，{withheld.format(n=w)}。"
            f"较{year - 1}年的{a + 30}件减少了30件。",
            "四、政府信息公开的收费及减免情况",
            "本年度未收取任何费用。",
            "五、因政府信息公开申请行政复议、提起行政诉讼的情况",
            f"{review.format(n=r)}，行政诉讼0件。",
            "六、政府信息公开工作存在的主要问题及改进措施",
            "主要问题是公开内容还不够全面，下一步将进一步加强培训，完善制度。",
            "七、其他需要报告的事项",
            "无。",
        ]
    )


CASES = list(itertools.product(NEW, GRANTED, PARTIAL, WITHHELD, REVIEW))[::7]


@pytest.mark.parametrize("phrasing", CASES, ids=lambda c: "|".join(x[:4] for x in c))
def test_legacy_report_is_ingested_with_its_stated_figures(phrasing):
    n = (117, 90, 12, 5, 2)
    text = legacy_report("某某县人民政府", 2012, *phrasing, n=n)
    rep = parse_document(LoadedDocument(path="r.txt", format="text", text=text), "0" * 64)
    assert (rep.meta.body, rep.meta.year, rep.meta.template) == ("某某县人民政府", 2012, LEGACY)
    got = {f.key(): f.value for f in rep.facts}
    assert got == {
        ("三", "new", "total"): 117,
        ("三", "granted", "total"): 90,
        ("三", "partial", "total"): 12,
        ("三", "withheld", "total"): 5,
        ("四", "review", "total"): 2,
    }
    for f in rep.facts:
        assert not f.uncertain and f.line and str(int(f.value)) in f.raw and "正文" in f.note
    assert [s.path for s in rep.sections if s.path != "前言"] == list("一二三四五六七")
    assert rep.sections[3].title.startswith("三、依申请公开")
    assert rep.passages
    for p in rep.passages:
        sec = next(s for s in rep.sections if s.path == p.section)
        assert sec.start <= p.start and p.end <= sec.end
    assert not rep.violations
    assert any("2019" in w for w in rep.warnings)


def test_a_figure_stated_twice_differently_is_uncertain():
    text = legacy_report(
        "某某市教育局", 2015, NEW[0], GRANTED[0], PARTIAL[0], WITHHELD[0], REVIEW[0], n=(40, 30, 5, 5, 0)
    )
    text = text.replace("四、政府信息公开的收费", "全年共受理政府信息公开申请41件。\n四、政府信息公开的收费")
    rep = parse_document(LoadedDocument(path="r.txt", format="text", text=text), "0" * 64)
    f = next(f for f in rep.facts if f.key() == ("三", "new", "total"))
    assert f.uncertain and f.value is None and "40" in f.note and "41" in f.note


def test_a_2019_or_later_report_never_takes_the_legacy_path():
    text = legacy_report(
        "某某县人民政府", 2020, NEW[0], GRANTED[0], PARTIAL[0], WITHHELD[0], REVIEW[0], n=(10, 8, 1, 1, 0)
    )
    rep = parse_document(LoadedDocument(path="r.txt", format="text", text=text), "0" * 64)
    assert rep.meta.template != LEGACY
    assert all(f.uncertain or f.computed for f in rep.facts)  # prose is never read as a confident cell


@pytest.mark.parametrize("path", sorted(NEGATIVE.glob("*.pdf")), ids=lambda p: p.name)
def test_non_reports_stay_rejected(path):
    with pytest.raises(RejectedFile):
        parse_file(path)


def test_old_document_that_is_not_a_disclosure_report_is_rejected():
    text = "\n".join(
        [
            "某某县2015年部门预算",
            "一、部门职责",
            "负责全县教育工作。",
            "二、机构设置",
            "下设6个科室。",
            "三、收支预算",
            "收入预算1200万元。",
            "四、其他",
            "无。",
        ]
    )
    with pytest.raises(RejectedFile):
        parse_document(LoadedDocument(path="budget_2015.txt", format="text", text=text), "0" * 64)
