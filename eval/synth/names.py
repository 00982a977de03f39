"""Made-up but real-looking body names (X县人民政府, X市X局 …) from syllable lists."""

from __future__ import annotations

import random
from dataclasses import dataclass

SYLLABLES = [
    "青",
    "岚",
    "安",
    "平",
    "阳",
    "宁",
    "东",
    "西",
    "南",
    "北",
    "石",
    "泉",
    "林",
    "江",
    "湖",
    "兴",
    "华",
    "丰",
    "永",
    "清",
    "云",
    "龙",
    "桂",
    "梅",
    "松",
    "溪",
    "沙",
    "临",
    "靖",
    "昌",
    "德",
    "崇",
    "富",
    "嘉",
    "康",
    "乐",
    "隆",
    "茂",
    "明",
    "庆",
    "瑞",
    "顺",
    "泰",
    "祥",
    "新",
    "信",
    "义",
    "远",
    "长",
    "镇",
    "柳",
    "枫",
    "桐",
    "杉",
    "榆",
    "川",
    "峰",
    "岭",
    "湾",
    "浦",
    "汀",
    "沅",
    "澄",
    "浔",
    "涟",
    "鹤",
    "凤",
    "麟",
    "鸣",
    "岱",
    "岳",
    "衡",
    "嵩",
    "仁",
    "和",
    "溧",
    "霞",
    "晋",
    "鄞",
    "婺",
    "岷",
    "黔",
    "滇",
    "邕",
    "潼",
    "渭",
    "汾",
    "泾",
]

DEPARTMENTS = (
    "教育局",
    "民政局",
    "财政局",
    "自然资源和规划局",
    "生态环境局",
    "住房和城乡建设局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "商务局",
    "文化广电和旅游局",
    "卫生健康委员会",
    "应急管理局",
    "市场监督管理局",
    "人力资源和社会保障局",
    "司法局",
    "公安局",
    "统计局",
    "医疗保障局",
    "行政审批服务局",
)


@dataclass(frozen=True)
class Body:
    name: str  # full name: 青岚县人民政府
    aliases: tuple[str, ...]  # short forms: 青岚县, 青岚
    kind: str  # county | district | city | department
    place: str  # the place name: 青岚县


def _place(rng: random.Random, taken: set[str]) -> str:
    # two syllables give 88*87 = 7,656 stems; past most of them (scale benchmarks), three
    pick = 2 if len(taken) < 7_000 else 3
    while True:
        stem = "".join(rng.sample(SYLLABLES, pick))
        if stem not in taken:
            taken.add(stem)
            return stem


def make_bodies(n: int, rng: random.Random) -> list[Body]:
    """n distinct bodies; counties are the most common, as among real reports."""
    taken: set[str] = set()
    out = []
    for _ in range(n):
        stem = _place(rng, taken)
        kind = rng.choices(["county", "district", "city", "department"], weights=[4, 2, 1, 3])[0]
        if kind == "department":
            suffix = rng.choice(["市", "县"])
            dept = rng.choice(DEPARTMENTS)
            name = f"{stem}{suffix}{dept}"
            out.append(Body(name, (f"{stem}{dept}",), kind, stem + suffix))
            continue
        suffix = {"county": "县", "district": "区", "city": "市"}[kind]
        place = stem + suffix
        out.append(Body(place + "人民政府", (place, stem), kind, place))
    return out
