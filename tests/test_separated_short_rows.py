"""A row of separated cells with fewer cells than the template's (a text export that drops trailing
blank cells: 「行政事业性收费 | 35」 for a two-column row) must not have a printed cell's digits cut
into several numbers (3 and 5) as if that were certain: no rule checks such a cut. The row is
uncertain, and the reading "35 beside a blank" is among its candidates. Cells that run together in
crawler text (joined rows) keep their split rules, and full rows read as printed."""

from __future__ import annotations

import itertools

import pytest

from ingest.tables import read_cells
from ingest.textgrid import RawRow


@pytest.mark.parametrize(("digits", "n"), [("35", 2), ("123", 3), ("47", 2), ("905", 3)])
def test_a_short_separated_row_is_uncertain_not_cut(digits, n):
    cells, cands = read_cells(RawRow("行政事业性收费", [digits]), (n,), False)
    assert len(cells) == n and all(c.uncertain and c.value is None for c in cells)
    assert (float(digits), *[0] * (n - 1)) in [tuple(map(float, c)) for c in cands]


@pytest.mark.parametrize("values", list(itertools.product(["0", "3", "12"], repeat=3)))
def test_full_separated_rows_read_as_printed(values):
    cells, _ = read_cells(RawRow("规章", list(values)), (3,), False)
    assert [c.value for c in cells] == [float(v) for v in values] and not any(c.uncertain for c in cells)


def test_joined_crawler_runs_still_split_by_their_rules():
    cells, _ = read_cells(RawRow("规章", ["000"], joined=True), (3,), False)
    assert [c.value for c in cells] == [0, 0, 0] and not any(c.uncertain for c in cells)
