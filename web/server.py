"""Assemble the server: the JSON API (FastAPI) with the Gradio UI mounted at "/".

Gradio's own upload route (`/gradio_api/upload`, used by the file picker before any handler runs)
is guarded here: it refuses every file while staff upload is disabled, without the staff token
(cookie set by the token box, or an `x-nianbao-token` header), or from another origin. Exception
text never reaches clients (`show_error=False`; details go to the server log).
"""

from __future__ import annotations

from urllib.parse import unquote, urlparse

import gradio as gr
from fastapi import FastAPI
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from nianbao.settings import get_settings
from web import upload
from web.api import build_api
from web.backend import Backend
from web.style import CSS
from web.ui import TOKEN_COOKIE_HEAD, build_demo

UPLOAD_PATHS = ("/gradio_api/upload", "/upload")


class UploadGuard:
    """ASGI middleware in front of Gradio's upload route (see module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/") in UPLOAD_PATHS:
            refusal = self.refusal(scope)
            if refusal:
                await PlainTextResponse(refusal, status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def refusal(scope: Scope) -> str:
        if not upload.staff_enabled():
            return "upload disabled"
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        origin = headers.get("origin")
        if origin and urlparse(origin).netloc != headers.get("host", ""):
            return "cross-origin upload refused"
        token = headers.get("x-nianbao-token")
        if token is None:
            for part in headers.get("cookie", "").split(";"):
                name, _, value = part.strip().partition("=")
                if name == upload.COOKIE:
                    token = unquote(value)
        client = (scope.get("client") or ("?",))[0]
        if not upload.check_token(token, client):
            return upload.token_refusal(client)
        return ""


def build_app(backend: Backend | None = None) -> tuple[FastAPI, gr.Blocks]:
    backend = backend or Backend()
    api = build_api(backend)
    demo = build_demo(backend)
    max_mb = get_settings().max_upload_mb
    app = gr.mount_gradio_app(
        api,
        demo,
        path="/",
        css=CSS,
        footer_links=["api"],
        ssr_mode=False,
        max_file_size=f"{max_mb}mb",
        show_error=False,
        head=TOKEN_COOKIE_HEAD,
    )
    app.add_middleware(UploadGuard)
    return app, demo
