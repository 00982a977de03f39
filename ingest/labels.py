"""Printed table labels -> canonical template codes.

Labels arrive in any template year, traditional or simplified, with spaces, line breaks (one
character per line), typos and several labels run together (「（三）不予公开1.属于国家秘密」).
Matching works on the normalized label with the aliases in nianbao.template: among the aliases
found, the one ending last wins (the deepest label is printed last), then the longest. Context
matters because 「1.」「其他」「总计」 repeat: a child row is accepted only inside its group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from nianbao import template as T

_SPACE = re.compile(r"\s+")

# Markers that announce a table (normalized, spaces removed).
_T2_MARKERS = ("第二十条", "主动公开政府信息情况", "信息内容")
_T3_MARKERS = ("申请人情况", "自然人", "本年新收", "勾稽关系")
_T4_MARKERS = ("结果维持", "尚未审结", "未经复议直接起诉", "复议后起诉")
_END_MARKERS = ("存在的主要问题", "主要问题及改进", "其他需要报告的事项")

# Columns that only one template has: they decide the template of table 二.
_T2021_ONLY = tuple(a for c in T.T2_COLUMNS.values() if c.templates == ("2021",) for a in c.aliases)
_T2019_ONLY = tuple(a for c in T.T2_COLUMNS.values() if c.templates == ("2019",) for a in c.aliases)


def compact(label: str) -> str:
    """A normalized label without whitespace (labels are printed with spaces and line breaks)."""
    return _SPACE.sub("", label or "")


@dataclass(frozen=True)
class RowMatch:
    row: T.Row
    start: int  # where the matched alias starts in the compact label
    end: int


@lru_cache(maxsize=4)
def _aliases(table: str) -> list[tuple[str, T.Row]]:
    rows = {"二": T.T2_ROWS, "三": T.T3_ROWS, "四": T.T4_ROWS}[table]
    out = [(a, r) for r in rows for a in r.aliases]
    out.sort(key=lambda ar: -len(ar[0]))
    return out


def _group_of(label: str) -> str | None:
    """The table 三 group a label opens, if any (（三）不予公开 -> withheld)."""
    best = None
    for r in T.T3_ROWS:
        if not r.group:
            continue
        for a in r.aliases:
            i = label.rfind(a)
            if i >= 0 and (best is None or i > best[0]):
                best = (i, r.code)
    return best[1] if best else None


def match_row(label: str, table: str, group: str | None = None) -> RowMatch | None:
    """The template row a printed label names, in `table`, given the group we are in.

    `label` must be normalized (simplified, width unified); whitespace is ignored. A child row
    matched by a short alias (「其他」) is accepted only inside its group (`group`, or a group named
    in the label itself); distinctive aliases of 3+ characters stand on their own, because group
    labels get cut (「（四）无」 / 「法提供」 across a page break)."""
    text = compact(label)
    if not text:
        return None
    own_group = _group_of(text) if table == "三" else None
    best: RowMatch | None = None
    for alias, r in _aliases(table):
        i = text.rfind(alias)
        if i < 0:
            continue
        if r.parent is not None and len(alias) < 3 and (own_group or group) != r.parent:
            continue  # 「其他」「信访」 mean a child row only inside its group
        end = i + len(alias)
        if best is None or end > best.end or (end == best.end and i < best.start):
            best = RowMatch(r, i, end)
    return best


def group_context(label: str, current: str | None) -> str | None:
    """The group in force after a table 三 label (a group label opens one; a top-level row closes it)."""
    g = _group_of(compact(label))
    return g if g is not None else current


def table_marker(label: str) -> str | None:
    """Which table a header/heading label announces: 二, 三, 四, "end" (section 五/六) or None."""
    text = compact(label)
    if not text:
        return None
    hits = []
    for table, markers in (
        ("二", _T2_MARKERS),
        ("三", _T3_MARKERS),
        ("四", _T4_MARKERS),
        ("end", _END_MARKERS),
    ):
        for m in markers:
            i = text.rfind(m)
            if i >= 0:
                hits.append((i, table))
    if "行政复议" in text and "行政诉讼" in text:
        hits.append((text.rfind("行政诉讼"), "四"))
    return max(hits)[1] if hits else None


def t2_columns(label: str) -> list[str]:
    """Table 二 column codes named in a header label, in print order."""
    text = compact(label)
    found: list[tuple[int, int, str]] = []
    taken = [False] * len(text)
    pairs = sorted(
        ((a, c.code) for c in T.T2_COLUMNS.values() for a in c.aliases), key=lambda ac: -len(ac[0])
    )
    for alias, code in pairs:
        start = 0
        while True:
            i = text.find(alias, start)
            if i < 0:
                break
            if not any(taken[i : i + len(alias)]):
                for k in range(i, i + len(alias)):
                    taken[k] = True
                found.append((i, len(alias), code))
            start = i + 1
    found.sort()
    out: list[str] = []
    for _, _, code in found:
        if code not in out:
            out.append(code)
    return out


def detect_template(header_labels: list[str], t3_rows=()) -> str | None:  # noqa: ANN001
    """The one decision of a report's template: 2021 or 2019 from table 二 column headers
    (本年制发件数 -> 2021, 本年新制作数量 -> 2019), else 2021 when table 三 prints a child of
    （六）其他处理 (a 2021-only row); None when nothing says. Tables, metadata and the geometric
    reader all ask this function."""
    n2021 = n2019 = 0
    for label in header_labels:
        text = compact(label)
        n2021 += sum(a in text for a in _T2021_ONLY)
        n2019 += sum(a in text for a in _T2019_ONLY)
    if n2021 or n2019:
        return "2021" if n2021 >= n2019 else "2019"
    if any(str(code).startswith("other_handling.") for code in t3_rows):
        return "2021"
    return None


_SENTENCE = re.compile(r"[。；;]")
_T2019_MARKERS = ("本年新制作数量", "上一年项目数量", "本年新公开数量")


def detect_template_in_text(text_norm: str) -> str | None:
    """`detect_template` over a whole normalized text: header-like lines (naming a table 二
    column, not a sentence) decide; failing those, a 2019-only column name anywhere."""
    heads = [
        ln
        for ln in text_norm.split("\n")
        if not _SENTENCE.search(ln) and any(a in compact(ln) for a in _T2021_ONLY + _T2019_ONLY)
    ]
    found = detect_template(heads)
    if found:
        return found
    # crawler text runs the tables into the sentences: the 2019 format's own column names decide
    text = compact(text_norm)
    return "2019" if any(m in text for m in _T2019_MARKERS) else None
