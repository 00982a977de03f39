"""Staff upload through the real handler (token, save, ingest): a corrected re-upload under a new
file name replaces the report of the same body and year instead of adding a duplicate."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nianbao import settings as nb_settings

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "reports"
TOKEN = "upload-test-token"


@pytest.fixture
def backend(tmp_path):
    from web.backend import Backend

    nb_settings.reset()
    nb_settings.configure(home=tmp_path / "home", staff_token=TOKEN)
    b = Backend()
    yield b
    if b._stores is not None:
        b._stores.close()
    nb_settings.reset()


def test_corrected_reupload_replaces_the_report(backend, tmp_path):
    from web.ui import make_upload_handler

    do_upload = make_upload_handler(backend)
    first = tmp_path / "衡山县2023年报.txt"
    shutil.copy(SAMPLES / "hengshan_2023.txt", first)
    html = do_upload([str(first)], TOKEN)
    assert "衡山县人民政府" in html
    (report,) = backend.facts.reports()
    new = {f.column: f for f in backend.facts.facts(report_id=report.id, table="三", row="new")}
    person, total = new["person"], new["total"]
    # The corrected copy: 本年新收 from individuals (and so the row total) one higher.
    lines = (SAMPLES / "hengshan_2023.txt").read_text(encoding="utf-8").split("\n")  # the upload took `first`
    old = int(person.value)
    lines[person.line - 1] = lines[person.line - 1].replace(f"| {old} |", f"| {old + 1} |")
    fixed = tmp_path / "衡山县2023年报（更正）.txt"
    fixed.write_text("\n".join(lines), encoding="utf-8")
    html = do_upload([str(fixed)], TOKEN)
    assert "取代了同一机关同一年度的报告" in html and "衡山县2023年报（更正）.txt" in html
    reports = backend.facts.reports(body=report.body, year=report.year)
    assert len(reports) == 1 and reports[0].id != report.id
    assert reports[0].path.startswith(str(nb_settings.get_settings().uploads_path))  # stored by content hash
    now = {f.column: f.value for f in backend.facts.facts(report_id=reports[0].id, table="三", row="new")}
    assert now["person"] == old + 1 and now["total"] == total.value + 1
    assert backend.catalog().years[report.body] == [2023]
    stores = backend.stores()
    assert stores.vectors.count() == stores.facts.counts()["passages"] == len(stores.bm25)


def test_startup_sample_ingest_does_not_supersede(backend, tmp_path):
    """The sample folder may hold one report in two files: both stay (app.ingest_samples_if_empty)."""
    import app

    folder = tmp_path / "samples"
    folder.mkdir()
    shutil.copy(SAMPLES / "hengshan_2023.txt", folder / "a.txt")
    (folder / "b.txt").write_text((SAMPLES / "hengshan_2023.txt").read_text(encoding="utf-8") + "\n", "utf-8")
    nb_settings.configure(sample_reports=folder)
    app.ingest_samples_if_empty(backend)
    assert len(backend.facts.reports()) == 2
