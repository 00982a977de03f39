"""An HTML page as a government site serves it: clutter around the article, <p> paragraphs and
<table border> tables with rowspan/colspan; some pages in GB18030."""

from __future__ import annotations

import html as _html
import random
from pathlib import Path

from eval.synth.document import Document
from eval.synth.layout import LTable
from eval.synth.noise import CLUTTER, noisy_text


def table_html(table: LTable, text) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse">']
    for row in table.rows:
        tds = []
        for c in row:
            attrs = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (
                f' colspan="{c.colspan}"' if c.colspan > 1 else ""
            )
            tds.append(
                f'<td{attrs}><p style="text-align:center"><span>{_html.escape(text(c.text))}</span></p></td>'
            )
        out.append("<tr>" + "".join(tds) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def render_html(doc: Document, rng: random.Random, noise: bool, charset: str) -> str:
    def text(s: str) -> str:
        return noisy_text(s, rng) if noise else s

    parts = [
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{_html.escape(doc.title)}</title></head><body>'
    ]
    parts.append(f'<div class="nav">{" ".join(CLUTTER[:3])}</div><div class="article">')
    parts.append(f"<h1>{_html.escape(text(doc.title))}</h1>")
    parts.append(f'<p style="text-align:center">{_html.escape(text(doc.date_line))}</p>')
    parts.append(f"<p>{_html.escape(text(doc.intro))}</p>")
    for sec in doc.sections:
        tag = rng.choice(["h3", "p><strong"])
        close = "h3" if tag == "h3" else "strong></p"
        parts.append(f"<{tag}>{_html.escape(text(sec.heading))}</{close}>")
        if sec.table is not None:
            parts.append(table_html(sec.table, text))
        parts.extend(f"<p>　　{_html.escape(text(p))}</p>" for p in sec.paragraphs)
    parts.append(
        '</div><div class="footer">主办单位：人民政府办公室 网站标识码 打印本页 关闭窗口</div></body></html>'
    )
    return "\n".join(parts)


def render(doc: Document, path: Path, rng: random.Random, noise: bool = False) -> Path:
    charset = "gb18030" if rng.random() < 0.2 else "utf-8"
    path.write_bytes(render_html(doc, rng, noise, charset).encode(charset))
    return path
