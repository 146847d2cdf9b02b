# smartcity-analysis: the two set-up commands are `make report` and `make test`.
# Every target creates .venv first when it is missing (or when pyproject.toml changed).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
REGION ?= 6372
COHORT ?= 2018
JOBS   ?= 2

.PHONY: venv data check test golden report reports bench lint clean-reports revealed-spec

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[report,test,dev]"
	@touch $(STAMP)

data: venv
	$(BIN)/smartcity data build

check: venv
	$(BIN)/smartcity data check

test: venv lint
	$(BIN)/python -m pytest

# After an intended change of results: re-execute tests/golden/*.ipynb, then review and commit the diff.
golden: venv
	$(BIN)/python tests/golden/regenerate.py

report: venv
	$(BIN)/smartcity report --region $(REGION) --cohort $(COHORT) --out reports

reports: venv
	$(BIN)/smartcity report --all --cohort $(COHORT) --jobs $(JOBS) --out reports

# The chosen revealed model as a spec; deterministic (same data and settings, same bytes), and
# tests/test_explain_export.py checks the shipped file against a fresh export. --refresh: the cache
# key does not see a change of method code, only of settings, data and package version.
revealed-spec: venv
	$(BIN)/smartcity explain --spec specs/kominfo_prescreen.yml --no-verify --no-progress --refresh \
	  --export-spec specs/revealed_2017_2019.yml

bench: venv
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

lint: venv
	$(BIN)/ruff check smartcity_analysis tests benchmarks

clean-reports:
	rm -rf reports/*/ reports/*.pdf reports/*.html
