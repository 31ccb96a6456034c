# Bookinfo in Python. `make run` starts the whole app locally; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet -c constraints.txt

.PHONY: venv run test bench clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) -e '.[test]'
	touch $@

run: venv
	$(VENV)/bin/bookinfo up

test: venv
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) build *.egg-info
