"""Row labels as real reports print them, from a list kept apart from the parser's aliases.

The generator otherwise prints each row with the template's own label, which the parser's alias
list contains by construction: its 100% measures nothing about real labels. These variants were
written from how published reports word, abbreviate, mistype and break their row labels
(synonyms such as 合计 for 总计, 其它 for 其他, dropped 的/数量/信息, 、 for ., added units, stray
spaces, labels broken over two lines); they are deliberately NOT taken from nianbao.template, and
`eval parse` on a corpus made with `--variants` reports the parser's accuracy on them separately.
Lost applicant headers (a text extraction printing 数据1 … 数据6 for 自然人 …) are one more variant.
"""

from __future__ import annotations

import random

from eval.synth.layout import LTable
from nianbao import template as T

# row code -> printed variants (real-world wording; not the parser's alias list)
VARIANTS: dict[str, tuple[str, ...]] = {
    "new": ("一、本年新收政府信息公开申请数", "一、本年度新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量（件）", "一、本年新收 政府信息公开申请数量"),
    "carried_in": ("二、上年结转政府信息公开申请", "二、上年度结转政府信息公开申请数量", "二、上年结转政府信息公开申请数量（件）"),
    "granted": ("(一)予以公开", "（一） 予以公开", "（一）予以公开的"),
    "partial": ("（二）部分公开", "（二）部分公开（区分处理的，只计这一情形，不计其它情形）", "(二)部分公开(区分处理的,只计这一情形,不计其他情形)"),
    "withheld": ("(三)不予公开", "（三） 不予公开"),
    "withheld.state_secret": ("1、属于国家秘密", "1.国家秘密", "1. 属于国家秘密"),
    "withheld.law_prohibits": ("2.其它法律行政法规禁止公开", "2.其他法律、行政法规禁止公开", "2、其他法律行政法规禁止公开"),
    "withheld.security": ("3.危及\"三安全一稳定\"", "3.危及三安全一稳定", "3、危及“三安全一稳定”"),
    "withheld.third_party": ("4.保护第三方合法权益的", "4、保护第三方合法权益"),
    "withheld.internal": ("5.属于三类内部事物信息", "5、属于三类内部事务信息", "5.三类内部事务信息"),
    "withheld.process": ("6.属于四类过程信息", "6、属于四类过程性信息", "6.四类过程性信息"),
    "withheld.enforcement_file": ("7.属于行政执法案卷信息", "7、属于行政执法案卷"),
    "withheld.inquiry": ("8.属于行政查询事项的", "8、属于行政查询事项"),
    "unavailable": ("(四)无法提供", "（四） 无法提供"),
    "unavailable.not_held": ("1.本机关不掌握相关信息", "1、本机关不掌握相关政府信息", "1.本机关不掌握相关的政府信息"),
    "unavailable.needs_creation": ("2.没有现成信息需另行制作", "2、没有现成信息需要另行制作"),
    "unavailable.unclear": ("3.补正后申请内容仍不明确的", "3、补正后申请内容仍不明确"),
    "not_processed": ("(五)不予处理", "（五） 不予处理"),
    "not_processed.complaint": ("1.信访、举报、投诉类申请", "1、信访举报投诉类申请"),
    "not_processed.duplicate": ("2、重复申请", "2.重复申请的"),
    "not_processed.publication": ("3.要求提供公开出版物的", "3、要求提供公开出版物"),
    "not_processed.excessive": ("4.无正当理由大量、反复申请", "4、无正当理由大量反复申请"),
    "not_processed.reissue": ("5.要求行政机关确认或者重新出具已获取信息", "5、要求行政机关确认或重新出具已获取信息"),
    "other_handling": ("(六)其他处理", "（六）其它处理"),
    "other_handling.no_correction": ("1.申请人无正当理由逾期不补正", "1、申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    "other_handling.fee_unpaid": ("2.申请人逾期未按收费通知要求缴纳费用", "2、申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    "other_handling.other": ("3、其他", "3.其它"),
    "handled_total": ("(七)总计", "（七）合计", "（七） 总计"),
    "carried_out": ("四、结转下年度继续办理数量", "四、结转下一年度继续办理", "四、结转下年度继续办理（件）"),
    "rules": ("规章（件）", "规 章"),
    "normative_docs": ("规范性文件（件）", "行政规范性文件（件）"),
    "licensing": ("行政许可（件）",),
    "penalty": ("行政处罚（件）",),
    "coercion": ("行政强制（件）",),
    "fees": ("行政事业性收费（万元）",),
}
LOST_HEADERS = ("数据1", "数据2", "数据3", "数据4", "数据5", "数据6", "数据7")
KINDS = ("wording", "split", "lost_headers")


def _official() -> dict[str, str]:
    out = {}
    for rows in (T.T2_ROWS, T.T3_ROWS):
        for r in rows:
            out[r.label] = r.code
    return out


def apply(tables: list[LTable], rng: random.Random, rate: float = 0.5) -> list[str]:
    """Reword, break or lose labels in place (each label with probability `rate`); returns the
    kinds of variants applied, for the truth file."""
    official = _official()
    used: set[str] = set()
    for t in tables:
        for row in t.rows:
            for c in row:
                code = official.get(c.text)
                if c.header and t.number == "三" and c.text in {col.label for col in T.T3_COLUMNS.values()}:
                    if rng.random() < rate / 3:
                        c.text = LOST_HEADERS[list(T.T3_COLUMN_ORDER).index(_col_code(c.text))]
                        used.add("lost_headers")
                    continue
                if code is None or rng.random() >= rate:
                    continue
                text = rng.choice(VARIANTS.get(code, (c.text,)))
                if len(text) > 8 and rng.random() < 0.3:  # broken over two lines inside its cell
                    cut = rng.randint(3, len(text) - 3)
                    text = text[:cut] + "\n" + text[cut:]
                    used.add("split")
                c.text = text
                used.add("wording")
    return sorted(used)


def _col_code(label: str) -> str:
    for code, col in T.T3_COLUMNS.items():
        if col.label == label:
            return code
    raise KeyError(label)
