# Two entry points, each usable on a fresh machine with Python 3.11, pip and make:
#   make run   install into .venv and start the app on http://127.0.0.1:8501
#   make test  install into .venv (with test tools) and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: run test install install-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'

run: install
	$(BIN)/python -m streamlit run streamlit_app.py

test: install-test
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest
