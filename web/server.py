"""Assemble the server: the JSON API (FastAPI) with the Gradio UI mounted at "/"."""

from __future__ import annotations

import gradio as gr
from fastapi import FastAPI

from nianbao.settings import get_settings
from web.api import build_api
from web.backend import Backend
from web.style import CSS
from web.ui import build_demo


def build_app(backend: Backend | None = None) -> tuple[FastAPI, gr.Blocks]:
    backend = backend or Backend()
    api = build_api(backend)
    demo = build_demo(backend)
    max_mb = get_settings().max_upload_mb
    app = gr.mount_gradio_app(
        api, demo, path="/", css=CSS, footer_links=["api"], ssr_mode=False, max_file_size=f"{max_mb}mb"
    )
    return app, demo
