"""The JSON API (FastAPI) served beside the Gradio UI: /api/ask, /api/reports, /api/facts.

OpenAPI is at /docs and /openapi.json. The same Backend answers the UI and the API, so both give the
same Answer JSON.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Query
from pydantic import BaseModel, Field

from nianbao import template as T
from web.backend import Backend
from web.render import fact_record


class AskRequest(BaseModel):
    question: str = Field(
        ..., min_length=1, max_length=2000, description="问题，例如「衡山县2023年有多少申请被拒绝了？」"
    )
    history: list[Any] | None = Field(
        None, description="earlier questions (strings) or earlier answer objects"
    )
    body: str | None = Field(None, description="limit to one body (full name as in /api/reports)")
    year: int | None = Field(None, description="limit to one year")
    context: dict[str, Any] | None = Field(
        None, description="the `context` of the previous answer, for follow-ups"
    )


def build_api(backend: Backend) -> FastAPI:
    api = FastAPI(
        title="Nianbao 年报问答 API",
        description="Questions over 政府信息公开工作年度报告: figures from table cells, narrative from cited passages.",
        version="0.1.0",
    )

    @api.post("/api/ask", tags=["ask"])
    def ask(req: AskRequest) -> dict:
        """Answer one question; returns the Answer JSON (docs/INTERNALS.md)."""
        return backend.ask(
            req.question, history=req.history, body=req.body, year=req.year, context=req.context
        )

    @api.get("/api/reports", tags=["browse"])
    def reports() -> dict:
        """Every report in the store, and per body the years available, with counts."""
        rows = backend.facts.reports()
        bodies: dict[str, dict] = {}
        for r in rows:
            b = bodies.setdefault(r.body, {"body": r.body, "aliases": [], "years": [], "n_reports": 0})
            b["aliases"] = sorted(set(b["aliases"]) | set(r.aliases))
            if r.year not in b["years"]:
                b["years"].append(r.year)
            b["n_reports"] += 1
        for b in bodies.values():
            b["years"].sort()
        return {
            "counts": {
                "reports": len(rows),
                "bodies": len(bodies),
                "facts": sum(r.n_facts for r in rows),
                "passages": sum(r.n_passages for r in rows),
            },
            "bodies": sorted(bodies.values(), key=lambda b: b["body"]),
            "years": sorted({r.year for r in rows}),
            "reports": [
                {
                    "id": r.id,
                    "body": r.body,
                    "year": r.year,
                    "template": r.template,
                    "format": r.format,
                    "published": r.published,
                    "title": r.title,
                    "n_facts": r.n_facts,
                    "n_passages": r.n_passages,
                }
                for r in rows
            ],
        }

    @api.get("/api/facts", tags=["browse"])
    def facts(
        body: str | None = Query(None, description="full body name"),
        year: int | None = Query(None),
        table: str | None = Query(None, description="二 | 三 | 四"),
    ) -> list[dict]:
        """Table cells as a JSON list (one object per cell), filtered by body, year and table."""
        if table and table not in T.TABLES:
            raise HTTPException(status_code=422, detail=f"table must be one of {', '.join(T.TABLES)}")
        return [fact_record(f) for f in backend.facts.facts(body=body, year=year, table=table)]

    return api
