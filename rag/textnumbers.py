"""Numbers the narrative states (「全年发布政策解读117篇」): for a count question the tables do not
hold, find the sentence that states the count, so the answer quotes that sentence and gives the
number as a figure of source "text" — or says plainly that the report gives no such number.

Matching is lexical and unit-aware: the question's counter word (几个, 多少条, 多少天 …) must be the
unit the sentence counts in, and the clause around the number must share content words with the
question. Nothing here guesses: no sentence, no number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nianbao.text import to_simplified

_UNITS = "万元|元|人次|个工作日|工作日|件|个|条|篇|次|期|场|家|人|项|天|日|名|批|份|起|例|期|%"
# 「几个人」 counts people: the classifier 个 before 人 is not the unit asked.
_ASKED_UNIT = re.compile(r"(?:多少|几)\s*(?:个(?=人|名))?(" + _UNITS + r")|(件|个|条|篇|次|项|人)数")
_RATE = re.compile(r"合格率|比例|占比|百分之|百分比|率")
_MONEY = re.compile(r"多少钱|收了多少|收取|费用|收费|交钱|经费|预算|资金|花了多少|花费|支出|投入多少|fee|budget|spend|spent")
_COUNTISH = re.compile(r"多少|几|数量|总数|[件个条篇次项人]数|how many|how much|number of")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(余|多)?\s*(" + _UNITS + r")")
_SENT = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]?")
_CLAUSE = re.compile(r"[，,：:]")
# Words of a question that say nothing about what is counted.
_STOP = re.compile(
    r"\d+|政府信息公开|政务公开|年度?|多少|几|一共|总共|共|有|是|的|了|吗|呢|个|条|篇|件|次|天|名|家|项|哪些|什么|怎么|如何|情况|报告|政府|人民"
)
# Same unit family: a question counting 个 is answered by 个/家 counts.
_FAMILY = {"个": {"个", "家"}, "天": {"天", "日", "工作日", "个工作日"}, "日": {"天", "日", "工作日", "个工作日"},
           "元": {"元", "万元"}, "万元": {"元", "万元"}, "人": {"人", "人次", "名"}, "名": {"人", "名"}}  # fmt: skip


@dataclass
class StatedNumber:
    value: float
    unit: str
    approx: bool  # 「7700余条」
    sentence: str  # simplified sentence that states it
    token: str  # the number with its unit as printed (for quoting that sentence)
    score: int
    strong: bool = True  # its clause alone shares enough words; weak ones only accompany a strong one


def asked_unit(norm: str) -> str | None:
    """The unit a count question asks in: 个 for 「几个」, % for a rate, 元 for money; None = any."""
    m = _ASKED_UNIT.search(norm)
    if m:
        return m.group(1) or m.group(2)
    if _RATE.search(norm):
        return "%"
    if _MONEY.search(norm):
        return "元"
    return None


def is_count_question(norm: str) -> bool:
    """Asks for a number the text may state (a count, a rate, an amount of money)."""
    return bool(_COUNTISH.search(norm) or _RATE.search(norm) or _MONEY.search(norm))


def insists_on_number(norm: str) -> bool:
    """Asks 「多少/几」 or for a rate: if no sentence states such a number, the report doesn't say.
    (「收取信息处理费了吗」 asks yes or no: a sentence without a number still answers it.)"""
    return bool(_COUNTISH.search(norm) or _RATE.search(norm))


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"[^\u4e00-\u9fff]", " ", text)
    return {text[i : i + 2] for i in range(len(text) - 1) if " " not in text[i : i + 2]}


def content_terms(norm: str, strip: list[str]) -> set[str]:
    text = norm
    for s in sorted(strip, key=len, reverse=True):
        if s:
            text = text.replace(to_simplified(s), " ")
    return _bigrams(_STOP.sub(" ", text))


CHANGE_WORDS = ("增加", "减少", "增长", "下降", "回落", "上升", "降低", "提高", "持平", "同比", "较上年", "较去年", "比上年")


# A question about how many there are (a stock: 总数, 现有, 年底) is not answered by a count of what
# changed (a flow: 关停2个, 新增3个) — 「新媒体账号总数」 is not 「关停…新媒体2个」.
_STOCK = re.compile(r"总数|总量|一共有|共有|现有|年底|年末|目前|截至|截止|保有")
_FLOW = re.compile(r"关停|关闭|注销|撤销|撤并|新增|新开通|开通|整合|清理|下线|减少|增加|取消|合并")


def asks_stock(norm: str) -> bool:
    return bool(_STOCK.search(norm))


def stated_numbers(
    text: str, terms: set[str], unit: str | None, must: tuple[str, ...] = (), need: int = 2,
    any_of: tuple[str, ...] = (), stock: bool = False,
) -> list[StatedNumber]:
    """Every number of `text` (simplified) in the asked unit whose clause shares content words
    with the question (`need`, or all of them when the question has fewer) and holds every `must`
    word (a qualifier such as 书面), best first."""
    out: list[StatedNumber] = []
    ok_units = _FAMILY.get(unit, {unit}) if unit else None
    need = min(need, len(terms))  # no terms (an English question): the caller restricts to a section
    prev_terms: set[str] = set()
    for sent in _SENT.findall(text):
        sent_terms = _bigrams(sent)
        # a change is often stated in the sentence after the figure (「…申请57件。较上年减少了30件。」)
        context = prev_terms if any_of else set()
        prev_terms = sent_terms
        for clause in _CLAUSE.split(sent):
            for m in _NUMBER.finditer(clause):
                u = m.group(3)
                if ok_units is not None and u not in ok_units:
                    continue
                if u in ("年", "月") or (u == "日" and re.search(r"月\s*$", clause[: m.start()])):
                    continue
                near = len(terms & (_bigrams(clause) | context))
                if (terms and not near) or not all(w in clause for w in must):
                    continue
                if any_of and not any(w in clause for w in any_of):
                    continue
                if stock and _FLOW.search(clause[: m.start()]):
                    continue  # a change, not how many there are
                score = 3 * near + len(terms & sent_terms)
                out.append(
                    StatedNumber(float(m.group(1)), u, bool(m.group(2)), sent.strip(), m.group(0), score, near >= need)
                )
    strong_sents = {n.sentence for n in out if n.strong}
    out = [n for n in out if n.sentence in strong_sents]  # 「网站1个、新媒体2个」: the sentence's other counts
    out.sort(key=lambda s: (not s.strong, -s.score))
    return out


def quoted_numbers(quote: str) -> list[StatedNumber]:
    """Every counted quantity a quoted passage states (「组织4次季度政务公开检查」 -> 4 次), in order,
    so a narrative answer lists the numbers it quotes as figures of source "text". Dates (年/月/日)
    are not quantities."""
    text = to_simplified(quote)
    same = len(text) == len(quote)  # t2s maps characters one to one: the token as printed (47條)
    out: list[StatedNumber] = []
    for m in _NUMBER.finditer(text):
        u = m.group(3)
        if u == "日" and re.search(r"月\s*$", text[: m.start()]):
            continue
        token = re.sub(r"\s+", "", quote[m.start() : m.end()] if same else m.group(0))  # 「7\n期」 of a PDF line
        out.append(StatedNumber(float(m.group(1)), u, bool(m.group(2)), "", token, 0))
    return out
