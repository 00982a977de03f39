"""Data frames for the trend (one body over years) and comparison (bodies in one year) charts."""

from __future__ import annotations

import pandas as pd

from web.backend import Backend


def parse_figure(key: str) -> tuple[str, str, str]:
    table, row, column = key.split("|")
    return table, row, column


def trend_frame(backend: Backend, body: str, key: str) -> pd.DataFrame:
    """Columns 年度 (str, so the axis shows years not 2,023.5) and 数值, one row per available year."""
    table, row, column = parse_figure(key)
    facts = backend.figure_series(table, row, column, body=body)
    by_year = {f.year: f.value for f in facts if f.value is not None}
    years = sorted(by_year)
    return pd.DataFrame({"年度": [str(y) for y in years], "数值": [by_year[y] for y in years]})


def compare_frame(backend: Backend, year: int, key: str) -> pd.DataFrame:
    """Columns 机关 and 数值, one row per body holding that figure for the year, largest first."""
    table, row, column = parse_figure(key)
    facts = backend.figure_series(table, row, column, year=year)
    by_body = {f.body: f.value for f in facts if f.value is not None}
    items = sorted(by_body.items(), key=lambda kv: -kv[1])
    return pd.DataFrame({"机关": [b for b, _ in items], "数值": [v for _, v in items]})
