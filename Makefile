# The project's commands. Each target bootstraps its own virtual environment.
#   make demo        the panel in JupyterLab against a local UKSSDC emulator; the notebooks are
#                    copied into ./xrt_widgets_demo (kept between runs), as python -m xrt_widgets.demo does
#   make demo-voila  the same notebook served as an app by Voila
#   make test        the lint, then every test: unit, emulator, widget, notebook, browser, wheel, version matrix
#   make unit        the unit tests only (no network, a few seconds)
#   make lint        ruff check, ruff format --check and mypy --strict (scripts/lint; settings in ruff.toml, mypy.ini)
#   make bench       the benchmarks, side by side with swifttools

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo demo-voila test unit lint bench chromium axe clean

# scripts/ensure-venv (re)makes a broken venv, picks uv or pip, installs -e '.[test]', then touches the stamp.
# A venv whose python does not run (deleted, or its base interpreter gone) is remade whatever the stamp's date.
ifneq ($(shell $(PY) -c 'import sys' >/dev/null 2>&1 && echo ok),ok)
.PHONY: $(STAMP)
endif

$(STAMP): pyproject.toml scripts/ensure-venv
	PYTHON='$(PYTHON)' VENV='$(VENV)' ./scripts/ensure-venv test

chromium:
	./scripts/ensure-chromium

# axe-core from npm, for the browser tests' accessibility checks (node and npm are installed when missing)
axe:
	./scripts/ensure-axe

demo: $(STAMP)
	$(PY) -m xrt_widgets.demo

demo-voila: $(STAMP)
	$(PY) -m xrt_widgets.demo --voila

test: $(STAMP) chromium axe
	VENV='$(VENV)' ./scripts/lint
	$(PY) -m pytest

unit: $(STAMP)
	$(PY) -m pytest tests/unit

lint: $(STAMP)
	VENV='$(VENV)' ./scripts/lint

bench: $(STAMP) chromium
	$(PY) benchmarks/run.py && $(PY) benchmarks/hardening.py && $(PY) benchmarks/board_browser.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis test-artifacts
