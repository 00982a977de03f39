"""The JSON API and the gradio API endpoint of a real running server (tmp home, two sample reports)."""

from __future__ import annotations

import httpx
import pytest
from web_server import WEB_SAMPLES, shared_server

pytestmark = pytest.mark.slow

REFUSED_Q = "衡山县2023年有多少申请被拒绝了？"


@pytest.fixture(scope="module")
def server():
    return shared_server()


def ask(server, **payload) -> dict:
    r = httpx.post(server.url + "/api/ask", json=payload, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def test_reports_lists_the_ingested_samples(server):
    data = httpx.get(server.url + "/api/reports", timeout=30).json()
    assert data["counts"]["reports"] >= len(WEB_SAMPLES)  # the browser test may have uploaded one more
    assert data["counts"]["facts"] > 50
    years = {b["body"]: b["years"] for b in data["bodies"]}
    assert any("衡山" in b and 2023 in ys for b, ys in years.items())
    assert any("洪泽" in b and 2023 in ys for b, ys in years.items())


def test_facts_endpoint_filters_and_validates(server):
    body = next(
        b["body"] for b in httpx.get(server.url + "/api/reports").json()["bodies"] if "衡山" in b["body"]
    )
    rows = httpx.get(
        server.url + "/api/facts", params={"body": body, "year": 2023, "table": "三"}, timeout=30
    ).json()
    assert rows and all(r["table"] == "三" and r["body"] == body and r["year"] == 2023 for r in rows)
    assert {"row", "column", "value", "row_label", "column_label"} <= set(rows[0])
    assert httpx.get(server.url + "/api/facts", params={"table": "九"}).status_code == 422


def test_ask_cites_cells_that_the_facts_api_returns(server):
    ans = ask(server, question=REFUSED_Q)
    assert ans["kind"] in ("figure", "mixed")
    assert "2件" in ans["answer"]
    assert ans["figures"] and ans["citations"]
    facts = httpx.get(
        server.url + "/api/facts", params={"body": ans["figures"][0]["body"], "year": 2023}
    ).json()
    cells = {(f["table"], f["row"], f["column"]): f["value"] for f in facts}
    for fig in ans["figures"]:
        if not fig.get("derived") and fig.get("table"):
            assert cells[(fig["table"], fig["row"], fig["column"])] == fig["value"]


def test_followup_with_context(server):
    first = ask(server, question=REFUSED_Q)
    follow = ask(server, question="那无法提供的呢？", context=first["context"], history=[REFUSED_Q])
    assert "3件" in follow["answer"]
    assert any(
        f.get("row") == "unavailable" or (f.get("row") or "").startswith("unavailable")
        for f in follow["figures"]
    )


def test_gradio_client_gives_the_same_answer_json(server):
    from gradio_client import Client

    client = Client(server.url + "/", verbose=False)
    via_gradio = client.predict(REFUSED_Q, None, None, None, None, api_name="/ask")
    via_http = ask(server, question=REFUSED_Q)
    for d in (via_gradio, via_http):
        d.pop("latency_ms", None)
    assert via_gradio == via_http


def test_openapi_documents_the_routes(server):
    spec = httpx.get(server.url + "/openapi.json").json()
    assert {"/api/ask", "/api/reports", "/api/facts"} <= set(spec["paths"])
    assert httpx.get(server.url + "/docs").status_code == 200
    assert httpx.post(server.url + "/api/ask", json={"question": ""}).status_code == 422


def test_answerer_warmed_at_startup(server):
    """app.py loads the models before serving, so the first question does not pay for them."""
    log = server.log.read_text(encoding="utf-8")
    assert "answering warmed up" in log and "warm-up failed" not in log
