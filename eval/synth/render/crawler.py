"""Crawler page text (like pingtan_2021.txt): a header block, then the whole body on one line with
breadcrumb clutter, and table cells run together with no separator (`640020470`)."""

from __future__ import annotations

import random
from pathlib import Path

from eval.synth.document import Document
from eval.synth.layout import LTable
from eval.synth.noise import noisy_text


def table_text(table: LTable, rng: random.Random) -> str:
    spaced = table.number == "四" and rng.random() < 0.5  # some sites keep spaces in table 四
    parts = []
    for row in table.rows:
        sep = " " if spaced and not row[0].header else ""
        parts.append(sep.join(c.text for c in row))
    return "".join(p + (" " if rng.random() < 0.15 else "") for p in parts)


def render_text(doc: Document, rng: random.Random, noise: bool) -> str:
    date = f"{doc.year + 1}-0{rng.randint(1, 2)}-{rng.randint(10, 28)} {rng.randint(8, 18)}:{rng.randint(10, 59)}"
    head = [
        f"标题: {doc.title}",
        f"发布时间: {date}",
        "文号: ",
        "发布机构: ",
        "栏目: 政府信息公开年报",
        "原文链接: https://www.example.gov.cn/zwgk/zfxxgk/zfxxgknb/t.htm",
        "==================== 正文 ====================",
    ]
    body = [
        f"当前位置： 首页政务公开政府信息公开年报 {doc.title} 时间：{date} 微信 微博 QQ空间 文字版 ",
        doc.intro,
    ]
    for sec in doc.sections:
        body.append(sec.heading)
        if sec.table is not None:
            body.append(" " + table_text(sec.table, rng))
        body.extend(sec.paragraphs)
    text = "".join(body) + " 附件下载"
    if noise:
        text = noisy_text(text, rng)
    return "\n".join(head + [text]) + "\n"


def render(doc: Document, path: Path, rng: random.Random, noise: bool = False) -> Path:
    path.write_text(render_text(doc, rng, noise), encoding="utf-8")
    return path
