"""Markdown composition: citations, number formatting, escaping and narrative quotes.

Answers are built deterministically from cells and passages. Fact statements and narrative
quotes share one numbered citation list so every figure and every quoted sentence points
at its source. Report text is untrusted (it may contain `<script>` or `*`): it is escaped
before it goes into markdown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from nianbao.text import clean_original, to_simplified

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~>])")


def escape_md(text: str) -> str:
    """Escape report text for markdown and HTML: no tags, no emphasis, no links."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def fmt_num(value: float | None) -> str:
    """A cell value as printed: integers without decimals, decimals trimmed."""
    if value is None:
        return "?"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def fmt_pct(ratio: float) -> str:
    return f"{ratio * 100:.1f}%"


@dataclass
class Citation:
    """One source: a table cell (with `cell`) or a narrative passage."""

    report: str
    body: str
    year: int
    section: str
    text: str
    cell: dict | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        if d["cell"] is None:
            del d["cell"]
        return d

    def key(self) -> tuple:
        if self.cell:
            c = self.cell
            return (self.report, c.get("table"), c.get("row"), c.get("column"))
        return (self.report, self.section, self.text)


class Citations:
    """The numbered source list of one answer; adding the same source twice reuses its number."""

    def __init__(self) -> None:
        self.items: list[Citation] = []
        self._index: dict[tuple, int] = {}

    def add(self, citation: Citation) -> int:
        k = citation.key()
        if k not in self._index:
            self.items.append(citation)
            self._index[k] = len(self.items)
        return self._index[k]

    def has_cell(self, report: str, table: str, row: str, column: str) -> bool:
        """Whether one table cell is already cited (by an earlier clause of the same answer)."""
        return any(
            c.report == report
            and c.cell
            and (c.cell.get("table"), c.cell.get("row"), c.cell.get("column")) == (table, row, column)
            for c in self.items
        )

    def marks(self, citations: list[Citation]) -> str:
        nums = sorted({self.add(c) for c in citations})
        return "".join(f"[{n}]" for n in nums)

    def to_list(self) -> list[dict]:
        return [c.to_dict() for c in self.items]

    def markdown(self) -> str:
        if not self.items:
            return ""
        lines = ["", "", "**来源**", ""]
        for i, c in enumerate(self.items, 1):
            where = f"{c.body} {c.year}年报告"
            if c.cell:
                cell = c.cell
                loc = ""
                if cell.get("source") == "ocr":
                    loc = f"，OCR 识别，第{cell.get('page') or '?'}页"
                elif cell.get("page"):
                    loc = f"，第{cell['page']}页"
                elif cell.get("line"):
                    loc = f"，第{cell['line']}行"
                value = cell.get("value")
                shown = fmt_num(value) if value is not None else "无法确定"
                row_label = escape_md(clean_original(cell.get("row_label") or ""))
                col_label = escape_md(clean_original(cell.get("column_label") or ""))
                lines.append(
                    f"[{i}] {escape_md(where)} · 表{cell.get('table')} · {row_label} / {col_label} = {shown}{loc}"
                )
            else:
                snippet = c.text if len(c.text) <= 80 else c.text[:80] + "…"
                lines.append(
                    f"[{i}] {escape_md(where)} · 第{escape_md(c.section)}部分 · “{escape_md(snippet)}”"
                )
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------
# Narrative quotes
# ------------------------------------------------------------------------------------------
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")
_ENUM = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+是|（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|\d+[.、．])"
)
_ENUM_ANY = re.compile(r"[一二三四五六七八九十]+是")


def split_sentences(text: str) -> list[str]:
    parts = [s.strip() for s in _SENTENCE_END.split(text.replace("\n", ""))]
    return [s for s in parts if s]


def _bigrams(text: str) -> set[str]:
    t = re.sub(r"\s+", "", text)
    return {t[i : i + 2] for i in range(len(t) - 1)}


def _clip(item: str, n: int) -> str:
    """An item up to its first sentence end (kept), or n characters and an ellipsis."""
    m = re.search(r"[。；;！？]", item)
    if m and m.end() <= n:
        return item[: m.end()]
    return item if len(item) <= n else item[:n] + "…"


def enumeration(text: str, limit: int) -> str:
    """「…：一是A。二是B。三是C。」 with each item cut to its first sentence; "" if no enumeration."""
    marks = list(_ENUM_ANY.finditer(text))
    if len(marks) < 2:
        return ""
    lead = text[: marks[0].start()]
    if len(lead) > 120:
        lead = "…" + lead[-100:]
    items = [
        text[m.start() : (marks[k + 1].start() if k + 1 < len(marks) else len(text))]
        for k, m in enumerate(marks)
    ]
    per_item = max(60, (limit - len(lead)) // len(items))
    return lead + "".join(_clip(it, per_item) for it in items)


def _matching(text: str) -> str:
    """Simplified form of `text` for matching, or `text` itself when conversion changed lengths."""
    simple = to_simplified(text)
    return simple if len(simple) == len(text) else text


def key_sentences(text: str, query_norm: str, limit: int = 320, must: Sequence[str] = ()) -> str:
    """The sentences of a passage that answer the question, in the report's order, in the
    report's own characters (`text` is the original; matching runs on its simplified form).

    When the passage enumerates (一是…二是…), the enumeration is kept whole (each item cut to its
    first sentence) rather than quoting one item out of its list — unless that would drop the
    `must` words (e.g. the qualifier 「网上」 of 「网上申请多少件」), which pick the sentences first.
    """
    text = clean_original(text)
    simple = _matching(text)
    cut = heading_length(simple)
    text, simple = text[cut:], simple[cut:]
    sentences = split_sentences(text)
    if not sentences:
        return ""
    if len(text) <= limit:
        return text.strip()
    must = [m for m in dict.fromkeys(must) if m and m in simple]
    enum = enumeration(text, limit * 2)
    if enum and all(m in _matching(enum) for m in must):
        return enum
    norm_sents = split_sentences(simple)
    if len(norm_sents) != len(sentences):
        norm_sents = sentences
    q = _bigrams(query_norm)

    def rank(i: int) -> tuple:
        s = norm_sents[i]
        return (-sum(m in s for m in must), -len(q & _bigrams(s)), i)

    chosen: list[int] = []
    total = 0
    for i in sorted(range(len(sentences)), key=rank):
        if total + len(sentences[i]) > limit and chosen:
            break
        chosen.append(i)
        total += len(sentences[i])
    return "".join(sentences[i] for i in sorted(chosen))


_HEADING = re.compile(r"^\s*[一二三四五六七八九十]+、[^\d，。；：:（(]{2,30}(?:情况|事项)[：:]?\s*")


def heading_length(text: str) -> int:
    """Length of a section heading glued to the passage start (「一、总体情况2024年，…」), 0 if none
    or if the heading is all there is. Matched on the simplified form."""
    m = _HEADING.match(text)
    return m.end() if m and text[m.end() :].strip() else 0


def strip_heading(text: str) -> str:
    """Drop a section heading glued to the passage start."""
    return text[heading_length(_matching(text)) :]


def quote_block(text: str) -> str:
    return "\n".join("> " + escape_md(line) for line in text.splitlines() if line.strip())
