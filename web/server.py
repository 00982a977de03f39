"""Assemble the server: the JSON API (FastAPI) with the Gradio UI mounted at "/"."""

from __future__ import annotations

import gradio as gr
from fastapi import FastAPI

from web.api import build_api
from web.backend import Backend
from web.style import CSS
from web.ui import build_demo


def build_app(backend: Backend | None = None) -> tuple[FastAPI, gr.Blocks]:
    backend = backend or Backend()
    api = build_api(backend)
    demo = build_demo(backend)
    app = gr.mount_gradio_app(api, demo, path="/", css=CSS, footer_links=["api"], ssr_mode=False)
    return app, demo
