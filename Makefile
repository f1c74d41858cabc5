# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck check bench clean migrate

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# With Slack tokens (SLACK_BOT_TOKEN in the environment or .env): serve Slack. Without: the
# local workspace, a stand-in for Slack in the browser with a demo company (kpibot local).
run: $(STAMP)
	@if [ -n "$$SLACK_BOT_TOKEN" ] || grep -Eqs '^[[:space:]]*(export[[:space:]]+)?SLACK_BOT_TOKEN[[:space:]]*=[[:space:]]*[^[:space:]#]' .env; then \
		$(BIN)/kpibot migrate && $(BIN)/kpibot serve; \
	else \
		echo "No Slack tokens configured (SLACK_BOT_TOKEN): starting the local workspace instead."; \
		$(BIN)/kpibot local; \
	fi

migrate: $(STAMP)
	$(BIN)/kpibot migrate

# The whole suite: lint, types, then every test. Database tests run on SQLite and, when
# KPIBOT_TEST_POSTGRES_URL is set, on PostgreSQL too (CI sets it and requires it).
# pytest-xdist runs the tests on one worker per core (TEST_WORKERS=0: in this process, one by
# one). Each worker has its own temporary directory, SQLite template and PostgreSQL database.
TEST_WORKERS ?= auto
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
