"""Synthetic reports straight into the stores, without rendering and parsing each file.

Why: at 10^5 reports rendering + parsing (~50 ms a file) and embedding every passage would take
most of a day on two cores, while what a scale benchmark measures is the stores and answering.
The facts are the generator's cells (what a perfect parse gives), the violations come from the
real validator (ingest.validate), and one passage per narrative paragraph. Parsing speed and
real-file ingest are measured separately on a rendered sample (eval/bench.py).
"""

from __future__ import annotations

import hashlib

from eval.synth.corpus import SynthReport
from ingest.validate import validate
from nianbao.types import Fact, ParsedReport, Passage, ReportMeta, Section


def parsed_from_synth(rep: SynthReport) -> ParsedReport:
    """The ParsedReport a perfect parser would give for this synthetic report."""
    facts = [
        Fact(table=t, row=r, column=c, value=float(v), unit=_unit(t, c), raw=_raw(v))
        for (t, r, c), v in sorted(rep.cells.items())
    ]
    text_parts, passages, sections = [], [], []
    pos = 0
    for number, paragraphs in sorted(rep.narrative.sections.items()):
        start = pos
        for para in paragraphs:
            passages.append(
                Passage(
                    text=para,
                    section=number,
                    section_title=number,
                    start=pos,
                    end=pos + len(para),
                    search_text=para,  # generated text is already simplified and clean
                )
            )
            text_parts.append(para)
            pos += len(para) + 1
        sections.append(Section(number, number, start, pos))
    text = "\n".join(text_parts)
    sha = hashlib.sha256(f"synth:{rep.seed}:{rep.body.name}:{rep.year}".encode()).hexdigest()
    return ParsedReport(
        path=f"synth/{rep.file}",
        sha256=sha,
        format="synth",
        meta=ReportMeta(
            body=rep.body.name, aliases=list(rep.body.aliases), year=rep.year, template=rep.template
        ),
        text=text,
        sections=sections,
        facts=facts,
        violations=validate(facts, rep.template),
        passages=passages,
    )


def _unit(table: str, col: str) -> str:
    from nianbao import template as T

    c = T.COLUMNS[table].get(col)
    return c.unit if c is not None else "件"


def _raw(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)
