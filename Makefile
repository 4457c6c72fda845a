# Two commands for a fresh machine: `make run` (the demo service) and `make test` (the suite).
VENV   := .venv
PYTHON ?= python3
STAMP  := $(VENV)/.installed

.PHONY: run test bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	@touch $(STAMP)

# SQLite at ./var/varsel.db, demo organisations, keys and reports; API and scheduler together.
# The demo lets webhooks reach loopback and private addresses (a receiver on this laptop, as in
# the README); cloud metadata addresses stay refused. Production leaves this false.
run: export VARSEL_WEBHOOK_ALLOW_PRIVATE ?= true
run: $(STAMP)
	@echo "demo: VARSEL_WEBHOOK_ALLOW_PRIVATE=$$VARSEL_WEBHOOK_ALLOW_PRIVATE (webhook receivers on loopback allowed)"
	$(VENV)/bin/varsel migrate
	$(VENV)/bin/varsel seed-demo
	@$(VENV)/bin/varsel worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/varsel serve --host $${VARSEL_HOST:-127.0.0.1} --port $${VARSEL_PORT:-8000}

# The whole suite on SQLite, and again on PostgreSQL when VARSEL_TEST_POSTGRES_URL is set.
test: $(STAMP)
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(VENV)/bin/python bench/ingest.py

clean:
	rm -rf $(VENV) var build *.egg-info
