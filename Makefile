# The project's commands. Each target bootstraps its own virtual environment.
#   make demo        the panel in JupyterLab against a local UKSSDC emulator
#   make demo-voila  the same notebook served as an app by Voila
#   make test        every test: unit, emulator, widget, notebook and browser
#   make bench       the benchmarks, side by side with swifttools

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo demo-voila test bench chromium clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check uv || true
	if [ -x $(VENV)/bin/uv ]; then \
	  $(VENV)/bin/uv pip install -q --python $(PY) -e '.[test]'; \
	else \
	  $(PY) -m pip install -q --disable-pip-version-check -e '.[test]'; \
	fi
	touch $@

chromium:
	./scripts/ensure-chromium

demo: $(STAMP)
	$(PY) -m xrt_widgets.demo

demo-voila: $(STAMP)
	$(PY) -m xrt_widgets.demo --voila

test: $(STAMP) chromium
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis test-artifacts
