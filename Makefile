# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := shared services/gateway services/sync-worker services/analytics-worker deploy/partner-api-sim deploy/devstack
STAMP := $(VENV)/.installed

install-chromium:
	@{ command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } || { \
	  echo "chromium/chromedriver not found (the GraphiQL browser test needs them): installing with apt-get"; \
	  SUDO=$$(command -v sudo >/dev/null 2>&1 && [ "$$(id -u)" != 0 ] && echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

.PHONY: install install-redis install-chromium run test test-fast check fix bench lint compose-check clean web web-test

# The web console (web/): npm ci from the committed lock (no download addresses in it), then codegen + tsc + vite.
WEB_DEPS := web/node_modules/.installed
WEB_BUILT := web/dist/index.html
WEB_SOURCES := $(shell find web/src -type f -not -path '*/__generated__/*' 2>/dev/null) web/index.html \
  web/schema.graphql web/vite.config.ts web/codegen.ts web/tsconfig.json

$(WEB_DEPS): web/package.json web/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm not found: install Node.js 20 and npm (apt-get install nodejs npm)"; exit 1; }
	@echo "installing the console's npm packages (log: web/npm-install.log)"
	@cd web && { npm ci --no-audit --no-fund > npm-install.log 2>&1 || { tail -30 npm-install.log; exit 1; }; }
	touch $(WEB_DEPS)

$(WEB_BUILT): $(WEB_DEPS) $(WEB_SOURCES)
	@echo "building the web console (web/dist)"
	@cd web && { npm run build > build.log 2>&1 || { tail -40 build.log; exit 1; }; }

web: $(WEB_BUILT)

web-test: $(WEB_DEPS)
	cd web && npx vitest run

$(STAMP): requirements.txt requirements-runtime.txt $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing pinned dependencies into $(VENV) (log: $(VENV)/install.log)"
	@{ $(BIN)/python -m pip install --upgrade pip \
	   && $(BIN)/python -m pip install -r requirements.txt \
	   && $(BIN)/python -m pip install --no-deps $(foreach p,$(PACKAGES),-e $(p)); } > $(VENV)/install.log 2>&1 \
	   || { tail -40 $(VENV)/install.log; exit 1; }
	touch $(STAMP)

install: $(STAMP) install-redis

# A fresh machine has no redis-server: install Debian's package when missing.
install-redis:
	@command -v redis-server >/dev/null 2>&1 || { \
	  echo "redis-server not found: installing it with apt-get"; \
	  SUDO=$$(command -v sudo >/dev/null 2>&1 && [ "$$(id -u)" != 0 ] && echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server; }

run: install web
	$(BIN)/python -m crm_devstack run

test: install install-chromium web web-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The pure tests only: no SecantusDB, Redis, simulator, browser or npm package is needed; seconds.
test-fast: install
	$(BIN)/python -m pytest -m "not services and not web" -p no:cacheprovider -q $(PYTEST_ARGS)

# Lint (ruff, import order included) and types (mypy strict on crm_shared); .ci/run runs it before the tests.
check: install
	$(BIN)/python -m ruff check .
	$(BIN)/python -m mypy shared/crm_shared

# Apply ruff's safe fixes (import order, ...).
fix: install
	$(BIN)/python -m ruff check --fix .

bench: install
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

lint: check

compose-check:
	docker-compose -f docker-compose.yml config -q

clean:
	rm -rf $(VENV) .data web/node_modules web/dist web/src/__generated__
