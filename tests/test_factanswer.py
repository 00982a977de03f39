"""Fact answers over the real ingested sample corpus: lookups, group sums, contradictions, arithmetic."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest_rag import answerer, rag_stores  # noqa: F401

from ingest.parse import parse_file
from nianbao.settings import PROJECT_ROOT
from rag.compose import Citations
from rag.factanswer import FactAnswerer, FactBook
from rag.factstore import FactStore
from rag.query import Catalog, FigureRef, Query

HENGSHAN = "衡山县人民政府"
HONGZE = "洪泽区人民政府"
PINGTAN = "平潭综合实验区"


@pytest.fixture(scope="module")
def book(rag_stores):  # noqa: F811
    return FactBook(rag_stores.facts)


@pytest.fixture(scope="module")
def catalog(rag_stores):  # noqa: F811
    return Catalog.from_store(rag_stores.facts)


def run(book, catalog, **kw):
    cites = Citations()
    res = FactAnswerer(book).answer(Query(text="q", norm="q", **kw), catalog, cites)
    return res, cites


def cited_cells(cites: Citations) -> set[tuple]:
    return {(c.body, c.year, c.cell["row"], c.cell["column"]) for c in cites.items if c.cell}


def test_group_row_is_summed_from_children_with_parts_and_neighbours(book, catalog):
    res, cites = run(
        book,
        catalog,
        bodies=[HENGSHAN],
        years=[2023],
        figures=[FigureRef("三", "withheld", related=["unavailable", "not_processed"])],
    )
    assert res.kind == "figure"
    assert "**不予公开2件**（国家秘密1件、四类过程性信息1件）" in res.text
    assert "**无法提供3件**" in res.text and "**不予处理0件**" in res.text
    cells = cited_cells(cites)
    assert (HENGSHAN, 2023, "withheld", "total") in cells
    assert (HENGSHAN, 2023, "withheld.state_secret", "total") in cells
    assert (HENGSHAN, 2023, "withheld.process", "total") in cells
    fig = next(f for f in res.figures if f.row == "withheld")
    assert fig.value == 2 and fig.derived


def test_contradictory_total_is_stated_with_both_figures(book, catalog):
    res, cites = run(book, catalog, bodies=[HONGZE], years=[2023], figures=[FigureRef("四", "review")])
    assert "各项之和为11件" in res.text and "总计印为0件" in res.text and "自相矛盾" in res.text
    assert any("11" in w for w in res.warnings)
    values = {f.value for f in res.figures}
    assert {0, 11} <= values
    assert (HONGZE, 2023, "review", "upheld") in cited_cells(cites)


def test_disclosure_rate_shows_arithmetic_and_small_sample(book, catalog):
    res, _ = run(book, catalog, bodies=[HENGSHAN], years=[2023], measure="disclosure_rate")
    assert "(13+4)/22" in res.text and "77.3%" in res.text
    assert "样本很小" in res.text


def test_diff_between_years(book, catalog):
    res, _ = run(
        book,
        catalog,
        bodies=[PINGTAN],
        years=[2021, 2022],
        figures=[FigureRef("三", "new")],
        operation="diff",
    )
    assert "2021年**本年新收申请70件**" in res.text and "**本年新收申请74件**" in res.text
    assert "增加 **4件**" in res.text and "+5.7%" in res.text
    assert any(f.derived and f.value == 4 for f in res.figures)


def test_rank_names_year_and_bodies(book, catalog):
    res, _ = run(book, catalog, years=[2024], figures=[FigureRef("三", "new")], operation="rank")
    assert "2024年库中共有2个机关" in res.text
    assert res.text.index("淮安市人民政府：") < res.text.index("洪泽区人民政府：")


def test_trend_lists_every_year(book, catalog):
    res, _ = run(book, catalog, bodies=[PINGTAN], figures=[FigureRef("三", "new")], operation="trend")
    assert "2021年：**本年新收申请70件**" in res.text and "2022年：**本年新收申请74件**" in res.text


def test_row_missing_from_the_reports_template_is_not_found(book, catalog):
    res, _ = run(book, catalog, bodies=[HENGSHAN], years=[2023], figures=[FigureRef("二", "procurement")])
    assert res.kind == "not_found" and "2021年版表格，该版表格没有「政府集中采购」" in res.text


def test_undecidable_cell_says_so_shows_raw_text_and_candidates_and_invents_nothing(db_url):
    """A run-together row the parser could not split: the answer states it plainly, quotes the
    printed text and the parser's note (with the candidate readings), and gives no number."""
    parsed = parse_file(PROJECT_ROOT / "data" / "reports" / "pingtan_2021.txt")
    note = "连写数字「693665」有2种拆分：69/3/665 或 6/93/665，无法确定"
    facts = [
        replace(f, value=None, uncertain=True, raw="693665", note=note)
        if (f.table, f.row) == ("二", "normative_docs")
        else f
        for f in parsed.facts
    ]
    store = FactStore(db_url)
    store.replace_report(replace(parsed, facts=facts, passages=[]), [])
    book, catalog = FactBook(store), Catalog.from_store(store)
    figs = [FigureRef("二", "normative_docs", c) for c in ("issued", "repealed", "in_force")]
    res, cites = run(book, catalog, bodies=[PINGTAN], years=[2021], figures=figs)
    assert res.kind == "figure"
    assert res.text.count("无法确定") >= 3 and "「693665」" in res.text
    assert res.text.count("69/3/665 或 6/93/665") == 1  # the note once, not per cell
    assert not any(f.row == "normative_docs" for f in res.figures)  # no value, no figure
    assert "665件" not in res.text and "693件" not in res.text
    assert {(PINGTAN, 2021, "normative_docs", c) for c in ("issued", "repealed", "in_force")} <= cited_cells(
        cites
    )
    assert "= 无法确定" in cites.markdown()


def _store_with_undecidable(db_url, names: list[str], undecidable: set[tuple[str, str, str]]) -> FactStore:
    """Real sample reports in a tmp SQLite store, with chosen cells (body, table, row) made undecidable
    the way the parser records them: value None, uncertain, the printed text kept."""
    store = FactStore(db_url)
    for name in names:
        parsed = parse_file(PROJECT_ROOT / "data" / "reports" / name)
        facts = [
            replace(f, value=None, uncertain=True, raw="1l7", note="")
            if (parsed.meta.body, f.table, f.row) in undecidable and f.column == "total"
            else f
            for f in parsed.facts
        ]
        store.replace_report(replace(parsed, facts=facts, passages=[]), [])
    return store


def test_group_total_with_an_undecidable_child_is_not_summed(db_url):
    store = _store_with_undecidable(db_url, ["hengshan_2023.txt"], {(HENGSHAN, "三", "withheld.process")})
    book, catalog = FactBook(store), Catalog.from_store(store)
    res, _ = run(book, catalog, bodies=[HENGSHAN], years=[2023], figures=[FigureRef("三", "withheld")])
    assert "总数无法确定" in res.text and "国家秘密1件" in res.text and "「1l7」" in res.text
    assert "不予公开1件" not in res.text and "不予公开2件" not in res.text
    assert not any(f.row == "withheld" for f in res.figures)
    # a share that rests on it gives no number either
    share, _ = run(
        book,
        catalog,
        bodies=[HENGSHAN],
        years=[2023],
        figures=[FigureRef("三", "withheld"), FigureRef("三", "handled_total")],
        operation="share",
    )
    assert "无法计算" in share.text and "「不予公开」" in share.text and "%" not in share.text
    assert not any(f.unit == "%" for f in share.figures)


def test_rank_and_compare_list_an_undecidable_body_instead_of_dropping_it(db_url):
    store = _store_with_undecidable(db_url, ["hongze_2024.pdf", "huaian_2024.pdf"], {(HONGZE, "三", "new")})
    book, catalog = FactBook(store), Catalog.from_store(store)
    rank, _ = run(book, catalog, years=[2024], figures=[FigureRef("三", "new")], operation="rank")
    assert "1. 淮安市人民政府：" in rank.text and "洪泽区人民政府：无法确定" in rank.text
    assert "2. 洪泽区人民政府" not in rank.text
    both = [HONGZE, "淮安市人民政府"]
    cmp_, _ = run(
        book, catalog, bodies=both, years=[2024], figures=[FigureRef("三", "new")], operation="compare"
    )
    assert "洪泽区人民政府2024年的数字无法确定，无法比较" in cmp_.text
    assert "多于" not in cmp_.text and "合计 " not in cmp_.text
    assert not any(f.derived for f in cmp_.figures)


def test_compare_of_named_bodies_is_not_a_ranking_of_all(answerer):  # noqa: F811
    ans = answerer.ask("2024年淮安市和洪泽区哪个收到的申请更多？")
    assert "库中共有" not in ans.answer and "多于" in ans.answer
    assert {c["body"] for c in ans.citations if c.get("cell")} == {HONGZE, "淮安市人民政府"}
