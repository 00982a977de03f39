"""Headless Chromium against a real server: chat with citations and follow-ups, the report browser's
violation flags, staff upload, and escaping of a crafted report. Saves docs/chat.png and docs/browser.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from web_server import SAMPLES, shared_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DOCS = Path(__file__).resolve().parent.parent / "docs"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
XSS = '<script>window.__nbxss=1</script> **粗体** <img src=x onerror="window.__nbxss=2"> [点我](javascript:window.__nbxss=3)'


@pytest.fixture(scope="module")
def server():
    return shared_server()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    pg.goto(server.url + "/")
    pg.locator("#nb-question textarea").wait_for()
    yield pg
    ctx.close()


def ask(page, question: str):
    page.locator("#nb-question textarea").fill(question)
    page.locator("#nb-ask").click()
    bot = page.locator("#nb-chatbot .message.bot, #nb-chatbot [data-testid='bot']")
    n_before = bot.count()
    page.wait_for_function(
        "([n]) => { const m = document.querySelectorAll('#nb-chatbot .nb-sources, #nb-chatbot .message.bot'); return m.length > 0; }",
        arg=[n_before],
    )
    return bot


def last_bot_text(page) -> str:
    return page.locator("#nb-chatbot [data-testid='bot']").last.inner_text()


def pick(page, elem_id: str, text: str):
    box = page.locator(f"#{elem_id} input")
    box.click()
    box.fill(text)
    page.get_by_role("option", name=text, exact=True).first.click()


def test_chat_answers_with_citations_and_followup(page):
    page.locator("#nb-question textarea").fill("衡山县2023年有多少申请被拒绝了？")
    page.locator("#nb-ask").click()
    page.locator("#nb-chatbot details.nb-source").first.wait_for()
    text = last_bot_text(page)
    assert "2件" in text
    source = page.locator("#nb-chatbot details.nb-source").first
    source.locator("summary").click()
    assert source.evaluate("d => d.open")
    assert source.locator("table.nb-row, blockquote").first.is_visible()

    n = page.locator("#nb-chatbot details.nb-source").count()
    page.locator("#nb-question textarea").fill("那无法提供的呢？")
    page.locator("#nb-ask").click()
    page.wait_for_function(
        "([n]) => document.querySelectorAll('#nb-chatbot details.nb-source').length > n", arg=[n]
    )
    page.wait_for_timeout(500)
    assert "3件" in last_bot_text(page)
    last_source = page.locator("#nb-chatbot details.nb-source").last
    last_source.locator("summary").click()
    assert last_source.locator("td.nb-cited").inner_text().strip() == "3"
    page.mouse.move(0, 0)
    page.locator("#nb-chatbot [role=log]").evaluate("e => { e.scrollTop = e.scrollHeight; }")
    page.wait_for_timeout(300)
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "chat.png"), full_page=False)


def test_report_browser_flags_violations(page):
    page.get_by_role("tab", name="报告浏览").click()
    pick(page, "nb-rb-body", "洪泽区人民政府")
    pick(page, "nb-rb-year", "2023")
    page.locator("#nb-rb-show").click()
    flagged = page.locator("#nb-rb-tables td.nb-violation").first
    flagged.wait_for()
    assert "R4" in (flagged.get_attribute("title") or "") or flagged.get_attribute("title")
    assert page.locator("#nb-rb-violations li.nb-violation-item").count() >= 1
    assert page.locator("#nb-rb-tables table.nb-t3 tr").count() > 20
    page.locator("#nb-rb-tables table.nb-t4").scroll_into_view_if_needed()
    page.mouse.move(0, 0)
    page.screenshot(path=str(DOCS / "browser.png"), full_page=False)

    page.get_by_role("button", name="画趋势图").click()
    page.locator("#nb-trend-plot canvas, #nb-trend-plot svg.marks").first.wait_for()
    page.get_by_role("button", name="画对比图").click()
    page.locator("#nb-compare-plot canvas, #nb-compare-plot svg.marks").first.wait_for()


def test_staff_upload_lists_report_and_escapes_its_text(page, server, tmp_path):
    text = (SAMPLES / "hengshan_2023.txt").read_text(encoding="utf-8").replace("衡山縣", "測試縣")
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if "總體情況" in line)
    lines.insert(head + 1, XSS)
    crafted = tmp_path / "测试县2023年报.txt"
    crafted.write_text("\n".join(lines), encoding="utf-8")

    page.get_by_role("tab", name="资料上传（工作人员）").click()
    page.locator("#nb-up-token input").fill("wrong-token")
    page.locator("#nb-up-go").click()
    page.locator("#nb-up-result .nb-rejected").wait_for()
    # the token first: Gradio's upload route only takes files from a browser that holds it
    page.locator("#nb-up-token input").fill(server.token)
    page.locator("#nb-up-files input[type=file]").set_input_files(str(crafted))
    page.locator("#nb-up-files").get_by_text("测试县2023年报").first.wait_for()
    page.locator("#nb-up-go").click()
    result = page.locator("#nb-up-result table.nb-upload-results")
    result.wait_for(timeout=300_000)
    row = result.locator("tr").nth(1).inner_text()
    assert "测试县" in row and "已导入" in row

    page.get_by_role("tab", name="报告浏览").click()
    body = row.split("\t")[2].strip()
    pick(page, "nb-rb-body", body)
    pick(page, "nb-rb-year", "2023")
    page.locator("#nb-rb-show").click()
    page.locator("#nb-rb-tables table.nb-t3").wait_for()
    page.get_by_text("正文（按章节）").click()
    passages = page.locator("#nb-rb-passages")
    passages.get_by_text("window.__nbxss=1", exact=False).first.wait_for()
    assert "<script>window.__nbxss=1</script>" in passages.inner_text()
    assert page.evaluate("() => window.__nbxss === undefined")
