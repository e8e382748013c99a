# tenantcore developer tasks. Run `make` (or `make help`) to list them.
#
# Targets that need PostgreSQL get DATABASE_URL from bootstrap/dev/postgres.sh
# (which honours an already exported DATABASE_URL), so `make help` and
# `make build` never start a database.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules --no-print-directory

GOLANGCI_LINT_VERSION := v2.15.0

BIN_DIR        := bin
APP            := $(BIN_DIR)/tenantcore
GOLANGCI_LINT  := $(BIN_DIR)/golangci-lint
MAIN_PKG       := ./bootstrap/cmd/tenantcore
MIGRATIONS_DIR := migrations
PG_URL         := bootstrap/dev/postgres.sh
CITUS_URL_SH   := bootstrap/dev/citus.sh

# What the Citus phase runs on a coordinator with two workers: every test that talks to
# PostgreSQL (the distribution rules and the Citus self-check, the schema invariants, the isolation
# suites, the stores, the jobs, the end-to-end and adversarial suites), then the persistence
# packages again with the application filter compiled out (RLS alone, on the workers' shards).
# Without the race detector: the direct pass has it; here the cluster is what is under test.
CITUS_PKGS := ./adapters/postgres/... ./bootstrap/ ./bootstrap/cmd/tenantcore/

# Tests that talk to PostgreSQL only directly (migrations, plans, outages through their own proxy,
# process signals): the PgBouncer phase would run them a second time for nothing.
DIRECT_ONLY_TESTS := TestScopedStatementsUseTenantLedIndex|TestSchemaInvariants|TestDatabaseOutage|TestGracefulShutdownDrainsInFlight|TestServeExitsZeroOnSIGTERM|TestServeRefusesUnsafeDatabase|TestOneSIGTERMDuringStartStopsServe|TestServeRefusesOutOfRangeConfiguration|TestCommandLinesAreReadWhole|TestMigrateDownKeepsJobsStillToRun|TestJobCommandsInspectADeactivatedTenant|TestPgBouncerScriptSkipsTakenPorts|TestCanceledStatementSendsNoCancelRequest

# Go files checked by gofmt (testdata holds fixtures, .data the local database).
GO_FILES = find . \( -path ./.git -o -path ./$(BIN_DIR) -o -path ./.data -o -name testdata -o -name vendor \) -prune \
	-o -type f -name '*.go' -print0

.PHONY: help build run test test-pgbouncer test-citus scaffold-check lint fmt tools migrate-up migrate-down migrate-status migrate-new bench ci clean

help: ## List the targets
	@echo "Usage: make <target>"
	@echo
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z0-9_-]+:.*## / { printf "  %-16s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

build: ## Build bin/tenantcore
	go build -o $(APP) $(MAIN_PKG)

run: build ## Create the database, apply migrations and serve
	url=$$($(PG_URL)); \
	export DATABASE_URL=$$url; \
	$(APP) db create; \
	$(APP) migrate up; \
	exec $(APP) serve

test: ## Run all tests with the race detector against PostgreSQL, then again through PgBouncer
	@url=$$($(PG_URL)); \
	export DATABASE_URL=$$url; \
	go test -race -count=1 -timeout 10m ./...; \
	echo "==> isolation suite again, with the application filter compiled out (RLS alone)"; \
	go test -race -count=1 -timeout 5m -tags tenantcore_nofilter ./adapters/postgres/...
	@$(MAKE) test-pgbouncer
	@if [[ -n $${CITUS_URL:-} ]]; then \
		$(MAKE) test-citus; \
	elif reason=$$($(CITUS_URL_SH) available 2>&1); then \
		echo "==> Citus phase skipped: CITUS_URL is not set (make test-citus starts a local coordinator and two workers)"; \
	else \
		echo "==> Citus phase skipped: $${reason#citus.sh: }"; \
	fi

test-pgbouncer: ## The isolation, end-to-end and adversarial suites through PgBouncer (transaction mode)
	@url=$$($(PG_URL)); \
	export DATABASE_URL=$$url; \
	if ! command -v pgbouncer >/dev/null 2>&1; then \
		if [[ -n "$${CI:-}" ]]; then echo "pgbouncer is not installed; CI needs it (apt-get install pgbouncer)" >&2; exit 1; fi; \
		echo "==> PgBouncer phase skipped: pgbouncer is not installed (Debian: apt-get install pgbouncer)"; \
		exit 0; \
	fi; \
	export PGBOUNCER_STATE=$$(mktemp); \
	addr=$$(bootstrap/dev/pgbouncer.sh start) || { echo "==> PgBouncer phase not run: pgbouncer did not start (its reason is above)" >&2; exit 1; }; \
	trap 'bootstrap/dev/pgbouncer.sh stop' EXIT; \
	export TENANTCORE_TEST_POOLER=$$addr; \
	echo "==> through PgBouncer at $$addr: isolation suites (both walls, filter alone; RLS alone)"; \
	go test -race -count=1 -timeout 10m -skip '$(DIRECT_ONLY_TESTS)' ./adapters/postgres/...; \
	go test -race -count=1 -timeout 5m -tags tenantcore_nofilter -skip '$(DIRECT_ONLY_TESTS)' ./adapters/postgres/...; \
	echo "==> through PgBouncer: end-to-end and adversarial suites, 2,000-request load with 40 watching sessions, cancellations with backend terminations, a pooler crash"; \
	go test -count=1 -timeout 10m -skip '$(DIRECT_ONLY_TESTS)' ./bootstrap/ ./bootstrap/cmd/tenantcore/

test-citus: ## Run the Citus phase: CITUS_URL's cluster, or a local coordinator and two workers
	@url=$$($(CITUS_URL_SH)); \
	echo "==> Citus phase on $$url"; \
	DATABASE_URL=$$url go test -count=1 -timeout 20m $(CITUS_PKGS); \
	echo "==> Citus: the persistence packages with the application filter compiled out (RLS alone)"; \
	DATABASE_URL=$$url go test -count=1 -timeout 20m -tags tenantcore_nofilter ./adapters/postgres/...

scaffold-check: tools ## Generate a feature into a copy of the module; lint, arch test, its tests and the route walk on it
	@url=$$($(PG_URL)); \
	export DATABASE_URL=$$url; \
	SCAFFOLD_CHECK=1 go test -count=1 -timeout 20m -run 'TestGeneratedFeaturePassesItsChecks' -v ./bootstrap/scaffold/

lint: tools ## Check formatting, go vet, the tenant isolation analyzer and golangci-lint
	@echo "==> gofmt"
	@unformatted=$$($(GO_FILES) | xargs -0 -r gofmt -s -l); \
	if [[ -n $$unformatted ]]; then \
		echo "These files need formatting (run: make fmt):"; \
		echo "$$unformatted"; \
		exit 1; \
	fi
	@echo "==> go vet"
	go vet ./...
	@echo "==> tenantlint (tenant isolation rules, architecture/tenantlint)"
	go run ./architecture/tenantlint/cmd/tenantlint ./...
	go run ./architecture/tenantlint/cmd/tenantlint -tags tenantcore_nofilter ./adapters/postgres/...
	@echo "==> golangci-lint"
	$(GOLANGCI_LINT) run ./...

fmt: tools ## Format the code (gofmt -s, goimports)
	$(GO_FILES) | xargs -0 -r gofmt -s -w
	$(GOLANGCI_LINT) fmt ./...

tools: ## Install the pinned golangci-lint into ./bin (only if missing or another version)
	@if [[ "$$($(GOLANGCI_LINT) version --short 2>/dev/null || true)" != "$(GOLANGCI_LINT_VERSION:v%=%)" ]]; then \
		echo "==> installing golangci-lint $(GOLANGCI_LINT_VERSION) into $(BIN_DIR)/"; \
		GOBIN=$(CURDIR)/$(BIN_DIR) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION); \
	fi

migrate-up: build ## Apply all pending migrations
	url=$$($(PG_URL)); DATABASE_URL=$$url $(APP) migrate up

migrate-down: build ## Roll back the last migration
	url=$$($(PG_URL)); DATABASE_URL=$$url $(APP) migrate down

migrate-status: build ## Show the migration status
	url=$$($(PG_URL)); DATABASE_URL=$$url $(APP) migrate status

migrate-new: ## Create migrations/NNNNN_<name>.sql (NAME=add_something)
	@[[ -n "$(NAME)" ]] || { echo "usage: make migrate-new NAME=add_something" >&2; exit 1; }
	@mkdir -p $(MIGRATIONS_DIR)
	@name=$$(printf '%s' '$(NAME)' | tr '[:upper:] -' '[:lower:]__' | tr -cd 'a-z0-9_'); \
	[[ -n $$name ]] || { echo "NAME must contain letters or digits" >&2; exit 1; }; \
	last=$$(ls -1 $(MIGRATIONS_DIR) | sed -n 's/^\([0-9]\{5\}\)_.*\.sql$$/\1/p' | sort -n | tail -n 1); \
	file=$(MIGRATIONS_DIR)/$$(printf '%05d' $$((10#$${last:-0} + 1)))_$$name.sql; \
	printf -- '-- +goose Up\n\n-- +goose Down\n' > "$$file"; \
	echo "created $$file"

bench: ## Micro-benchmarks, then the load runs (full stack vs baseline, tracing overhead, pool sizes, PgBouncer, Citus, 10 vs 10,000 tenants)
	@url=$$($(PG_URL)); \
	export DATABASE_URL=$$url; \
	if citus=$$($(CITUS_URL_SH) 2>/dev/null); then export CITUS_URL=$$citus; \
	else echo "==> no Citus to compare with: BenchmarkCitusVersusDirect will skip (set CITUS_URL or install the extension)"; fi; \
	echo "==> micro-benchmarks"; \
	go test -run '^$$' -bench . -benchmem -skip 'FullStack|TenantScale|PoolSize|ThroughPgBouncer|CitusVersusDirect|TenantData|TracingOverhead' ./...; \
	echo "==> tenant data: export and import at 10,000 and 1,000,000 rows, erasure of 100,000 rows under load"; \
	go test -run '^$$' -bench 'TenantData' -benchtime 1x -timeout 60m ./adapters/postgres/tenantdata/; \
	echo "==> load: full stack vs hand-written baseline, tracing overhead, pool sizes, PgBouncer, Citus, and tenant scale"; \
	go test -run '^$$' -bench 'FullStack|TracingOverhead|PoolSize|ThroughPgBouncer|CitusVersusDirect|TenantScale' -benchtime 1x -timeout 30m ./bootstrap/loadbench/

ci: ## Run lint, then test (what .ci/run does once PostgreSQL is up)
	$(MAKE) lint
	$(MAKE) test

clean: ## Remove build and test artifacts (keeps bin/golangci-lint and .data)
	rm -f $(APP)
	find . \( -path ./.git -o -path ./.data \) -prune -o -type f \
		\( -name '*.test' -o -name '*.out' -o -name '*.pprof' -o -name 'coverage*.html' \) -print -delete
