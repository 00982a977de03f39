"""normalize() and its steps on the real artefacts of the sample reports."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.normalize import (
    is_clutter_line,
    normalize,
    repair_punctuation,
    strip_clutter,
    strip_pinyin,
    to_simplified,
    unify_width,
)

REPORTS = Path(__file__).resolve().parent.parent / "data" / "reports"


@pytest.fixture(scope="module")
def hengshan():
    return (REPORTS / "hengshan_2023.txt").read_text(encoding="utf-8")


def test_pinyin_annotations_stripped(hengshan):
    assert strip_pinyin("本年度報告根據(jù)國") == "本年度報告根據國"
    assert strip_pinyin("說(shuō)明數(shù)據(jù)") == "說明數據"
    assert strip_pinyin("綠(lü)化") == "綠化"
    assert strip_pinyin("據(ju\u0300)") == "據"  # combining grave accent
    assert strip_pinyin("的(de)") == "的"  # toneless syllable
    out = normalize(hengshan)
    assert "(jù)" not in out and "(shù)" not in out
    assert not re.search(r"[\u4e00-\u9fff]\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", out)


def test_real_parenthesised_content_kept():
    for text in ["规划(2021-2035年)", "第(一)项", "(2024年1月 25 日)", "格式(PDF)", "附件(a)", "费用(万元)"]:
        assert strip_pinyin(text) == text


def test_to_simplified():
    assert (
        to_simplified("衡山縣人民政府2023年政府信息公開工作年度報告")
        == "衡山县人民政府2023年政府信息公开工作年度报告"
    )
    assert to_simplified("") == ""


def test_unify_width():
    assert unify_width("２０２３年ＡＢＣ") == "2023年ABC"
    assert unify_width("國、省,市") == "國、省，市"
    assert unify_width("1,234件") == "1,234件"
    assert unify_width("http://www.pingtan.gov.cn 12:30") == "http://www.pingtan.gov.cn 12:30"
    assert unify_width("編制說明:本年度") == "編制說明：本年度"
    assert unify_width("(2024年1月 25 日)") == "（2024年1月25日）"
    assert unify_width("(一)深化") == "（一）深化"
    assert unify_width("2023 年，我区 在政") == "2023年，我区在政"
    assert unify_width("号 ， 邮 编 ： 223100") == "号，邮编：223100"
    assert unify_width("hello world") == "hello world"


def test_repair_punctuation():
    assert repair_punctuation("國、省，、市") == "國、省、市"
    assert repair_punctuation("六項內容，。本年") == "六項內容。本年"
    assert repair_punctuation("信息，，宣傳") == "信息，宣傳"
    assert repair_punctuation("“三公”经费") == "“三公”经费"


def test_hengshan_normalized(hengshan):
    out = normalize(hengshan)
    assert out.startswith("衡山县人民政府\n2023年政府信息公开工作年度报告")
    assert "编制说明：本年度报告根据国、省、市政府信息公开相关法律、法规的规定编制" in out
    assert "自2023年1月1日起至2023年12月31日止。" in out
    assert "，、" not in out and "，。" not in out and ",," not in out
    assert out.count("\n") == hengshan.count("\n")  # line structure kept (no clutter lines here)


def test_clutter_lines():
    for line in [
        "- 3 -",
        "— 12 —",
        "第 3 页 共 9 页",
        "第3页",
        "当前位置：首页 > 政务公开 > 年报",
        "您所在的位置：首页>信息公开",
        "微信 微博 分享",
        "打印本页 关闭窗口",
        "字号：大 中 小",
        "【字体：大 中 小】",
        "附件下载",
    ]:
        assert is_clutter_line(line), line
    for line in ["一、总体情况", "21", "0 0 0", "规章 | 0 | 0 | 0", "（一）主动公开情况。", "三安全一稳定"]:
        assert not is_clutter_line(line), line
    text = "标题\n当前位置：首页 > 年报\n一、总体情况\n- 2 -\n正文。\n打印本页 关闭窗口"
    assert strip_clutter(text) == "标题\n一、总体情况\n正文。"


def test_pingtan_inline_crawler_clutter():
    raw = (REPORTS / "pingtan_2021.txt").read_text(encoding="utf-8")
    out = normalize(raw)
    assert "当前位置" not in out and "QQ空间" not in out and "微博" not in out
    body_line = next(ln for ln in out.split("\n") if "总体情况" in ln)
    assert body_line.startswith("根据《中华人民共和国政府信息公开条例》")


def test_normalize_crlf_and_empty():
    assert normalize("") == ""
    assert normalize("a\r\nb\rc") == "a\nb\nc"
