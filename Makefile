# Nianbao: two commands do all set-up on a fresh machine.
#   make run   -> web app on http://127.0.0.1:7860 over the bundled sample reports
#   make test  -> the test suite (installs chromium + CJK fonts for the browser tests when missing)
# Both create/refresh .venv idempotently via `make setup`.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup run test test-fast lint format bench eval eval-llm clean system-deps

setup: $(STAMP)

# torch is installed first, pinned to the local CPU wheel, so that sentence-transformers'
# torch requirement is already satisfied and no CUDA packages are pulled.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev,postgres]'
	touch $(STAMP)

system-deps:
	bash scripts/system-deps.sh

run: setup
	GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 $(PY) app.py

test: setup system-deps
	GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 $(PY) -m pytest -q --durations=30

test-fast: setup
	GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 $(PY) -m pytest -q -m "not slow and not browser"

lint: setup
	$(VENV)/bin/ruff check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: setup
	HF_HUB_OFFLINE=1 $(PY) -m eval bench

# Not in CI: needs NIANBAO_LLM_URL (an OpenAI-compatible endpoint) and NIANBAO_LLM_MODE=plan|write|both.
eval-llm: setup
	GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 $(PY) -m eval.llm --out var/eval-llm.json

clean:
	rm -rf var .pytest_cache
