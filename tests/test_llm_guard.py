"""The number guard and its number reader on their own: what passes, what is rejected and why."""

from __future__ import annotations

import pytest

from rag.llm.guard import check, sentences, sources_from
from rag.llm.numbers import cn_value, numbers

BODY = "衡山县人民政府"


def cell(row_label: str, value: float, row: str = "new", year: int = 2023) -> dict:
    return {
        "report": "r1",
        "body": BODY,
        "year": year,
        "section": "三",
        "text": f"表三 {row_label} / 总计：{value:g}",
        "cell": {
            "table": "三",
            "row": row,
            "column": "total",
            "row_label": row_label,
            "column_label": "总计",
            "value": value,
        },
    }


def passage(text: str, section: str = "五、存在的主要问题及改进情况") -> dict:
    return {"report": "r1", "body": BODY, "year": 2023, "section": section, "text": text}


CITES = [
    cell("一、本年新收政府信息公开申请数量", 21),
    cell("（一）予以公开", 10, row="granted"),
    passage("一是政务公开培训不够深入，二是網上申請14件的办理时效有待提高。"),
]
SOURCES = sources_from(CITES)
Q = "衡山县2023年的依申请公开情况如何？"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("十二件", 12),
        ("一百零五个", 105),
        ("两件", 2),
        ("二〇二三年", 2023),
        ("百分之十二点五", 12.5),
        ("1,234件", 1234),
    ],
)
def test_numbers_reads_arabic_and_chinese_numerals(text, value):
    assert [n.value for n in numbers(text)] == [value]


def test_numbers_leaves_words_and_list_markers_alone():
    text = "一是进一步统一规范，二是第三方意见；表三中三安全一稳定，千方百计为百姓服务，上一年度"
    assert [n.text for n in numbers(text) if not n.ordinal] == []
    assert cn_value("三十四") == 34 and cn_value("十五万") == 150_000 and cn_value("四三十") is None


@pytest.mark.parametrize(
    "text",
    [
        "衡山县2023年收到申请21件[1]，其中予以公开10件[2]。",
        "2023年共收到申请二十一件[1]。",  # a Chinese numeral equal to the cell
        "两项合计31件[1][2]。",  # a sum the sentence names
        "予以公开的比例约为47.6%[1][2]。",  # a ratio the sentence names, rounded as shown
        "主要问题是培训不够深入，网上申请十四件的办理时效有待提高[3]。",  # a number the passage states
    ],
)
def test_guard_passes_numbers_the_sources_hold(text):
    assert check(text, SOURCES, question=Q).ok, check(text, SOURCES, question=Q)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("衡山县2023年收到申请22件[1]。", "unsupported_number"),  # invented
        ("衡山县2023年收到申请二十二件[1]。", "unsupported_number"),  # invented, in Chinese numerals
        ("全年收到两件申请[1]。", "unsupported_number"),
        ("两项合计32件[1][2]。", "unsupported_number"),  # a wrong sum
        ("收到申请21件，占比为50%[1][2]。", "unsupported_number"),  # a wrong ratio
        ("2021年收到申请21件[1]。", "unsupported_year"),  # a year neither asked nor cited
        ("收到申请2023件[1]。", "unsupported_number"),  # a count that only looks like a cited year
        ("收到申请21件[4]。", "bad_marker"),  # no source 4
        ("培训不够深入[1]。", "marker_mismatch"),  # source 1 is the request count
        ("收到申请21件[3]。", "unsupported_number"),  # the passage cited does not hold 21
        ("收到的申请都已按时办结[3]。", "marker_mismatch"),  # the passage says nothing of it
        ("收到申请21件。", "uncited"),
        ("", "empty"),
    ],
)
def test_guard_rejects_what_the_sources_do_not_hold(text, reason):
    verdict = check(text, SOURCES, question=Q)
    assert not verdict.ok and verdict.reason == reason, verdict


def test_executor_figures_and_text_count_as_computed():
    text = "实质公开率为47.6%[1][2]。"
    assert not check("实质公开率为47.7%[1][2]。", SOURCES, question=Q).ok
    assert check(text, SOURCES, question=Q, derived=[(47.6, "%")]).ok
    assert check("两项相差11件[1][2]。", SOURCES, question=Q).ok
    assert not check("两项相差12件[1][2]。", SOURCES, question=Q).ok


def test_markers_after_the_full_stop_belong_to_the_sentence_before():
    assert sentences("收到申请21件。[1]予以公开10件。[2]") == ["收到申请21件[1]。", "予以公开10件[2]。"]
    assert check("收到申请21件。[1]予以公开10件。[2]", SOURCES, question=Q).ok
