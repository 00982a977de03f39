"""A fact's typed uncertainty (Fact.candidates, .splits/.split_pos, .source, .confidence) survives the
SQL store on both backends, and the cross-year step settles stored cells from those fields alone:
notes rewritten in the store change nothing."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from sqlalchemy import update

from ingest import crossyear
from ingest.parse import parse_file
from ingest.pipeline import Ingestor
from nianbao import settings as settings_mod
from rag.compose import Citations
from rag.factbook import FactBook
from rag.factstore import FactStore
from rag.factstore import facts as facts_table
from rag.factwriter import FactWriter
from rag.stores import open_stores

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "reports"
T2 = ("issued", "repealed", "in_force")


def _typed(f) -> tuple:  # noqa: ANN001
    return (f.key(), f.value, f.uncertain, f.candidates, f.splits, f.split_pos, f.source, f.confidence, f.note)


def test_typed_fields_round_trip_on_both_backends(db_url):
    parsed = parse_file(SAMPLES / "pingtan_2021.txt")
    ambiguous = [f for f in parsed.facts if f.splits]
    assert {f.column for f in ambiguous if f.row == "normative_docs"} == set(T2)  # 「693665」
    # an OCR'd cell, an amount among the splits (decimals), a cell with candidates but no row split
    extra = {
        ("二", "licensing", "decisions"): dict(source="ocr", confidence=0.734, note="OCR，第2页"),
        ("二", "fees", "amount"): dict(
            value=None, uncertain=True, splits=[(1, 2.5), (12, 0.5)], split_pos=1, candidates=[2.5, 0.5]
        ),
        ("三", "new", "person"): dict(value=None, uncertain=True, candidates=[4], source="ocr", confidence=None),
    }
    assert set(extra) <= {f.key() for f in parsed.facts}
    facts = [replace(f, **extra[f.key()]) if f.key() in extra else f for f in parsed.facts]
    rep = replace(parsed, facts=facts, passages=[])
    store = FactStore(db_url)
    try:
        store.replace_report(rep, [])
        back = store.facts(report_id=rep.report_id)
        assert [_typed(f) for f in back] == [_typed(f) for f in facts]
        got = {f.key(): f for f in back}
        amount = got[("二", "fees", "amount")]
        assert amount.splits == [(1, 2.5), (12, 0.5)] and isinstance(amount.splits[0], tuple)
        assert got[("二", "licensing", "decisions")].source == "ocr"
        assert got[("二", "licensing", "decisions")].confidence == 0.734
        assert got[("二", "normative_docs", "in_force")].split_pos == 2
        plain = got[("三", "granted", "person")]
        assert (plain.candidates, plain.splits, plain.split_pos, plain.source, plain.confidence) == ([], [], None, "", None)
        # the answerer's reader (its own column list) gets the same typed values
        book = FactBook(store)
        cells = book.load(store.reports())[rep.report_id].cells
        assert [_typed(cells[f.key()]) for f in facts] == [_typed(f) for f in facts]
        # citations say 「OCR 识别」 from the typed source, whatever the note says
        cites = Citations()
        writer = FactWriter(book, cites)
        report = store.reports()[0]
        ocr = replace(cells[("二", "licensing", "decisions")], note="（改写）", page=2)
        text_cell = replace(cells[("二", "penalty", "decisions")], note="OCR，第9页", page=9)
        for f in (ocr, text_cell):
            cites.add(writer.cite_fact(f, report))
        md = cites.markdown()
        assert "OCR 识别，第2页" in md and "，第9页" in md and "OCR 识别，第9页" not in md
    finally:
        store.engine.dispose()


def test_stored_cells_settle_from_typed_splits_with_their_notes_rewritten(tmp_path, db_url):
    """pingtan 2021's 「693665」 is settled by 2022 (R6) through the real ingest path, after every note
    of the 2021 report was replaced in the store by text that names no candidates at all."""
    settings_mod.reset()
    s = settings_mod.configure(home=tmp_path / "home", database_url=db_url)
    s.home.mkdir(parents=True)
    st = open_stores(s)
    try:
        ing = Ingestor(st, parse=parse_file)
        src = tmp_path / "pingtan_2021.txt"
        shutil.copy(SAMPLES / "pingtan_2021.txt", src)
        ing.ingest_paths([src], progress=False)
        with st.facts.engine.begin() as c:
            c.execute(update(facts_table).values(note="（说明已由工作人员改写）"))
        before = {f.column: f for f in st.facts.facts(year=2021, table="二", row="normative_docs")}
        assert all(f.uncertain and f.value is None and f.splits for f in before.values())
        assert not any("候选" in f.note for f in before.values())
        summary = ing.ingest_paths([SAMPLES / "pingtan_2022.txt"], progress=False)
        assert summary.totals["cross_year_settled"] == 1
        got = {f.column: f for f in st.facts.facts(year=2021, table="二", row="normative_docs")}
        assert got["in_force"].value == 665 and not got["in_force"].uncertain
        assert got["in_force"].note == "按2022年报告推算（R6）；（说明已由工作人员改写）"
        assert got["in_force"].splits == before["in_force"].splits  # kept, so restore can redo it
        assert got["issued"].uncertain and got["repealed"].uncertain
        assert crossyear.restore(list(got.values()))[2].value is None
    finally:
        st.close()
        settings_mod.reset()
