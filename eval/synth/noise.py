"""Artifacts of real copies: traditional characters with pinyin after some of them (據(jù)), doubled or
ASCII punctuation (,、 ,, ,。), and crawler clutter lines. Numbers are never touched."""

from __future__ import annotations

import random
import re

from opencc_purepy import OpenCC

# Traditional characters a mirror site annotated with pinyin (as in the Hengshan sample).
PINYIN = {
    "據": "jù",
    "關": "guān",
    "規": "guī",
    "數": "shù",
    "轉": "zhuǎn",
    "復": "fù",
    "準": "zhǔn",
    "務": "wù",
    "權": "quán",
    "構": "gòu",
    "項": "xiàng",
    "結": "jié",
    "處": "chù",
    "內": "nèi",
    "議": "yì",
    "該": "gāi",
}
CLUTTER = (
    "当前位置：首页 > 政务公开 > 政府信息公开年报",
    "微信 微博 分享",
    "附件下载",
    "打印本页 关闭窗口",
    "【字体：大 中 小】",
    "扫一扫在手机打开当前页",
)
_s2t = None


def to_traditional(text: str) -> str:
    global _s2t
    if _s2t is None:
        _s2t = OpenCC("s2t")
    return _s2t.convert(text)


def add_pinyin(text: str, rng: random.Random) -> str:
    return "".join(f"{ch}({PINYIN[ch]})" if ch in PINYIN and rng.random() < 0.7 else ch for ch in text)


def mess_punctuation(text: str, rng: random.Random) -> str:
    def swap(m: re.Match) -> str:
        ch = m.group(0)
        options = {"，": [",", ",,", "，"], "、": [",、", "、"], "。": [",。", "。"], "：": [":", "："]}[ch]
        return rng.choice(options)

    return re.sub("[，、。：]", swap, text)


def noisy_text(text: str, rng: random.Random) -> str:
    """Traditional + pinyin + punctuation noise on one string."""
    return add_pinyin(mess_punctuation(to_traditional(text), rng), rng)


def clutter_line(rng: random.Random, page: int | None = None) -> str:
    if page is not None and rng.random() < 0.5:
        return f"-{page}-"
    return rng.choice(CLUTTER)
