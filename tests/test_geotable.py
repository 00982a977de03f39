"""Tables by geometry (ingest.geotable) and the arithmetic referee (ingest.referee), on generated
word layouts: numbers placed by x-position keep their columns when cells are blank, labels wrap
and sit beside their rows, and a parse that breaks the template's rules is told from a report
that does."""

from __future__ import annotations

import random

import pytest

from ingest import geotable, referee
from ingest.geotable import Word
from ingest.tables import facts_from_rows
from ingest.textgrid import rows_from_grids
from nianbao import template as T
from nianbao.types import Fact

ORG = ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")


def _t3_values(rng: random.Random) -> dict[str, list[int]]:
    """Consistent table 三 figures (row sums hold; R1/R2 hold), many zeros."""
    leaves = [r.code for r in T.t3_leaf_rows("2021")]
    out: dict[str, list[int]] = {}
    for code in leaves:
        parts = [rng.choice([0, 0, 0, rng.randint(1, 40)]) for _ in range(6)]
        out[code] = [*parts, sum(parts)]
    handled = [sum(out[c][k] for c in leaves) for k in range(7)]
    carried_out = [rng.choice([0, rng.randint(0, 5)]) for _ in range(6)]
    carried_out.append(sum(carried_out))
    carried_in = [rng.choice([0, rng.randint(0, 5)]) for _ in range(6)]
    carried_in.append(sum(carried_in))
    new = [handled[k] + carried_out[k] - carried_in[k] for k in range(7)]
    if any(v < 0 for v in new):
        carried_in = [0] * 7
        new = [handled[k] + carried_out[k] for k in range(7)]
    out.update(new=new, carried_in=carried_in, handled_total=handled, carried_out=carried_out)
    return out


def _layout(rng: random.Random, values: dict[str, list[int]], blank_zeros: bool, scale: float) -> list[Word]:
    """Words of a printed table 三 page: heading, stacked column headers, labels (some wrapped,
    group labels beside their rows), numbers centred in their columns."""
    h = 10 * scale
    label_x = 60 * scale
    col_x = [(340 + 45 * k) * scale + rng.uniform(-2, 2) for k in range(7)]
    words: list[Word] = []

    def word(text: str, x: float, y: float, centred: bool = False) -> None:
        w = len(text) * h * (0.55 if text.isdigit() else 1.0)
        x0 = x - w / 2 if centred else x
        words.append(Word(text, x0, y, x0 + w, y + h, conf=1.0))

    y = 40 * scale
    word("二、主动公开政府信息情况", label_x, y)
    y += 2 * h
    word("三、收到和处理政府信息公开申请情况", label_x, y)
    y += 2 * h
    word("申请人情况", col_x[3], y, centred=True)
    y += 1.6 * h
    word("自然人", col_x[0], y + h, centred=True)
    word("法人或其他组织", col_x[3], y, centred=True)
    word("总计", col_x[6], y + h, centred=True)
    y += 1.4 * h
    for k, name in enumerate(ORG, start=1):
        word(name[:2], col_x[k], y, centred=True)
        word(name[2:], col_x[k], y + 1.2 * h, centred=True)
    y += 3.5 * h
    group = None
    for r in T.T3_ROWS:
        if r.group or r.code not in values:
            continue
        if r.parent and r.parent != group:
            group = r.parent
            word(T.row("三", group).label, label_x, y + 0.5 * h)  # beside its first rows
        label = r.label
        lx = label_x + (90 * scale if r.parent else 0)
        room = int((col_x[0] - lx) / h) - 3  # characters that fit in the label cell
        if len(label) > room or (len(label) > 8 and rng.random() < 0.3):  # wrapped in its cell
            cut = min(room, len(label) - 2)
            word(label[:cut], lx, y - 0.55 * h)
            word(label[cut:], lx, y + 0.65 * h)
        else:
            word(label, lx, y)
        for k, v in enumerate(values[r.code]):
            if v == 0 and blank_zeros:
                continue
            word(str(v), col_x[k], y + rng.uniform(-0.1, 0.1) * h, centred=True)
        y += 2.6 * h
    word("五、存在的主要问题及改进情况", label_x, y + 2 * h)
    return words


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("blank_zeros", [False, True])
def test_numbers_stay_under_their_columns(seed, blank_zeros):
    rng = random.Random(seed)
    values = _t3_values(rng)
    words = _layout(rng, values, blank_zeros, scale=rng.choice([0.8, 1.0, 1.7]))
    rng.shuffle(words)  # reading order comes from the coordinates only
    res = facts_from_rows(rows_from_grids(geotable.page_grids([(3, words)])))
    got = {f.key(): f for f in res.facts if f.table == "三"}
    for code, vals in values.items():
        for col, v in zip(T.T3_COLUMN_ORDER, vals, strict=True):
            f = got.get(("三", code, col))
            assert f is not None, (code, col, res.warnings)
            assert not f.uncertain and f.value == v, (code, col, f.value, v, f.raw)
            assert f.page == 3


def test_narrative_number_is_not_a_table_row():
    words = [
        Word("二、主动公开政府信息情况", 60, 40, 300, 50),
        Word("本年共收到申请", 60, 100, 180, 110),
        Word("95", 184, 100, 196, 110),
        Word("件", 200, 100, 210, 110),
    ]
    grids = geotable.page_grids([(1, words)])
    assert all(len(r) == 1 for g in grids for r in g.rows)


def test_text_lines_of_ocr_words():
    words = [Word("第二行", 10, 40, 60, 50), Word("第一行", 10, 10, 60, 20), Word("右边", 200, 11, 240, 21)]
    assert geotable.text_lines(words) == ["第一行 右边", "第二行"]


# ------------------------------------------------------------------------------ referee
def _t3_facts(values: dict[str, list[int]], source: str = "", conf: float | None = None) -> list[Fact]:
    return [
        Fact("三", code, col, v, source=source, confidence=conf)
        for code, vals in values.items()
        for col, v in zip(T.T3_COLUMN_ORDER, vals, strict=True)
    ]


def test_slid_column_is_uncertain_not_stored():
    values = _t3_values(random.Random(5))
    facts = _t3_facts(values)
    # the 商业企业 column repeats 自然人 in every row (blank cells collapsed leftwards)
    slid = [Fact(f.table, f.row, f.column, values[f.row][0]) if f.column == "business" else f for f in facts]
    if all(values[r][0] == values[r][1] for r in values):
        pytest.skip("generated columns already equal")
    out = {f.key(): f for f in referee.slid_columns(slid, "2021")}
    assert out[("三", "new", "business")].uncertain
    assert out[("三", "new", "business")].value is None
    assert out[("三", "new", "business")].candidates == [values["new"][0]]
    # a consistent report is left alone
    assert not any(f.uncertain for f in referee.slid_columns(facts, "2021"))


def test_dispute_tells_parse_from_report():
    values = _t3_values(random.Random(7))
    good = _t3_facts(values)
    bad_values = {k: list(v) for k, v in values.items()}
    bad_values["granted"][0] += 3  # breaks R2 and R3 in this reading only
    bad = _t3_facts(bad_values)
    readings = [referee.Reading("layout", bad, "2021", []), referee.Reading("text", good, "2021", [])]
    chosen, picked = referee.choose(readings)
    assert picked["三"] == "text"  # the reading whose rules hold wins
    out = {f.key(): f for f in referee.dispute(bad, "2021", readings)}
    cell = out[("三", "granted", "person")]
    assert cell.uncertain and sorted(cell.candidates) == sorted({values["granted"][0], bad_values["granted"][0]})
    # every reading agrees: the report itself is inconsistent, and the figure stands
    same = referee.dispute(bad, "2021", [readings[0], referee.Reading("grids", bad, "2021", [])])
    assert not any(f.uncertain for f in same)


def test_ocr_cells_need_confidence_or_arithmetic():
    values = _t3_values(random.Random(9))
    facts = _t3_facts(values, source="ocr", conf=0.7)
    checked = referee.check_ocr(facts, "2021")
    assert not any(f.uncertain for f in checked)  # every low-confidence cell is confirmed by a rule
    assert all("经勾稽关系核对" in f.note for f in checked)
    misread = [
        Fact(f.table, f.row, f.column, f.value + 1, source="ocr", confidence=0.7)
        if f.key() == ("三", "granted", "person")
        else f
        for f in facts
    ]
    out = {f.key(): f for f in referee.check_ocr(misread, "2021")}
    cell = out[("三", "granted", "person")]
    assert cell.uncertain and cell.value is None and cell.candidates == [values["granted"][0] + 1]
    t2 = [Fact("二", "licensing", "decisions", 12, source="ocr", confidence=0.6)]
    assert referee.check_ocr(t2, "2021")[0].uncertain  # no rule covers it, low confidence
    t2_sure = [Fact("二", "licensing", "decisions", 12, source="ocr", confidence=0.99)]
    assert not referee.check_ocr(t2_sure, "2021")[0].uncertain


def test_group_row_without_its_children_is_not_a_total():
    values = _t3_values(random.Random(3))
    kids = {r.code for r in T.t3_children("withheld", "2021")}
    facts = [f for f in _t3_facts(values) if f.row not in kids]
    facts += [Fact("三", "withheld", c, 4) for c in T.T3_COLUMN_ORDER]  # a child's figures, label lost
    facts += [Fact("三", "other_handling", c, 0) for c in T.T3_COLUMN_ORDER]  # one row of its own
    out = {f.key(): f for f in referee.orphan_groups(facts, "2021")}
    assert out[("三", "withheld", "person")].uncertain and out[("三", "withheld", "person")].candidates == [4]
    assert not out[("三", "other_handling", "person")].uncertain
    assert not out[("三", "granted", "person")].uncertain


def test_group_label_with_an_item_number_is_a_child():
    from ingest.textgrid import RawRow

    cells = ["1", "0", "0", "0", "0", "0", "1"]
    rows = [
        RawRow("三、收到和处理政府信息公开申请情况"),
        RawRow("（一）予以公开", list(cells)),
        RawRow("（五）不予处理4.无正当理由大量、反复地申请", list(cells)),
    ]
    got = {f.key(): f for f in facts_from_rows(rows).facts}
    printed = got.get(("三", "not_processed", "person"))
    assert printed is None or printed.computed  # never the child's figures stored as the group's
