"""Markdown composition: citations, number formatting, escaping and narrative quotes.

Answers are built deterministically from cells and passages. Fact statements and narrative
quotes share one numbered citation list so every figure and every quoted sentence points
at its source. Report text is untrusted (it may contain `<script>` or `*`): it is escaped
before it goes into markdown.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

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
                if cell.get("page"):
                    loc = f"，第{cell['page']}页"
                elif cell.get("line"):
                    loc = f"，第{cell['line']}行"
                lines.append(
                    f"[{i}] {escape_md(where)} · 表{cell.get('table')} · "
                    f"{escape_md(cell.get('row_label') or '')} / {escape_md(cell.get('column_label') or '')}"
                    f" = {fmt_num(cell.get('value'))}{loc}"
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


def key_sentences(text: str, query_norm: str, search_text: str | None = None, limit: int = 320) -> str:
    """The sentences of a passage that answer the question, in the report's order.

    When the passage enumerates (一是…二是…), the enumeration is kept whole (each item cut to its
    first sentence) rather than quoting one item out of its list.
    """
    text = strip_heading(text)
    sentences = split_sentences(text)
    if not sentences:
        return ""
    if len(text) <= limit:
        return text.strip()
    enum = enumeration(text, limit * 2)
    if enum:
        return enum
    # Score sentences by overlap with the question (matched on the normalized text where given).
    norm_sents = split_sentences(search_text) if search_text else sentences
    if len(norm_sents) != len(sentences):
        norm_sents = sentences
    q = _bigrams(query_norm)
    scored = sorted(range(len(sentences)), key=lambda i: (-len(q & _bigrams(norm_sents[i])), i))
    chosen: list[int] = []
    total = 0
    for i in scored:
        if total + len(sentences[i]) > limit and chosen:
            break
        chosen.append(i)
        total += len(sentences[i])
    return "".join(sentences[i] for i in sorted(chosen))


_HEADING = re.compile(r"^\s*[一二三四五六七八九十]+、[^\d，。；：:（(]{2,30}(?:情况|事项)[：:]?\s*")


def strip_heading(text: str) -> str:
    """Drop a section heading glued to the passage start (「一、总体情况2024年，…」)."""
    rest = _HEADING.sub("", text, count=1)
    return rest if rest.strip() else text


def quote_block(text: str) -> str:
    return "\n".join("> " + escape_md(line) for line in text.splitlines() if line.strip())
