# `make demo` and `make test` set everything up themselves (virtual environment, install).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_DIR ?= .drm-demo

.PHONY: demo demo-pg test fuzz bench bench-pg clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	@env -u DRM_BROKER_URL -u DRM_DATABASE_URL DRM_DATA_DIR=$(DEMO_DIR) \
		DRM_HOSTNAME=FSServer BIN=$(BIN) sh infra/demo.sh

# issue 14 (pg-commands): needs the PostgreSQL server binaries and the postgres user
DEMO_PG_DIR ?= $(shell mktemp -d -u -t drm-demo-pg.XXXXXX)
demo-pg: $(STAMP)
	@env -u DRM_BROKER_URL -u DRM_DATABASE_URL DRM_DATA_DIR=$(DEMO_PG_DIR) \
		DRM_HOSTNAME=DBServer BIN=$(BIN) sh infra/demo-pg.sh

# Two workers (pytest-xdist): most tests wait on agent processes, brokers and disks, so two
# share two cores well; TEST_WORKERS=0 runs everything in one process.
TEST_WORKERS ?= 2
test: $(STAMP)
	@bash infra/test-services.sh
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)

# The hostile-input tests alone (raw bus messages, CLI argument lists, lab and export files,
# names), with many more examples than `make test` gives them.
FUZZ_EXAMPLES ?= 5000
fuzz: $(STAMP)
	@bash infra/test-services.sh
	DRM_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -k "fuzz or any or random or mutated" \
		tests/unit/reporting tests/unit/events tests/unit/trust tests/unit/cli \
		tests/unit/messaging tests/unit/config tests/integration/reporting

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.event_store_bench
	$(BIN)/python -m bench.array_bench
	$(BIN)/python -m bench.catalog_bench
	$(BIN)/python -m bench.auto_import_bench
	$(BIN)/python -m bench.tape_bench
	$(BIN)/python -m bench.report_bench
	$(BIN)/python -m bench.sql_restore_bench  # SQL restore + roll-forward (issue 13)
	$(BIN)/python -m bench.sql_freeze_bench --quick  # SQL freeze window (issue 13, sql-stories)

# issue 14: the issue's 1 GiB pgbench database beside pg_basebackup (needs the PostgreSQL
# binaries and the postgres user; about 10 minutes)
bench-pg: $(STAMP)
	$(BIN)/python -m bench.pg_bench --scale 70 --wal-seconds 300 --rounds 9 --restore-rounds 4

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .hypothesis
