"""Web reliability in process: bounded input for the chat and the Gradio API, questions answered
while an upload is being ingested, upload leaks (paths, refused files, temp CSVs), the token rule
and its rate limit (issue 10 defects 2, 3, 4, 10, 11)."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from nianbao import settings as nb_settings
from web import upload
from web.limits import MAX_QUESTION, BadRequest, validate_ask

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "reports"
TOKEN = "reliability-token"
Q = "衡山县2023年有多少申请被拒绝了？"


@pytest.fixture
def backend(tmp_path):
    from web.backend import Backend

    nb_settings.reset()
    nb_settings.configure(home=tmp_path / "home", staff_token=TOKEN)
    upload._failures.clear()
    b = Backend()
    yield b
    if b._stores is not None:
        b._stores.close()
    nb_settings.reset()
    upload._failures.clear()


def copy_sample(tmp_path: Path, name: str = "hengshan_2023.txt") -> Path:
    d = tmp_path / "in"
    d.mkdir(exist_ok=True)
    return Path(shutil.copy(SAMPLES / name, d / name))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"question": "年" * (MAX_QUESTION + 1)},
        {"question": "   "},
        {"question": Q, "history": ["x" * 50_000]},
        {"question": Q, "history": ["问"] * 500},
        {"question": Q, "history": ["问" * 150] * 6},  # each short enough, too long together
        {"question": Q, "context": {"years": ["x"]}},
        {"question": Q, "context": {"bodies": 5}},
        {"question": Q, "context": {"figures": "abc"}},
        {"question": Q, "context": {"years": [float("nan")]}},
        {"question": Q, "context": {"extra": "x" * 20_000}},
        {"question": Q, "year": 99999999999999999999999},
    ],
)
def test_out_of_bounds_input_is_refused_with_a_short_message(kwargs):
    with pytest.raises(BadRequest) as exc:
        validate_ask(**kwargs)
    assert 0 < len(str(exc.value)) <= 300


def test_bounded_input_passes_through_unchanged():
    ctx = {"bodies": ["衡山县人民政府"], "years": [2023], "rows": ["refused"], "table": "三", "later_key": 1}
    args = validate_ask(question=Q, history=[Q, {"question": Q, "context": ctx, "figures": [1, 2]}], context=ctx)
    assert args["question"] == Q and args["context"] == ctx
    assert args["history"] == [Q, {"question": Q, "context": ctx}]


def test_chat_history_is_trimmed_to_the_limits():
    from web.limits import MAX_HISTORY_CHARS, fit_history

    qs = [f"第{i}个问题" + "问" * 150 for i in range(30)]
    kept = fit_history(qs)
    assert kept and kept[-1] == qs[-1] and sum(map(len, kept)) <= MAX_HISTORY_CHARS
    validate_ask(question=Q, history=kept)


def test_chat_refuses_a_huge_question_at_once(backend):
    from web.ui import make_chat_handlers

    respond, _ = make_chat_handlers(backend)
    t0 = time.perf_counter()
    *_, (messages, state, _) = respond("年" * 100_000, [], {}, "全部", "全部")
    assert time.perf_counter() - t0 < 2
    assert "问题过长" in messages[-1]["content"] and not state


def test_a_question_is_answered_while_an_upload_is_being_ingested(backend, tmp_path):
    """The ingest is held mid-parse (its parser waits on an event): a question must still be
    answered. Before, the backend's one lock made every question wait for the whole ingest."""
    first = copy_sample(tmp_path)
    backend.ingest([str(first)], isolated=False)
    backend.warm()
    gate, parsing = threading.Event(), threading.Event()
    from ingest.parse import parse_file

    def slow_parse(path):  # noqa: ANN001, ANN202
        parsing.set()
        assert gate.wait(120)
        return parse_file(path)

    import ingest.pipeline as pl

    second = copy_sample(tmp_path, "pingtan_2022.txt")
    ingestor = pl.Ingestor(backend.stores(), parse=slow_parse)
    t = threading.Thread(target=ingestor.ingest_paths, args=([str(second)],), kwargs={"progress": False})
    t.start()
    try:
        assert parsing.wait(60)
        done = {}
        asker = threading.Thread(target=lambda: done.setdefault("a", backend.ask(Q + " ")))
        asker.start()
        asker.join(30)
        assert "a" in done, "the question waited for the ingest"
        assert "2件" in done["a"]["answer"]
    finally:
        gate.set()
        t.join(120)
    assert {r.year for r in backend.facts.reports()} == {2022, 2023}


def test_upload_results_show_file_names_and_refused_files_are_deleted(backend, tmp_path):
    from web.ui import make_upload_handler

    do_upload = make_upload_handler(backend)
    good = copy_sample(tmp_path)
    bad = tmp_path / "in" / "不是年报.txt"
    bad.write_text("这不是年度报告。" * 50, encoding="utf-8")
    html = do_upload([str(good), str(bad)], TOKEN)
    assert "hengshan_2023.txt" in html and "不是年报.txt" in html and "已拒收" in html
    assert str(tmp_path) not in html and "/uploads/" not in html
    kept = list(nb_settings.get_settings().uploads_path.iterdir())
    (report,) = backend.facts.reports()
    assert [str(p) for p in kept] == [report.path]  # the refused file is gone, the report kept
    # the same content again is stored once (content-hash name)
    again = copy_sample(tmp_path)
    assert "未变化" in do_upload([str(again)], TOKEN)
    assert len(list(nb_settings.get_settings().uploads_path.iterdir())) == 1


def test_token_is_compared_exactly_and_guesses_are_rate_limited(backend):
    assert upload.check_token(TOKEN, "a")
    assert not upload.check_token(f" {TOKEN} ", "b")  # the documented rule: no stripping
    for _ in range(upload.MAX_FAILURES - 1):
        assert not upload.check_token("guess", "c")
    assert upload.check_token(TOKEN, "c")  # under the limit the right token still works
    assert not upload.check_token("guess", "c")
    assert not upload.check_token(TOKEN, "c")  # locked out now, even with the right token
    assert "秒后再试" in upload.token_refusal("c")
    assert upload.check_token(TOKEN, "d")  # other clients are not affected


def test_report_csvs_do_not_pile_up(backend, tmp_path):
    from web.ui import csv_dir, make_browser_handlers

    backend.ingest([str(copy_sample(tmp_path))], isolated=False)
    _, show_report, _, _ = make_browser_handlers(backend)
    (rep,) = backend.facts.reports()
    paths = {show_report(rep.body, str(rep.year))[3] for _ in range(5)}
    assert len(paths) == 1 and Path(next(iter(paths))).is_file()
    assert sum(1 for p in csv_dir().rglob("*.csv")) <= len(backend.facts.reports()) + 5


def test_api_answer_is_plain_text_and_chat_copy_stays_escaped(backend, tmp_path):
    from web.escape import plain_answer

    backend.ingest([str(copy_sample(tmp_path))], isolated=False)
    raw = backend.ask("<script>x</script>" + Q)
    api = plain_answer(raw)
    assert "&lt;" not in api["answer"] and "&gt;" not in api["answer"]
    assert "<script>" not in raw["answer"]


def test_gradio_cache_is_cleaned(backend):
    from web.ui import GRADIO_CACHE, build_demo

    demo = build_demo(backend)
    assert demo.delete_cache == GRADIO_CACHE and GRADIO_CACHE[1] <= 24 * 3600


def test_a_question_over_the_time_budget_gets_a_clear_message(backend, tmp_path):
    from web.backend import TooLong

    backend.ingest([str(copy_sample(tmp_path))], isolated=False)
    backend.warm()
    backend.request_seconds = 0.0001  # every fresh answer is now over budget
    with pytest.raises(TooLong, match="超时"):
        backend.ask("衡山县2023年行政复议情况如何？")
    backend.request_seconds = 30
    assert backend.ask("衡山县2023年行政复议情况如何？")["answer"]  # the service goes on
