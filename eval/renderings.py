"""Other renderings of a report, for format-invariance tests and the synthetic corpus: the same
report printed from its web page by headless Chromium, scanned (image-only PDF, slightly rotated,
noisy), or converted to markdown / HTML tables. Each keeps the figures; the parser must read the
same facts from every one (or say "uncertain", never a different figure).

System tools (Debian packages, see scripts/system-deps.sh): chromium, poppler-utils (pdftoppm),
img2pdf; Pillow for the noise.
"""

from __future__ import annotations

import html as _html
import random
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
)
_ZERO = re.compile(r"^\s*0\s*$")


def have_tools(*names: str) -> bool:
    return all(shutil.which(n) for n in names)


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def html_to_pdf(html_path: Path, pdf_path: Path, timeout: float = 90) -> Path:
    """Print an HTML file to PDF as a browser's 'Save as PDF' does."""
    exe = chromium()
    if exe is None:
        raise RuntimeError("chromium is not installed (scripts/system-deps.sh)")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
    if not pdf_path.exists() or pdf_path.stat().st_size == 0:
        raise RuntimeError(f"chromium printed nothing for {html_path}")
    return pdf_path


def pdf_to_scan(
    pdf_path: Path,
    out_path: Path,
    seed: int = 0,
    dpi: int = 150,
    max_angle: float = 0.8,
    pages: tuple[int, int] | None = None,
) -> Path:
    """An image-only copy of a PDF as a office scanner makes it: each page rendered in grey
    (pdftoppm), rotated by a random small angle, blurred slightly, speckled, saved as JPEG and
    wrapped into a PDF (img2pdf). No text layer. `pages`: (first, last), 1-based, to scan only those."""
    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png"]
            + (["-f", str(pages[0]), "-l", str(pages[1])] if pages else [])
            + [str(pdf_path), str(tmpd / "p")],
            check=True,
            capture_output=True,
            timeout=120,
        )
        jpgs = []
        for png in sorted(tmpd.glob("p*.png")):
            im = Image.open(png).convert("L")
            im = im.rotate(rng.uniform(-max_angle, max_angle), resample=Image.BICUBIC, expand=False, fillcolor=255)
            im = im.filter(ImageFilter.GaussianBlur(radius=0.6))
            px = im.load()
            w, h = im.size
            for _ in range(w * h // 2000):  # speckles
                x, y = rng.randrange(w), rng.randrange(h)
                px[x, y] = rng.choice((0, 90, 200))
            jpg = png.with_suffix(".jpg")
            im.save(jpg, quality=70)
            jpgs.append(str(jpg))
        subprocess.run(["img2pdf", *jpgs, "-o", str(out_path)], check=True, capture_output=True, timeout=120)
    return out_path


def pipe_text_to_html(text: str, blank_zeros: bool = False, border: bool = True) -> str:
    """A ` | ` text report as a web page: table rows become <tr>, the rest paragraphs. With
    `blank_zeros`, cells printed 0 are left empty (as many sites print them)."""
    parts = ['<!DOCTYPE html><html><head><meta charset="utf-8"><style>'
             "body{font-family:'Noto Serif CJK SC','Noto Sans CJK SC',serif;font-size:14px}"
             f"table{{border-collapse:collapse}}td{{padding:2px 6px;{'border:1px solid #000;' if border else ''}text-align:center}}"
             "</style></head><body>"]
    rows: list[list[str]] = []

    def flush() -> None:
        if rows:
            width = max(len(r) for r in rows)
            parts.append("<table>")
            for r in rows:
                tds = "".join(f"<td>{_html.escape(c)}</td>" for c in r + [""] * (width - len(r)))
                parts.append(f"<tr>{tds}</tr>")
            parts.append("</table>")
            rows.clear()

    for line in text.split("\n"):
        if "|" in line:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if blank_zeros:
                cells = ["" if _ZERO.match(c) else c for c in cells]
            rows.append(cells)
            continue
        flush()
        if line.strip():
            parts.append(f"<p>{_html.escape(line.strip())}</p>")
    flush()
    parts.append("</body></html>")
    return "\n".join(parts)


def pipe_text_to_markdown(text: str) -> str:
    """A ` | ` text report as markdown: tables get a header separator, the title a `#`."""
    out: list[str] = []
    in_table = False
    first = True
    for line in text.split("\n"):
        if "|" in line:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            out.append("| " + " | ".join(cells) + " |")
            if not in_table:
                out.append("|" + "---|" * len(cells))
            in_table = True
            continue
        in_table = False
        s = line.strip()
        if s and first:
            out.append("# " + s)
            first = False
        else:
            out.append(s)
    return "\n".join(out)


def report_html(text: str, facts, template: str, blank_zeros: bool = False, border: bool = True, seed: int = 0) -> str:  # noqa: ANN001
    """A report as its web page shows it: the narrative of `text` with tables 二/三/四 drawn from
    `facts` in the official layout (rowspan/colspan headers, eval.synth.layout). With
    `blank_zeros`, zero cells are left empty, as many sites print them."""
    from eval.synth.layout import build_tables
    from eval.synth.render.html import table_html
    from ingest.textgrid import normalized_lines, table_region

    cells = {f.key(): f.value for f in facts if f.value is not None}
    tables = build_tables(_complete(cells, template), template, random.Random(seed))
    if blank_zeros:
        for t in tables:
            for row in t.rows:
                for c in row:
                    if not c.header and _ZERO.match(c.text):
                        c.text = ""
    lines = text.split("\n")
    region = table_region(list(normalized_lines(text)))
    head, tail = (lines, []) if region is None else (lines[: region[0]], lines[region[2] + 1 :])
    style = (
        "body{font-family:'Noto Serif CJK SC','Noto Sans CJK SC',serif;font-size:14px}"
        + ("" if border else "table,td{border:none!important}")
    )
    parts = [f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{style}</style></head><body>']
    parts += [f"<p>{_html.escape(ln.strip())}</p>" for ln in head if ln.strip()]
    headings = {"二": "二、主动公开政府信息情况", "三": "三、收到和处理政府信息公开申请情况", "四": "四、政府信息公开行政复议、行政诉讼情况"}
    for t in tables:
        parts.append(f"<p><strong>{headings[t.number]}</strong></p>")
        html = table_html(t, lambda s: s)
        parts.append(html if border else html.replace('border="1"', 'border="0"'))
    parts += [f"<p>{_html.escape(ln.strip())}</p>" for ln in tail if ln.strip()]
    parts.append("</body></html>")
    return "\n".join(parts)


def _complete(cells: dict, template: str) -> dict:
    """Every cell the layout draws (group rows and cells the report did not print count 0)."""
    from nianbao import template as T

    out = dict(cells)
    for r in T.T3_ROWS:
        for c in T.T3_COLUMN_ORDER:
            out.setdefault(("三", r.code, c), 0)
    for r, c in T.T4_ORDER:
        out.setdefault(("四", r, c), 0)
    for r in T.T2_ROWS:
        for c in T.t2_columns_for(r.code, template):
            out.setdefault(("二", r.code, c), 0)
    return out


def compare(base, rendered, blank_zeros: bool) -> tuple[list, float, float]:  # noqa: ANN001
    """(cells read differently, share of the original's decided cells read the same, share of its
    non-zero ones). A cell the rendering left blank because it printed 0 may come back computed
    from its row when the original's own total disagrees (the blank total of a broken row): not
    a difference. A row printed all blank may be missing: not a difference either."""
    want = {f.key(): f for f in base.facts if f.value is not None and not f.uncertain}
    got = {f.key(): f for f in rendered.facts}
    broken = {c for v in base.violations for c in v.cells}
    different, same, same_nonzero = [], 0, 0
    for key, f in want.items():
        g = got.get(key)
        if g is None or g.uncertain:
            continue
        if abs(g.value - f.value) <= 1e-4 * max(1.0, abs(f.value)):  # renderings print 4 decimals
            same += 1
            same_nonzero += bool(f.value)
        elif not (blank_zeros and g.computed and f.value == 0 and key in broken):
            different.append((key, f.value, g.value, g.raw))
    nonzero = sum(1 for f in want.values() if f.value)
    return different, same / max(1, len(want)), same_nonzero / max(1, nonzero)


def main(argv: list[str] | None = None) -> int:
    """`python -m eval.renderings REPORT...`: each report printed from its web page (zeros printed /
    blank × borders / none) and, with --scan, also scanned; prints differing cells and recall."""
    import argparse
    import time

    from ingest.parse import parse_file

    ap = argparse.ArgumentParser(description="format invariance of the parser over renderings")
    ap.add_argument("reports", nargs="+")
    ap.add_argument("--scan", action="store_true", help="also scan the blank-zero print and OCR it")
    args = ap.parse_args(argv)
    print("| report | rendering | differing cells | decided cells read the same | non-zero cells read the same | parse s |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        for name in args.reports:
            base = parse_file(name)
            for blank in (False, True):
                for border in (True, False):
                    html = tmpd / "page.html"
                    html.write_text(report_html(base.text, base.facts, base.meta.template, blank, border), encoding="utf-8")
                    pdf = html_to_pdf(html, tmpd / f"p_{blank}_{border}.pdf")
                    t = time.perf_counter()
                    rendered = parse_file(pdf)
                    dt = time.perf_counter() - t
                    diff, same, nz = compare(base, rendered, blank)
                    what = f"printed PDF, zeros {'blank' if blank else 'printed'}, {'borders' if border else 'no borders'}"
                    print(f"| {Path(name).name} | {what} | {len(diff)} | {same:.1%} | {nz:.1%} | {dt:.1f} |")
                    if args.scan and blank and border:
                        scan = pdf_to_scan(pdf, tmpd / "scan.pdf", seed=3)
                        t = time.perf_counter()
                        rendered = parse_file(scan)
                        dt = time.perf_counter() - t
                        diff, same, nz = compare(base, rendered, blank)
                        print(f"| {Path(name).name} | that print scanned (±0.8°, noise) and OCR'd | {len(diff)} | {same:.1%} | {nz:.1%} | {dt:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
