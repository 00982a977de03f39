"""One file -> ParsedReport: load -> meta -> sections -> facts -> validate -> passages.

No storing here (that is `ingest.pipeline`); this is the whole per-file reading, so the CLI's
`facts` command, the pipeline and the tests all parse a report the same way. Files that are not
disclosure reports (no template tables, not the six sections, not a pre-2019 report: budgets,
final accounts, garbage) are rejected with a reason; a report whose narrative reads but whose
tables don't is kept with a warning; a pre-2019 report is read by `ingest.legacy`.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict
from pathlib import Path

from ingest.legacy import LEGACY, read_legacy
from ingest.load import load
from ingest.metadata import extract_meta, override_meta, title_year
from ingest.passages import make_passages
from ingest.sections import split_sections
from ingest.tables import extract_facts
from ingest.validate import text_vs_table, validate
from nianbao.types import LoadedDocument, ParsedReport, RejectedFile, Section

MIN_SECTIONS = 4  # a report without tables must at least show most of the six sections

NOT_A_REPORT = (
    "不是政府信息公开工作年度报告：未找到模板表格（二、三、四），也没有年报的六个部分"
    " / not a government information disclosure annual report: no template tables and not the six sections"
)


def _top_sections(sections: list[Section]) -> set[str]:
    return {s.path.split("/")[0] for s in sections}


def parse_document(
    doc: LoadedDocument, sha256: str, body: str | None = None, year: int | None = None
) -> ParsedReport:
    """Parse a loaded document; raises RejectedFile when it is not a disclosure report. `body` /
    `year` are a staff correction (`python -m ingest --body B --year Y`, the upload form): they
    replace what the report's own text says, and let a report whose title names neither in.
    A report whose tables parse is kept with the best reading of an odd title and a warning."""
    sections = split_sections(doc)
    tables = extract_facts(doc, sections)
    has_tables = any(f.value is not None and not f.computed for f in tables.facts)
    legacy = None if has_tables else read_legacy(doc, year or title_year(doc))
    if legacy is not None:
        sections = legacy.sections
    elif not has_tables and len(_top_sections(sections)) < MIN_SECTIONS:
        raise RejectedFile(NOT_A_REPORT)
    warnings: list[str] = []
    if body is not None or year is not None:
        try:
            meta = override_meta(doc, body, year)
        except ValueError as exc:
            raise RejectedFile(str(exc)) from exc
        warnings.append(f"机关/年度由工作人员指定：{meta.body} {meta.year}年 / body and year set by staff")
    else:
        meta = extract_meta(doc, warnings)
    facts = tables.facts
    if legacy is not None:
        meta.template, facts, violations = LEGACY, legacy.facts, []
        warnings.append(
            f"{meta.year}年报告早于2019年统一表格：正文按其自身章节收录，正文明确写出的统计数字作为事实"
            f"（{len(facts)}项） / pre-2019 report: narrative by its own sections, stated figures as facts"
        )
    else:
        if has_tables:
            meta.template = tables.template
        warnings += tables.warnings
        if not has_tables:
            warnings.insert(0, "未能读出表格数字，仅收录正文 / tables could not be read; narrative only")
        violations = validate(facts, tables.template) + text_vs_table(doc.text, facts)
    return ParsedReport(
        path=doc.path,
        sha256=sha256,
        format=doc.format,
        meta=meta,
        text=doc.text,
        sections=sections,
        facts=facts,
        violations=violations,
        passages=make_passages(doc, sections),
        warnings=warnings,
    )


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def parse_file(path: str | Path, body: str | None = None, year: int | None = None) -> ParsedReport:
    """Load and parse one file; raises RejectedFile (message = the reason) for non-reports.
    `body` / `year`: staff correction of what the report says (see `parse_document`); the web
    upload form calls this with its fields."""
    return parse_document(load(path), file_sha256(path), body=body, year=year)


def facts_command(path: str, out=None, body: str | None = None, year: int | None = None) -> int:  # noqa: ANN001
    """`python -m ingest facts FILE`: the file's facts as JSON lines (body and year on each);
    rejected files print the reason on stderr and return 1."""
    out = out or sys.stdout
    try:
        rep = parse_file(path, body=body, year=year)
    except RejectedFile as e:
        print(f"rejected: {path}: {e}", file=sys.stderr)
        return 1
    try:
        for f in rep.facts:
            rec = {"body": rep.meta.body, "year": rep.meta.year, **asdict(f)}
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        out.flush()
    except BrokenPipeError:  # `| head`: the reader has what it wanted
        sys.stderr.close()
    return 0
