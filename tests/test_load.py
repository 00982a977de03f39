"""Loaders on the real sample reports, renderings made in the test, and garbage."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from ingest.load import load
from nianbao import settings
from nianbao.types import RejectedFile

REPORTS = Path(__file__).resolve().parent.parent / "data" / "reports"
NEGATIVE = Path(__file__).parent / "data" / "negative"
BLANK_DOCX = Path(__file__).parent / "data" / "template_2021_blank.docx"
TEXT_REPORTS = ["hengshan_2023.txt", "pingtan_2021.txt", "pingtan_2022.txt"]
PDF_REPORTS = {"hongze_2023.pdf": 5, "hongze_2024.pdf": 5, "huaian_2024.pdf": 6}


@pytest.fixture(scope="module")
def pdf_docs():
    return {name: load(REPORTS / name) for name in PDF_REPORTS}


@pytest.mark.parametrize("name", TEXT_REPORTS)
def test_text_reports_load_with_lf_and_no_grids(name):
    doc = load(REPORTS / name)
    assert doc.format == "text"
    assert doc.encoding.startswith("utf-8")
    assert "\r" not in doc.text
    assert doc.grids == [] and doc.page_starts == []
    assert "年度报告" in doc.text or "年度報告" in doc.text


def test_gbk_and_bom_copies_give_identical_text(tmp_path):
    original = load(REPORTS / "hengshan_2023.txt")
    raw = (REPORTS / "hengshan_2023.txt").read_text(encoding="utf-8")
    gbk = tmp_path / "hengshan_gbk.txt"
    gbk.write_bytes(raw.replace("\n", "\r\n").encode("gb18030"))
    bom = tmp_path / "hengshan_bom.txt"
    bom.write_bytes(b"\xef\xbb\xbf" + raw.encode("utf-8"))
    doc_gbk, doc_bom = load(gbk), load(bom)
    assert doc_gbk.encoding == "gb18030"
    assert doc_gbk.text == original.text
    assert doc_bom.text == original.text


def test_traditional_copy_loads_unchanged(tmp_path):
    from ingest.normalize import to_simplified

    simplified = (REPORTS / "pingtan_2022.txt").read_text(encoding="utf-8")
    from opencc_purepy import OpenCC

    traditional = OpenCC("s2t").s2t(simplified)
    path = tmp_path / "pingtan_trad.txt"
    path.write_text(traditional, encoding="utf-8")
    doc = load(path)
    assert doc.text == traditional  # the loader keeps original characters
    assert "報告" in doc.text
    assert "报告" in to_simplified(doc.text)


@pytest.mark.parametrize("name,pages", PDF_REPORTS.items())
def test_pdf_pages_and_table_grids(pdf_docs, name, pages):
    doc = pdf_docs[name]
    assert doc.format == "pdf"
    assert len(doc.page_starts) == pages
    assert doc.page_starts[0] == 0 and doc.page_starts == sorted(doc.page_starts)
    # page footers (- 1 -) are not in the text
    assert "- 1 -" not in doc.text
    shapes = [(g.page, len(g.rows[0])) for g in doc.grids]
    widths = [w for _, w in shapes]
    # table 三 is 10 columns wide and split over two pages; table 四 has 15 numbers
    assert widths.count(10) == 2 and 15 in widths
    t3 = [g for g in doc.grids if len(g.rows[0]) == 10]
    assert t3[1].page == t3[0].page + 1
    # every grid is rectangular and has no None
    for g in doc.grids:
        assert all(len(r) == len(g.rows[0]) and all(isinstance(c, str) for c in r) for r in g.rows)
    # the page of the table 四 grid is where its text is
    t4 = next(g for g in doc.grids if len(g.rows[0]) == 15)
    start = doc.page_starts[t4.page - 1]
    end = doc.page_starts[t4.page] if t4.page < len(doc.page_starts) else len(doc.text)
    assert "行政复议" in doc.text[start:end]


def test_pdf_vertical_label_joined_and_spans_filled(pdf_docs):
    doc = pdf_docs["hongze_2023.pdf"]
    t3 = next(g for g in doc.grids if len(g.rows[0]) == 10)
    labels = {r[0] for r in t3.rows}
    assert "三、本年度办理结果" in labels  # printed one character per line
    row = next(r for r in t3.rows if "1.属于国家秘密" in r)
    assert row[:2] == ["三、本年度办理结果", "（三）不予公开"]  # merged cells copied
    t4 = next(g for g in doc.grids if len(g.rows[0]) == 15)
    assert t4.rows[-1][:5] == ["10", "1", "0", "0", "0"]  # the known 总计 0 defect, as printed


def test_pdf_framed_narrative_is_not_a_grid(pdf_docs):
    for doc in pdf_docs.values():
        for g in doc.grids:
            assert len(g.rows[0]) >= 2
            assert not any(r[0].endswith("。") and len(set(r)) == 1 for r in g.rows)


def test_pdf_page_at(pdf_docs):
    doc = pdf_docs["huaian_2024.pdf"]
    assert doc.page_at(0) == 1
    assert doc.page_at(len(doc.text) - 1) == 6
    assert doc.page_at(doc.page_starts[2]) == 3


HTML = """<!DOCTYPE html><html><head><title>测试县2023年政府信息公开工作年度报告</title>
<script>var x = "一、总体情况";</script><style>p {{}}</style></head>
<body><header>网站首页</header><nav>导航 首页 政务公开</nav>
<div class="breadcrumb">当前位置：首页 &gt; 政务公开</div>
<div id="content"><h1>测试县2023年政府信息公开工作年度报告</h1>
{paragraphs}
<table border="1">
<tr><td rowspan="3" colspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td><td colspan="7">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
<tr><td>商业<br>企业</td><td>科研<br>机构</td><td>社会<br>公益<br>组织</td><td>法律<br>服务<br>机构</td><td>其他</td></tr>
<tr><td colspan="3">一、本年新收政府信息公开申请数量</td><td>21</td><td>&nbsp;</td><td>0</td><td>0</td><td>0</td><td>0</td><td>21</td></tr>
</table>
<p>五、存在的主要问题及改进情况</p><p>问题。</p></div>
<footer>版权所有 打印本页 关闭窗口</footer></body></html>"""


def test_html_rendering(tmp_path):
    raw = (REPORTS / "hengshan_2023.txt").read_text(encoding="utf-8")
    narrative = [ln for ln in raw.split("\n")[:12] if "|" not in ln and ln.strip()]
    html = HTML.format(paragraphs="\n".join(f"<p>{ln}</p>" for ln in narrative))
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    doc = load(path)
    assert doc.format == "html"
    assert "var x" not in doc.text and "导航" not in doc.text and "版权所有" not in doc.text
    assert "当前位置" not in doc.text
    for ln in narrative:
        assert ln.strip() in doc.text.split("\n")
    assert len(doc.grids) == 1
    g = doc.grids[0]
    assert [len(r) for r in g.rows] == [10, 10, 10, 10]
    assert g.rows[0][3:] == ["申请人情况"] * 7
    assert g.rows[1][4:9] == ["法人或其他组织"] * 5 and g.rows[2][3] == "自然人" and g.rows[2][9] == "总计"
    assert g.rows[2][4:9] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    assert g.rows[3][:4] == ["一、本年新收政府信息公开申请数量"] * 3 + ["21"]
    assert g.rows[3][4] == ""  # &nbsp; cell
    lines = doc.text.split("\n")
    assert lines[g.line - 1] == " | ".join(g.rows[0])
    assert lines[g.line + 2] == " | ".join(g.rows[3])


def test_html_sniffed_by_content_despite_txt_extension(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(
        "<html><body><p>一、总体情况</p><table><tr><td>a</td><td>1</td></tr></table></body></html>",
        encoding="utf-8",
    )
    doc = load(path)
    assert doc.format == "html" and doc.grids[0].rows == [["a", "1"]]


def test_blank_template_docx():
    doc = load(BLANK_DOCX)
    assert doc.format == "docx"
    assert [len(g.rows[0]) for g in doc.grids] == [4, 10, 15]
    lines = doc.text.split("\n")
    # paragraphs and tables interleaved in body order
    assert lines.index("二、主动公开政府信息情况") < doc.grids[0].line - 1
    assert lines.index("三、收到和处理政府信息公开申请情况") < doc.grids[1].line - 1
    assert any("本年新收政府信息公开申请数量" in r[0] for r in doc.grids[1].rows)


def test_docx_rendering_of_sample_tables(tmp_path, pdf_docs):
    import docx

    source = pdf_docs["huaian_2024.pdf"]
    document = docx.Document()
    document.add_paragraph("淮安市人民政府2024年政府信息公开工作年度报告")
    for g in source.grids:
        document.add_paragraph(f"表格（第{g.page}页）")
        table = document.add_table(rows=len(g.rows), cols=len(g.rows[0]))
        for r, row in enumerate(g.rows):
            for c, value in enumerate(row):
                table.cell(r, c).text = value
    path = tmp_path / "huaian.docx"
    document.save(path)
    doc = load(path)
    assert doc.format == "docx"
    assert [g.rows for g in doc.grids] == [g.rows for g in source.grids]
    lines = doc.text.split("\n")
    assert lines[0] == "淮安市人民政府2024年政府信息公开工作年度报告"
    for g in doc.grids:
        assert lines[g.line - 2].startswith("表格")


def test_docx_merged_cells_repeat(tmp_path):
    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "三、本年度办理结果"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "（一）予以公开"
    table.cell(1, 1).text = "1"
    table.cell(1, 2).text = "2"
    path = tmp_path / "m.docx"
    document.save(path)
    g = load(path).grids[0]
    assert g.rows == [
        ["三、本年度办理结果", "（一）予以公开", "（一）予以公开"],
        ["三、本年度办理结果", "1", "2"],
    ]


# ------------------------------------------------------------------ garbage
def _rejects(path, *words):
    with pytest.raises(RejectedFile) as exc:
        load(path)
    msg = str(exc.value)
    for w in words:
        assert w in msg
    return msg


def test_random_bytes_rejected(tmp_path):
    path = tmp_path / "random.txt"
    path.write_bytes(os.urandom(20000))
    _rejects(path, "/")


def test_random_bytes_without_nul_rejected(tmp_path):
    data = bytes(b for b in os.urandom(40000) if b != 0)
    path = tmp_path / "random2.dat"
    path.write_bytes(data)
    _rejects(path)


def test_empty_and_blank_files_rejected(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    _rejects(empty, "文件为空", "empty")
    blank = tmp_path / "blank.txt"
    blank.write_text(" \n\n \r\n", encoding="utf-8")
    _rejects(blank)


def test_truncated_pdf_rejected(tmp_path):
    raw = (REPORTS / "hongze_2023.pdf").read_bytes()
    path = tmp_path / "half.pdf"
    path.write_bytes(raw[: len(raw) // 2])
    _rejects(path, "PDF")


def test_truncated_docx_rejected(tmp_path):
    raw = BLANK_DOCX.read_bytes()
    path = tmp_path / "half.docx"
    path.write_bytes(raw[: len(raw) // 2])
    _rejects(path, "DOCX")


def test_pdf_extension_without_pdf_content_rejected(tmp_path):
    path = tmp_path / "fake.pdf"
    path.write_text("这不是PDF", encoding="utf-8")
    _rejects(path, "PDF")


def test_unsupported_formats_rejected(tmp_path):
    png = tmp_path / "a.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(100))
    _rejects(png, "PNG")
    doc = tmp_path / "old.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    _rejects(doc, ".doc")
    import zipfile

    z = tmp_path / "a.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("x.txt", "hello")
    _rejects(z, "DOCX")


def test_too_large_file_rejected_before_reading(tmp_path):
    path = tmp_path / "big.txt"
    with path.open("wb") as fh:  # sparse: 50 MB without writing 50 MB
        fh.seek(50 * 1024 * 1024)
        fh.write(b"x")
    settings.configure(max_file_mb=1)
    try:
        t0 = time.perf_counter()
        _rejects(path, "文件过大", "too large")
        assert time.perf_counter() - t0 < 0.5
    finally:
        settings.reset()


def test_missing_file_rejected(tmp_path):
    _rejects(tmp_path / "nope.txt")


@pytest.mark.parametrize("name", sorted(p.name for p in NEGATIVE.glob("*.pdf")) if NEGATIVE.exists() else [])
def test_negative_pdfs_load_or_reject_cleanly(name):
    try:
        doc = load(NEGATIVE / name)
    except RejectedFile as exc:
        assert str(exc)
        return
    assert doc.format == "pdf" and doc.page_starts
