"""Ingestor: idempotent, replacing, atomic across SQL + Chroma + BM25; bad files never stop a batch.

Mechanism tests use a small JSON report format parsed by `json_parse` (so they stay fast and do not
depend on the table parser); the real-sample tests at the end use ingest.parse on data/reports/.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from ingest.pipeline import Ingestor, discover, passage_id, same_body
from nianbao import settings as settings_mod
from nianbao.types import Fact, ParsedReport, Passage, RejectedFile, ReportMeta, Section
from rag.stores import open_stores

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "reports"


def json_parse(path: str) -> ParsedReport:
    """A parser for tiny JSON reports: {"body", "year", "facts": [[table,row,col,value]], "passages": [[section,text]]}."""
    raw = Path(path).read_bytes()
    try:
        d = json.loads(raw.decode("utf-8"))
        body, year = d["body"], int(d["year"])
    except (ValueError, KeyError, TypeError) as exc:
        raise RejectedFile("不是年度报告（测试格式无法解析）") from exc
    passages, start = [], 0
    for sec, text in d.get("passages", []):
        passages.append(
            Passage(
                text=text,
                section=sec,
                section_title=sec,
                start=start,
                end=start + len(text),
                search_text=text,
            )
        )
        start += len(text) + 1
    return ParsedReport(
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        format="text",
        meta=ReportMeta(body=body, aliases=[body[:3]], year=year, template="2021"),
        text="\n".join(t for _, t in d.get("passages", [])),
        sections=[Section(p.section, p.section_title, p.start, p.end) for p in passages],
        facts=[Fact(t, r, c, float(v)) for t, r, c, v in d.get("facts", [])],
        violations=[],
        passages=passages,
    )


def write_report(path: Path, body: str, year: int, new: int, texts: list[str]) -> Path:
    d = {
        "body": body,
        "year": year,
        "facts": [
            ["三", "new", "total", new],
            ["三", "carried_in", "total", 1],
            ["三", "carried_out", "total", 2],
        ],
        "passages": [[str(i + 1), t] for i, t in enumerate(texts)],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def stores(tmp_path, db_url):
    """A fresh home per test, on each SQL backend (tests/conftest.py db_url); the embedding cache is
    the session-wide one, so each sample is embedded once a session (re-ingest never re-embeds:
    tested on its own below)."""
    settings_mod.reset()
    s = settings_mod.configure(home=tmp_path / "home", database_url=db_url)
    s.home.mkdir(parents=True)
    st = open_stores(s)
    yield st
    st.close()
    settings_mod.reset()


def snapshot(st) -> dict:
    return {
        **st.facts.counts(),
        "vectors": st.vectors.count(),
        "vector_ids": sorted(st.vectors.ids()),
        "bm25": list(st.bm25.ids),
    }


def test_discover_recurses_and_skips_docs(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in (
        "a/x.txt",
        "a/b/y.PDF",
        "a/b/z.docx",
        "a/SOURCES.md",
        "a/README.txt",
        "a/.hidden/q.txt",
        "a/n.json",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    found = {p.relative_to(tmp_path).as_posix() for p in discover([tmp_path / "a", tmp_path / "a/n.json"])}
    assert found == {"a/x.txt", "a/b/y.PDF", "a/b/z.docx", "a/n.json"}


def test_same_body_links_prefixed_names():
    assert same_body("洪泽区人民政府", "淮安市洪泽区人民政府")
    assert same_body("洪泽区人民政府", "江苏省淮安市洪泽区人民政府")
    assert same_body("淮安市人民政府", "江苏省淮安市人民政府")
    assert not same_body("洪泽区人民政府", "衡山县人民政府")
    # A shared suffix is not a parent prefix: different bodies.
    assert not same_body("和县人民政府", "平和县人民政府")
    assert not same_body("城区人民政府", "东城区人民政府")
    assert not same_body("人民政府", "洪泽区人民政府")
    assert not same_body("人民政府办公室", "淮安市人民政府办公室")
    assert not same_body("交通运输局", "淮安市交通运输局")


def test_same_report_body_uses_printed_parent_names():
    from ingest.pipeline import same_report_body
    from rag.factstore import ReportRow

    def row(body, aliases):
        return ReportRow(body, "", "", "pdf", body, aliases, 2023, "2021", None, None, [], 0, 0)

    nanjing = row("鼓楼区人民政府", ["鼓楼区", "南京市鼓楼区人民政府"])
    fuzhou = row("鼓楼区人民政府", ["鼓楼区", "福州市鼓楼区人民政府"])
    bare = row("鼓楼区人民政府", ["鼓楼区"])
    full = row("鼓楼区人民政府", ["江苏省南京市鼓楼区人民政府"])
    assert not same_report_body(nanjing, fuzhou)
    assert same_report_body(nanjing, bare) and same_report_body(nanjing, full)


def test_ingest_twice_is_a_noop(stores, tmp_path):
    a = write_report(
        tmp_path / "in" / "a.json",
        "甲县人民政府",
        2023,
        10,
        ["甲县全年主动公开信息。", "存在的问题是公开不及时。"],
    )
    b = write_report(tmp_path / "in" / "b.json", "乙县人民政府", 2023, 7, ["乙县行政复议一件。"])
    ing = Ingestor(stores, parse=json_parse)
    s1 = ing.ingest_paths([a, b], progress=False)
    assert [r.status for r in s1.results] == ["ingested", "ingested"]
    snap1 = snapshot(stores)
    assert snap1["reports"] == 2 and snap1["facts"] == 6 and snap1["passages"] == 3
    assert snap1["vectors"] == 3 and len(snap1["bm25"]) == 3
    misses = stores.embedder.stats.misses
    mtime = (stores.settings.bm25_path / "ids.json").stat().st_mtime_ns
    s2 = ing.ingest_paths([a, b], progress=False)
    assert [r.status for r in s2.results] == ["unchanged", "unchanged"]
    assert s2.results[0].n_facts == 3 and s2.results[0].report_id == s1.results[0].report_id
    assert snapshot(stores) == snap1
    assert stores.embedder.stats.misses == misses  # nothing embedded
    assert (stores.settings.bm25_path / "ids.json").stat().st_mtime_ns == mtime  # BM25 not rebuilt


def test_changed_file_replaces_old_report(stores, tmp_path):
    a = write_report(
        tmp_path / "a.json", "甲县人民政府", 2023, 10, ["旧的段落，讲政务公开平台。", "第二段。"]
    )
    ing = Ingestor(stores, parse=json_parse)
    old = ing.ingest_paths([a], progress=False).results[0]
    old_ids = set(stores.vectors.ids())
    write_report(a, "甲县人民政府", 2023, 12, ["新的段落，讲依申请公开。", "第二段。"])
    new = ing.ingest_paths([a], progress=False).results[0]
    assert new.status == "replaced" and new.report_id != old.report_id
    assert [r.id for r in stores.facts.reports()] == [new.report_id]
    values = {f.row: f.value for f in stores.facts.facts(body="甲县人民政府", year=2023)}
    assert values["new"] == 12 and len(stores.facts.facts()) == 3
    texts = [p.text for p in stores.facts.passages()]
    assert texts == ["新的段落，讲依申请公开。", "第二段。"]
    assert set(stores.vectors.ids()).isdisjoint(old_ids) and stores.vectors.count() == 2
    assert stores.bm25.search("依申请", 5)[0][0] == stores.facts.passages()[0].id
    assert stores.bm25.search("平台", 5) == []


def test_supersede_replaces_same_body_and_year_from_another_file(stores, tmp_path):
    a = write_report(tmp_path / "up1" / "r.json", "甲县人民政府", 2023, 10, ["初版段落。"])
    b = write_report(tmp_path / "up2" / "r.json", "甲县人民政府", 2023, 11, ["更正版段落。"])
    other = write_report(tmp_path / "up1" / "o.json", "甲县人民政府", 2022, 9, ["上一年。"])
    Ingestor(stores, parse=json_parse).ingest_paths([a, other], progress=False)
    plain = Ingestor(stores, parse=json_parse).ingest_paths([b], progress=False).results[0]
    assert plain.status == "ingested" and len(stores.facts.reports(year=2023)) == 2  # default: both kept
    stores.facts.delete_report(plain.report_id)
    r = Ingestor(stores, parse=json_parse, supersede=True).ingest_paths([b], progress=False).results[0]
    assert r.status == "replaced" and str(a.resolve()) in r.reason
    assert [x.id for x in stores.facts.reports(year=2023)] == [r.report_id]
    assert len(stores.facts.reports(year=2022)) == 1  # other years untouched
    assert [p.text for p in stores.facts.passages(report_id=r.report_id)] == ["更正版段落。"]
    assert stores.vectors.count() == 2 and len(stores.bm25) == 2


def test_chroma_failure_rolls_back_everything(stores, tmp_path):
    a = write_report(tmp_path / "a.json", "甲县人民政府", 2023, 10, ["甲县的段落。"])
    ing = Ingestor(stores, parse=json_parse)
    ing.ingest_paths([a], progress=False)
    # Break Chroma for real: the collection is recreated holding a vector of another dimension
    # (what happens when the embedding model is switched), so every add of ours is refused.
    client, name = stores.vectors.client, stores.vectors.name
    client.delete_collection(name)
    stores.vectors.collection = client.create_collection(name, embedding_function=None)
    stores.vectors.collection.add(ids=["foreign"], embeddings=[[0.5] * 8], metadatas=[{"body": "x"}])
    before = snapshot(stores)
    facts_before = stores.facts.facts()
    write_report(a, "甲县人民政府", 2023, 99, ["甲县改过的段落。", "又一段。"])  # replacement fails midway
    b = write_report(tmp_path / "b.json", "乙县人民政府", 2023, 5, ["乙县的段落。"])  # new report fails too
    summary = ing.ingest_paths([a, b], progress=False)
    assert [r.status for r in summary.results] == ["rejected", "rejected"]
    assert "回滚" in summary.results[0].reason
    assert summary.warnings  # the heal pass could not restore the lost vectors either, and says so
    assert snapshot(stores) == before
    assert stores.facts.facts() == facts_before  # the old report is intact
    assert stores.vectors.ids() == ["foreign"]


def test_garbage_is_rejected_and_stores_unchanged(stores, tmp_path):
    a = write_report(tmp_path / "a.json", "甲县人民政府", 2023, 10, ["甲县的段落。"])
    ing = Ingestor(stores, parse=json_parse)
    ing.ingest_paths([a], progress=False)
    before = snapshot(stores)
    junk = tmp_path / "junk.json"
    junk.write_bytes(b"\x00\x01 not a report")
    missing = tmp_path / "missing.txt"
    summary = ing.ingest_paths([junk, missing, a], progress=False)
    assert [r.status for r in summary.results] == ["rejected", "rejected", "unchanged"]
    assert "无法解析" in summary.results[0].reason and summary.results[1].reason
    assert snapshot(stores) == before
    assert summary.ok


def test_next_run_heals_lost_indexes(stores, tmp_path):
    """BM25 and Chroma derive from SQL: if they are lost or damaged (a crash between steps, a deleted
    folder), the next ingest run rebuilds them even though every file is unchanged."""
    a = write_report(tmp_path / "a.json", "甲县人民政府", 2023, 10, ["甲县段落一。", "甲县段落二。"])
    ing = Ingestor(stores, parse=json_parse)
    ing.ingest_paths([a], progress=False)
    good = snapshot(stores)
    shutil.rmtree(stores.settings.bm25_path)
    stores.vectors.delete([good["vector_ids"][0]])
    stores.vectors.add(
        ["orphan"], np.ones((1, stores.embedder.dim), dtype=np.float32), [{"report_id": "gone"}]
    )
    summary = ing.ingest_paths([a], progress=False)
    assert summary.results[0].status == "unchanged" and not summary.warnings
    assert snapshot(stores) == good
    assert (stores.settings.bm25_path / "ids.json").exists()


def test_parser_crash_does_not_stop_batch(stores, tmp_path):
    a = write_report(tmp_path / "a.json", "甲县人民政府", 2023, 10, ["甲县的段落。"])
    b = write_report(tmp_path / "b.json", "乙县人民政府", 2023, 3, ["乙县的段落。"])

    def flaky(path: str) -> ParsedReport:
        if path.endswith("a.json"):
            return {}["boom"]  # a real bug in a parser: KeyError
        return json_parse(path)

    summary = Ingestor(stores, parse=flaky).ingest_paths([a, b], progress=False)
    assert [r.status for r in summary.results] == ["rejected", "ingested"]
    assert "KeyError" in summary.results[0].reason
    assert stores.facts.counts()["reports"] == 1


def test_embedding_cache_hits_on_reingest_into_fresh_stores(stores, tmp_path):
    a = write_report(tmp_path / "a.json", "甲县人民政府", 2023, 10, ["缓存的段落一。", "缓存的段落二。"])
    Ingestor(stores, parse=json_parse).ingest_paths([a], progress=False)
    # Wipe the reports (SQL + vectors + BM25) but keep the embedding cache: re-ingest embeds nothing.
    for r in stores.facts.reports():
        stores.facts.delete_report(r.id)
    ing = Ingestor(stores, parse=json_parse)
    ing.sync_indexes()
    assert stores.vectors.count() == 0 and len(stores.bm25) == 0
    hits, misses = stores.embedder.stats.hits, stores.embedder.stats.misses
    r = ing.ingest_paths([a], progress=False).results[0]
    assert r.status == "ingested" and stores.vectors.count() == 2
    assert stores.embedder.stats.hits - hits == 2 and stores.embedder.stats.misses == misses


def test_passage_metadata_and_filtered_vector_query(stores, tmp_path):
    a = write_report(tmp_path / "a.json", "甲县人民政府", 2022, 10, ["甲县二〇二二年的段落。"])
    b = write_report(tmp_path / "b.json", "甲县人民政府", 2023, 11, ["甲县二〇二三年的段落。"])
    Ingestor(stores, parse=json_parse).ingest_paths([a, b], progress=False)
    from rag.vectorstore import build_where

    q = stores.embedder.embed_query_array("甲县的段落")
    hits = stores.vectors.query(q, 5, build_where(body="甲县人民政府", year=2023))
    assert len(hits) == 1 and hits[0].metadata["year"] == 2023 and hits[0].metadata["section"] == "1"
    stored = stores.facts.passages(ids=[hits[0].id])[0]
    assert stored.year == 2023
    assert stored.id == passage_id(
        stored.report_id, Passage(stored.text, stored.section, "", stored.start, 0)
    )


def test_cross_year_rule_runs_for_consecutive_years(stores, tmp_path):
    # 2022 carries 2 out; 2023 says 1 carried in: R5 must flag 2023.
    a = write_report(tmp_path / "a.json", "洪泽区人民政府", 2022, 10, ["段落。"])
    b = write_report(tmp_path / "b.json", "淮安市洪泽区人民政府", 2023, 10, ["段落二。"])
    # Another body in the same batch, consistent with itself, must not be paired with the first.
    c = write_report(tmp_path / "c.json", "乙县人民政府", 2022, 10, ["乙县段落。"])
    ing = Ingestor(stores, parse=json_parse)
    s = ing.ingest_paths([a, b, c], progress=False)
    r5 = [v for v in stores.facts.violations() if v.rule == "R5_carry_over"]
    assert r5 and all(v.year == 2023 and v.body == "淮安市洪泽区人民政府" for v in r5)
    assert r5[0].printed == 1 and r5[0].expected == 2
    assert s.totals["cross_year_violations"] == len(r5)
    ing.ingest_paths([a, b], progress=False)
    ing.rerun_cross_year({"洪泽区人民政府"})
    assert len([v for v in stores.facts.violations() if v.rule == "R5_carry_over"]) == len(
        r5
    )  # replaced, not doubled


# ------------------------------------------------------------------------------ real sample reports
def _real_parse():
    from ingest.parse import parse_file

    return parse_file


def test_real_sample_ingest_idempotent_and_replaced(stores, tmp_path):
    parse_file = _real_parse()
    src = tmp_path / "pingtan_2022.txt"
    shutil.copy(SAMPLES / "pingtan_2022.txt", src)
    ing = Ingestor(stores, parse=parse_file)
    first = ing.ingest_paths([src], progress=False).results[0]
    assert first.status == "ingested", first.reason
    assert first.body and first.year == 2022 and first.n_facts > 20
    if importlib.util.find_spec("ingest.passages"):
        assert first.n_passages > 0
    snap = snapshot(stores)
    assert snap["vectors"] == snap["passages"] == len(snap["bm25"]) == first.n_passages
    assert ing.ingest_paths([src], progress=False).results[0].status == "unchanged"
    assert snapshot(stores) == snap
    # The same report saved again with a trailing line: a new sha, the same facts, one report.
    old_facts = {(f.table, f.row, f.column): f.value for f in stores.facts.facts()}
    src.write_text(src.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    second = ing.ingest_paths([src], progress=False).results[0]
    assert second.status == "replaced" and second.report_id != first.report_id
    reports = stores.facts.reports()
    assert [r.id for r in reports] == [second.report_id]
    assert {(f.table, f.row, f.column): f.value for f in stores.facts.facts()} == old_facts
    assert all(f.report_id == second.report_id for f in stores.facts.facts())
    assert stores.vectors.count() == stores.facts.counts()["passages"]


def test_real_sample_changed_figure_replaces_facts(stores, tmp_path):
    """Edit table 三's 本年新收 row in a copy of a text sample (the 自然人 and 总计 cells, +1 each, so
    the row still adds up); re-ingest at the same path: the old figures are gone, the new are there."""
    parse_file = _real_parse()
    src = tmp_path / "hengshan_2023.txt"
    shutil.copy(SAMPLES / "hengshan_2023.txt", src)
    ing = Ingestor(stores, parse=parse_file)
    assert ing.ingest_paths([src], progress=False).results[0].status == "ingested"
    cell = {f.column: f for f in stores.facts.facts(table="三", row="new")}
    person, total = cell["person"], cell["total"]
    assert person.line == total.line and person.raw == total.raw  # all requests from individuals
    lines = src.read_text(encoding="utf-8").split("\n")
    old_value = int(person.value)
    row = lines[person.line - 1]
    assert row.count(f"| {old_value} |") == 2
    lines[person.line - 1] = row.replace(f"| {old_value} |", f"| {old_value + 1} |")
    src.write_text("\n".join(lines), encoding="utf-8")
    result = ing.ingest_paths([src], progress=False).results[0]
    assert result.status == "replaced"
    assert len(stores.facts.reports()) == 1
    now = {f.column: f.value for f in stores.facts.facts(table="三", row="new")}
    assert now["person"] == now["total"] == old_value + 1
    assert all(f.report_id == result.report_id for f in stores.facts.facts())
    assert stores.vectors.count() == stores.facts.counts()["passages"] == len(stores.bm25)


def test_real_negative_pdf_rejected(stores):
    parse_file = _real_parse()
    negative = sorted((Path(__file__).parent / "data" / "negative").glob("*.pdf"))[:1]
    assert negative, "tests/data/negative holds the non-report PDFs"
    summary = Ingestor(stores, parse=parse_file).ingest_paths(negative, progress=False)
    assert summary.results[0].status == "rejected" and summary.results[0].reason
    assert not summary.ok
    assert stores.facts.counts()["reports"] == 0 and stores.vectors.count() == 0


def test_vectors_match_passage_embeddings(stores, tmp_path):
    a = write_report(tmp_path / "a.json", "甲县人民政府", 2023, 1, ["行政复议案件一件，结果维持。"])
    Ingestor(stores, parse=json_parse).ingest_paths([a], progress=False)
    pid = stores.facts.passages()[0].id
    got = stores.vectors.collection.get(ids=[pid], include=["embeddings"])["embeddings"][0]
    want = stores.embedder.embed_array(["行政复议案件一件，结果维持。"])[0]
    assert np.allclose(np.asarray(got), want, atol=1e-5)


@pytest.mark.slow
def test_switching_embedding_model_uses_its_own_collection(tmp_path, monkeypatch):
    """Two models with 384 dims must not share vectors: after switching, the next ingest run fills
    the new model's collection from SQL, though every file is unchanged."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    a = write_report(tmp_path / "a.json", "甲县人民政府", 2023, 10, ["行政复议一件。", "主动公开文件。"])
    settings_mod.reset()
    try:
        s = settings_mod.configure(home=tmp_path / "home")
        st = open_stores(s)
        Ingestor(st, parse=json_parse).ingest_paths([a], progress=False)
        nano_name, nano_count = st.vectors.name, st.vectors.count()
        st.close()
        s2 = settings_mod.configure(embedding_backend="sentence-transformers")
        st2 = open_stores(s2)
        assert st2.vectors.name != nano_name and st2.vectors.count() == 0
        r = Ingestor(st2, parse=json_parse).ingest_paths([a], progress=False).results[0]
        assert r.status == "unchanged" and st2.vectors.count() == nano_count == 2
        pid = st2.facts.passages()[0].id
        got = st2.vectors.collection.get(ids=[pid], include=["embeddings"])["embeddings"][0]
        assert np.allclose(np.asarray(got), st2.embedder.embed_array(["行政复议一件。"])[0], atol=1e-5)
        st2.close()
    finally:
        settings_mod.reset()


# ------------------------------------------------------------------------------ cross-year, real samples
def _normative(stores, year: int) -> dict:
    return {f.column: f for f in stores.facts.facts(year=year, table="二", row="normative_docs")}


def test_pingtan_2021_in_force_settled_by_2022(stores, tmp_path):
    """pingtan_2021 prints 「693665」 (制发, 废止, 现行有效): ambiguous alone; 2022's 698 − 88 + 55 gives 665."""
    parse_file = _real_parse()
    ing = Ingestor(stores, parse=parse_file)
    ing.ingest_paths([SAMPLES / "pingtan_2021.txt"], progress=False)
    alone = _normative(stores, 2021)
    assert all(f.uncertain and f.value is None for f in alone.values())
    summary = ing.ingest_paths([SAMPLES / "pingtan_2022.txt"], progress=False)
    assert summary.totals["cross_year_settled"] == 1
    got = _normative(stores, 2021)
    assert got["in_force"].value == 665 and not got["in_force"].uncertain
    assert got["in_force"].note.startswith("按2022年报告推算（R6）") and got["in_force"].raw == "693665"
    assert got["issued"].uncertain and got["repealed"].uncertain  # 69 vs 6, 3 vs 93
    assert got["issued"].value is None and got["repealed"].value is None
    # Idempotent: re-running the cross-year pass, or re-ingesting, changes nothing.
    before = [(f.report_id, f.key(), f.value, f.uncertain, f.note) for f in stores.facts.facts()]
    ing.rerun_cross_year({"平潭综合实验区"})
    ing.ingest_paths([SAMPLES], progress=False)  # the other samples join; pingtan is unchanged
    after = [(f.report_id, f.key(), f.value, f.uncertain, f.note) for f in stores.facts.facts()]
    assert [x for x in after if x[0] in {b[0] for b in before}] == before
    # 2022 withdrawn (deleted) and the group re-run: 2021 is ambiguous again.
    rep22 = stores.facts.reports(year=2022)[0]
    stores.facts.delete_report(rep22.id)
    ing.rerun_cross_year({"平潭综合实验区"})
    assert all(f.uncertain and f.value is None for f in _normative(stores, 2021).values())


# The bodies of the sample files, as SOURCES.md states them (hongze's two years name it differently).
SAMPLE_BODY = {
    "hengshan_2023.txt": "衡山",
    "hongze_2023.pdf": "洪泽",
    "hongze_2024.pdf": "洪泽",
    "huaian_2024.pdf": "淮安市",
    "pingtan_2021.txt": "平潭",
    "pingtan_2022.txt": "平潭",
}


def test_cross_year_pairs_only_reports_of_one_body(stores, tmp_path):
    """All six samples, plus a 2022 report of 洪泽区 (so hongze 2023 has a previous year that breaks
    R5) and 2022/2023 decoys of other bodies: every R5/R6 violation and every settled cell comes from
    the same body's neighbouring year (checked against the known file -> body, and by recomputing)."""
    from ingest.pipeline import neighbour

    parse_file = _real_parse()
    extra = {
        "hongze_2022.json": ("洪泽区人民政府", 2022),  # carried_out 2, hongze 2023 carried_in 0: R5
        "hexian_2022.json": ("和县人民政府", 2022),  # a suffix of 平和县, not the same body
        "pinghe_2023.json": ("平和县人民政府", 2023),
    }
    for name, (body, year) in extra.items():
        write_report(tmp_path / "extra" / name, body, year, 10, [f"{body}{year}年的段落。"])

    def parse(path: str) -> ParsedReport:
        return json_parse(path) if path.endswith(".json") else parse_file(path)

    summary = Ingestor(stores, parse=parse).ingest_paths(
        [SAMPLES, *sorted((tmp_path / "extra").iterdir())], progress=False
    )
    assert summary.totals["ingested"] == len(SAMPLE_BODY) + len(extra), [r.reason for r in summary.results]
    body_of = {
        **SAMPLE_BODY,
        "hongze_2022.json": "洪泽",
        "hexian_2022.json": "和县",
        "pinghe_2023.json": "平和县",
    }
    reports = stores.facts.reports()
    source = {r.id: body_of[Path(r.path).name] for r in reports}
    by_id = {r.id: r for r in reports}
    paired = 0
    for r in reports:
        for year in (r.year - 1, r.year + 1):
            o = neighbour(reports, r, year)
            if o is not None:
                assert source[o.id] == source[r.id], (r.id, o.id)
                paired += 1
    assert paired == 6  # hongze 2022 <-> 2023 <-> 2024, pingtan 2021 <-> 2022
    cross = [v for v in stores.facts.violations() if v.rule in ("R5_carry_over", "R6_in_force")]
    assert [(v.body, v.year, v.rule, v.printed, v.expected) for v in cross] == [
        ("洪泽区人民政府", 2023, "R5_carry_over", 0, 2)
    ]
    for v in cross:
        prev = [o for o in reports if o.year == v.year - 1 and source[o.id] == source[v.report_id]]
        assert len(prev) == 1, (v.report_id, v.message)  # only a same-body previous year can explain it
        pf = {f.key(): f.value for f in stores.facts.facts(report_id=prev[0].id)}
        if v.rule == "R5_carry_over":
            assert v.expected == pf[("三", "carried_out", v.cells[0][2])]
        else:
            row = v.cells[0][1]
            cur = {f.column: f.value for f in stores.facts.facts(report_id=v.report_id, table="二", row=row)}
            assert v.expected == pf[("二", row, "in_force")] + cur["issued"] - cur["repealed"]
        assert str(by_id[prev[0].id].year) in v.message
    settled = [f for f in stores.facts.facts() if f.note.startswith("按")]
    assert settled  # pingtan 2021 现行有效
    for f in settled:
        years = [int(y) for y in f.note[1 : f.note.index("年")].split("、")]
        for y in years:
            assert any(o.year == y and source[o.id] == source[f.report_id] for o in reports), f.note
