"""Spoken Chinese for the template's figures (nianbao.template.COLLOQUIAL): each rule is exercised
by forms generated from its grammar (negation × verb × object, prefixes × suffixes), placed in
several sentence frames, and must land on the template row the official wording names — with a
figure's confidence. The rules must also leave ordinary words alone (有没有, 公开率, 报告, 公告)."""

from __future__ import annotations

import itertools

import pytest

from nianbao import template as T
from rag.numerals import normalize_question
from rag.query import Catalog
from rag.understand import FIGURE_CONFIDENCE, understand

HZ, PT = "洪泽区人民政府", "平潭综合实验区"
CAT = Catalog({HZ: [HZ], PT: [PT]}, {HZ: [2023, 2024], PT: [2021, 2022]})
FRAMES = ["{b}{y}年{w}的申请有几件", "{y}年{b}{w}的有多少", "请问{b}{y}年{w}的有几个"]
BODIES = [("洪泽区", HZ, 2024), ("平潭", PT, 2022)]


def _forms(*parts: list[str]) -> list[str]:
    return ["".join(p) for p in itertools.product(*parts)]


CASES = [
    # 不予公开: 没/没有/未/不 + 给/予 + 公开
    (_forms(["没", "没有", "未", "不"], ["给", "予"], ["公开"]) + ["不公开"], ("三", "withheld")),
    # 无法提供: 没法/没办法/不能/没能 + 提供
    (_forms(["没法", "没办法", "不能", "没能", "未能"], ["提供"]), ("三", "unavailable")),
    # 本机关不掌握: someone's hands do not hold the information
    (_forms(["因为政府", "因为机关", "因为"], ["手里", "手上", "手头"], ["没有", "没"], ["这个信息", "相关信息", "信息"]),
     ("三", "unavailable.not_held")),
    # 结转下年度: moved to next year
    (_forms(["转到", "转入", "顺延到", "留到"], ["下一年", "下年", "明年", "下一年度"], ["继续办理", "办理", ""]),
     ("三", "carried_out")),
    # 逾期未缴纳费用: not paying
    (_forms(["逾期", ""], ["不", "没", "未"], ["交费", "缴费", "交钱", "付费"], ["被不再处理", "不再处理"]),
     ("三", "other_handling.fee_unpaid")),
    # 部分公开: a part given
    (_forms(["只", "仅", ""], ["给了", "公开了", "提供了"], ["一部分", "部分信息"]), ("三", "partial")),
    # 逾期不补正: not supplying what was asked for
    (_forms(["申请人", ""], ["不", "没", "没有"], ["补材料", "补充材料", "补正"], ["不再处理", ""]),
     ("三", "other_handling.no_correction")),
    # 没有现成信息 / 另行制作
    (_forms(["因为", ""], ["没有现成的信息", "没现成的", "得另外做", "需要重新整理"], ["没提供", "无法提供"]),
     ("三", "unavailable.needs_creation")),
    # 补正后仍不明确
    (_forms(["补正", "补充说明"], ["之后", "后", ""], ["还是", "仍然"], ["说不清", "不明确"]), ("三", "unavailable.unclear")),
    # 上年结转: carried in from last year
    (_forms(["从上一年", "从去年", "上年度"], ["转过来", "剩下", "结转"]), ("三", "carried_in")),
]


@pytest.mark.parametrize(
    "question",
    _forms(["洪泽区2024年", "平潭2022年"], ["行政复议", "复议", "直接起诉的官司"], ["还没审完的", "还没出结果的", "尚未审结的", "还没判的"],
           ["有几件", "多少"]),
)
def test_undecided_cases_are_the_pending_column(question):
    q = understand(question, CAT)
    assert q.figures and {f.column for f in q.figures} == {"pending"} and q.confidence >= FIGURE_CONFIDENCE, question


@pytest.mark.parametrize("reason", ["涉及国家秘密", "属于行政执法案卷", "属于四类过程性信息", "保护第三方合法权益"])
def test_a_template_reason_after_因为_is_answered(reason):
    q = understand(f"平潭2022年有没有因为{reason}被拒绝公开的申请？几件？", CAT)
    assert q.confidence >= FIGURE_CONFIDENCE and all(T.ALL_ROWS[(f.table, f.row)].parent for f in q.figures), q.figures


@pytest.mark.parametrize(
    "question",
    ["洪泽区2024年怕公开了影响国家安全社会稳定而不予公开的有几件？", "平潭2022年有人没正当理由成批地申请被不予处理的有几件？",
     "How many Pingtan 2022 requests were refused because disclosure would harm someone, according to the report?"],
)
def test_a_group_asked_with_words_pointing_inside_it_is_broken_down(question):
    q = understand(question, CAT)
    assert q.operation == "breakdown" and len(q.figures) == 1 and T.ALL_ROWS[(q.figures[0].table, q.figures[0].row)].group


@pytest.mark.parametrize(("forms", "row"), CASES, ids=lambda x: x[1] if isinstance(x, tuple) else None)
def test_spoken_forms_land_on_the_official_row(forms, row):
    misses = []
    for w, frame, (bname, body, year) in itertools.product(forms, FRAMES, BODIES):
        question = frame.format(b=bname, y=year, w=w)
        q = understand(question, CAT)
        rows = {(f.table, f.row) for f in q.figures}
        if row not in rows or q.confidence < FIGURE_CONFIDENCE or q.bodies != [body]:
            misses.append((question, sorted(rows), q.confidence, q.unexplained))
    assert not misses, misses[:5]


@pytest.mark.parametrize(
    "question",
    _forms(["平潭2022年", "洪泽区2024年"], ["去法院告政府的", "被老百姓告了的", "把政府告上法院的", "打官司的", "告政府的"],
           ["有几件", "多少起"]),
)
def test_suing_the_government_is_a_lawsuit(question):
    q = understand(question, CAT)
    assert {f.table for f in q.figures} == {"四"} and any(f.row.startswith("suit") for f in q.figures), question
    assert q.confidence >= FIGURE_CONFIDENCE and not q.not_tabulated, (question, q.unexplained)


def test_organisations_spoken_of_as_units():
    for w in ["单位或组织", "单位和组织", "单位或其他组织", "企业或组织"]:
        q = understand(f"平潭2022年申请人里有没有{w}", CAT)
        assert q.column_group == "organisations", w


def test_an_explicit_applicant_restriction_on_table_four_is_still_not_tabulated():
    q = understand("洪泽区2024年的行政复议案件里申请人是企业的有几件", CAT)
    assert q.not_tabulated and not q.figures


@pytest.mark.parametrize(
    "text", ["有没有信息公开申请", "有没有公开规范性文件", "公开率是多少", "年度报告", "发布公告几次", "是否公开", "予以公开", "部分公开", "依申请公开", "告知书"]
)
def test_ordinary_words_are_left_alone(text):
    assert normalize_question(text) == text


def test_several_measures_in_one_question_are_each_planned():
    """「公开率和办结率各是多少」: every measure named is answered, in the order asked."""
    names = {m: T.MEASURES[m].name for m in T.MEASURES if T.MEASURES[m].table == "三"}
    for a, b in itertools.permutations(names, 2):
        q = understand(f"洪泽区2024年{names[a]}和{names[b]}各是多少", CAT)
        assert [q.measure, *q.more_measures] == [a, b], (names[a], names[b])


@pytest.mark.parametrize("each", ["各是多少", "分别是多少", "各有几件"])
def test_each_is_not_a_sum_even_when_a_figure_is_named_by_a_total(each):
    q = understand(f"上海市政府办公厅2019年规章和规范性文件的对外公开总数量{each}", Catalog({"上海市人民政府办公厅": ["上海市人民政府办公厅"]}, {"上海市人民政府办公厅": [2019]}))
    assert q.operation != "sum" and {f.column for f in q.figures} == {"total_public"}


@pytest.mark.parametrize("unit_q, unit", [("一共有几个人", "人"), ("有多少名工作人员", "名"), ("花了多少经费", "元"), ("预算多少", "元")])
def test_the_unit_asked(unit_q, unit):
    from rag.textnumbers import asked_unit

    assert asked_unit(normalize_question(unit_q)) == unit


@pytest.mark.parametrize("frame", ["平潭{r}年报里说{n}年准备改进啥", "平潭{r}年度报告提到{n}年打算做什么", "平潭{r}年的报告中{n}年的工作计划"])
def test_the_year_that_names_the_report_decides_the_report(frame):
    q = understand(frame.format(r=2021, n=2022), CAT)
    assert q.years == [2021], q.years
    q = understand(frame.format(r=21, n=2022), CAT)
    assert q.years == [2021], q.years


@pytest.mark.parametrize("scope", ["全市各区一共", "各县区合计", "下辖各部门加起来", "各区县总共"])
def test_a_sum_over_subordinate_bodies_is_not_the_named_bodys_own_figure(scope):
    q = understand(f"洪泽区2024年{scope}收到多少信息公开申请", CAT)
    assert q.not_tabulated and not q.figures
    assert not understand("洪泽区2024年一共收到多少信息公开申请", CAT).not_tabulated


@pytest.mark.parametrize("how", ["一般咋处理的", "都是怎么处理的", "通常如何办理的", "主要是怎样答复的"])
def test_how_requests_are_handled_is_the_breakdown_of_outcomes(how):
    q = understand(f"洪泽区2024年的信息公开申请{how}", CAT)
    assert [(f.table, f.row) for f in q.figures] == [("三", "handled_total")] and q.operation == "breakdown"


@pytest.mark.parametrize(
    ("sentence", "stated"),
    [("先后关停未进行规范管理的政务新媒体2个。", False), ("全区现有政务新媒体账号35个。", True), ("新增政务新媒体3个。", False)],
)
def test_a_stock_is_not_answered_by_a_count_of_changes(sentence, stated):
    from rag.textnumbers import asks_stock, content_terms, stated_numbers

    norm = normalize_question("全区政务新媒体账号总数有几个")
    nums = stated_numbers(sentence, content_terms(norm, []), "个", need=1, stock=asks_stock(norm))
    assert bool(nums) == stated


@pytest.mark.parametrize("org", ["municipal government", "county government", "district government", "Municipal Government"])
def test_an_english_place_the_store_lacks_is_reported_missing(org):
    q = understand(f"How many requests did the Nanjing {org} receive in 2024?", CAT)
    assert q.unknown_bodies and not q.bodies, (q.unknown_bodies, q.bodies)


@pytest.mark.parametrize("words", ["granted in full or in part", "granted fully or partially", "disclosed in whole or in part"])
def test_english_granted_or_partial_share_is_the_disclosure_rate(words):
    q = understand(f"What share of Pingtan's 2022 requests were {words}?", CAT)
    assert q.measure == "disclosure_rate"
