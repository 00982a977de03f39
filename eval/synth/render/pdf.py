"""A PDF with ruled tables (reportlab), CJK text in the built-in CID font STSong-Light so no font
file is needed; pdfplumber extracts its text and tables."""

from __future__ import annotations

import random
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from eval.synth.document import Document
from eval.synth.layout import LTable, expand

FONT = "STSong-Light"
_registered = False


def _font() -> None:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True


BODY = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=17, wordWrap="CJK", firstLineIndent=22)
TITLE = ParagraphStyle("title", fontName=FONT, fontSize=15, leading=22, alignment=1, wordWrap="CJK")
HEAD = ParagraphStyle("head", fontName=FONT, fontSize=12, leading=18, wordWrap="CJK")
CELL = ParagraphStyle("cell", fontName=FONT, fontSize=7.5, leading=9.5, alignment=1, wordWrap="CJK")

COL_WIDTHS = {"二": [150, 115, 115, 115], "三": [28, 50, 105] + [36] * 6 + [40], "四": [33] * 15}


def pdf_table(table: LTable) -> Table:
    grid = expand(table)
    data = [[Paragraph(t, CELL) if t else "" for t in row] for row in grid]
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, "black"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTNAME", (0, 0), (-1, -1), FONT),
    ]
    covered: set[tuple[int, int]] = set()
    for i, row in enumerate(table.rows):
        j = 0
        for cell in row:
            while (i, j) in covered:
                j += 1
            if cell.rowspan > 1 or cell.colspan > 1:
                style.append(("SPAN", (j, i), (j + cell.colspan - 1, i + cell.rowspan - 1)))
            for di in range(cell.rowspan):
                for dj in range(cell.colspan):
                    covered.add((i + di, j + dj))
            j += cell.colspan
    return Table(data, colWidths=COL_WIDTHS[table.number], style=TableStyle(style), repeatRows=0)


def render(doc: Document, path: Path, rng: random.Random, noise: bool = False) -> Path:
    _font()
    story = [
        Paragraph(doc.title, TITLE),
        Paragraph(doc.date_line, TITLE),
        Spacer(1, 8),
        Paragraph(doc.intro, BODY),
    ]
    for sec in doc.sections:
        story.append(Paragraph(sec.heading, HEAD))
        if sec.table is not None:
            story.append(pdf_table(sec.table))
            story.append(Spacer(1, 6))
        story.extend(Paragraph(p, BODY) for p in sec.paragraphs)
    SimpleDocTemplate(
        str(path), pagesize=A4, leftMargin=50, rightMargin=50, topMargin=50, bottomMargin=50, title=doc.title
    ).build(story)
    return path
