"""Sections and passages on the real sample reports and on synthetic heading variants."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.load import load
from ingest.normalize import normalize
from ingest.passages import MAX_CHARS, make_passages
from ingest.sections import PREFACE, leaf_sections, split_sections
from nianbao.template import SECTIONS
from nianbao.types import LoadedDocument

REPORTS = Path(__file__).resolve().parent.parent / "data" / "reports"
SAMPLES = [
    "hengshan_2023.txt",
    "pingtan_2021.txt",
    "pingtan_2022.txt",
    "hongze_2023.pdf",
    "hongze_2024.pdf",
    "huaian_2024.pdf",
]
TOP = [s.number for s in SECTIONS]


@pytest.fixture(scope="module")
def docs():
    out = {}
    for name in SAMPLES:
        doc = load(REPORTS / name)
        out[name] = (doc, split_sections(doc))
    return out


@pytest.mark.parametrize("name", SAMPLES)
def test_six_sections_in_order_with_offsets(docs, name):
    doc, sections = docs[name]
    tops = [s for s in sections if "/" not in s.path and s.path != PREFACE]
    assert [s.path for s in tops] == TOP
    for s, sdef in zip(tops, SECTIONS, strict=True):
        # the heading is printed where the offsets say, and its title names the section
        heading = normalize(doc.text[s.start : s.start + len(s.title)])
        assert heading.startswith(sdef.number)
        assert any(kw in normalize(s.title) for kw in sdef.keywords)
    for a, b in zip(tops, tops[1:], strict=False):
        assert a.end == b.start
    assert tops[-1].end == len(doc.text)
    assert sections[0].path == PREFACE and sections[0].start == 0


@pytest.mark.parametrize("name", SAMPLES)
def test_general_situation_has_five_subsections(docs, name):
    doc, sections = docs[name]
    subs = [s for s in sections if s.path.startswith("一/")]
    assert [s.path for s in subs] == [f"一/（{n}）" for n in "一二三四五"]
    for s in subs:
        assert normalize(doc.text[s.start : s.start + 3]) == s.path.split("/")[1]
        assert 2 < len(s.title) <= 40


@pytest.mark.parametrize("name", SAMPLES)
def test_table_labels_are_not_subsections(docs, name):
    _, sections = docs[name]
    paths = {s.path for s in sections}
    assert not any(p.startswith(("二/", "三/", "四/")) for p in paths)  # 第二十条第（一）项, （一）予以公开


def test_pingtan_inline_headings_and_typo(docs):
    doc, sections = docs["pingtan_2022.txt"]
    four = next(s for s in sections if s.path == "四")
    assert four.title == "四、政府信息公开行政法复议、行政诉讼情况"
    doc21, sections21 = docs["pingtan_2021.txt"]
    four21 = next(s for s in sections21 if s.path == "四")
    assert "结转下年度" not in four21.title  # the table-三 label 「四、结转下年度继续办理」 is not a heading
    five = [s.title for s in sections21 if s.path.startswith("五/")]
    assert five == ["（一）存在的主要问题", "（二）改进措施"]


def test_traditional_headings(docs):
    doc, sections = docs["hengshan_2023.txt"]
    titles = {s.path: s.title for s in sections}
    assert titles["四"].startswith("四,、政府信息公開行政復")
    assert titles["一/（一）"] == "(一)深化重點領(lǐng)域信息公開"


def _doc(text: str) -> LoadedDocument:
    return LoadedDocument(path="x.txt", format="text", text=text)


def test_heading_variants_and_false_friends():
    text = (
        "某县人民政府2023年政府信息公开工作年度报告\n"
        "一. 总体情况\n我县统一、规范推进公开。一是加强领导。\n"
        "（一）主动公开\n依据第二十条第（一）项公开。\n"
        "(二)依申请公开\n全年受理申请3件。\n"
        "二 、主动公开政府信息情况\n规章 | 0 | 0 | 0\n"
        "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量 | 3\n（一）予以公开 | 1\n"
        "四．政府信息公开行政复议、行政诉讼情况\n0 0 0 0 0\n"
        "五、存在的主要问题及改进情况\n问题。\n"
        "六、其他需要报告的事项\n无。"
    )
    sections = split_sections(_doc(text))
    assert [s.path for s in sections] == [
        PREFACE,
        "一",
        "一/（一）",
        "一/（二）",
        "二",
        "三",
        "四",
        "五",
        "六",
    ]
    assert next(s for s in sections if s.path == "一").title == "一. 总体情况"


def test_no_headings_gives_preface_only():
    sections = split_sections(_doc("一段没有标题的文字。"))
    assert [(s.path, s.start, s.end) for s in sections] == [(PREFACE, 0, 10)]
    assert split_sections(_doc("")) == []


def test_leaf_sections_partition(docs):
    doc, sections = docs["hongze_2023.pdf"]
    leaves = leaf_sections(sections)
    assert leaves[0].start == 0 and leaves[-1].end == len(doc.text)
    for a, b in zip(leaves, leaves[1:], strict=False):
        assert a.end == b.start


# ------------------------------------------------------------------ passages
@pytest.mark.parametrize("name", SAMPLES)
def test_passages(docs, name):
    doc, sections = docs[name]
    passages = make_passages(doc, sections)
    assert len(passages) >= 8
    leaves = leaf_sections(sections)
    for p in passages:
        assert doc.text[p.start : p.end] == p.text
        leaf = next(s for s in leaves if s.start <= p.start < s.end)
        assert p.end <= leaf.end and p.section == leaf.path  # never crosses a section
        assert len(re.sub(r"\s", "", p.text)) <= MAX_CHARS + 60
        assert "|" not in p.text
        assert not re.search(r"(?:\s\d+){4,}", p.text)  # no table rows
        assert p.search_text and "\n" not in p.search_text
        if doc.format == "pdf":
            assert p.page == doc.page_at(p.start) and p.page >= 1
        else:
            assert p.page is None
    sizes = [len(re.sub(r"\s", "", p.text)) for p in passages]
    assert sorted(sizes)[len(sizes) // 2] >= 100  # median passage is a real paragraph
    assert any(p.section.startswith("五") for p in passages)
    assert any(p.section == "六" for p in passages)


def test_passages_normalized_and_clean(docs):
    doc, sections = docs["hengshan_2023.txt"]
    passages = make_passages(doc, sections)
    joined = " ".join(p.search_text for p in passages)
    assert "(jù)" not in joined and "據" not in joined and "依据" in joined
    assert "，、" not in joined and "，。" not in joined
    doc, sections = docs["pingtan_2021.txt"]
    passages = make_passages(doc, sections)
    text = " ".join(p.text for p in passages)
    assert "当前位置" not in text and "发布时间" not in text and "QQ空间" not in text
    assert passages[0].text.startswith("根据《中华人民共和国政府信息公开条例》")
    # run-together table cells are facts, not passages
    assert "713000074" not in text and "行政规范性文件693665" not in text


def test_narrative_inside_table_section_kept():
    text = (
        "某县人民政府2023年政府信息公开工作年度报告\n一、总体情况\n概况。\n"
        "三、收到和处理政府信息公开申请情况\n"
        "（本列数据的勾稽关系为：第一项加第二项之和，等\n于第三项加第四项之和）\n"
        "一、本年新收政府信息公开申请数量 21 0 0 0 0 0 21\n"
        "本年度共收到申请21件，较上年增加5件，主要涉及征地拆迁、规划建设等领域，全部在法定期限内办结。\n"
        "四、政府信息公开行政复议、行政诉讼情况\n0 0 0 0 0\n"
    )
    doc = _doc(text)
    passages = make_passages(doc, split_sections(doc))
    three = [p for p in passages if p.section == "三"]
    assert len(three) == 1 and three[0].text.startswith("本年度共收到申请21件")
    assert not [p for p in passages if p.section == "四"]
