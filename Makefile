# Quick start targets: each sets up .venv on a fresh machine (once), then runs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test gate bench lint setup clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The CPU build of torch first: a bare 'torch' requirement would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test,ray]'  # ray: the --engine ray identical-results test runs in CI
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/evidence tag --example

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Quality gate: fails (exit 2) when a metric on the dev set's held-out split drops below its floor.
# Floors = today's value (README, Measured quality) minus 0.05, rounded down to a multiple of 0.05:
# one test sample moves F1 by 0.02-0.04, so a drop past the floor is more than one sample's noise.
# Not tuned: the floors are set from the measured values by that rule, never searched on the split.
GATE_FLOORS ?= micro_f1=0.65,macro_f1=0.60,citation_precision=0.85,rp@5=0.70
gate: $(STAMP)
	$(BIN)/evidence eval eval/datasets/ic6-dev.jsonl --split test --fail-under $(GATE_FLOORS)

bench: $(STAMP)
	$(BIN)/evidence bench

# Lint and type check. mypy cannot follow the editable install's import hook to the mapped folders
# ([tool.setuptools.package-dir]): it reads the package from a tree of links to them (mypy_path in pyproject.toml).
TYPECHECK := build/typecheck/evidence_matcher
MYPY_PACKAGES := evidence_matcher.errors evidence_matcher.cache evidence_matcher.rubrics evidence_matcher.index evidence_matcher.matcher
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	rm -rf $(TYPECHECK) && mkdir -p $(TYPECHECK)
	ln -s $(CURDIR)/evidence_matcher/*.py $(TYPECHECK)/
	for folder in rubrics index matcher eval api; do ln -s $(CURDIR)/$$folder $(TYPECHECK)/$$folder; done
	$(BIN)/mypy $(addprefix -p ,$(MYPY_PACKAGES))

clean:
	rm -rf $(VENV) .pytest_cache
