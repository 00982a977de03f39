"""Question understanding over a catalog of the six real sample reports: bodies, years, figures, operations."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from nianbao.types import ParsedReport, ReportMeta
from rag.factstore import FactStore
from rag.query import Catalog, Context, FigureRef
from rag.understand import understand

EXPECTED = Path(__file__).parent / "data" / "expected"
HS, HZ, HA, PT = "衡山县人民政府", "洪泽区人民政府", "淮安市人民政府", "平潭综合实验区"
ALL = [HS, HZ, HA, PT]


SAMPLES = Path(__file__).parent.parent / "data" / "reports"


def _metas() -> list[dict]:
    """The six sample reports' metadata (tests/data/expected also holds the dev reports')."""
    names = {p.stem for p in SAMPLES.iterdir() if p.suffix != ".md"}
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXPECTED.glob("*.json")) if p.stem in names]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    bodies: dict[str, list[str]] = {}
    years: dict[str, list[int]] = {}
    for d in _metas():
        names = bodies.setdefault(d["body"], [d["body"]])
        names += [a for a in d["aliases"] if a not in names]
        years.setdefault(d["body"], []).append(d["year"])
    return Catalog(bodies, {b: sorted(y) for b, y in years.items()})


def test_catalog_from_real_store(tmp_path, catalog):
    store = FactStore(f"sqlite:///{tmp_path / 'facts.sqlite3'}")
    for i, d in enumerate(_metas()):
        meta = ReportMeta(body=d["body"], aliases=d["aliases"], year=d["year"], template="2021")
        store.replace_report(ParsedReport(f"r{i}.txt", f"{i:064x}", "text", meta, "", [], [], [], []), [])
    built = Catalog.from_store(store)
    assert built.years == catalog.years
    assert set(built.bodies) == set(ALL)
    assert "淮安市洪泽区人民政府" in built.bodies[HZ] and built.bodies[HZ][0] == HZ
    assert understand("淮安洪泽2024年收到多少申请", built).bodies == [HZ]


# question -> expectations. f: rows (exact set) or row:column; b: bodies (exact); y: years (exact).
CASES: list[tuple[str, dict]] = [
    # ---- figures, table 三
    ("衡山县2023年有多少申请被拒绝了？", dict(b=[HS], y=[2023], f=["withheld"], op="single")),
    ("衡山縣2023年有多少申請被拒絕了", dict(b=[HS], y=[2023], f=["withheld"])),
    ("衡山县2023年收到多少政府信息公开申请？", dict(b=[HS], y=[2023], f=["new"])),
    ("衡山2023年新收申请数量", dict(b=[HS], y=[2023], f=["new"])),
    ("平潭2021年予以公开的有几件", dict(b=[PT], y=[2021], f=["granted"])),
    ("平潭綜合實驗區2022年予以公開的申請有多少件？", dict(b=[PT], y=[2022], f=["granted"])),
    ("洪泽2024年部分公开了多少件？", dict(b=[HZ], y=[2024], f=["partial"])),
    ("洪泽公开和部分公开一共多少", dict(b=[HZ], f=["granted", "partial"], op="sum")),
    ("平潭2021年无法提供的申请有多少件？", dict(b=[PT], y=[2021], f=["unavailable"])),
    ("洪泽2023年不予处理的申请有几件？", dict(b=[HZ], y=[2023], f=["not_processed"])),
    ("平潭2022年其他处理的有多少件？", dict(b=[PT], y=[2022], f=["other_handling"])),
    ("衡山县2023年从上一年结转过来的申请有几件？", dict(b=[HS], y=[2023], f=["carried_in"])),
    ("淮安市2024年上年结转的申请有多少？", dict(b=[HA], y=[2024], f=["carried_in"])),
    ("淮安市2024年有多少申请结转到2025年办理？", dict(b=[HA], y=[2024], f=["carried_out"])),
    ("平潭2021年有几件申请结转到下一年办理？", dict(b=[PT], y=[2021], f=["carried_out"])),
    ("淮安市2024年办结了多少件申请？", dict(b=[HA], y=[2024], f=["handled_total"])),
    ("衡山县2023年因为本机关不掌握相关信息而无法提供的有几件？", dict(f=["unavailable.not_held"])),
    ("衡山县2023年以属于国家秘密为由不予公开的有几件", dict(f=["withheld.state_secret"])),
    ("洪泽区2024年有几件申请因危及“三安全一稳定”不予公开？", dict(f=["withheld.security"])),
    ("淮安市2024年重复申请有多少件？", dict(f=["not_processed.duplicate"])),
    ("淮安市2024年信访举报投诉类申请有几件？", dict(f=["not_processed.complaint"])),
    ("平潭2022年因申请人逾期不补正而不再处理的申请有几件？", dict(f=["other_handling.no_correction"])),
    ("淮安市2024年有几件申请因逾期未缴纳费用而不再处理？", dict(f=["other_handling.fee_unpaid"])),
    ("平潭二〇二一年本机关不掌握相关政府信息的有几件", dict(b=[PT], y=[2021], f=["unavailable.not_held"])),
    ("洪泽区2023年过程性信息不予公开几件", dict(f=["withheld.process"])),
    ("淮安2024年因保护第三方合法权益不公开的有几件", dict(f=["withheld.third_party"])),
    ("洪泽2024年要求提供公开出版物的申请", dict(f=["not_processed.publication"])),
    # ---- applicants
    ("淮安2024年企业申请有多少", dict(b=[HA], y=[2024], f=["new:business"], ap=["business"])),
    ("衡山县2023年公民个人申请了多少件？", dict(f=["new:person"], ap=["person"])),
    ("淮安市2024年律师事务所申请了多少件？", dict(f=["new:legal"], ap=["legal"])),
    ("平潭2021年社会公益组织提出了几件申请？", dict(f=["new:ngo"], ap=["ngo"])),
    ("平潭2022年科研机构的申请", dict(f=["new:research"], ap=["research"])),
    ("衡山县2023年企业申请被拒绝多少", dict(f=["withheld:business"], ap=["business"])),
    ("How many requests did companies file in Pingtan in 2022?", dict(b=[PT], y=[2022], f=["new:business"])),
    ("What share of requests did Huai'an grant in full in 2024?", dict(y=[2024], f=["granted"], op="share")),
    ("淮安市2024年企业申请占全部新收申请的比例是多少？", dict(f=["new:business"], op="share")),
    # ---- table 四
    ("平潭2022年复议被纠正的有几件", dict(b=[PT], y=[2022], f=["review:corrected"])),
    ("淮安市2024年行政複議被糾正了多少件？", dict(f=["review:corrected"])),
    ("淮安市二〇二四年行政复议结果维持了多少件", dict(y=[2024], f=["review:upheld"])),
    ("衡山县行政诉讼有多少", dict(b=[HS], f=["suit_direct", "suit_after_review"])),
    ("淮安市2024年因信息公开被起诉了多少件？", dict(f=["suit_direct", "suit_after_review"])),
    ("洪泽2023年复议后起诉的行政诉讼有多少件？", dict(f=["suit_after_review"])),
    ("平潭2021年未经复议直接起诉的案件", dict(f=["suit_direct"])),
    ("衡山县2023年有没有因为政府信息公开被申请行政复议？", dict(f=["review"])),
    ("洪泽区2024年尚未审结的复议有几件", dict(f=["review:pending"])),
    ("平潭 lawsuits in 2022", dict(b=[PT], y=[2022], f=["suit_direct", "suit_after_review"])),
    ("How many appeals did Hongze have in 2023?", dict(b=[HZ], y=[2023], f=["review"])),
    (
        "How many lawsuits did Huai'an face in 2024 without prior reconsideration?",
        dict(b=[HA], y=[2024], f=["suit_direct"]),
    ),
    # ---- table 二
    ("淮安洪泽2023年规范性文件现行有效多少件", dict(b=[HZ], y=[2023], f=["normative_docs:in_force"])),
    ("衡山縣2023年行政規範性文件制發了多少件？", dict(f=["normative_docs:issued"])),
    ("洪泽区2023年废止了多少件规范性文件？", dict(f=["normative_docs:repealed"])),
    ("衡山县2023年规章制发了几件", dict(f=["rules:issued"])),
    (
        "淮安市2024年行政规范性文件制发、废止和现行有效各多少？",
        dict(b=[HA], f=["normative_docs:issued", "normative_docs:repealed", "normative_docs:in_force"]),
    ),
    (
        "洪泽区2024年制发了多少行政规范性文件？现行有效多少？",
        dict(f=["normative_docs:issued", "normative_docs:in_force"], narr=False),
    ),
    # ---- qualifiers no table column holds: the narrative is asked for beside the table figure
    ("衡山县2023年县本级通过网上提交的政府信息公开申请有多少件？", dict(b=[HS], f=["new"], narr=True)),
    ("洪泽2024年的行政许可有多少", dict(b=[HZ], y=[2024], f=["licensing"])),
    ("衡山县二〇二三年的行政许可决定有多少件？", dict(y=[2023], f=["licensing"])),
    ("平潭2021年行政处罚多少", dict(f=["penalty"])),
    ("淮安市2024年行政强制决定有多少件？", dict(f=["coercion"])),
    ("衡山县2023年行政事业性收费金额是多少？", dict(f=["fees"])),
    ("How many permits did Hengshan issue in 2023?", dict(b=[HS], y=[2023], f=["licensing"])),
    ("What fees did Pingtan collect in 2021?", dict(b=[PT], y=[2021], f=["fees"])),
    # ---- narrative and sections
    ("洪泽区存在哪些问题，下一步怎么改进", dict(b=[HZ], f=[], narr=True, sec="五", op="narrative")),
    ("衡山县2023年政务公开工作存在哪些问题？", dict(narr=True, sec="五")),
    ("衡山县信息处理费收了多少", dict(b=[HS], f=[], narr=True, sec="六")),
    ("淮安市2024年收取了多少信息处理费？", dict(f=[], narr=True, sec="六")),
    ("平潭2022年收取信息处理费了吗？", dict(f=[], narr=True, sec="六")),
    ("平潭2021年针对存在问题采取了哪些改进措施？", dict(narr=True, sec="五")),
    ("淮安市2024年下一步如何改进政策解读？", dict(narr=True)),
    ("洪泽区2023年在政府网站主动公开了多少条信息？", dict(f=[], narr=True)),
    ("洪泽区2024年公开了几期政府常务会议？", dict(f=[], narr=True)),
    ("衡山县2023年开展了哪些培训", dict(narr=True, sec="一")),
    ("How did Pingtan improve its platform in 2022?", dict(b=[PT], narr=True)),
    ("衡山县2023年有多少公务员？", dict(f=[], narr=True)),
    # ---- years
    ("二〇二三年衡山縣收到多少申請", dict(b=[HS], y=[2023], f=["new"])),
    ("两千零二十三年洪泽区收到多少申请", dict(y=[2023])),
    ("洪泽二零二四年行政处罚", dict(y=[2024], f=["penalty"])),
    ("洪泽23年收到多少申请", dict(y=[2023])),
    ("洪泽区２０２４年收到多少申请", dict(y=[2024])),
    ("洪泽区去年收到多少申请", dict(y=[2023], notes=True)),
    ("洪泽区今年收到多少申请", dict(y=[2024])),
    ("洪泽区前年收到多少申请", dict(y=[2022], ym=[2022])),
    ("平潭上一年的行政处罚", dict(y=[2021])),
    ("洪泽区近两年收到的申请", dict(y=[2023, 2024], op="diff")),
    ("洪泽区近三年申请数量的变化趋势", dict(y=[2022, 2023, 2024], ym=[2022], op="trend")),
    ("平潭2021到2022年新收申请增加了多少", dict(y=[2021, 2022], op="diff")),
    ("平潭2021-2022年行政处罚", dict(y=[2021, 2022])),
    ("平潭2021至2022年行政复议情况", dict(y=[2021, 2022])),
    ("平潭历年的行政复议数量", dict(y=[2021, 2022], op="trend")),
    ("衡山县2019年收到多少申请？", dict(b=[HS], y=[2019], ym=[2019])),
    ("平潭综合实验区2020年行政处罚决定有多少件？", dict(y=[2020], ym=[2020])),
    ("How many requests did Hongze receive last year?", dict(b=[HZ], y=[2023])),
    ("Hongze requests received in 2024", dict(b=[HZ], y=[2024], f=["new"])),
    ("洪泽区2023年有10年来最多的申请吗", dict(y=[2023])),
    # ---- operations
    ("洪泽区2024年不予公开的原因分别是什么", dict(f=["withheld"], op="breakdown")),
    ("衡山县2023年不予公开的理由都有哪些？", dict(f=["withheld"], op="breakdown")),
    ("淮安市2024年不予公开的各项理由分别有多少件？", dict(f=["withheld"], op="breakdown")),
    ("平潭2021年和2022年一共收到多少件申请？", dict(y=[2021, 2022], f=["new"], op="sum")),
    ("洪泽区2023年和2024年收到的申请数量对比", dict(y=[2023, 2024], op="diff")),
    ("洪泽区2024年予以公开的申请比2023年多了多少？", dict(y=[2023, 2024], f=["granted"], op="diff")),
    ("平潭2022年行政事业性收费金额比2021年少了多少？", dict(y=[2021, 2022], f=["fees"], op="diff")),
    (
        "衡山县2023年的实质公开率是多少？",
        dict(meas="disclosure_rate", op="share", f=["granted", "partial", "handled_total"]),
    ),
    (
        "What was Huai'an city's substantive disclosure rate in 2024?",
        dict(b=[HA], meas="disclosure_rate", op="share"),
    ),
    ("平潭2022年复议纠错率", dict(meas="correction_rate", op="share", f=["review"])),
    ("淮安市2024年不予公开的占办结总数的比例？", dict(f=["withheld", "handled_total"], op="share")),
    ("淮安市2024年自然人申请占比", dict(f=["new:person"], op="share")),
    ("2023年衡山县和洪泽区谁收到的政府信息公开申请多？", dict(b=[HS, HZ], y=[2023], f=["new"], op="compare")),
    ("衡山和洪泽2023年比较", dict(b=[HS, HZ], op="compare")),
    ("哪个地方2024年收到的申请最多", dict(b=ALL, y=[2024], f=["new"], op="rank")),
    ("2024年淮安市和洪泽区哪个收到的申请更多", dict(b=[HA, HZ], y=[2024], f=["new"], op="compare")),
    ("2023年衡山县哪个收到的申请更多", dict(b=ALL, y=[2023], f=["new"], op="rank")),
    ("各地行政复议数量排名", dict(b=ALL, f=["review"], op="rank")),
    ("收录了哪些报告", dict(op="list")),
    # ---- bodies: aliases, partial names, unknown, ambiguity
    ("淮安2024年收到多少申请", dict(b=[HA])),
    ("淮安市洪泽区人民政府2024年行政处罚决定数量是多少？", dict(b=[HZ])),
    ("淮安市洪泽区2024年行政处罚", dict(b=[HZ])),
    ("洪泽区人民政府2023年的行政复议", dict(b=[HZ])),
    ("平潭综合实验区管委会2022年收到的申请", dict(b=[PT])),
    ("淮安和洪泽2024年行政处罚比较", dict(b=[HA, HZ], op="compare")),
    ("长沙市2023年收到多少申请", dict(b=[], u=["长沙市"])),
    ("北京去年的行政复议", dict(b=[], u=["北京"])),
    ("衡阳市2023年收到多少信息公开申请？", dict(b=[], u=["衡阳市"])),
    ("福建省2022年政府信息公开行政诉讼多少件？", dict(b=[], u=["福建省"])),
    ("淮安市清江浦区2024年收到多少申请？", dict(b=[], u=["清江浦"])),
    ("南京市2024年行政复议纠错率是多少？", dict(b=[], u=["南京市"], meas="correction_rate")),
    ("What was Shanghai's disclosure rate in 2023?", dict(b=[], u=["Shanghai"])),
    ("本县2023年行政处罚有多少", dict(b=[], notes=True)),
]


def _check(q, exp: dict) -> None:  # noqa: ANN001
    if "b" in exp:
        assert q.bodies == exp["b"], q
    if "y" in exp:
        assert q.years == exp["y"], q
    if "ym" in exp:
        assert q.years_missing == exp["ym"], q
    if "f" in exp:
        rows = {f.row for f in q.figures}
        assert rows == {x.split(":")[0] for x in exp["f"]}, q
        for x in exp["f"]:
            if ":" in x:
                row, col = x.split(":")
                assert any(f.row == row and f.column == col for f in q.figures), q
    if "op" in exp:
        assert q.operation == exp["op"], q
    if "ap" in exp:
        assert q.applicants == exp["ap"], q
    if "u" in exp:
        assert q.unknown_bodies == exp["u"], q
    if "sec" in exp:
        assert q.section == exp["sec"], q
    if "meas" in exp:
        assert q.measure == exp["meas"], q
    if "narr" in exp:
        assert q.wants_narrative == exp["narr"], q
    if "notes" in exp:
        assert bool(q.notes) == exp["notes"], q


@pytest.mark.parametrize(("question", "exp"), CASES, ids=[c[0][:30] for c in CASES])
def test_understand_table(question, exp, catalog):
    _check(understand(question, catalog), exp)


def test_several_table_two_columns_become_one_figure_each_in_the_order_asked(catalog):
    q = understand("平潭2022年制发、废止了多少规范性文件？现行有效多少？", catalog)
    assert [(f.table, f.row, f.column) for f in q.figures] == [
        ("二", "normative_docs", c) for c in ("issued", "repealed", "in_force")
    ]
    assert q.operation == "single"


def test_qualifiers_are_recorded_and_only_where_asked(catalog):
    q = understand("衡山县2023年县本级通过网上提交的政府信息公开申请有多少件？", catalog)
    assert q.qualifiers == ["县本级", "网上"] and q.wants_narrative and q.figures
    assert understand("衡山县2023年收到多少申请？", catalog).qualifiers == []
    assert understand("平潭2022年书面申请有几件", catalog).qualifiers == ["书面"]


def test_withheld_mentions_neighbours(catalog):
    q = understand("平潭2022年有多少申请被拒绝？", catalog)
    assert q.figures[0].related == ["unavailable", "not_processed"]


def test_ambiguous_partial_name_and_fixing_it():
    cat = Catalog(
        {"南京市鼓楼区人民政府": ["南京市鼓楼区人民政府"], "福州市鼓楼区人民政府": ["福州市鼓楼区人民政府"]},
        {"南京市鼓楼区人民政府": [2023], "福州市鼓楼区人民政府": [2023]},
    )
    q = understand("鼓楼区2023年收到多少申请", cat)
    assert q.bodies == [] and sorted(q.ambiguous_bodies) == sorted(cat.bodies)
    assert understand("南京鼓楼区2023年收到多少申请", cat).bodies == ["南京市鼓楼区人民政府"]
    assert understand("鼓楼区2023年收到多少申请", cat, body="福州市鼓楼区人民政府").bodies == [
        "福州市鼓楼区人民政府"
    ]


def test_ui_filters_and_single_body_catalog(catalog):
    q = understand("2023年收到多少申请", catalog, body=HS)
    assert q.bodies == [HS] and q.years == [2023]
    assert understand("收到多少申请", catalog, body=HZ, year=2024).years == [2024]
    assert understand("本县收到多少申请", catalog, body=HS).bodies == [HS]
    one = Catalog({HS: [HS, "衡山"]}, {HS: [2023]})
    assert understand("收到多少申请？", one).bodies == [HS]


# conversations: list of (question, expectations); each turn's Context comes from the previous Query.
CONVERSATIONS: list[list[tuple[str, dict]]] = [
    [
        ("洪泽区2023年收到多少申请", dict(b=[HZ], y=[2023], f=["new"], fu=False)),
        ("那2024年呢？", dict(b=[HZ], y=[2024], f=["new"], fu=True)),
        ("其中企业申请的有多少？", dict(b=[HZ], y=[2024], f=["new:business"], fu=True)),
        ("和去年比呢？", dict(b=[HZ], y=[2023, 2024], op="diff", fu=True)),
        ("那无法提供的呢？", dict(b=[HZ], f=["unavailable"], fu=True)),
    ],
    [
        ("平潭2022年行政复议有多少件？", dict(b=[PT], y=[2022], f=["review"])),
        ("2021年呢？", dict(b=[PT], y=[2021], f=["review"], fu=True)),
        ("其中被纠正的呢", dict(b=[PT], y=[2021], f=["review:corrected"], fu=True)),
    ],
    [
        ("衡山县2023年有多少申请被拒绝了？", dict(b=[HS], f=["withheld"])),
        ("洪泽呢？", dict(b=[HZ], y=[2023], f=["withheld"], fu=True)),
        ("它的行政处罚呢", dict(b=[HZ], y=[2023], f=["penalty"], fu=True)),
    ],
    [
        ("淮安市2024年实质公开率是多少？", dict(b=[HA], meas="disclosure_rate", op="share")),
        ("洪泽呢", dict(b=[HZ], y=[2024], meas="disclosure_rate", op="share", fu=True)),
    ],
    [
        ("衡山县2023年收到多少申请", dict(b=[HS], y=[2023])),
        ("平潭呢？", dict(b=[PT], y=[], f=["new"], notes=True)),  # 2023 is not held for 平潭: no silent reuse
    ],
    [
        ("衡山县2023年收到多少政府信息公开申请？", dict(f=["new"])),
        ("其中予以公开的有多少？", dict(b=[HS], y=[2023], f=["granted"], fu=True)),
        ("那部分公开呢？", dict(b=[HS], y=[2023], f=["partial"], fu=True)),
    ],
]


@pytest.mark.parametrize("turns", CONVERSATIONS, ids=[t[0][0][:20] for t in CONVERSATIONS])
def test_conversation(turns, catalog):
    ctx = None
    for question, exp in turns:
        q = understand(question, catalog, ctx)
        _check(q, exp)
        if "fu" in exp:
            assert q.followup == exp["fu"], q
        ctx = Context.from_dict(
            json.loads(json.dumps(Context.from_query(q).to_dict()))
        )  # as the web API does


def test_context_round_trips_json_and_answer_shape():
    ctx = Context(
        [HZ], [2023, 2024], [FigureRef("三", "withheld", None, ["unavailable"])], ["business"], "diff"
    )
    assert Context.from_dict(json.loads(json.dumps(ctx.to_dict(), ensure_ascii=False))) == ctx
    # the Answer JSON's context ({"body","year","rows","columns","table"}) is accepted too
    c2 = Context.from_dict(
        {"body": HZ, "year": 2024, "rows": ["new"], "columns": ["business"], "table": "三"}
    )
    assert c2.bodies == [HZ] and c2.years == [2024] and c2.figures == [FigureRef("三", "new", "business")]
    assert Context.from_dict(None) == Context()


def test_speed_under_5ms(catalog):
    questions = [c[0] for c in CASES]
    for q in questions:  # warm: lexicon, alias index, jieba dictionary
        understand(q, catalog)
    t = time.perf_counter()
    for q in questions:
        understand(q, catalog)
    per = (time.perf_counter() - t) / len(questions) * 1000
    assert per < 5, f"{per:.2f} ms per question"
