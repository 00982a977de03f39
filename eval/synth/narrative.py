"""Narrative for sections 一, 五, 六: templated sentences in the style of real reports (一是…二是…),
with the figures they quote, a 信息处理费 statement, and the key phrases questions can ask about."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

ACTIVE = [
    "紧扣重点领域深化公开，及时发布财政预决算、重大建设项目和公共资源配置信息",
    "规范政策文件公开，建立健全行政规范性文件库并集中公开现行有效文件",
    "做好政策解读回应，坚持政策性文件与解读材料同步起草、同步审签、同步发布",
    "加强重大行政决策公开，公开决策事项目录并开展决策草案意见征集",
    "深化基层政务公开标准化规范化建设，更新完善各领域基层政务公开事项目录",
    "推进助企纾困信息公开，集中发布减税降费和优化营商环境政策措施",
]
REQUEST = [
    "坚持依法依规办理依申请公开，规范受理、登记、办理、答复各环节",
    "完善依申请公开工作流程，统一答复文书格式并加强案例指导",
    "落实首问负责制，对疑难申请组织相关部门会商研判",
]
MANAGEMENT = [
    "加强政府信息发布审核，严格落实保密审查制度",
    "动态调整主动公开基本目录，清理过期失效信息",
    "完善政府信息管理台账，做到公开信息可追溯",
]
PLATFORM = [
    "优化政府门户网站政府信息公开专栏，完善栏目设置",
    "加强政务新媒体管理，关停整合更新不及时的账号",
    "在政务服务大厅设置政府信息公开查阅点，方便群众查阅",
    "升级网站智能搜索功能，提升信息查找便捷度",
]
OVERSIGHT = [
    "将政务公开工作纳入年度绩效考核",
    "组织政务公开业务培训，提升工作人员业务能力",
    "开展政府网站和政务新媒体季度检查并通报结果",
]
PROBLEMS = [
    "政策解读形式不够丰富，图解、视频等解读方式运用较少",
    "部分单位政务公开工作人员变动频繁，业务交接不及时",
    "基层政务公开标准化规范化水平有待提升",
    "依申请公开答复的规范性还需加强",
    "政务新媒体更新不够及时，互动回应有待加强",
    "重点领域信息公开的深度和广度不够",
    "公开信息的时效性和准确性有待提高",
]
IMPROVEMENTS = [
    "丰富政策解读形式，多运用图表图解、视频动漫等方式解读政策",
    "加强业务培训，建立健全政务公开工作人员交接制度",
    "对照标准目录持续完善基层政务公开事项",
    "规范依申请公开答复文书，加强法律审核",
    "加强政务新媒体日常监管，提升回应关切能力",
    "聚焦群众关注的重点领域，拓展公开的深度和广度",
    "健全信息发布审核机制，确保公开信息及时准确",
]
ORDINALS = "一二三四五六七八九十"


@dataclass
class Narrative:
    """Paragraphs per section number (一, 五, 六), plus what questions can ask about."""

    intro: str
    sections: dict[str, list[str]]
    problems: list[str] = field(default_factory=list)
    improvements: list[str] = field(default_factory=list)
    platform: list[str] = field(default_factory=list)
    fee_yuan: float = 0.0
    received_quoted: int = 0  # the 收到 figure quoted in section 一
    received_basis: str = "new"  # "new" or "new+carried_in"
    fee_sentence: str = ""  # the 信息处理费 statement of section 六


def _enumerate(items: list[str]) -> str:
    return "".join(f"{ORDINALS[i]}是{s}。" for i, s in enumerate(items))


def make_narrative(rng: random.Random, short: str, year: int, cells: dict, we: str = "我单位") -> Narrative:
    """`short` is the body's short name, `we` how the report refers to itself (我县, 我局)."""
    new, cin = int(cells[("三", "new", "total")]), int(cells[("三", "carried_in", "total")])
    handled, cout = int(cells[("三", "handled_total", "total")]), int(cells[("三", "carried_out", "total")])
    basis = "new+carried_in" if cin and rng.random() < 0.3 else "new"
    received = new + cin if basis == "new+carried_in" else new
    posted = rng.randint(200, 9000)
    platform = rng.sample(PLATFORM, 2)
    s1 = [
        f"（一）主动公开。{year}年，{short}坚持以公开为常态、不公开为例外，全年主动公开政府信息{posted}条。"
        + _enumerate(rng.sample(ACTIVE, 3)),
        f"（二）依申请公开。{_enumerate(rng.sample(REQUEST, 2))}{year}年共收到政府信息公开申请{received}件，"
        f"办结{handled}件，结转下年度继续办理{cout}件。",
        f"（三）政府信息管理。{_enumerate(rng.sample(MANAGEMENT, 2))}",
        f"（四）平台建设。{_enumerate(platform)}",
        f"（五）监督保障。{_enumerate(rng.sample(OVERSIGHT, 2))}",
    ]
    # Real reports say 我县/我局 and reuse stock phrases year after year, so section 五 repeats
    # across reports (which is also what lets the embedding cache help).
    k = rng.randint(2, 3)
    first = rng.randrange(len(PROBLEMS) - k + 1)
    idx = list(range(first, first + k))
    problems = [PROBLEMS[i] for i in idx]
    improvements = [IMPROVEMENTS[i] for i in idx]
    s5 = [
        f"（一）存在的主要问题。本年度，{we}政务公开工作取得了一定成效，但仍存在一些不足：{_enumerate(problems)}",
        f"（二）改进情况。下一步，{we}将重点做好以下工作：{_enumerate(improvements)}",
    ]
    fee = 0.0 if rng.random() < 0.8 else float(rng.choice([50, 100, 120, 300, 1200]))
    if fee:
        s6 = [f"{year}年，{we}共收取信息处理费{int(fee)}元。"]
    else:
        s6 = [rng.choice([f"{year}年，{we}未向申请人收取信息处理费。", "本年度无收取信息处理费情况。"])]
    if rng.random() < 0.5:
        s6.append("本年度无其他需要报告的事项。")
    intro = (
        f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）规定编制，内容包括总体情况、"
        f"主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、"
        f"存在的主要问题及改进情况、其他需要报告的事项。本报告所列数据的统计期限自{year}年1月1日起至"
        f"{year}年12月31日止。"
    )
    return Narrative(
        intro, {"一": s1, "五": s5, "六": s6}, problems, improvements, platform, fee, received, basis
    )
