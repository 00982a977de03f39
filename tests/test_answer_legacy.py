"""Answering over a report from before the national template (2008 条例 era): the figures its text
states plainly are answered, with the sentence cited; a template figure it never tabulated is said
to be missing for that year, not looked up, not guessed."""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_legacy import GRANTED, NEW, PARTIAL, REVIEW, WITHHELD, legacy_report


@pytest.fixture(scope="module")
def legacy_answerer(tmp_path_factory):
    from ingest.pipeline import Ingestor
    from nianbao.settings import Settings
    from rag.answer import Answerer
    from rag.stores import open_stores

    home = tmp_path_factory.mktemp("legacy_home")
    folder = home / "reports"
    folder.mkdir()
    (folder / "r2015.txt").write_text(
        legacy_report("江宁区人民政府", 2015, NEW[0], GRANTED[0], PARTIAL[0], WITHHELD[0], REVIEW[0], (57, 40, 6, 3, 2)),
        encoding="utf-8",
    )
    stores = open_stores(replace(Settings(), home=home.resolve(), database_url=None, chroma_url=None))
    summary = Ingestor(stores).ingest_paths([folder], progress=False)
    assert summary.ok, [(r.path, r.reason) for r in summary.results]
    a = Answerer(stores)
    yield a
    stores.close()


def test_stated_figures_are_answered(legacy_answerer):
    ans = legacy_answerer.ask("江宁区2015年收到多少信息公开申请？")
    assert ans.kind in ("figure", "mixed")
    assert any(f.get("value") == 57 for f in ans.figures), ans.answer
    assert all(f.get("value") != 87 for f in ans.figures)  # 「较上年的87件」 is the year before


def test_untabulated_figure_is_said_to_be_missing_that_year(legacy_answerer):
    ans = legacy_answerer.ask("江宁区2015年无法提供的申请有多少件？")
    assert ans.kind == "not_found" and "早于全国统一表格" in ans.answer
    assert not [f for f in ans.figures if f.get("value") is not None]


def test_change_the_report_states_when_the_year_before_is_missing(legacy_answerer):
    """Only 2015 is in the store: the table cannot give the change, the report's own sentence does."""
    ans = legacy_answerer.ask("江宁区2015年收到的申请比上一年多了还是少了？")
    text = [f for f in ans.figures if f.get("source") == "text"]
    assert any(f["value"] == 30 for f in text), ans.answer
    assert "无法由表格计算年度变化" in ans.answer
