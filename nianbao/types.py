"""Typed records passed between ingest, the stores, rag and eval.

Kept free of behaviour so every module can import them without pulling in heavy deps.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Grid:
    """A table as the loader saw it: rows of cell strings, original characters, no merging undone
    beyond rowspan/colspan expansion. `page` is 1-based for PDFs, None otherwise; `line` is the
    1-based line of the first row in the loader's text for text formats."""

    rows: list[list[str]]
    page: int | None = None
    line: int | None = None
    # OCR'd grids: the recogniser's confidence per cell (None for label/empty cells), same shape as
    # `rows`; `source` is "ocr" for recognised pages, "" for a text layer / markup.
    conf: list[list[float | None]] | None = None
    source: str = ""


@dataclass
class LoadedDocument:
    """What a loader returns: the document's text (original characters, one logical line per
    line) and the tables it found as grids. For formats whose tables are just text (plain text),
    `grids` is empty and the table parser reads `text`. `page_starts[i]` is the character offset
    where page i+1 begins in `text` (empty for unpaged formats)."""

    path: str
    format: str  # "text" | "html" | "pdf" | "docx"
    text: str
    grids: list[Grid] = field(default_factory=list)
    page_starts: list[int] = field(default_factory=list)
    encoding: str | None = None
    # Tables read by geometry (ingest.geotable: numbers placed under their column headers by
    # x-position), a second reading of the same tables for PDFs; the table parser lets the
    # template's arithmetic choose between readings. `ocr_pages`: 1-based pages read by OCR.
    layout_grids: list[Grid] = field(default_factory=list)
    ocr_pages: list[int] = field(default_factory=list)

    @property
    def normalized(self):  # noqa: ANN201 - nianbao.text.NormText, imported lazily (opencc)
        """The one matching form of `text`, with offsets (built once per text and cached):
        metadata, sections, tables and passages all read this."""
        from nianbao.text import normalize_document

        return normalize_document(self.text)

    def page_at(self, offset: int) -> int | None:
        page = None
        for i, start in enumerate(self.page_starts):
            if start <= offset:
                page = i + 1
        return page


@dataclass
class ReportMeta:
    body: str  # full name, simplified: 衡山县人民政府
    aliases: list[str]  # short forms: 衡山县, 衡山
    year: int  # the year the figures cover
    template: str  # "2021" | "2019"
    published: str | None = None  # ISO date when the report states one
    title: str | None = None


@dataclass
class Section:
    path: str  # "一" or "一/（二）"
    title: str  # heading as printed (original characters)
    start: int  # character offsets into the original text
    end: int


@dataclass
class Fact:
    table: str  # 二 | 三 | 四
    row: str  # canonical row code (nianbao.template)
    column: str  # canonical column code
    value: float | None  # None only when uncertain and no value could be decided
    unit: str = "件"
    raw: str = ""  # the cell text as printed (or the run-together text it was split from)
    row_label: str = ""  # row label as printed (original characters)
    column_label: str = ""  # column label as printed
    page: int | None = None
    line: int | None = None
    blank: bool = False  # printed blank, recorded as 0
    computed: bool = False  # not printed; computed (e.g. a blank total)
    uncertain: bool = False  # split of run-together cells was ambiguous
    note: str = ""
    # Every value still possible for an uncertain cell (distinct, in reading order), so later
    # steps (cross-year, staff) can pick one. Stored typed (JSON), never parsed out of `note`.
    candidates: list[float] = field(default_factory=list)
    # When the ambiguity is a whole row (digits run together that split several ways, ingest.split):
    # every complete reading of the row (its values in the row's column order, the same list on
    # each of the row's cells) and this cell's index in a reading. Empty/None otherwise, and when
    # the split search stopped early (an incomplete list must never decide a value).
    splits: list[tuple[float, ...]] = field(default_factory=list)
    split_pos: int | None = None
    source: str = ""  # "ocr" when the cell was read from a page image; "" for text
    confidence: float | None = None  # the recogniser's confidence for OCR'd cells

    def key(self) -> tuple[str, str, str]:
        return (self.table, self.row, self.column)


@dataclass
class Violation:
    rule: str  # id from nianbao.template.RULES
    message: str  # plain Chinese sentence quoting both sides
    cells: list[tuple[str, str, str]]  # (table, row, column) involved
    printed: float | None = None  # the printed figure (e.g. a total)
    expected: float | None = None  # what the rule computes (e.g. the sum of parts)
    severity: str = "error"  # "error" | "info" (soft rules, text-vs-table)


@dataclass
class Passage:
    text: str  # original characters, for quoting
    section: str  # section path, e.g. "五" or "一/（二）"
    section_title: str
    start: int  # offsets into the report's original text
    end: int
    page: int | None = None
    search_text: str = ""  # normalized simplified text used for matching/embedding


@dataclass
class ParsedReport:
    path: str
    sha256: str
    format: str
    meta: ReportMeta
    text: str  # original text (after loader, before normalization)
    sections: list[Section]
    facts: list[Fact]
    violations: list[Violation]
    passages: list[Passage]
    warnings: list[str] = field(default_factory=list)

    @property
    def report_id(self) -> str:
        return report_id(self.meta.body, self.meta.year, self.sha256)

    def to_dict(self) -> dict:
        return asdict(self)


def report_id(body: str, year: int, sha256: str) -> str:
    return f"{body}-{year}-{sha256[:10]}"


class RejectedFile(Exception):
    """A file that is not (or not readably) a disclosure report. The message is the reason."""
