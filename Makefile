# Buildstory — two promises: `make run` (demo on an embedded PostgreSQL) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
CHROMIUM ?= /usr/bin/chromium
NGINX ?= /usr/sbin/nginx
REDIS_SERVER ?= /usr/bin/redis-server
PGBOUNCER ?= /usr/sbin/pgbouncer
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)

.PHONY: run test install chromium nginx redis pgbouncer postgres clean-db bench bench-curve bench-fanout flags

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## make run — start the embedded PostgreSQL, migrate, seed the demo once, serve with gunicorn.
run: install postgres
	$(PY) -m buildstory serve

## make test — every test layer (domain, web, browser), TEST_WORKERS processes side by side
## (pytest-xdist, whole files per worker), each on its own private PostgreSQL cluster.
TEST_WORKERS ?= 2
test: install postgres chromium nginx redis pgbouncer node_modules/axe-core/axe.min.js
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile -p no:cacheprovider

# PostgreSQL server binaries (the embedded cluster uses them); Debian's package when root.
postgres:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib; \
	  else echo "PostgreSQL server not found: install it (sudo apt-get install postgresql postgresql-contrib) or set DATABASE_URL"; exit 1; fi; }

# axe-core for the accessibility checks of the browser tests (npm registry, pinned).
node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --silent

# Country flags vendored from flag-icons (npm, pinned): run when its version changes, then
# commit buildstory/static/flags/ (the app serves the committed files, no npm at runtime).
flags: install chromium node_modules/axe-core/axe.min.js
	$(PY) scripts/vendor_flags.py

# Debian's Chromium for the browser tests (Playwright cannot download browsers here).
chromium:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Chromium not found at $(CHROMIUM): install it (sudo apt-get install chromium) or set CHROMIUM=/path"; exit 1; fi; }

# Debian's nginx for the tests that run the app behind a real proxy (tests/deploy/); the
# tests start their own nginx on loopback, never the system service.
nginx:
	@test -x $(NGINX) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; \
	  else echo "nginx not found at $(NGINX): install it (sudo apt-get install nginx) or set NGINX=/path"; exit 1; fi; }

# Debian's redis-server and pgbouncer for the scale-out tests (tests/scale/): like nginx, the
# tests start their own on loopback, never the system services.
redis:
	@test -x $(REDIS_SERVER) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; \
	  else echo "redis-server not found at $(REDIS_SERVER): install it (sudo apt-get install redis-server) or set REDIS_SERVER=/path"; exit 1; fi; }

pgbouncer:
	@test -x $(PGBOUNCER) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer; \
	  else echo "pgbouncer not found at $(PGBOUNCER): install it (sudo apt-get install pgbouncer) or set PGBOUNCER=/path"; exit 1; fi; }

## make clean-db — stop the embedded cluster and delete its data (the demo is re-seeded next run).
clean-db: install
	$(PY) -m buildstory destroy

## make bench — 100k builders in a separate database, gunicorn + wrk on loopback (see README).
## SCALE=10k|100k|1m picks the size (one database per size, reused while it matches).
SCALE ?= 100k
bench: install postgres
	SCALE=$(SCALE) $(PY) bench/run.py

## make bench-curve — the three sizes one after the other: one table and an SVG chart.
bench-curve: install postgres
	$(PY) bench/curve.py

## make bench-fanout — "results published" to 150,000 registrants by real workers, pages measured meanwhile.
bench-fanout: install postgres
	$(PY) bench/fanout_scale.py
