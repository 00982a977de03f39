"""Format invariance: a report rendered another way — its web page printed to PDF by headless
Chromium (zeros printed or left blank, with and without cell borders), scanned to an image-only
PDF, converted to markdown — must give the same facts as the original, or say "uncertain";
never a different figure. Renderings x reports are chosen to keep this to a few minutes: every
sample report is printed from HTML once or twice, and one rendering goes through OCR."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval import renderings as R
from eval.renderings import compare
from ingest.parse import parse_file

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "data" / "reports"
DEV = ROOT / "tests" / "data" / "dev-reports"

needs_chromium = pytest.mark.skipif(R.chromium() is None, reason="chromium not installed (scripts/system-deps.sh)")
needs_scan_tools = pytest.mark.skipif(not R.have_tools("pdftoppm", "img2pdf"), reason="poppler-utils/img2pdf missing")

# (report, zeros left blank, cell borders): each sample once or twice, both kinds of blank/border
PRINTS = [
    ("hengshan_2023.txt", True, False),
    ("hengshan_2023.txt", False, True),
    ("pingtan_2022.txt", True, True),
    ("hongze_2023.pdf", True, False),
    ("hongze_2024.pdf", False, False),
    ("huaian_2024.pdf", True, True),
]


def _dev_prints() -> list[tuple[str, bool, bool]]:
    if not DEV.exists():
        return []
    html = sorted(DEV.glob("*.html"))
    text = sorted(DEV.glob("*.txt"))
    picked = html[:1] + text[:1] + text[-1:]  # the HTML one, the oldest and the newest crawler text
    return [(f"dev:{p.name}", k % 2 == 0, k % 2 == 1) for k, p in enumerate(picked)]


def _source(name: str) -> Path:
    return DEV / name[4:] if name.startswith("dev:") else REPORTS / name


@pytest.fixture(scope="module")
def originals():
    cache = {}

    def get(name: str):
        if name not in cache:
            cache[name] = parse_file(_source(name))
        return cache[name]

    return get


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize(("name", "blank_zeros", "border"), PRINTS + _dev_prints())
def test_web_page_printed_to_pdf(name, blank_zeros, border, originals, tmp_path):
    base = originals(name)
    html = tmp_path / "page.html"
    html.write_text(R.report_html(base.text, base.facts, base.meta.template, blank_zeros, border), encoding="utf-8")
    pdf = R.html_to_pdf(html, tmp_path / "printed.pdf")
    rendered = parse_file(pdf)
    assert (rendered.meta.body, rendered.meta.year) == (base.meta.body, base.meta.year)
    different, same, same_nonzero = compare(base, rendered, blank_zeros)
    assert different == []
    assert same_nonzero >= 0.97, same_nonzero
    # with zeros left blank, rows printed entirely blank (a zero row of table 二 or 四) may be missing
    assert same >= (0.75 if blank_zeros else 0.97), same


@pytest.mark.slow
@pytest.mark.parametrize("name", ["hengshan_2023.txt"])
def test_markdown(name, originals, tmp_path):
    base = originals(name)
    md = tmp_path / (Path(name).stem + ".md")
    md.write_text(R.pipe_text_to_markdown(base.text), encoding="utf-8")
    rendered = parse_file(md)
    assert (rendered.meta.body, rendered.meta.year) == (base.meta.body, base.meta.year)
    different, same, _ = compare(base, rendered, False)
    assert different == [] and same == 1.0


@pytest.mark.slow
@needs_chromium
@needs_scan_tools
def test_printed_page_scanned_then_ocrd(originals, tmp_path):
    """The hardest composite: a web page that leaves zeros blank, printed, then scanned askew."""
    base = originals("hengshan_2023.txt")
    html = tmp_path / "page.html"
    html.write_text(R.report_html(base.text, base.facts, base.meta.template, True, True), encoding="utf-8")
    pdf = R.html_to_pdf(html, tmp_path / "printed.pdf")
    scan = R.pdf_to_scan(pdf, tmp_path / "scan.pdf", seed=3)
    rendered = parse_file(scan)
    assert (rendered.meta.body, rendered.meta.year) == (base.meta.body, base.meta.year)
    different, same, same_nonzero = compare(base, rendered, True)
    assert different == []
    assert same_nonzero >= 0.9 and same >= 0.75, (same_nonzero, same)
