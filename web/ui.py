"""The Gradio UI: 问答 (chat), 报告浏览 (report browser, trends, comparison), 资料上传 (staff upload).

Every handler goes through a Backend; every piece of report text is escaped by web.render / web.escape.
"""

from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
from pathlib import Path

import gradio as gr

from web import charts, render, upload
from web.backend import Backend, TooLong
from web.escape import h, md, plain_answer
from web.limits import MAX_QUESTION, BadRequest, fit_history, validate_ask
from web.tables import TableRenderer

log = logging.getLogger(__name__)
GRADIO_CACHE = (900, 3600)  # delete Gradio's cached files every 15 min once older than an hour
_CSV_DIR: Path | None = None


def csv_dir() -> Path:
    """One folder per process for the report CSVs, one file per report (overwritten on each view),
    removed at exit: viewing reports never grows the disk."""
    global _CSV_DIR
    if _CSV_DIR is None:
        _CSV_DIR = Path(tempfile.mkdtemp(prefix="nianbao-csv-"))
        atexit.register(shutil.rmtree, _CSV_DIR, True)
    return _CSV_DIR


def client_of(request: gr.Request | None) -> str:
    try:
        return request.client.host if request is not None and request.client else "?"
    except AttributeError:
        return "?"


# The staff token box also sets a same-site cookie, so Gradio's own upload route (which runs when
# files are picked, before any handler) gets the token too (web.server.UploadGuard checks it).
TOKEN_COOKIE_HEAD = (
    "<script>document.addEventListener('input', function (e) {"
    " var box = e.target && e.target.closest && e.target.closest('#nb-up-token');"
    " if (box) { document.cookie = '" + upload.COOKIE + "=' + encodeURIComponent(e.target.value || '')"
    " + '; path=/; SameSite=Strict'; } }, true);</script>"
)

ALL = "全部"
STREAM_STEP = 12  # characters per streamed chunk


def _opt(value):  # noqa: ANN001, ANN202 - dropdown value -> filter or None
    return None if value in (None, "", ALL) else value


def _int(value) -> int | None:  # noqa: ANN001
    v = _opt(value)
    return int(v) if v is not None else None


def example_questions(backend: Backend) -> list[str]:
    """A few questions about what the store actually holds (the newest year of the first bodies)."""
    cat = backend.catalog()
    out = []
    for body in cat.bodies[:2]:
        rep = backend.report(body, cat.years[body][-1])
        name = min(rep.aliases, key=len) if rep and rep.aliases else body
        y = cat.years[body][-1]
        out += [
            f"{name}{y}年有多少申请被拒绝了？",
            f"{name}{y}年行政复议情况如何？",
            f"{name}{y}年存在哪些主要问题？",
        ]
    return out[:6] or ["本年新收政府信息公开申请多少件？"]


# ---------------------------------------------------------------------- chat
def make_chat_handlers(backend: Backend):  # noqa: ANN201
    def row_facts_for(cit: dict) -> list:
        cell = cit.get("cell") or {}
        if not (cit.get("body") and cit.get("year") and cell.get("table") and cell.get("row")):
            return []
        return backend.facts.facts(
            body=cit["body"], year=int(cit["year"]), table=cell["table"], row=cell["row"]
        )

    def respond(question: str, messages: list, state: dict | None, body: str, year: str):  # noqa: ANN202
        question = (question or "").strip()
        state = dict(state or {})
        messages = list(messages or [])
        if not question:
            yield messages, state, ""
            return
        messages.append({"role": "user", "content": md(question[:MAX_QUESTION])})
        try:
            args = validate_ask(
                question=question,
                history=fit_history(state.get("questions") or []) or None,
                body=_opt(body),
                year=_int(year),
                context=state.get("context"),
            )
        except BadRequest as exc:
            limit = f"问题过长（超过 {MAX_QUESTION} 字），请精简后再问。" if len(question) > MAX_QUESTION else None
            messages.append({"role": "assistant", "content": md(limit or f"无法处理该问题：{exc}")})
            yield messages, state, ""
            return
        yield messages + [{"role": "assistant", "content": "……"}], state, ""
        try:
            ans = backend.ask(**args)
        except TooLong as exc:
            messages.append({"role": "assistant", "content": md(str(exc))})
            yield messages, state, ""
            return
        text = render.answer_body(ans)
        for i in range(STREAM_STEP, len(text), STREAM_STEP):
            yield messages + [{"role": "assistant", "content": text[:i]}], state, ""
        messages.append({"role": "assistant", "content": render.render_answer(ans, row_facts_for)})
        state["context"] = ans.get("context") or state.get("context")
        state["questions"] = [*(state.get("questions") or []), question][-10:]
        yield messages, state, ""

    def clear():  # noqa: ANN202
        return [], {}, ""

    return respond, clear


# ---------------------------------------------------------------------- report browser
def make_browser_handlers(backend: Backend):  # noqa: ANN201
    def years_for(body: str, with_all: bool = False):  # noqa: ANN202
        years = backend.catalog().years.get(body, []) if _opt(body) else backend.catalog().all_years
        choices = ([ALL] if with_all else []) + [str(y) for y in reversed(years)]
        value = choices[0] if choices else None
        return gr.update(choices=choices, value=value)

    def show_report(body: str, year: str):  # noqa: ANN202
        if not _opt(body) or not _opt(year):
            return "<p>请选择机关和年度。</p>", "", "", None
        rep = backend.report(body, int(year))
        if rep is None:
            return f"<p>库中没有 {h(body)} {h(year)} 年的报告。</p>", "", "", None
        facts = backend.report_facts(rep.id)
        violations = backend.report_violations(rep.id)
        passages = backend.report_passages(rep.id)
        head = (
            f'<div class="nb-report-head"><h2>{h(rep.title or rep.body)}</h2>'
            f"<p>{h(rep.body)} · {h(rep.year)}年 · 模板 {h(rep.template)} · {h(rep.format)} · "
            f"{len(facts)} 个表格数据 · {len(passages)} 段正文 · {len(violations)} 处勾稽问题</p></div>"
        )
        tables = TableRenderer(facts, violations, rep.template).all_tables()
        folder = csv_dir() / rep.id[:40].replace("/", "_")
        csv_path = render.write_facts_csv(facts, folder / f"{_safe(rep.body)}_{rep.year}_facts.csv")
        return (
            head + tables,
            render.render_violations(violations),
            render.render_passages(passages),
            str(csv_path),
        )

    def trend(body: str, key: str):  # noqa: ANN202
        if not _opt(body) or not key:
            return None
        return charts.trend_frame(backend, body, key)

    def compare(year: str, key: str):  # noqa: ANN202
        if not _opt(year) or not key:
            return None
        return charts.compare_frame(backend, int(year), key)

    return years_for, show_report, trend, compare


def _safe(name: str) -> str:
    return upload.sanitize_filename(name)


# ---------------------------------------------------------------------- upload
def upload_results_html(results: list) -> str:
    if not results:
        return "<p>没有文件。</p>"
    labels = {
        "ingested": "已导入",
        "unchanged": "未变化（已存在）",
        "replaced": "已替换旧版本",
        "rejected": "已拒收",
    }
    rows = []
    for r in results:
        cls = ' class="nb-rejected"' if r.status == "rejected" else ""
        rows.append(
            f"<tr{cls}><td>{h(r.path)}</td><td>{h(labels.get(r.status, r.status))}</td><td>{h(r.body or '')}</td>"
            f"<td>{h(r.year or '')}</td><td>{h(r.n_facts)}</td><td>{h(r.n_passages)}</td><td>{h(r.n_violations)}</td>"
            f"<td>{h(r.reason)}</td></tr>"
        )
    return (
        '<table class="nb-upload-results"><tr><th>文件</th><th>结果</th><th>机关</th><th>年度</th><th>表格数据</th>'
        "<th>正文段落</th><th>勾稽问题</th><th>原因</th></tr>" + "".join(rows) + "</table>"
    )


def make_upload_handler(backend: Backend):  # noqa: ANN201
    from ingest.pipeline import FileResult

    def do_upload(  # noqa: ANN202
        files: list | None, token: str, body: str = "", year: str = "", request: gr.Request = None
    ):
        paths = [getattr(f, "name", f) for f in files or []]
        if not upload.staff_enabled():
            upload.discard(paths)
            return "<p>上传未启用：请设置环境变量 NIANBAO_STAFF_TOKEN。</p>"
        client = client_of(request)
        if not upload.check_token(token, client):
            upload.discard(paths)
            return f'<p class="nb-rejected">{h(upload.token_refusal(client))}</p>'
        if not files:
            return "<p>请先选择文件。</p>"
        body = (body or "").strip()[:200] or None
        year_s = (year or "").strip()
        if year_s and not (year_s.isdigit() and 2000 <= int(year_s) <= 2100):
            upload.discard(paths)
            return '<p class="nb-rejected">年度应为 2000–2100 之间的四位数字。</p>'
        if year_s and len(paths) != 1:
            upload.discard(paths)
            return '<p class="nb-rejected">指定年度时只能上传一个文件。</p>'
        saved = upload.save_uploads(paths)
        results = [FileResult(s.name, "rejected", reason=s.reason) for s in saved if s.path is None]
        ok = [s for s in saved if s.path is not None]
        if ok:
            names = {str(s.path): s.name for s in ok}
            try:
                got = backend.ingest(
                    [str(s.path) for s in ok], names, body=body, year=int(year_s) if year_s else None
                )
            except Exception as exc:  # noqa: BLE001 - StoreError / IngestBusy: say so, keep serving
                log.exception("upload ingest failed")
                upload.discard([s.path for s in ok])
                return f'<p class="nb-rejected">导入失败：{h(str(exc).splitlines()[0][:300])}</p>'
            by_name = {s.name: s.path for s in ok}
            upload.discard([by_name[r.path] for r in got if r.status == "rejected" and r.path in by_name])
            results += got
        return upload_results_html(results)

    return do_upload


# ---------------------------------------------------------------------- layout
def build_demo(backend: Backend) -> gr.Blocks:
    cat = backend.catalog()
    bodies = cat.bodies
    respond, clear = make_chat_handlers(backend)
    years_for, show_report, trend, compare = make_browser_handlers(backend)
    do_upload = make_upload_handler(backend)
    figures = render.figure_choices()

    with gr.Blocks(title="年报问答 · 政府信息公开工作年度报告", delete_cache=GRADIO_CACHE) as demo:
        gr.Markdown(
            "## 年报问答　·　政府信息公开工作年度报告\n数字均取自报告表格，文字均注明出处；报告未载明的，如实说明。"
        )
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                with gr.Row():
                    chat_body = gr.Dropdown(
                        [ALL, *bodies], value=ALL, label="机关（限定范围）", elem_id="nb-chat-body"
                    )
                    chat_year = gr.Dropdown(
                        [ALL, *[str(y) for y in reversed(cat.all_years)]],
                        value=ALL,
                        label="年度",
                        elem_id="nb-chat-year",
                    )
                chatbot = gr.Chatbot(
                    label="对话",
                    height=520,
                    elem_id="nb-chatbot",
                    sanitize_html=True,
                    feedback_options=None,
                    buttons=["copy"],
                )
                state = gr.State({})
                with gr.Row():
                    question = gr.Textbox(
                        placeholder="例如：某县2023年有多少申请被拒绝了？",
                        show_label=False,
                        max_length=MAX_QUESTION,
                        scale=8,
                        elem_id="nb-question",
                    )
                    ask_btn = gr.Button("提问", variant="primary", scale=1, elem_id="nb-ask")
                    clear_btn = gr.Button("清空对话", scale=1, elem_id="nb-clear")
                gr.Examples(example_questions(backend), inputs=question, label="示例问题")
                chat_io = ([question, chatbot, state, chat_body, chat_year], [chatbot, state, question])
                question.submit(respond, *chat_io, api_visibility="private")
                ask_btn.click(respond, *chat_io, api_visibility="private")
                clear_btn.click(clear, None, [chatbot, state, question], api_visibility="private")
                chatbot.clear(clear, None, [chatbot, state, question], api_visibility="private")
                for dd in (chat_body, chat_year):
                    dd.change(clear, None, [chatbot, state, question], api_visibility="private")
                chat_body.change(lambda b: years_for(b, True), chat_body, chat_year, api_visibility="private")

            with gr.Tab("报告浏览", id="browser"):
                with gr.Row():
                    rb_body = gr.Dropdown(
                        bodies, value=bodies[0] if bodies else None, label="机关", elem_id="nb-rb-body"
                    )
                    first_years = [str(y) for y in reversed(cat.years.get(bodies[0], []))] if bodies else []
                    rb_year = gr.Dropdown(
                        first_years,
                        value=first_years[0] if first_years else None,
                        label="年度",
                        elem_id="nb-rb-year",
                    )
                    rb_btn = gr.Button("查看报告", variant="primary", elem_id="nb-rb-show")
                rb_tables = gr.HTML(elem_id="nb-rb-tables")
                with gr.Accordion("勾稽关系检查", open=True):
                    rb_viol = gr.HTML(elem_id="nb-rb-violations")
                with gr.Accordion("正文（按章节）", open=False):
                    rb_pass = gr.HTML(elem_id="nb-rb-passages")
                rb_csv = gr.File(label="下载本报告表格数据（CSV）", elem_id="nb-rb-csv")
                rb_out = [rb_tables, rb_viol, rb_pass, rb_csv]
                rb_body.change(years_for, rb_body, rb_year, api_visibility="private")
                rb_btn.click(show_report, [rb_body, rb_year], rb_out, api_visibility="private")
                rb_year.change(show_report, [rb_body, rb_year], rb_out, api_visibility="private")

                gr.Markdown("### 趋势：一个机关历年的某项数字")
                with gr.Row():
                    tr_body = gr.Dropdown(bodies, value=bodies[0] if bodies else None, label="机关")
                    tr_fig = gr.Dropdown(figures, value=figures[0][1], label="数字")
                    tr_btn = gr.Button("画趋势图")
                tr_plot = gr.LinePlot(
                    x="年度", y="数值", label="历年趋势", height=280, elem_id="nb-trend-plot"
                )
                gr.Markdown("### 对比：同一年度各机关的某项数字")
                with gr.Row():
                    cmp_year = gr.Dropdown(
                        [str(y) for y in reversed(cat.all_years)],
                        value=str(cat.all_years[-1]) if cat.all_years else None,
                        label="年度",
                    )
                    cmp_fig = gr.Dropdown(figures, value=figures[0][1], label="数字")
                    cmp_btn = gr.Button("画对比图")
                cmp_plot = gr.BarPlot(
                    x="机关", y="数值", label="机关对比", height=280, sort="-y", elem_id="nb-compare-plot"
                )
                tr_btn.click(trend, [tr_body, tr_fig], tr_plot, api_visibility="private")
                cmp_btn.click(compare, [cmp_year, cmp_fig], cmp_plot, api_visibility="private")

            with gr.Tab("资料上传（工作人员）", id="upload"):
                if not upload.staff_enabled():
                    gr.Markdown(
                        "**上传未启用。** 设置环境变量 `NIANBAO_STAFF_TOKEN=<令牌>` 后重启服务即可启用；"
                        "工作人员凭该令牌上传年度报告（txt、html、pdf、docx）。"
                    )
                else:
                    gr.Markdown(
                        f"上传年度报告（txt、html、pdf、docx，每个文件不超过 {upload.get_settings().max_upload_mb} MB），导入后即可问答和浏览。"
                    )
                up_token = gr.Textbox(
                    type="password", label="工作人员令牌（先输入令牌，再选择文件）", elem_id="nb-up-token"
                )
                up_files = gr.File(file_count="multiple", label="报告文件", elem_id="nb-up-files")
                with gr.Row():
                    up_body = gr.Textbox(
                        label="更正机关名称（可选，报告自述有误时填写）", max_lines=1, elem_id="nb-up-body"
                    )
                    up_year = gr.Textbox(
                        label="更正年度（可选，仅限单个文件）", max_lines=1, elem_id="nb-up-year"
                    )
                up_btn = gr.Button(
                    "上传并导入", variant="primary", elem_id="nb-up-go", interactive=upload.staff_enabled()
                )
                up_result = gr.HTML(elem_id="nb-up-result")

                def refresh(*_):  # noqa: ANN002, ANN202
                    c = backend.catalog()
                    years = [str(y) for y in reversed(c.all_years)]
                    return (
                        gr.update(choices=[ALL, *c.bodies]),
                        gr.update(choices=[ALL, *years]),
                        gr.update(choices=c.bodies),
                        gr.update(choices=c.bodies),
                        gr.update(choices=years),
                    )

                refresh_out = [chat_body, chat_year, rb_body, tr_body, cmp_year]
                up_btn.click(
                    do_upload, [up_files, up_token, up_body, up_year], up_result, api_visibility="private"
                ).then(
                    refresh, None, refresh_out, api_visibility="private"
                )
                demo.load(refresh, None, refresh_out, api_visibility="private")
                demo.load(show_report, [rb_body, rb_year], rb_out, api_visibility="private")

        def ask(
            question: str,
            history: list | None = None,
            body: str | None = None,
            year: int | None = None,
            context: dict | None = None,
        ) -> dict:
            """Answer one question; returns the Answer JSON (same as POST /api/ask)."""
            try:
                args = validate_ask(question=question, history=history, body=body, year=year, context=context)
                return plain_answer(backend.ask(**args))
            except (BadRequest, TooLong) as exc:
                raise gr.Error(str(exc)[:300]) from None

        gr.api(ask, api_name="ask")
    return demo
