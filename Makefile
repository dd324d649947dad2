# Two commands set everything up on a fresh machine with Python 3.11:
#   make build   venv + pinned install + the warehouse on DuckDB from the demo data
#   make test    every check: ruff and sqlfluff lint, dbt build (data + unit tests) on a test
#                database, pytest
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export DBT_PROFILES_DIR := $(CURDIR)/.dbt
# The published warehouse BI tools open; builds write a work file beside it and publish it
# only when every test passed (scripts/publish_warehouse.py).
WAREHOUSE ?= $(CURDIR)/warehouse.duckdb
export DBT_DUCKDB_PATH ?= $(WAREHOUSE)
# dbt writes its logs under target/ (one place to clean).
export DBT_LOG_PATH := $(CURDIR)/target/logs
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

TEST_DB := $(CURDIR)/target/test_warehouse.duckdb
LINT_DIR := $(CURDIR)/target/lint

.PHONY: help install build test test-clock lint lint-sql-contract lint-sql-connectors lint-sql-salesforce dbt-test pytest demo-data docs clean lock query chromium mf report bench postgres postgres-test

help:
	@echo "make build      set up .venv, build and test into a work file, publish warehouse.duckdb"
	@echo "                (incremental from the published file; FULL_REFRESH=1 from nothing;"
	@echo "                WAIT=1 waits for a build already running instead of stopping)"
	@echo "make test       ruff + sqlfluff lint, dbt build on a test database, pytest python_checks (PostgreSQL included)"
	@echo "make demo-data  regenerate data/demo (byte for byte): the raw contract, data/demo/stripe, hubspot and salesforce"
	@echo "make docs       dbt docs generate (target/index.html, target/static_index.html)"
	@echo "make report     target/kpi_report.html from the published warehouse"
	@echo "make bench      scale benchmark (SIZES=10000,100000,1000000)"
	@echo "make postgres-test  the PostgreSQL checks alone (also part of make test)"
	@echo "make spark-test     Spark in local mode: build the demo there, compare every mart with DuckDB"
	@echo "make compile-adapters  dbt parse + compile on Snowflake, BigQuery and Trino (no connection)"
	@echo "make query SQL=\"select ...\"   query warehouse.duckdb read-only"

$(STAMP): requirements.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	touch $(STAMP)

install: $(STAMP)

# The embedded DuckDB warehouse, whatever DBT_TARGET a shell exported (postgres_local.sh sets one).
# Incremental from the published file; one build at a time (a second one exits with 75).
build: $(STAMP)
	DBT_TARGET=duckdb $(BIN)/python -m scripts.publish_warehouse --published $(WAREHOUSE) \
		--parquet-dir $(CURDIR)/target/parquet $(if $(WAIT),--wait) $(if $(FULL_REFRESH),--full-refresh)

# pytest runs every check, the PostgreSQL ones included: a local server from Debian's packages is
# installed and started when none runs (scripts/postgres_local.sh). The DuckDB checks keep the
# duckdb target; the Postgres ones ask for theirs.
# make test times itself (lint to pytest) into target/make_test_seconds, which make bench reports.
test: test-clock lint dbt-test chromium
	env_file=$$(scripts/postgres_local.sh) && eval "$$env_file" && \
		DBT_TARGET=duckdb REVOPS_POSTGRES=1 REVOPS_TEST_WAREHOUSE=$(TEST_DB) \
		REVOPS_TEST_TARGET=$(CURDIR)/target REVOPS_REQUIRE_BROWSER=1 \
		$(BIN)/python -m pytest python_checks -n 2 --dist loadfile --durations=15
	@seconds=$$(( $$(date +%s) - $$(cat $(TEST_CLOCK)) )); \
		echo "$$seconds s, finished $$(date -u +%Y-%m-%dT%H:%M:%SZ)" > $(CURDIR)/target/make_test_seconds; \
		echo "make test took $$seconds s (target/make_test_seconds)"

TEST_CLOCK := $(CURDIR)/target/make_test_started
test-clock: $(STAMP)
	@mkdir -p $(CURDIR)/target && date +%s > $(TEST_CLOCK)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) --no-print-directory -j3 --output-sync=target $(SQL_LINTS)

# sqlfluff, three runs at once (each ends on its largest file alone), each with a dbt target and
# database of its own. The connector source adapters are enabled only with their shapes' vars.
SQL_LINTS := lint-sql-contract lint-sql-connectors lint-sql-salesforce
lint-sql-contract: LINT_ARGS := models tests analyses
lint-sql-connectors: LINT_ARGS := models/staging/billing/stripe models/staging/crm/hubspot \
	--config .sqlfluff-connectors
lint-sql-salesforce: LINT_ARGS := models/staging/crm/salesforce --config .sqlfluff-salesforce
$(SQL_LINTS): $(STAMP)
	mkdir -p $(LINT_DIR)/$@
	DBT_TARGET=duckdb DBT_DUCKDB_PATH=$(LINT_DIR)/$@/lint.duckdb DBT_TARGET_PATH=$(LINT_DIR)/$@ \
		DBT_LOG_PATH=$(LINT_DIR)/$@/logs $(BIN)/sqlfluff lint $(LINT_ARGS) --processes 2

dbt-test: $(STAMP)
	rm -f $(TEST_DB)
	DBT_TARGET=duckdb DBT_DUCKDB_PATH=$(TEST_DB) $(BIN)/dbt build
	DBT_TARGET=duckdb DBT_DUCKDB_PATH=$(TEST_DB) $(BIN)/dbt docs generate --static --no-compile

# Headless Chromium for the docs and report checks: Debian's package, installed when missing
# (needs root or sudo, as on CI).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# pytest alone builds its own temporary warehouse.
pytest: $(STAMP)
	$(BIN)/python -m pytest python_checks

demo-data: $(STAMP)
	$(BIN)/python -m generator.raw_data --out data/demo --seed 42 --shapes contract,fivetran_stripe,fivetran_hubspot,fivetran_salesforce

docs: $(STAMP)
	$(BIN)/dbt docs generate --static

# Not warehouse.duckdb.lock: a build waiting on it would otherwise run beside the next one.
clean:
	rm -rf target warehouse.duckdb warehouse.duckdb.wal warehouse.duckdb.building*

lock: $(STAMP)
	{ echo "# Full lock of requirements.txt, from 'pip freeze' in a fresh Python 3.11 venv."; \
	  echo "# Regenerate: make lock"; $(BIN)/python -m pip freeze; } > constraints.txt

# Ask the warehouse a question: make query SQL="select * from marts.kpi_mrr order by month desc limit 3"
SQL ?= select * from marts.kpi_mrr order by month desc limit 12
query: $(STAMP)
	$(BIN)/python -c "import duckdb, sys; duckdb.connect(sys.argv[1], read_only=True).sql(sys.argv[2]).show(max_rows=100)" "$(DBT_DUCKDB_PATH)" "$(SQL)"

# The scale benchmark: generate (or reuse) 10k, 100k and 1M customers as Parquet, time a full
# dbt build of each, print and write target/bench/results.{csv,md}. SIZES=10000,100000 for less.
SIZES ?= 10000,100000,1000000
bench: $(STAMP)
	$(BIN)/python bench/run_benchmark.py --sizes $(SIZES)

# PostgreSQL, tested for real: a local server from Debian's packages (started when none runs),
# the demo raw data loaded as an EL tool would, dbt build there, every mart compared with DuckDB's,
# and the read-only BI role's limits proven.
postgres: $(STAMP)
	env_file=$$(scripts/postgres_local.sh) && eval "$$env_file" && \
		$(BIN)/python -m scripts.load_raw_to_postgres --raw-dir data/demo && \
		DBT_TARGET=postgres $(BIN)/dbt build --vars '{raw_loaded_at_column: _loaded_at}'

postgres-test: $(STAMP)
	env_file=$$(scripts/postgres_local.sh) && eval "$$env_file" && \
		REVOPS_POSTGRES=1 $(BIN)/python -m pytest python_checks/test_postgres.py \
		python_checks/test_postgres_incremental.py python_checks/test_postgres_connectors.py -n 2 --dist loadfile

# Spark in local mode, tested for real: Java 17 from Debian's packages when missing, its own venv
# (.venv-spark, requirements-spark.txt), the demo raw data loaded as an EL tool would into a fresh
# warehouse and Derby metastore under target/spark, dbt build there (seeds, models, data and unit
# tests), and every mart compared with DuckDB's.
SPARK_VENV := .venv-spark
SPARK_BIN := $(SPARK_VENV)/bin
SPARK_STAMP := $(SPARK_VENV)/.installed
SPARK_DIR := $(CURDIR)/target/spark
SPARK_TARGET := $(SPARK_DIR)/dbt
.PHONY: java spark spark-test

$(SPARK_STAMP): requirements-spark.txt constraints.txt constraints-spark.txt
	$(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_BIN)/python -m pip install --quiet --upgrade pip
	$(SPARK_BIN)/python -m pip install --quiet -r requirements-spark.txt \
		-c constraints.txt -c constraints-spark.txt
	touch $(SPARK_STAMP)

java:
	@command -v java >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }

spark: java $(SPARK_STAMP)
	rm -rf $(SPARK_DIR)
	DBT_SPARK_DIR=$(SPARK_DIR) $(SPARK_BIN)/python -m scripts.load_raw_to_spark --raw-dir data/demo
	DBT_TARGET=spark DBT_SPARK_DIR=$(SPARK_DIR) DBT_TARGET_PATH=$(SPARK_TARGET) \
		DBT_LOG_PATH=$(SPARK_DIR)/logs \
		$(SPARK_BIN)/dbt build --vars '{raw_loaded_at_column: _loaded_at}'

spark-test: spark
	REVOPS_SPARK=1 REVOPS_SPARK_DIR=$(SPARK_DIR) REVOPS_SPARK_TARGET=$(SPARK_TARGET) \
		$(SPARK_BIN)/python -m pytest python_checks/test_spark.py

# The KPI report (self-contained HTML) from the published warehouse.
report: $(STAMP)
	$(BIN)/python -m scripts.kpi_report --warehouse $(WAREHOUSE) --out $(CURDIR)/target/kpi_report.html

# MetricFlow on the published warehouse: make mf ARGS="query --metrics mrr --group-by metric_time__month"
mf: $(STAMP)
	$(BIN)/mf $(ARGS)

# Snowflake, BigQuery and Trino, compile-checked without a warehouse: a venv of its own with the
# three adapters (.venv-adapters), then for each adapter dbt parse and dbt compile (no connection)
# and checks of the compiled SQL (python_checks/test_adapters_compile.py). The compiled SQL is
# kept in target/adapters/<adapter>/compiled for review.
ADAPTERS_VENV := .venv-adapters
ADAPTERS_STAMP := $(ADAPTERS_VENV)/.installed

$(ADAPTERS_STAMP): requirements.txt constraints.txt requirements-adapters.txt constraints-adapters.txt
	$(PYTHON) -m venv $(ADAPTERS_VENV)
	$(ADAPTERS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(ADAPTERS_VENV)/bin/python -m pip install --quiet -r requirements-adapters.txt \
		-c constraints.txt -c constraints-adapters.txt
	touch $(ADAPTERS_STAMP)

.PHONY: compile-adapters lock-adapters
compile-adapters: $(ADAPTERS_STAMP)
	REVOPS_ADAPTERS=1 REVOPS_REQUIRE_ADAPTERS=1 REVOPS_ADAPTERS_TARGET=$(CURDIR)/target/adapters \
		$(ADAPTERS_VENV)/bin/python -m pytest python_checks/test_adapters_compile.py -v -s

lock-adapters: $(ADAPTERS_STAMP)
	{ echo "# Lock of the packages requirements-adapters.txt adds to constraints.txt (every other package is"; \
	  echo "# pinned there), from 'pip freeze' in a fresh Python 3.11 venv. Regenerate: make lock-adapters"; \
	  $(ADAPTERS_VENV)/bin/python -m pip freeze | awk -F'==' \
		'NR==FNR { if ($$0 ~ /==/) base[tolower($$1)]; next } /==/ && !(tolower($$1) in base)' \
		constraints.txt -; } > constraints-adapters.txt
