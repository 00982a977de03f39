"""The JSON API (FastAPI) served beside the Gradio UI: /api/ask, /api/reports, /api/facts.

OpenAPI is at /docs and /openapi.json. The same Backend answers the UI and the API, so both give the
same Answer JSON.
"""

from __future__ import annotations

import logging

import orjson
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from nianbao import template as T
from web.backend import Backend, TooLong
from web.escape import plain_answer
from web.limits import MAX_YEAR, MIN_YEAR, AskRequest, error_text, short_errors
from web.render import fact_record

log = logging.getLogger(__name__)


class ORJSONResponse(JSONResponse):
    """JSON rendered by orjson (several times faster than json on an Answer JSON)."""

    def render(self, content) -> bytes:  # noqa: ANN001
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


MAX_BODY_BYTES = 256 * 1024  # a question with its history and context is a few KB


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Pure ASGI (no per-request task like BaseHTTPMiddleware): /api/ requests whose body is over
    MAX_BODY_BYTES are cut off: a 413 before the body is read when Content-Length says so; a
    chunked body stops being read as soon as it passes the limit (FastAPI then answers 400)."""

    def __init__(self, app) -> None:  # noqa: ANN001
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        declared = None
        for k, v in scope.get("headers", ()):
            if k == b"content-length":
                declared = int(v) if v.isdigit() else MAX_BODY_BYTES + 1
        if declared is not None and declared > MAX_BODY_BYTES:
            await self._refuse(scope, receive, send)
            return
        got = 0
        started = False

        async def counting_receive():  # noqa: ANN202
            nonlocal got
            msg = await receive()
            got += len(msg.get("body", b""))
            if got > MAX_BODY_BYTES:
                raise _TooLarge
            return msg

        async def tracking_send(msg) -> None:  # noqa: ANN001
            nonlocal started
            started = started or msg["type"] == "http.response.start"
            await send(msg)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    @staticmethod
    async def _refuse(scope, receive, send) -> None:  # noqa: ANN001
        resp = ORJSONResponse(status_code=413, content={"detail": f"request body larger than {MAX_BODY_BYTES} bytes"})
        await resp(scope, receive, send)


def build_api(backend: Backend) -> FastAPI:
    api = FastAPI(
        title="Nianbao 年报问答 API",
        description="Questions over 政府信息公开工作年度报告: figures from table cells, narrative from cited passages.",
        version="0.1.0",
        default_response_class=ORJSONResponse,
    )

    @api.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        """422 that names what is wrong without echoing the input (which may be megabytes)."""
        errors = short_errors(exc)
        return ORJSONResponse(status_code=422, content={"detail": error_text(errors), "errors": errors})

    @api.exception_handler(Exception)
    async def _crash(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error", exc_info=exc)  # details stay in the server log
        return ORJSONResponse(status_code=500, content={"detail": "internal error"})

    api.add_middleware(BodyLimit)

    @api.post("/api/ask", tags=["ask"])
    async def ask(req: AskRequest):  # noqa: ANN202
        """Answer one question; returns the Answer JSON (docs/INTERNALS.md). Limits: see the
        request schema; an answer over the time budget is a 503 with a short message."""
        args = req.backend_args()
        hit = backend.cached(**args)
        if hit is None:
            try:
                hit = await run_in_threadpool(backend.ask, **args)
            except TooLong as exc:
                return ORJSONResponse(status_code=503, content={"detail": str(exc)})
        return ORJSONResponse(plain_answer(hit))

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
        body: str | None = Query(None, max_length=200, description="full body name"),
        year: int | None = Query(None, ge=MIN_YEAR, le=MAX_YEAR),
        table: str | None = Query(None, max_length=4, description="二 | 三 | 四"),
    ) -> list[dict]:
        """Table cells as a JSON list (one object per cell), filtered by body, year and table."""
        if table and table not in T.TABLES:
            raise HTTPException(status_code=422, detail=f"table must be one of {', '.join(T.TABLES)}")
        return [fact_record(f) for f in backend.facts.facts(body=body, year=year, table=table)]

    return api
