"""A Word document (python-docx): paragraphs and ruled tables with merged cells."""

from __future__ import annotations

import random
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH

from eval.synth.document import Document
from eval.synth.layout import LTable


def add_table(d, table: LTable) -> None:
    t = d.add_table(rows=len(table.rows), cols=table.width)
    t.style = "Table Grid"
    covered: set[tuple[int, int]] = set()
    for i, row in enumerate(table.rows):
        j = 0
        for cell in row:
            while (i, j) in covered:
                j += 1
            top = t.cell(i, j)
            if cell.rowspan > 1 or cell.colspan > 1:
                top = top.merge(t.cell(i + cell.rowspan - 1, j + cell.colspan - 1))
            top.text = cell.text
            for di in range(cell.rowspan):
                for dj in range(cell.colspan):
                    covered.add((i + di, j + dj))
            j += cell.colspan


def render(doc: Document, path: Path, rng: random.Random, noise: bool = False) -> Path:
    d = docx.Document()
    p = d.add_paragraph(doc.title)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    d.add_paragraph(doc.date_line).alignment = WD_ALIGN_PARAGRAPH.CENTER
    d.add_paragraph(doc.intro)
    for sec in doc.sections:
        d.add_paragraph(sec.heading)
        if sec.table is not None:
            add_table(d, sec.table)
        for para in sec.paragraphs:
            d.add_paragraph(para)
    d.save(str(path))
    return path
