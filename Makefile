# Houvast: `make run` serves the app, `make test` runs every test. Both set everything up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PO := $(wildcard locales/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)
CHROMIUM ?= /usr/bin/chromium
CHROMIUM_SHELL ?= /usr/bin/chromium-headless-shell

.PHONY: run test lint catalogs extract chromium engines operations bench bench-tools clean wheel

run: $(VENV)/.installed catalogs node_modules/.installed
	$(BIN)/houvast serve

# Two pytest workers: much of a browser or crash test is waiting on another process, so two
# keep both cores of a small machine busy. Every test owns its ports, folders and schemas.
test: $(VENV)/.installed catalogs chromium engines operations
	$(BIN)/ruff check .
	$(BIN)/mypy
	node --test tests/js/
	$(BIN)/pytest -n 2 --durations=10

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

catalogs: $(MO)

# The package an operator installs (docs/deployment.md): dist/houvast-<version>-py3-none-any.whl,
# with the exercises, compiled catalogs, the app's files (minified by esbuild) and migrations
# inside (setup.py). Built afresh: setuptools would otherwise ship what build/ kept.
wheel: $(VENV)/.installed node_modules/.installed
	rm -rf build dist
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir dist .
	@ls dist/*.whl

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --domain messages --input-file $< --output-file $@ --locale $*

# After changing texts in templates, code or exercises: refresh the template and both catalogs,
# then translate what is new in locales/nl (English is the source language and fills itself).
extract: $(VENV)/.installed
	$(BIN)/pybabel extract --mapping-file babel.cfg --output-file locales/messages.pot \
		--project Houvast --copyright-holder "Houvast" --add-comments Translators: \
		--sort-by-file --width 100 .
	$(BIN)/pybabel update --input-file locales/messages.pot --output-dir locales \
		--domain messages --no-fuzzy-matching --ignore-obsolete --width 100
	$(BIN)/python -m server.catalogs fill-english

# Debian's Chromium drives the browser tests; Playwright's own browser download does not work here.
# Most run in its headless shell (tests/browser/conftest.py): half the processor time per page.
chromium:
	@test -x $(CHROMIUM) && test -x $(CHROMIUM_SHELL) || \
		{ apt-get update -qq && apt-get install -y -qq chromium chromium-headless-shell; }

# esbuild minifies the served scripts and styles (server/minify.py).
# WebKit and Firefox for tests/engines: Debian's WebKitGTK driver (under Xvfb) and firefox-esr,
# which npm's puppeteer-core drives over WebDriver BiDi (it downloads no browser of its own).
engines: node_modules/.installed
	@test -x /usr/bin/WebKitWebDriver && test -x /usr/bin/Xvfb && test -x /usr/bin/firefox-esr || \
		{ apt-get update -qq && apt-get install -y -qq webkit2gtk-driver xvfb firefox-esr; }

# What checks the files an operator installs: systemd-analyze the units (tests/test_units.py),
# pg_dump and pg_restore a backup as the shipped timer makes it (tests/test_operations.py),
# promtool the alerts (tests/test_alerts.py; Debian's prometheus package, not started here),
# nginx and HAProxy the shipped proxy configurations (tests/test_proxies.py, test_haproxy.py).
operations:
	@test -x /usr/bin/systemd-analyze && test -x /usr/bin/pg_dump && test -x /usr/bin/promtool \
		&& test -x /usr/sbin/nginx && test -x /usr/sbin/haproxy && test -x /usr/bin/caddy \
		|| { apt-get update -qq && \
		apt-get install -y -qq systemd postgresql-client prometheus nginx haproxy caddy; }

node_modules/.installed: package.json package-lock.json
	PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf $(VENV) $(MO) test-output .pytest_cache .ruff_cache node_modules build dist

# The page-serving benchmark compares with Debian's nginx, measured by Debian's wrk.
bench-tools:
	@command -v wrk >/dev/null && test -x /usr/sbin/nginx || { apt-get update -qq && apt-get install -y -qq nginx wrk; }

bench: $(VENV)/.installed catalogs chromium bench-tools node_modules/.installed
	$(BIN)/python bench/precache_size.py
	$(BIN)/python bench/set_link_size.py
	$(BIN)/python bench/player_timing.py
	$(BIN)/python bench/track_start.py
	$(BIN)/python bench/lighthouse.py
	$(BIN)/python bench/dispatch.py
	$(BIN)/python bench/transactions.py
	$(BIN)/python bench/pages.py
