"""The shared core: settings read the environment, the template data is self-consistent."""

from __future__ import annotations

from pathlib import Path

import pytest

from nianbao import settings as settings_mod
from nianbao import template as T


@pytest.fixture
def fresh_settings(monkeypatch):
    settings_mod.reset()
    yield monkeypatch
    settings_mod.reset()


def test_home_defaults_to_var_and_follows_env(fresh_settings, tmp_path):
    fresh_settings.delenv("NIANBAO_HOME", raising=False)
    assert settings_mod.get_settings().home == Path("./var").resolve()
    settings_mod.reset()
    fresh_settings.setenv("NIANBAO_HOME", str(tmp_path / "h"))
    s = settings_mod.get_settings()
    assert s.home == (tmp_path / "h").resolve()
    assert s.db_url == f"sqlite:///{tmp_path / 'h' / 'facts.sqlite3'}"
    assert s.chroma_path.parent == s.home


def test_database_url_and_overrides(fresh_settings, tmp_path):
    fresh_settings.setenv("DATABASE_URL", "postgresql+psycopg://u@localhost/nianbao")
    fresh_settings.setenv("NIANBAO_PORT", "7999")
    s = settings_mod.get_settings()
    assert s.db_url.startswith("postgresql")
    assert s.port == 7999
    s2 = settings_mod.configure(home=tmp_path, port=8001)
    assert s2.home == tmp_path.resolve() and s2.port == 8001
    assert settings_mod.get_settings() is s2


def test_row_codes_unique_and_columns_exist():
    seen = set()
    for r in T.T2_ROWS + T.T3_ROWS + T.T4_ROWS:
        assert (r.table, r.code) not in seen
        seen.add((r.table, r.code))
        for c in r.columns:
            assert c in T.COLUMNS[r.table], (r.code, c)
        if r.parent:
            assert ("三", r.parent) in T.ALL_ROWS


def test_table3_leaf_rows_per_template():
    leaf21 = [r.code for r in T.t3_leaf_rows("2021")]
    leaf19 = [r.code for r in T.t3_leaf_rows("2019")]
    assert "other_handling.fee_unpaid" in leaf21 and "other_handling" not in leaf21
    assert "other_handling" in leaf19 and "other_handling.fee_unpaid" not in leaf19
    assert len(T.t3_children("withheld")) == 8
    assert len(T.t3_children("unavailable")) == 3
    assert len(T.t3_children("not_processed")) == 5
    assert len(leaf21) == 2 + 2 + 8 + 3 + 5 + 3 + 2  # new, carried_in, granted, partial, sub-items, total, out


def test_table4_has_fifteen_numbers_in_print_order():
    assert len(T.T4_ORDER) == 15
    assert T.T4_ORDER[0] == ("review", "upheld") and T.T4_ORDER[-1] == ("suit_after_review", "total")


def test_table2_columns_depend_on_template():
    assert T.t2_columns_for("normative_docs", "2021") == ("issued", "repealed", "in_force")
    assert T.t2_columns_for("normative_docs", "2019") == ("made", "published", "total_public")
    assert T.t2_columns_for("fees", "2021") == ("amount",)
    assert T.t2_columns_for("fees", "2019") == ("prev_items", "change")
    assert T.t2_columns_for("procurement", "2019") == ("items", "amount")


def test_lexicon_points_at_real_rows():
    for term in T.LEXICON:
        assert (term.table, term.row) in T.ALL_ROWS, term
        for rel in term.related:
            assert (term.table, rel) in T.ALL_ROWS, rel
    for code in T.APPLICANT_WORDS:
        assert code in T.T3_COLUMNS
    for code in T.T4_RESULT_WORDS:
        assert code in T.T4_COLUMNS


def test_sections_are_the_six_in_order():
    assert [s.number for s in T.SECTIONS] == ["一", "二", "三", "四", "五", "六"]
    assert {s.table for s in T.SECTIONS if s.table} == set(T.TABLES)
