"""Report metadata on the sample reports and on names the samples don't contain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.load import load
from ingest.metadata import canonical_body, extract_meta
from nianbao.types import LoadedDocument, RejectedFile

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "data" / "reports"
EXPECTED = sorted((ROOT / "tests" / "data" / "expected").glob("*.json"))


@pytest.mark.parametrize("expected_path", EXPECTED, ids=lambda p: p.stem)
def test_sample_meta_matches_expected(expected_path):
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    path = REPORTS / expected["file"]
    meta = extract_meta(
        load(path if path.is_file() else ROOT / "tests" / "data" / "dev-reports" / expected["file"])
    )
    assert meta.body == expected["body"]
    assert meta.year == expected["year"]
    assert meta.published == expected["published"]
    assert set(expected["aliases"]) <= set(meta.aliases)
    assert meta.body not in meta.aliases
    assert meta.template == expected["template"]
    assert str(meta.year) in meta.title


def test_same_body_across_years():
    a = extract_meta(load(REPORTS / "hongze_2023.pdf"))  # prints 洪泽区人民政府
    b = extract_meta(load(REPORTS / "hongze_2024.pdf"))  # prints 淮安市洪泽区人民政府
    assert a.body == b.body == "洪泽区人民政府"
    assert (a.year, b.year) == (2023, 2024)


def test_crawler_site_name_is_not_the_body():
    meta = extract_meta(load(REPORTS / "pingtan_2021.txt"))  # 来源：平潭县人民政府 in the header
    assert meta.body == "平潭综合实验区"


def test_traditional_copy_gives_same_meta(tmp_path):
    from opencc_purepy import OpenCC

    text = (REPORTS / "pingtan_2022.txt").read_text(encoding="utf-8")
    path = tmp_path / "trad.txt"
    path.write_text(OpenCC("s2t").s2t(text), encoding="utf-8")
    meta = extract_meta(load(path))
    assert (meta.body, meta.year, meta.published) == ("平潭综合实验区", 2022, "2023-02-20")


def _doc(text: str) -> LoadedDocument:
    return LoadedDocument(path="x.txt", format="text", text=text)


@pytest.mark.parametrize(
    "text,body,year",
    [
        ("衡山县2023年政府信息公开工作年度报告\n一、总体情况\n", "衡山县人民政府", 2023),
        ("湖南省衡阳市衡山县人民政府\n2022年度政府信息公开工作年度报告\n", "衡山县人民政府", 2022),
        ("淮安市教育局2024年政府信息公开工作年度报告\n", "淮安市教育局", 2024),
        ("关于某某市2021年政府信息公开工作年度报告\n", "某某市人民政府", 2021),
        ("南京市玄武区梅园新村街道办事处\n2023年政府信息公开工作年度报告", "玄武区梅园新村街道办事处", 2023),
        ("湘潭经济技术开发区管理委员会2023年政府信息公开工作年度报告", "湘潭经济技术开发区", 2023),
        ("白果镇2020年政府信息公开工作年度报告\n（2021年1月20日）", "白果镇人民政府", 2020),
    ],
)
def test_unseen_titles(text, body, year):
    meta = extract_meta(_doc(text))
    assert (meta.body, meta.year) == (body, year)


def test_year_from_period_when_title_has_none():
    text = (
        "某某县人民政府政府信息公开工作年度报告\n本报告所列数据统计期限自2022年1月1日起至2022年12月31日止。"
    )
    with pytest.raises(RejectedFile):
        extract_meta(_doc("本文件不是年报。"))
    # the title without a year: the year comes from the statistics period; body from 本报告由…编制
    text2 = "本报告由某某县人民政府办公室根据条例编制。统计期限自2022年1月1日起至2022年12月31日止。"
    meta = extract_meta(_doc(text2))
    assert (meta.body, meta.year) == ("某某县人民政府", 2022)
    assert extract_meta(_doc(text)).year == 2022


def test_published_date_is_not_the_year():
    meta = extract_meta(_doc("某某县人民政府\n2023年政府信息公开工作年度报告\n（2024年1月25日）\n正文"))
    assert meta.year == 2023 and meta.published == "2024-01-25"


def test_no_body_rejected():
    with pytest.raises(RejectedFile):
        extract_meta(_doc("2023年政府信息公开工作年度报告\n一、总体情况"))


@pytest.mark.parametrize(
    "raw,body,aliases",
    [
        (
            "淮安市洪泽区人民政府",
            "洪泽区人民政府",
            {"洪泽区", "洪泽", "淮安市洪泽区人民政府", "淮安市洪泽区"},
        ),
        ("湖南省衡阳市衡山县人民政府", "衡山县人民政府", {"衡山县", "衡山", "衡阳市衡山县人民政府"}),
        ("荆州市沙市区人民政府", "沙市区人民政府", {"沙市区"}),
        ("淮安市人民政府", "淮安市人民政府", {"淮安市", "淮安"}),
        ("淮安市教育局", "淮安市教育局", {"淮安教育局"}),
        ("平潭综合实验区管委会", "平潭综合实验区", {"平潭", "平潭综合实验区管委会"}),
        ("长阳土家族自治县人民政府", "长阳土家族自治县人民政府", {"长阳"}),
        ("上海市浦东新区人民政府", "浦东新区人民政府", {"浦东新区", "浦东"}),
        ("衡阳市人民政府办公室", "衡阳市人民政府办公室", {"衡阳市政府办公室"}),
        ("株洲市发展和改革委员会", "株洲市发展和改革委员会", {"株洲发展和改革委员会"}),
    ],
)
def test_canonical_body(raw, body, aliases):
    name = canonical_body(raw)
    assert name.body == body
    assert aliases <= set(name.aliases)
