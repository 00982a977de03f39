"""The national template of 政府信息公开工作年度报告 as data.

Everything that knows about the template's rows, columns, codes, consistency rules and
what people call each figure reads it from here: the table parser, the validator,
question understanding, the synthetic report generator and the report browser.
Codes follow ../shared/TEMPLATE.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TEMPLATES = ("2021", "2019")
TABLES = ("二", "三", "四")


@dataclass(frozen=True)
class Column:
    code: str
    label: str  # the label as printed in the 2021 template
    aliases: tuple[str, ...] = ()  # other printed forms, simplified Chinese, no spaces
    unit: str = "件"
    templates: tuple[str, ...] = TEMPLATES


@dataclass(frozen=True)
class Row:
    code: str
    table: str
    label: str  # the label as printed (2021 template), simplified Chinese
    short: str  # a short plain-words name used in answers
    aliases: tuple[str, ...] = ()  # fragments that identify the printed label (simplified, no spaces)
    parent: str | None = None  # group row code (e.g. withheld for withheld.state_secret)
    columns: tuple[str, ...] = ()  # column codes this row has (table 二 varies per row)
    unit: str = "件"
    templates: tuple[str, ...] = TEMPLATES
    item: str | None = None  # table 二: 第二十条第（N）项
    columns_2019: tuple[str, ...] | None = None  # table 二: the 2019 column set when it is not `columns` filtered
    group: bool = False  # a group row whose value is the sum of its children (no own cells in table 三)


# --------------------------------------------------------------------------------------------
# Table 二 — 主动公开政府信息情况
# --------------------------------------------------------------------------------------------
T2_COLUMNS: dict[str, Column] = {
    c.code: c
    for c in [
        Column("issued", "本年制发件数", ("本年制发件数", "本年制发"), templates=("2021",)),
        Column("repealed", "本年废止件数", ("本年废止件数", "本年废止"), templates=("2021",)),
        Column("in_force", "现行有效件数", ("现行有效件数", "现行有效"), templates=("2021",)),
        Column("decisions", "本年处理决定数量", ("本年处理决定数量", "处理决定数量", "处理决定数", "本年处理决定")),
        Column("amount", "本年收费金额（单位：万元）", ("本年收费金额", "收费金额", "采购总金额"), unit="万元"),
        Column("made", "本年新制作数量", ("本年新制作数量", "新制作数量", "本年新制作"), templates=("2019",)),
        Column("published", "本年新公开数量", ("本年新公开数量", "新公开数量", "本年新公开"), templates=("2019",)),
        Column("total_public", "对外公开总数量", ("对外公开总数量", "对外公开总数"), templates=("2019",)),
        Column("prev_items", "上一年项目数量", ("上一年项目数量", "上年项目数量"), templates=("2019",)),
        Column("change", "本年增/减", ("本年增/减", "本年增减", "增/减", "增减"), templates=("2019",)),
        Column("items", "采购项目数量", ("采购项目数量",), templates=("2019",)),
    ]
}

T2_ROWS: list[Row] = [
    Row("rules", "二", "规章", "规章", ("规章",), columns=("issued", "repealed", "in_force", "made", "published", "total_public"), item="（一）"),
    Row("normative_docs", "二", "行政规范性文件", "行政规范性文件", ("行政规范性文件", "规范性文件"), columns=("issued", "repealed", "in_force", "made", "published", "total_public"), item="（一）"),
    Row("licensing", "二", "行政许可", "行政许可决定", ("行政许可",), columns=("decisions", "prev_items", "change"), item="（五）"),
    Row("other_services", "二", "其他对外管理服务事项", "其他对外管理服务事项", ("其他对外管理服务事项", "其他对外管理服务"), columns=("prev_items", "change", "decisions"), item="（五）", templates=("2019",)),
    Row("penalty", "二", "行政处罚", "行政处罚决定", ("行政处罚",), columns=("decisions", "prev_items", "change"), item="（六）"),
    Row("coercion", "二", "行政强制", "行政强制决定", ("行政强制",), columns=("decisions", "prev_items", "change"), item="（六）"),
    Row("fees", "二", "行政事业性收费", "行政事业性收费金额", ("行政事业性收费",), columns=("amount", "prev_items", "change"), item="（八）", columns_2019=("prev_items", "change")),
    Row("procurement", "二", "政府集中采购", "政府集中采购", ("政府集中采购",), columns=("items", "amount"), item="（九）", templates=("2019",)),
]

# --------------------------------------------------------------------------------------------
# Table 三 — 收到和处理政府信息公开申请情况
# --------------------------------------------------------------------------------------------
T3_COLUMNS: dict[str, Column] = {
    c.code: c
    for c in [
        Column("person", "自然人", ("自然人",)),
        Column("business", "商业企业", ("商业企业",)),
        Column("research", "科研机构", ("科研机构",)),
        Column("ngo", "社会公益组织", ("社会公益组织",)),
        Column("legal", "法律服务机构", ("法律服务机构",)),
        Column("other_org", "其他", ("其他",)),
        Column("total", "总计", ("总计",)),
    ]
}
T3_COLUMN_ORDER = ("person", "business", "research", "ngo", "legal", "other_org", "total")
T3_ORG_COLUMNS = ("business", "research", "ngo", "legal", "other_org")

T3_ROWS: list[Row] = [
    Row("new", "三", "一、本年新收政府信息公开申请数量", "本年新收申请", ("本年新收",)),
    Row("carried_in", "三", "二、上年结转政府信息公开申请数量", "上年结转申请", ("上年结转",)),
    Row("granted", "三", "（一）予以公开", "予以公开", ("予以公开",)),
    Row("partial", "三", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "部分公开", ("部分公开",)),
    Row("withheld", "三", "（三）不予公开", "不予公开", ("不予公开",), group=True),
    Row("withheld.state_secret", "三", "1.属于国家秘密", "属于国家秘密", ("国家秘密",), parent="withheld"),
    Row("withheld.law_prohibits", "三", "2.其他法律行政法规禁止公开", "其他法律行政法规禁止公开", ("法律行政法规禁止", "法规禁止公开", "法律行政止公开", "行政止公开", "禁止公开"), parent="withheld"),
    Row("withheld.security", "三", "3.危及“三安全一稳定”", "危及“三安全一稳定”", ("三安全一稳定", "三安全"), parent="withheld"),
    Row("withheld.third_party", "三", "4.保护第三方合法权益", "保护第三方合法权益", ("第三方合法权益", "第三方"), parent="withheld"),
    Row("withheld.internal", "三", "5.属于三类内部事务信息", "属于三类内部事务信息", ("内部事务",), parent="withheld"),
    Row("withheld.process", "三", "6.属于四类过程性信息", "属于四类过程性信息", ("过程性信息", "过程性"), parent="withheld"),
    Row("withheld.enforcement_file", "三", "7.属于行政执法案卷", "属于行政执法案卷", ("行政执法案卷", "执法案卷"), parent="withheld"),
    Row("withheld.inquiry", "三", "8.属于行政查询事项", "属于行政查询事项", ("行政查询事项", "行政查询"), parent="withheld"),
    Row("unavailable", "三", "（四）无法提供", "无法提供", ("无法提供",), group=True),
    Row("unavailable.not_held", "三", "1.本机关不掌握相关政府信息", "本机关不掌握相关政府信息", ("不掌握",), parent="unavailable"),
    Row("unavailable.needs_creation", "三", "2.没有现成信息需要另行制作", "没有现成信息需要另行制作", ("另行制作", "没有现成信息"), parent="unavailable"),
    Row("unavailable.unclear", "三", "3.补正后申请内容仍不明确", "补正后申请内容仍不明确", ("仍不明确", "补正后"), parent="unavailable"),
    Row("not_processed", "三", "（五）不予处理", "不予处理", ("不予处理",), group=True),
    Row("not_processed.complaint", "三", "1.信访举报投诉类申请", "信访举报投诉类申请", ("信访举报投诉", "信访"), parent="not_processed"),
    Row("not_processed.duplicate", "三", "2.重复申请", "重复申请", ("重复申请",), parent="not_processed"),
    Row("not_processed.publication", "三", "3.要求提供公开出版物", "要求提供公开出版物", ("公开出版物", "出版物"), parent="not_processed"),
    Row("not_processed.excessive", "三", "4.无正当理由大量反复申请", "无正当理由大量反复申请", ("大量反复申请", "大量反复"), parent="not_processed"),
    Row("not_processed.reissue", "三", "5.要求行政机关确认或重新出具已获取信息", "要求确认或重新出具已获取信息", ("重新出具", "已获取信息"), parent="not_processed"),
    Row("other_handling", "三", "（六）其他处理", "其他处理", ("其他处理",), group=True),
    Row("other_handling.no_correction", "三", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "申请人逾期不补正、不再处理", ("逾期不补正", "不补正"), parent="other_handling", templates=("2021",)),
    Row("other_handling.fee_unpaid", "三", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "申请人逾期未缴纳费用、不再处理", ("收费通知", "缴纳费用"), parent="other_handling", templates=("2021",)),
    Row("other_handling.other", "三", "3.其他", "其他处理中的其他情形", ("其他",), parent="other_handling", templates=("2021",)),
    Row("handled_total", "三", "（七）总计", "办理结果总计（办结）", ("总计",)),
    Row("carried_out", "三", "四、结转下年度继续办理", "结转下年度继续办理", ("结转下年度", "结转下年")),
]

# The parts of （七）总计 (rule R2), in print order: the outcome rows and groups of 三、本年度办理结果.
T3_OUTCOME_ROWS = ("granted", "partial", "withheld", "unavailable", "not_processed", "other_handling")

# --------------------------------------------------------------------------------------------
# Table 四 — 行政复议、行政诉讼 (15 numbers in one row)
# --------------------------------------------------------------------------------------------
T4_COLUMNS: dict[str, Column] = {
    c.code: c
    for c in [
        Column("upheld", "结果维持", ("结果维持", "维持")),
        Column("corrected", "结果纠正", ("结果纠正", "纠正")),
        Column("other", "其他结果", ("其他结果",)),
        Column("pending", "尚未审结", ("尚未审结",)),
        Column("total", "总计", ("总计",)),
    ]
}
T4_COLUMN_ORDER = ("upheld", "corrected", "other", "pending", "total")
T4_ROWS: list[Row] = [
    Row("review", "四", "行政复议", "行政复议", ("行政复议",), columns=T4_COLUMN_ORDER),
    Row("suit_direct", "四", "行政诉讼（未经复议直接起诉）", "行政诉讼（未经复议直接起诉）", ("未经复议直接起诉", "直接起诉"), columns=T4_COLUMN_ORDER),
    Row("suit_after_review", "四", "行政诉讼（复议后起诉）", "行政诉讼（复议后起诉）", ("复议后起诉",), columns=T4_COLUMN_ORDER),
]
T4_ORDER = tuple((r.code, c) for r in T4_ROWS for c in T4_COLUMN_ORDER)  # the 15 numbers, in print order

ALL_ROWS: dict[tuple[str, str], Row] = {(r.table, r.code): r for r in T2_ROWS + T3_ROWS + T4_ROWS}
COLUMNS: dict[str, dict[str, Column]] = {"二": T2_COLUMNS, "三": T3_COLUMNS, "四": T4_COLUMNS}


def row(table: str, code: str) -> Row:
    return ALL_ROWS[(table, code)]


def column(table: str, code: str) -> Column:
    return COLUMNS[table][code]


def t3_leaf_rows(template: str = "2021") -> list[Row]:
    """Rows of table 三 that carry their own cells (groups with children are sums)."""
    out = []
    for r in T3_ROWS:
        if template not in r.templates:
            continue
        if r.group and r.code == "other_handling" and template == "2019":
            out.append(r)  # 2019: （六）其他处理 is a single row
            continue
        if r.group:
            continue
        out.append(r)
    return out


def t3_children(group: str, template: str = "2021") -> list[Row]:
    return [r for r in T3_ROWS if r.parent == group and template in r.templates]


def t2_columns_for(row_code: str, template: str) -> tuple[str, ...]:
    """The columns a table 二 row has in one template, in print order."""
    r = row("二", row_code)
    if template == "2019" and r.columns_2019 is not None:
        return r.columns_2019  # 2019 （八） prints 上一年项目数量 · 本年增/减, no amount
    return tuple(c for c in r.columns if template in T2_COLUMNS[c].templates)


# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SectionDef:
    number: str  # 一 … 六
    title: str
    keywords: tuple[str, ...]  # fragments that identify a heading (simplified)
    table: str | None = None


SECTIONS: list[SectionDef] = [
    SectionDef("一", "总体情况", ("总体情况", "基本情况", "概述")),
    SectionDef("二", "主动公开政府信息情况", ("主动公开政府信息情况", "主动公开政府信息", "主动公开情况"), table="二"),
    SectionDef("三", "收到和处理政府信息公开申请情况", ("收到和处理政府信息公开申请", "政府信息公开申请情况", "依申请公开"), table="三"),
    SectionDef("四", "政府信息公开行政复议、行政诉讼情况", ("行政复议", "行政诉讼", "行政法复议"), table="四"),
    SectionDef("五", "存在的主要问题及改进情况", ("存在的主要问题", "主要问题及改进", "问题及改进", "存在问题")),
    SectionDef("六", "其他需要报告的事项", ("其他需要报告的事项", "其他需要报告", "其他事项")),
]
SECTION_BY_NUMBER = {s.number: s for s in SECTIONS}

# --------------------------------------------------------------------------------------------
# Consistency rules (勾稽关系). Ids are stable: stored with each violation.
# --------------------------------------------------------------------------------------------
RULES: dict[str, str] = {
    "R1_balance": "表三每列：本年新收 + 上年结转 = 办理结果总计 + 结转下年度",
    "R2_handled_sum": "表三每列：办理结果总计 = 予以公开 + 部分公开 + 不予公开/无法提供/不予处理/其他处理各项之和",
    "R3_row_sum": "表三每行：总计 = 自然人 + 商业企业 + 科研机构 + 社会公益组织 + 法律服务机构 + 其他",
    "R4_t4_sum": "表四每组：总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结",
    "R5_carry_over": "跨年度：本年上年结转 = 上年结转下年度",
    "R6_in_force": "表二：现行有效 ≈ 上年现行有效 + 本年制发 − 本年废止（软规则）",
    "R7_text_table": "正文所述数字与表格不一致（可能统计口径不同）",
    "R0_group_sum": "表三：分组行（不予公开/无法提供/不予处理/其他处理）= 其各子项之和",
}

# --------------------------------------------------------------------------------------------
# What people call each figure: question words -> (table, row, column?). Simplified Chinese and
# English, lower case. Longer phrases win over shorter ones. Used by question understanding.
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    table: str
    row: str
    column: str | None = None
    related: tuple[str, ...] = field(default_factory=tuple)  # neighbours to mention (row codes, same table)


# Everyday grammar for the template's official wording, applied to a question before the lexicon
# (rag.numerals.normalize_question). Each rule rewrites a family of forms, not one phrase: the
# spoken negations 没/不/未 + 给 of 不予, 没法/不能 of 无法, suing as 告/上法院, "my hands don't
# have it" for 不掌握, moving to next year for 结转下年度, not paying for 未缴纳费用, 单位/组织 for
# the non-natural-person applicants. Patterns run on the normalized (simplified, lower-case) text.
COLLOQUIAL: tuple[tuple[str, str], ...] = (
    (r"(?:没法|没办法|无从|没能|不能|未能)(?=提供|给出)", "无法"),
    (r"(?<![是否予有])(?:没有?|未|不)(?:给|予以|予)?(?:以)?(?=公开(?!率|目录|方式|形式|渠道|平台|工作))", "不予"),
    (r"被([\u4e00-\u9fff]{0,5}?)告(?:了)?(?![知诉示别诫])", r"被\1起诉"),
    (r"(?:去|上|到)?法院(?:里)?(?:起诉|告)(?:了)?(?:政府)?|(?:去|上|到)法院|告(?:了)?(?:政府|官)|把政府告|民告官", "行政诉讼"),
    (r"(?:手里|手上|手头|本身|自己)(?:就)?没有?(?:这个|该|此|这些|相关|这方面的?)?(?:政府)?信息", "不掌握相关政府信息"),
    (r"(?:转到|转入|转至|留到|拖到|顺延到?|放到)(?:了)?(?:下一?年度?|明年|第二年)", "结转下年度"),
    (r"(?:逾期)?(?:不|没|未|没有)(?:按时|按期)?(?:交|缴|付)(?:纳)?(?:信息处理费|处理费|费用|费|钱)", "未缴纳费用"),
    (r"单位(?:或者?|和|及|、)(?:其他)?组织|企业(?:或者?|和)(?:其他)?组织|法人(?:或者?|和)组织", "法人或其他组织"),
    # what was given: a part (部分公开) or all of it (予以公开)
    (r"(?:只|仅)?(?:给|公开|提供)(?:了)?(?:一部分|部分(?:信息|内容)?)|部分(?:给|予以公开|地公开)|公开了?一部分", "部分公开"),
    (r"(?:全|都|全部|完整)(?:都)?(?:给了|给|提供了?|公开了?)(?![或和])", "予以公开"),
    # the information does not exist as asked: to be made anew (另行制作), or unclear after correction
    (r"(?:没有|没|无)现成的?(?:信息|材料|东西)?|(?:得|要|需要?)(?:另外|重新)(?:做|制作|整理|汇总|加工)", "没有现成信息"),
    (r"(?:补正|补充说明|补充)(?:了|之后|以后|后)?(?:还是|仍然?|依然|也)?(?:说不清|不清楚|不明确|没说清)", "补正后仍不明确"),
    (r"(?:不|没|未|没有)(?:按时|按期)?补(?:交|充)?(?:材料|正)|(?:一直|始终|就是)(?:不|没)补(?![贴助偿])", "逾期不补正"),
    # the agency says it does not hold it
    (r"不由本机关掌握|不归本机关(?:掌握|管)?", "不掌握"),
    (r"(?<![有是])没有?(?:这个|该|此|这些|这种)(?:政府)?信息", "不掌握相关政府信息"),
    (r"给不了|提供不出|拿不出", "无法提供"),
    (r"(?:本单位|本机关|这里|他们这里|他们那里|机关)(?:就)?没有?(?:这个|该|此|这些|相关)?(?:政府)?信息|查不到", "不掌握相关政府信息"),
    # requests carried over: in from last year, out to next year
    (r"(?:从)?(?:上一?年度?|去年)(?:转过来|转来|剩下|留下|没办完|结转)|承接上年度?结转", "上年结转"),
    (r"跨年度?结转|跨年办理", "结转下年度"),
    (r"新(?:来|递交|提交|收到|提出)(?:的)?", "新收"),
    (r"依申请(?:公开)?(?:的)?(?:量|数量|件数)", "申请量"),
    # how requests are handled, asked in general: the outcomes of 办理结果 one by one
    (r"(?:一般|通常|大多|主要)?(?:都)?(?:是)?(?:咋|怎么|如何|怎样)(?:处理|办理|答复|办)的", "办理结果总计的构成"),
    (r"(?:办完|答复完|处理完)(?:了)?(?!转)", "办结"),
    # reviews and suits not yet decided
    (r"(?:还没|还未|尚未|没有)(?:出结果|审完|判下?来?|审结|结案|判决)|还在审", "尚未审结"),
    # reasons of 不予公开 in everyday words
    (r"隐私|商业秘密", "第三方合法权益"),
    (r"内部(?:管理|事务)(?:的事|信息)?", "内部事务"),
    (r"讨论稿|请示|过程中的?材料|内部研究意见", "过程性信息"),
    (r"查询渠道|走查询", "行政查询"),
    (r"(?:已经|已)答复过.{0,10}?又(?:申请|提)|又申请了一次|同样的内容.{0,6}?再(?:次)?申请", "重复申请"),
)

LEXICON: list[Term] = [
    Term(("拒绝", "被拒", "驳回", "不公开", "不予公开", "没公开", "未公开", "denied", "refused", "refuse", "rejected", "withheld", "withhold"),
         "三", "withheld", related=("unavailable", "not_processed")),
    Term(("国家秘密", "涉密", "state secret", "state-secret", "state secrets"), "三", "withheld.state_secret"),
    Term(("法律行政法规禁止", "法规禁止"), "三", "withheld.law_prohibits"),
    Term(("三安全一稳定", "三安全", "危及安全", "endanger", "security or social stability", "social stability"), "三", "withheld.security"),
    Term(("第三方", "第三方合法权益", "third party", "third-party", "third parties"), "三", "withheld.third_party"),
    Term(("内部事务", "internal affairs"), "三", "withheld.internal"),
    Term(("过程性信息", "过程性", "process information", "deliberative"), "三", "withheld.process"),
    Term(("行政执法案卷", "执法案卷", "enforcement file"), "三", "withheld.enforcement_file"),
    Term(("行政查询", "查询事项"), "三", "withheld.inquiry"),
    Term(("无法提供", "不能提供", "提供不了", "unavailable", "could not be provided", "cannot provide"), "三", "unavailable"),
    Term(("不掌握", "不掌握相关", "没有掌握", "not held", "does not hold", "did not hold", "doesnt hold"), "三", "unavailable.not_held"),
    Term(("另行制作", "没有现成信息", "需要另行制作"), "三", "unavailable.needs_creation"),
    Term(("仍不明确", "补正后", "内容不明确", "still unclear", "remained unclear"), "三", "unavailable.unclear"),
    Term(("不予处理", "不处理", "not processed"), "三", "not_processed"),
    Term(("信访", "举报投诉", "投诉类", "complaint", "complaints", "petitions"), "三", "not_processed.complaint"),
    Term(("重复申请", "duplicate"), "三", "not_processed.duplicate"),
    Term(("出版物", "publication"), "三", "not_processed.publication"),
    Term(("大量反复", "反复申请"), "三", "not_processed.excessive"),
    Term(("重新出具", "确认或重新出具", "re-issue", "reissue", "re-issued"), "三", "not_processed.reissue"),
    Term(("其他处理", "other handling"), "三", "other_handling"),
    Term(("逾期不补正", "不补正", "failed to supplement", "failed to correct", "did not supplement"), "三", "other_handling.no_correction"),
    Term(("逾期未缴", "未缴纳费用", "缴纳费用", "收费通知", "didnt pay", "did not pay", "failed to pay", "unpaid"), "三", "other_handling.fee_unpaid"),
    Term(("予以公开", "同意公开", "公开了", "全部公开", "准予公开", "granted", "grant in full", "granted in full", "fully granted", "grant", "disclosed", "approved"), "三", "granted",
         related=("partial",)),
    Term(("部分公开", "partially", "partial"), "三", "partial"),
    Term(("收到", "受理", "新收", "申请数量", "申请量", "多少申请", "多少件申请", "申请多少", "requests received", "received", "requests", "applications"),
         "三", "new"),
    Term(("上年结转", "去年结转", "结转过来", "carried over from", "carried in"), "三", "carried_in"),
    Term(("办结", "办理完", "处理完", "办理结果总计", "handled", "closed", "processed", "concluded", "conclude", "completed"), "三", "handled_total"),
    Term(("结转下年", "结转到下一年", "结转到", "结转至", "转入下一年", "未办结", "积压", "backlog", "carried out", "carried forward", "pending requests", "carried over to next year", "carried over to the next year"), "三", "carried_out"),
    Term(("行政复议", "复议", "appeal", "appeals", "reconsideration", "administrative review"), "四", "review"),
    Term(("行政诉讼", "诉讼", "起诉", "被告", "打官司", "lawsuit", "lawsuits", "litigation", "sued"), "四", "suit_direct",
         related=("suit_after_review",)),
    Term(("复议后起诉", "复议后诉讼", "after reconsideration", "after review", "after administrative review"),
         "四", "suit_after_review"),
    Term(("直接起诉", "未经复议", "without prior reconsideration", "without reconsideration", "without review",
          "without prior review"), "四", "suit_direct"),
    Term(("规章", "rules", "regulations"), "二", "rules"),
    Term(("规范性文件", "normative documents", "normative"), "二", "normative_docs"),
    Term(("行政许可", "许可", "permits", "permit", "licences", "licenses", "licensing"), "二", "licensing"),
    Term(("行政处罚", "处罚", "罚款", "penalties", "penalty", "fines"), "二", "penalty"),
    Term(("行政强制", "强制", "coercive", "coercion"), "二", "coercion"),
    Term(("行政事业性收费", "收费金额", "收费", "fees", "fee"), "二", "fees"),
    Term(("政府集中采购", "集中采购", "procurement"), "二", "procurement"),
]

# Applicant columns of table 三 as people say them.
APPLICANT_WORDS: dict[str, tuple[str, ...]] = {
    "person": ("自然人", "个人", "群众", "公民", "老百姓", "市民", "individuals", "individual", "citizens", "persons"),
    "business": ("商业企业", "企业", "公司", "companies", "company", "businesses", "business"),
    "research": ("科研机构", "科研", "研究机构", "research institutions", "research"),
    "ngo": ("社会公益组织", "公益组织", "ngo", "ngos", "charities"),
    "legal": ("法律服务机构", "律师", "律所", "律师事务所", "lawyers", "law firms", "legal services"),
    "other_org": ("其他组织", "其他法人"),
}

# Table 四 result columns as people say them.
T4_RESULT_WORDS: dict[str, tuple[str, ...]] = {
    "upheld": ("维持", "upheld", "sustained"),
    "corrected": ("纠正", "撤销", "纠错", "overturned", "corrected", "reversed"),
    "other": ("其他结果",),
    "pending": ("尚未审结", "未审结", "还没审结", "pending", "undecided"),
}

# Table 二 columns as people say them.
T2_COLUMN_WORDS: dict[str, tuple[str, ...]] = {
    "issued": ("制发", "新制发", "发布", "新出台", "出台", "新出", "印发", "issued"),
    "repealed": ("废止", "作废", "废除", "repealed"),
    "in_force": ("现行有效", "有效", "生效", "in force"),
    # the 2019 template's columns (本年新制作 / 本年新公开 / 对外公开总数量)
    "made": ("本年新制作", "新制作", "制作数量"),
    "published": ("本年新公开", "新公开"),
    "total_public": ("对外公开总数量", "对外公开总数", "公开总数量"),
}

# Question words that map to a narrative section.
SECTION_WORDS: dict[str, tuple[str, ...]] = {
    "五": ("问题", "不足", "短板", "薄弱", "弱项", "差距", "欠缺", "不够", "有待提高", "有待加强", "改进", "整改", "下一步", "努力方向", "打算",
           "problems", "shortcomings", "weaknesses", "improve", "improvement"),
    "六": ("信息处理费", "处理费", "收取费用", "其他需要报告", "other matters", "processing fee", "processing fees"),
    "一": ("总体情况", "主动公开工作", "主动公开", "平台建设", "政府信息管理", "监督保障", "培训", "政策解读", "亮点", "特色", "成效", "成绩", "overall", "highlights", "platform", "training"),
}

# Qualifiers that narrow a figure to something no table column holds: how a request was submitted,
# which level of government handled it. The tables count all channels and levels together, so a
# question with one of these is answered from the narrative (which sometimes states the narrower
# figure) beside the table's overall figure.
QUALIFIER_WORDS: dict[str, tuple[str, ...]] = {
    "channel": ("网上", "网络", "在线", "网申", "线上", "书面", "当面", "现场", "信函", "邮寄", "电话", "传真",
                "电子邮件", "邮件", "电子邮箱", "online", "in writing", "by mail", "by post", "by phone", "by email"),
    "level": ("县本级", "市本级", "区本级", "省本级", "本级", "乡镇"),  # not 街道: it ends place names
}


# --------------------------------------------------------------------------------------------
# Derived measures staff use (TEMPLATE.md "Derived measures"), defined once: question
# understanding finds them by their words, the fact answerer computes them from these codes.
# Table 三 measures are sum(numerator rows) / sum(denominator rows) in one applicant column;
# table 四 measures are sum(numerator columns) / sum(denominator columns) within one group row.
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Measure:
    code: str
    name: str
    table: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    words: tuple[str, ...]
    formula: str
    warn_below: float | None = None
    warn_above: float | None = None


MEASURES: dict[str, Measure] = {
    m.code: m
    for m in [
        Measure("disclosure_rate", "实质公开率", "三", ("granted", "partial"), ("handled_total",),
                ("实质公开率", "公开率", "公开比例", "公开的比例", "公开比率", "公开占比", "disclosure rate"),
                "(予以公开+部分公开)/办理结果总计", warn_below=0.40),
        Measure("completion_rate", "办结率", "三", ("handled_total",), ("new", "carried_in"),
                ("办结率", "办结比例", "办结的比例", "办结比率", "completion rate"),
                "办理结果总计/(本年新收+上年结转)"),
        Measure("withheld_rate", "不予公开率", "三", ("withheld",), ("handled_total",),
                ("不予公开率", "不公开率", "不予公开比例", "不予公开的比例", "拒绝率", "refusal rate"),
                "不予公开/办理结果总计"),
        Measure("carry_rate", "结转率", "三", ("carried_out",), ("new", "carried_in"),
                ("结转率", "结转比例", "结转的比例", "carry-over rate"),
                "结转下年度继续办理/(本年新收+上年结转)"),
        Measure("correction_rate", "纠错率", "四", ("corrected",), ("total",),
                ("纠错率", "纠正率", "纠正比例", "纠正的比例", "被纠正的比例", "纠错比例", "败诉率",
                 "correction rate", "overturn rate", "overturned rate"),
                "结果纠正/总计；另示 结果纠正/(总计−尚未审结)", warn_above=0.15),
    ]
}

# Applicant columns people name together: 法人或其他组织 is the five non-natural-person columns,
# which the template prints without a subtotal (TEMPLATE.md table 三).
@dataclass(frozen=True)
class ColumnGroup:
    code: str
    name: str
    table: str
    columns: tuple[str, ...]
    words: tuple[str, ...]


COLUMN_GROUPS: dict[str, ColumnGroup] = {
    g.code: g
    for g in [
        ColumnGroup("organisations", "法人或其他组织", "三", T3_ORG_COLUMNS,
                    ("法人或其他组织", "法人和其他组织", "法人或者其他组织", "法人及其他组织", "法人和组织",
                     "法人", "非自然人", "organisations", "organizations", "legal persons")),
    ]
}
