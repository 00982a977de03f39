"""Escaping report text for the two places it is shown: HTML fragments and chat markdown.

Report text is untrusted (a report may contain `<script>` or markdown tricks); everything taken from a
report goes through one of these before it reaches the browser.
"""

from __future__ import annotations

import html
import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|~])")


def h(text: object) -> str:
    """HTML-escape any value (None -> empty)."""
    return html.escape("" if text is None else str(text), quote=True)


def h_lines(text: object) -> str:
    """HTML-escape and keep line breaks without blank lines (a blank line would end an HTML block in markdown)."""
    lines = [h(x) for x in ("" if text is None else str(text)).splitlines()]
    return "<br>".join(x for x in lines if x.strip())


def md(text: object) -> str:
    """Escape text for markdown: markdown syntax backslash-escaped, HTML made inert."""
    s = "" if text is None else str(text)
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return html.escape(s, quote=False)


def inert_markdown(text: object) -> str:
    """Keep the answerer's markdown (bold, lists, `>` quotes) but make any raw HTML inside it show as text:
    without a literal `<` no tag, comment or autolink can start."""
    return ("" if text is None else str(text)).replace("<", "&lt;")


def plain_answer(answer: dict) -> dict:
    """The Answer JSON for API clients: the answer's markdown without HTML entities (the chat's
    copy keeps them, since the chat renders HTML). Report text stays backslash-escaped markdown."""
    out = dict(answer)
    out["answer"] = html.unescape(str(answer.get("answer", "")))
    return out
