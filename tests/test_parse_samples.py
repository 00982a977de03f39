"""The whole per-file pipeline on real files: the six samples parse (body, year, template,
facts, violations), non-reports and garbage are rejected with a reason, and parsing is fast."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from ingest.parse import facts_command, parse_file
from nianbao.types import RejectedFile

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "data" / "reports"
EXPECTED = ROOT / "tests" / "data" / "expected"
NEGATIVE = Path(__file__).parent / "data" / "negative"
SAMPLES = [
    "hengshan_2023.txt",
    "pingtan_2021.txt",
    "pingtan_2022.txt",
    "hongze_2023.pdf",
    "hongze_2024.pdf",
    "huaian_2024.pdf",
]


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_parses(name):
    rep = parse_file(REPORTS / name)
    exp_path = EXPECTED / (Path(name).stem + ".json")
    if exp_path.exists():
        exp = json.loads(exp_path.read_text(encoding="utf-8"))
        assert (rep.meta.body, rep.meta.year, rep.meta.template) == (
            exp["body"],
            exp["year"],
            exp["template"],
        )
    assert len(rep.facts) >= 180
    assert len(rep.sha256) == 64 and rep.format == ("pdf" if name.endswith(".pdf") else "text")
    assert rep.sections, "sections found"
    assert rep.passages, "narrative passages made"


def test_hongze_2023_violation_in_report():
    rep = parse_file(REPORTS / "hongze_2023.pdf")
    r4 = [v for v in rep.violations if v.rule == "R4_t4_sum"]
    assert {(v.printed, v.expected) for v in r4} == {(0, 11), (0, 5)}


@pytest.mark.parametrize("path", sorted(NEGATIVE.glob("*.pdf")), ids=lambda p: p.name)
def test_non_report_pdfs_rejected(path):
    with pytest.raises(RejectedFile) as e:
        parse_file(path)
    assert "不是政府信息公开工作年度报告" in str(e.value) or "年" in str(e.value)


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\x01\x02garbage\xff" * 100, "随便写点什么，2023年，没有表格。".encode(), b"%PDF-1.4 broken"],
    ids=["empty", "binary", "short-text", "broken-pdf"],
)
def test_garbage_rejected(tmp_path, content):
    p = tmp_path / "x.txt"
    p.write_bytes(content)
    with pytest.raises(RejectedFile) as e:
        parse_file(p)
    assert str(e.value)


def test_narrative_only_report_kept_with_warning(tmp_path):
    # the tables are cut out: the six sections remain, the report is kept, with a warning
    text = (REPORTS / "hengshan_2023.txt").read_text(encoding="utf-8")
    lines = [ln for ln in text.split("\n") if "|" not in ln]
    p = tmp_path / "hengshan_no_tables.txt"
    p.write_text("\n".join(lines), encoding="utf-8")
    rep = parse_file(p)
    assert rep.meta.year == 2023
    assert not [f for f in rep.facts if f.value is not None and not f.computed]
    assert any("表格" in w for w in rep.warnings)


def test_facts_command_prints_json_lines():
    buf = io.StringIO()
    assert facts_command(str(REPORTS / "pingtan_2022.txt"), out=buf) == 0
    recs = [json.loads(x) for x in buf.getvalue().splitlines()]
    assert len(recs) >= 200
    r = next(r for r in recs if (r["table"], r["row"], r["column"]) == ("三", "new", "person"))
    assert (
        r["value"] == 71 and r["body"] == "平潭综合实验区" and r["year"] == 2022 and r["raw"] == "713000074"
    )
    assert facts_command(str(NEGATIVE / "putuo_welfare_home_2024_budget.pdf"), out=io.StringIO()) == 1
