"""Hostile files (generated here) are refused before full parsing, or killed in their worker.

Issue 10 defect 1: a 3.9 MB DOCX whose document.xml inflates to ~1 GB drove the server to 4.6 GB.
"""

from __future__ import annotations

import resource
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from ingest.limits import check_pdf
from ingest.load import load
from ingest.sandbox import parse_isolated
from nianbao import settings as nb_settings
from nianbao.types import RejectedFile

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "reports"
BLANK_DOCX = Path(__file__).resolve().parent / "data" / "template_2021_blank.docx"


@pytest.fixture(autouse=True)
def _settings(tmp_path):
    nb_settings.reset()
    nb_settings.configure(home=tmp_path / "home")
    yield
    nb_settings.reset()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def zip_bomb(path: Path, mb: int) -> Path:
    """A DOCX-shaped zip whose word/document.xml inflates to `mb` MB of one repeated tag."""
    chunk = b"<w:p/>" * (1 << 18)  # 1.5 MB
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0"?><w:document><w:body>')
            for _ in range(int(mb * (1 << 20) / len(chunk))):
                fh.write(chunk)
            fh.write(b"</w:body></w:document>")
    return path


def test_docx_zip_bomb_is_refused_before_parsing(tmp_path):
    bomb = zip_bomb(tmp_path / "bomb.docx", 300)
    assert bomb.stat().st_size < 2 << 20  # small on disk
    before = rss_mb()
    t0 = time.perf_counter()
    with pytest.raises(RejectedFile, match="压缩炸弹|zip bomb"):
        load(bomb)
    assert time.perf_counter() - t0 < 5
    assert rss_mb() - before < 100  # nothing was inflated


def test_docx_with_a_too_high_ratio_under_the_size_limit_is_refused(tmp_path):
    bomb = zip_bomb(tmp_path / "ratio.docx", 30)  # 30 MB < 100 MB, but ~1000:1
    with pytest.raises(RejectedFile, match="压缩比"):
        load(bomb)


def test_real_docx_still_loads():
    doc = load(BLANK_DOCX)
    assert doc.format == "docx" and doc.grids


def raw_pdf(path: Path, pages: int, content: bytes = b"") -> Path:
    """A minimal valid PDF with `pages` pages sharing one (optionally huge) content stream."""
    comp = zlib.compress(content, 9)
    kids = " ".join(f"{4 + i} 0 R" for i in range(pages))
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(comp) + comp + b"\nendstream",
    ]
    objs += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R >>"] * pages
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offsets:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def test_pdf_with_too_many_pages_is_refused_before_parsing(tmp_path):
    nb_settings.configure(max_pdf_pages=20)
    pdf = raw_pdf(tmp_path / "long.pdf", 21)
    with pytest.raises(RejectedFile, match="页数过多"):
        load(pdf)
    check_pdf(raw_pdf(tmp_path / "ok.pdf", 20))  # at the limit: accepted by the check


def test_deeply_nested_html_is_refused(tmp_path):
    f = tmp_path / "deep.html"
    f.write_text("<html><body>" + "<div>" * 5000 + "政府信息公开" + "</div>" * 5000 + "</body></html>")
    t0 = time.perf_counter()
    with pytest.raises(RejectedFile, match="嵌套过深"):
        load(f)
    assert time.perf_counter() - t0 < 5


@pytest.mark.slow
def test_pdf_stream_bomb_kills_only_its_worker(tmp_path):
    """A PDF whose one content stream inflates to 300 MB passes the cheap checks (1 page, 4 objects);
    in-process, parsing it takes minutes and gigabytes. The worker is stopped by its limits and
    the file is refused with a reason; this process's memory is untouched."""
    bomb = raw_pdf(tmp_path / "bomb.pdf", 1, b"0 0 m\n" * 50_000_000)
    before = rss_mb()
    t0 = time.perf_counter()
    with pytest.raises(RejectedFile):
        parse_isolated(bomb, memory_mb=256, seconds=20)
    assert time.perf_counter() - t0 < 40
    assert rss_mb() - before < 100


@pytest.mark.slow
def test_worker_cpu_limit_stops_a_long_parse(tmp_path):
    bomb = raw_pdf(tmp_path / "slow.pdf", 1, b"0 0 m\n" * 20_000_000)
    t0 = time.perf_counter()
    with pytest.raises(RejectedFile, match="超时|内存|memory|time"):
        parse_isolated(bomb, memory_mb=4096, seconds=2)
    assert time.perf_counter() - t0 < 15


def test_isolated_parse_equals_in_process_parse():
    from ingest.parse import parse_file

    path = SAMPLES / "hengshan_2023.txt"
    a, b = parse_isolated(path), parse_file(path)
    assert a.report_id == b.report_id and a.meta == b.meta
    assert [(f.table, f.row, f.column, f.value) for f in a.facts] == [
        (f.table, f.row, f.column, f.value) for f in b.facts
    ]
