# Two entry points, each usable on a fresh machine with Python 3.11, pip and make:
#   make run   install into .venv and start the app on http://127.0.0.1:8501
#   make test  install into .venv (with test tools) and run the whole test suite; the browser
#              tests need Debian's chromium, which it installs with apt-get when it is missing
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test install install-test chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'

run: install
	$(BIN)/python -m streamlit run streamlit_app.py

# Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium and never
# downloads a browser of its own).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "Installing Debian's chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null \
			|| { echo "Could not install chromium: install Debian's chromium package, then run make test again."; exit 1; }; \
	fi

test: install-test chromium
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest
