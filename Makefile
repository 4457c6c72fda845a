# Two commands for a fresh machine: `make run` (the demo service) and `make test` (the suite).
VENV   := .venv
PYTHON ?= python3
STAMP  := $(VENV)/.installed
# Every package with its version and hashes: runtime and the `test` extra (requirements.lock), the
# runtime alone for the container (requirements-runtime.lock, the same versions). `make lock` after
# changing dependencies in pyproject.toml; a changed lock reinstalls through the stamp.
LOCK         := requirements.lock
RUNTIME_LOCK := requirements-runtime.lock
# uv resolves the locks from its own virtualenv, never from the service's.
LOCK_TOOLS   := build/lock-tools
UV_VERSION   := 0.13.9
UV_COMPILE    = $(LOCK_TOOLS)/bin/uv pip compile pyproject.toml --quiet --generate-hashes --universal \
                --python-version 3.11 --custom-compile-command 'make lock'

.PHONY: run test lint bench clean lock web-assets browser

# The pages' npm assets (htmx, JSME, ReDoc), installed from service/web/package-lock.json and
# copied to service/web/static/vendor, which the app serves: no CDN at run time.
WEB        := service/web
WEB_VENDOR := $(WEB)/static/vendor/.installed
$(WEB_VENDOR): $(WEB)/package.json $(WEB)/package-lock.json $(WEB)/vendor.mjs
	@command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
	cd $(WEB) && npm ci --ignore-scripts --no-audit --no-fund && npm run --silent vendor
	@touch $@

web-assets: $(WEB_VENDOR)

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
browser:
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(VENV)/bin/pip install -q --require-hashes -r $(LOCK)
	$(VENV)/bin/pip install -q --no-deps -e .
	@touch $(STAMP)

lock:
	@test -x $(LOCK_TOOLS)/bin/uv || { $(PYTHON) -m venv $(LOCK_TOOLS) && $(LOCK_TOOLS)/bin/pip install -q uv==$(UV_VERSION); }
	$(UV_COMPILE) --extra test --output-file $(LOCK)
	$(UV_COMPILE) --constraints $(LOCK) --output-file $(RUNTIME_LOCK)

# SQLite at ./var/varsel.db, demo organisations, keys and reports; API and scheduler together.
# The demo lets webhooks reach loopback and private addresses (a receiver on this laptop, as in
# the README); cloud metadata addresses stay refused. Production leaves this false.
run: export VARSEL_WEBHOOK_ALLOW_PRIVATE ?= true
run: $(STAMP) $(WEB_VENDOR)
	@echo "demo: VARSEL_WEBHOOK_ALLOW_PRIVATE=$$VARSEL_WEBHOOK_ALLOW_PRIVATE (webhook receivers on loopback allowed)"
	$(VENV)/bin/varsel migrate
	$(VENV)/bin/varsel seed-demo
	@$(VENV)/bin/varsel worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/varsel serve --host $${VARSEL_HOST:-127.0.0.1} --port $${VARSEL_PORT:-8000}

# The whole suite on SQLite, and again on PostgreSQL when VARSEL_TEST_POSTGRES_URL is set.
test: $(STAMP) $(WEB_VENDOR) browser
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# ruff (lint and format) over the whole tree; mypy over the packages [tool.mypy] lists.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(VENV)/bin/python bench/ingest.py

clean:
	rm -rf $(VENV) var build *.egg-info $(WEB)/node_modules $(WEB)/static/vendor
