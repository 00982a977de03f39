"""Body and year survive the ways real titles are rendered.

Each title is generated from (body, year) in many renderings — spaces between digits and 年,
spaced or full-width or Chinese-numeral digits, 年度, a title broken over lines, the body on its
own line, markdown `#` and `**`, HTML residue, zero-width and non-breaking spaces, Kangxi
radicals and CJK compatibility ideographs (the reverse of NFKC) — and every combination must read
to the same canonical body and year. Where the title says nothing, the statistics period, the
signature and the file name are read instead, with a warning.
"""

from __future__ import annotations

import itertools
import random
import unicodedata
from pathlib import Path

import pytest

from ingest.load import load
from ingest.metadata import canonical_body, extract_meta
from ingest.parse import parse_document, parse_file
from nianbao.types import LoadedDocument, RejectedFile

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "data" / "reports"

BODIES = [
    "衡山县人民政府",
    "平潭综合实验区管委会",
    "上海市人民政府办公厅",
    "沭阳县发展和改革局",
    "淮安市洪泽区人民政府",
    "上海市科学技术委员会",
    "南京市玄武区梅园新村街道办事处",
]
YEARS = [2019, 2023, 2024]


def _reverse_nfkc() -> dict[str, str]:
    """Ordinary ideograph -> a compatibility code point that NFKC folds back to it."""
    out: dict[str, str] = {}
    for lo, hi in ((0x2F00, 0x2FD5), (0xF900, 0xFAD9)):
        for c in range(lo, hi + 1):
            folded = unicodedata.normalize("NFKC", chr(c))
            if len(folded) == 1 and folded != chr(c):
                out.setdefault(folded, chr(c))
    return out


REVERSE = _reverse_nfkc()
_FW = {str(d): chr(0xFF10 + d) for d in range(10)}
_CN = dict(zip("0123456789", "〇一二三四五六七八九", strict=True))


def year_forms(year: int) -> list[str]:
    y = str(year)
    return [
        f"{y}年",
        f"{y} 年",
        f"{' '.join(y)} 年",
        "".join(_FW[d] for d in y) + "年",
        f"{y}年度",
        f"{y} 年度",
        "".join(_CN[d] for d in y) + "年",
    ]


def char_forms(name: str) -> list[str]:
    """The body as printed: plain, Kangxi/compat code points, zero-width chars, nbsp, spaced."""
    kangxi = "".join(REVERSE.get(ch, ch) for ch in name)
    return [
        name,
        kangxi,
        "\u200b".join(name),
        name[:2] + "\u00a0" + name[2:],
        " ".join(name),
    ]


def layouts(body: str, year: str) -> list[str]:
    tail = "政府信息公开工作年度报告"
    return [
        f"{body}{year}{tail}",
        f"{body}\n{year}{tail}",
        f"{year}{body}政府信息公开工作\n年度报告",
        f"{body}{year}政府信息公开\n工作年度报告",
        f"# {body}{year}{tail}",
        f"#{body}\n## {year}{tail}",
        f"**{body}**\n**{year}{tail}**",
        f"<p><span style='x'>{body}</span></p>\n<p>{year}{tail}&nbsp;</p>",
        f"标题：{body}{year}{tail}",
    ]


BODY_TEXT = "\n一、总体情况\n本年度我单位认真贯彻落实《中华人民共和国政府信息公开条例》，各项工作有序推进。\n"


def _doc(text: str, path: str = "report.txt") -> LoadedDocument:
    return LoadedDocument(path=path, format="text", text=text)


def _cases() -> list[tuple[str, int, str]]:
    rng = random.Random(13)
    out = []
    for body, year in itertools.product(BODIES, YEARS):
        combos = list(itertools.product(year_forms(year), char_forms(body), range(len(layouts("", "")))))
        for yf, cf, k in rng.sample(combos, 40):
            out.append((body, year, layouts(cf, yf)[k]))
    return out


CASES = _cases()


def test_every_rendering_reads_the_same_body_and_year():
    wrong = []
    for body, year, title in CASES:
        want = canonical_body(body).body
        try:
            meta = extract_meta(_doc(title + BODY_TEXT))
        except RejectedFile as exc:
            wrong.append((title, str(exc)))
            continue
        if (meta.body, meta.year) != (want, year):
            wrong.append((title, meta.body, meta.year))
    assert not wrong, f"{len(wrong)}/{len(CASES)} renderings misread: {wrong[:10]}"


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html"])
def test_renderings_through_the_loader(tmp_path, suffix):
    """The same through `load`: markdown and HTML files, with an odd BOM and CRLF line ends."""
    body, year = "沭阳县发展和改革局", 2024
    kangxi = "".join(REVERSE.get(ch, ch) for ch in body)
    if suffix == ".html":
        text = (
            f"<html><head><title>x</title></head><body><p><font>{kangxi}</font></p>"
            f"<p>2&#8203;0 2 4 年政府信息公开工作</p><p>年度报告</p><p>一、总体情况</p></body></html>"
        )
    else:
        text = f"# {kangxi}\r\n\r\n**２０２４ 年度政府信息公开工作年度报告**\r\n{BODY_TEXT}"
    p = tmp_path / f"r{suffix}"
    p.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    meta = extract_meta(load(p))
    assert (meta.body, meta.year) == (body, year)


def test_issue_example_split_title_and_spaced_period():
    text = (
        "2024 年上海市科委政府信息公开工作\n年度报告\n"
        "本报告中所列数据的统计周期为 2024 年 1 月 1 日至 12 月 31 日。\n" + BODY_TEXT
    )
    meta = extract_meta(_doc(text))
    assert (meta.body, meta.year) == ("上海市科委", 2024)


@pytest.mark.parametrize(
    "period",
    [
        "本报告所列数据的统计期限自2022年1月1日起至2022年12月31日止。",
        "统计周期为2022 年 1 月 1 日至 12 月 31 日。",
        "本报告统计期限为2022年度。",
        "数据统计时间为2022年1月至12月。",
    ],
)
def test_year_from_the_period_sentence_with_a_warning(period):
    warnings: list[str] = []
    meta = extract_meta(_doc("某某县人民政府政府信息公开工作年度报告\n" + period + BODY_TEXT), warnings)
    assert (meta.body, meta.year) == ("某某县人民政府", 2022)
    assert any("统计期限" in w for w in warnings)


def test_body_and_year_from_the_signature():
    text = "政府信息公开工作年度报告\n" + BODY_TEXT + "\n\n沭阳县发展和改⾰局\n2025年1月20日\n"
    warnings: list[str] = []
    meta = extract_meta(_doc(text), warnings)
    assert (meta.body, meta.year, meta.published) == ("沭阳县发展和改革局", 2024, "2025-01-20")
    assert len(warnings) == 2


def test_file_name_is_the_last_hint():
    warnings: list[str] = []
    meta = extract_meta(_doc("年度报告" + BODY_TEXT, path="/x/白果镇2021年政府信息公开年报.txt"), warnings)
    assert (meta.body, meta.year) == ("白果镇人民政府", 2021)
    assert warnings
    with pytest.raises(RejectedFile, match="--year"):
        extract_meta(_doc("年度报告" + BODY_TEXT, path="/x/report.txt"))


def _retitled(tmp_path: Path, new_head: str) -> Path:
    """hengshan_2023 (tables as ` | ` rows) with its two title lines replaced."""
    lines = (REPORTS / "hengshan_2023.txt").read_text(encoding="utf-8").split("\n")
    p = tmp_path / "report.txt"
    p.write_text(new_head + "\n" + "\n".join(lines[2:]), encoding="utf-8")
    return p


def test_a_report_whose_tables_parse_is_never_rejected_for_its_title(tmp_path):
    rep = parse_file(_retitled(tmp_path, "衡山县人民政府\n政府信息公开工作年度报告"))
    assert (rep.meta.body, rep.meta.year) == (
        "衡山县人民政府",
        2023,
    )  # from 「自2023年1月1日起至2023年12月31日止」
    assert any("统计期限" in w for w in rep.warnings)
    assert len([f for f in rep.facts if f.value is not None]) >= 180


def test_staff_override_of_body_and_year(tmp_path):
    path = _retitled(tmp_path, "年度报告")  # no body anywhere but the tables parse
    with pytest.raises(RejectedFile, match="--body"):
        parse_file(path)
    rep = parse_file(path, body="湖南省衡阳市衡山县人民政府")
    assert (rep.meta.body, rep.meta.year) == ("衡山县人民政府", 2023)
    assert "衡山县" in rep.meta.aliases
    assert any("工作人员" in w for w in rep.warnings)
    rep = parse_document(load(REPORTS / "pingtan_2022.txt"), "0" * 64, body="平潭综合实验区", year=2021)
    assert (rep.meta.body, rep.meta.year) == ("平潭综合实验区", 2021)
    with pytest.raises(RejectedFile):
        parse_file(path, body="衡山县人民政府", year=1899)


def test_cli_override_flags(tmp_path, capsys):
    import json

    from ingest.__main__ import main

    path = _retitled(tmp_path, "年度报告")
    assert main(["facts", str(path)]) == 1  # no body anywhere: rejected, with the reason
    assert "--body" in capsys.readouterr().err
    assert main(["facts", "--body", "衡山县人民政府", "--year", "2023", str(path)]) == 0
    rec = json.loads(capsys.readouterr().out.splitlines()[0])
    assert (rec["body"], rec["year"]) == ("衡山县人民政府", 2023)
    with pytest.raises(SystemExit):
        main(["--year", "2023", str(tmp_path), str(path)])  # --year names one file's year
