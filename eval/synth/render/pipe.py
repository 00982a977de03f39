"""Plain text copied from a mirror site (like hengshan_2023.txt): one paragraph a line, tables as rows
of ` | `-separated cells, each row padded with empty placeholder cells to the table's width."""

from __future__ import annotations

import random
from pathlib import Path

from eval.synth.document import Document
from eval.synth.layout import LTable
from eval.synth.noise import clutter_line, noisy_text


def table_lines(table: LTable, rng: random.Random) -> list[str]:
    lines = []
    for row in table.rows:
        texts = [_maybe_split(c.text, rng) if c.header else c.text for c in row]
        texts += [""] * (table.width - len(texts))
        line = "".join(f"{t} | " if t else "|" for t in texts).rstrip()
        lines.append(line)
    return lines


def _maybe_split(label: str, rng: random.Random) -> str:
    """Header labels broken over two lines in the original come out as 「商业 企业」."""
    if len(label) == 4 and rng.random() < 0.4:
        return label[:2] + " " + label[2:]
    return label


def render_lines(doc: Document, rng: random.Random, noise: bool) -> list[str]:
    lines = [doc.body, doc.title.removeprefix(doc.body), doc.date_line, doc.intro]
    if noise:
        lines.insert(0, clutter_line(rng))
    for sec in doc.sections:
        lines.append(sec.heading)
        if sec.table is not None:
            lines.extend(table_lines(sec.table, rng))
        for p in sec.paragraphs:
            lines.append(p)
            if noise and rng.random() < 0.15:
                lines.append(clutter_line(rng, page=rng.randint(1, 6)))
    if noise:
        lines = [noisy_text(line, rng) for line in lines]
        lines.append(clutter_line(rng))
    return lines


def render(doc: Document, path: Path, rng: random.Random, noise: bool = False) -> Path:
    path.write_text("\n".join(render_lines(doc, rng, noise)) + "\n", encoding="utf-8")
    return path
