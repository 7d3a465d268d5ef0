# cognito-guard build, test and packaging entry points.
#
# `sam build` calls build-<LogicalId> with ARTIFACTS_DIR set (BuildMethod: makefile, CodeUri: .), so
# the whole module - and with it pkg/ - is visible to the build. Everything else is for people and CI.

GO          ?= go
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
CFN_LINT    ?= cfn-lint
DIST        ?= dist
FUZZTIME    ?= 20s
BENCHTIME   ?= 1s
# Packages whose fuzz targets `make fuzz` runs (every Fuzz* function in each, one at a time:
# go test -fuzz accepts only one target per run).
FUZZ_PKGS   ?= ./pkg/policy ./internal/trigger ./internal/lazyendpoints

# The deployed binary: Lambda arm64 (Graviton), static, stripped, and without aws-lambda-go's
# legacy net/rpc mode that only the retired go1.x runtime used.
LAMBDA_ENV   := GOOS=linux GOARCH=arm64 CGO_ENABLED=0
LAMBDA_FLAGS := -trimpath -ldflags "-s -w" -tags lambda.norpc

.DEFAULT_GOAL := build
.PHONY: build build-RemediateFunction build-AuditFunction test test-go fmt-check vet staticcheck cfn-lint lint \
	demo bench bench-go bench-cmd fuzz conformance clean

# lambda_build builds package $(1) into $(ARTIFACTS_DIR)/bootstrap. internal/tools/lazyendpoints
# first writes, into .lazyendpoints/<function> (removed after the build), a copy of each AWS SDK
# service module the function links with its legacy endpoint table built on first use instead of at
# package init (about 1.3 ms of each cold start; internal/lazyendpoints), and a go.mod replacing the
# SDK's with them; go build reads that go.mod (-modfile). The directory's name is fixed so that the
# same source builds the same binary (its build information records the replacements). A module
# the tool does not recognise is built as the SDK ships it, with a warning.
define lambda_build
	$(if $(ARTIFACTS_DIR),,$(error ARTIFACTS_DIR is not set; sam build sets it, or run `make build`))
	@tmp=".lazyendpoints/$(notdir $(1))" && rm -rf "$$tmp" && trap 'rm -rf "$$tmp"; rmdir .lazyendpoints 2>/dev/null || :' EXIT && \
	modfile="$$($(GO) run ./internal/tools/lazyendpoints -o "$$tmp" -goos linux -goarch arm64 -- -tags lambda.norpc $(1))" && \
	echo '$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -modfile <lazyendpoints>/go.mod -o $(ARTIFACTS_DIR)/bootstrap $(1)' && \
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -modfile "$$modfile" -o $(ARTIFACTS_DIR)/bootstrap $(1)
endef

build-RemediateFunction:
	$(call lambda_build,./functions/remediate)

build-AuditFunction:
	$(call lambda_build,./functions/audit)

# Both bootstraps laid out like .aws-sam/build: dist/<LogicalId>/bootstrap.
build:
	$(MAKE) --no-print-directory build-RemediateFunction ARTIFACTS_DIR=$(abspath $(DIST))/RemediateFunction
	$(MAKE) --no-print-directory build-AuditFunction ARTIFACTS_DIR=$(abspath $(DIST))/AuditFunction
	@ls -l $(DIST)/*/bootstrap

# Everything: static checks, then unit, fuzz seed corpus, emulator, template and end-to-end (RIE)
# tests. The template tests run cfn-lint and moto when present and skip them otherwise; the output
# ends with every skipped test and its reason (internal/tools/testsummary), then the counts.
# Every step runs even if an earlier one fails, so one CI run reports every problem; the target
# fails if any step did.
test:
	@status=0; \
	$(MAKE) --no-print-directory fmt-check || status=1; \
	$(MAKE) --no-print-directory vet || status=1; \
	$(MAKE) --no-print-directory staticcheck || status=1; \
	$(MAKE) --no-print-directory test-go || status=1; \
	if [ $$status -ne 0 ]; then echo "make test: FAILED (see above)"; fi; \
	exit $$status

# go test ./... as a plain run prints it, plus the skipped tests and a count. Fails if go test
# failed or the summary saw a failure (sh has no pipefail: go test's status goes through a file).
GOTEST_FLAGS ?=
test-go:
	@rc="$$(mktemp)"; echo "$(GO) test $(GOTEST_FLAGS) ./..."; \
	$(GO) build -o "$$rc.summary" ./internal/tools/testsummary || exit 1; \
	{ $(GO) test -json $(GOTEST_FLAGS) ./... 2>&1; echo $$? > "$$rc"; } | "$$rc.summary"; sum=$$?; \
	st="$$(cat "$$rc")"; rm -f "$$rc" "$$rc.summary"; \
	[ "$$st" = 0 ] && [ $$sum = 0 ]

fmt-check:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(STATICCHECK) ./...

# cfn-lint is a Python tool; .ci/run installs it on a fresh machine. Locally a missing cfn-lint is a
# warning, in CI (CI=true) an error.
cfn-lint:
	@if command -v $(CFN_LINT) >/dev/null 2>&1; then \
		echo "$(CFN_LINT) template.yaml"; $(CFN_LINT) template.yaml; \
	elif [ "$$CI" = "true" ]; then \
		echo "cfn-lint not found (CI=true): install it (pip install cfn-lint, or apt-get install cfn-lint)"; exit 1; \
	else \
		echo "SKIPPED cfn-lint: not installed (pip install cfn-lint, or apt-get install cfn-lint)"; \
	fi

lint: fmt-check vet staticcheck cfn-lint

# No AWS account needed: local Cognito+SSM emulator, a drifted client, the real bootstrap under the RIE.
demo:
	$(GO) run ./cmd/demo

# The parity suite (internal/parity) against a real AWS account as well as the emulator, e.g.
# AWS_PROFILE=sandbox make conformance. It creates ONE throwaway user pool
# (cognito-guard-parity-<time>-<random>) in the credentials' account and Region, works only inside it,
# deletes it at the end (also on Ctrl-C), and writes CONFORMANCE_REPORT. Costs nothing beyond API calls.
# `make test` runs the same suite against the emulator only.
CONFORMANCE_REPORT ?= conformance-report.md
conformance:
	COGNITO_GUARD_CONFORMANCE=real COGNITO_GUARD_CONFORMANCE_CONFIRM=create-and-delete-one-user-pool \
	COGNITO_GUARD_CONFORMANCE_REPORT=$(abspath $(CONFORMANCE_REPORT)) \
		$(GO) test -count=1 -timeout 40m -v -run 'TestParity' ./internal/parity

# `make bench` = bench-go + bench-cmd. bench-go: Go benchmarks of every package that has any (cold
# start and warm invoke through the RIE, encoders, ...). bench-cmd: every benchmark command under
# cmd/ (cmd/bench, cmd/*bench such as cmd/auditbench, which takes minutes at its defaults), each
# with BENCH_CMD_FLAGS, e.g. make bench-cmd BENCH_CMD_FLAGS='-clients 1000 -pools 10'.
BENCH_CMD_FLAGS ?=
bench: bench-go bench-cmd

bench-go:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) \
		$$(grep -rl --include='*_test.go' '^func Benchmark' . | xargs -r -n1 dirname | sort -u)

bench-cmd:
	@for d in $(wildcard cmd/bench cmd/*bench); do \
		if ls $$d/*.go >/dev/null 2>&1; then \
			echo "$(GO) run ./$$d $(BENCH_CMD_FLAGS)"; $(GO) run ./$$d $(BENCH_CMD_FLAGS) || exit 1; \
		fi; \
	done

# Each fuzz target for FUZZTIME. New crashers land in the package's testdata/fuzz/ and then run as
# ordinary seed-corpus tests under `make test`.
fuzz:
	@set -e; for pkg in $(FUZZ_PKGS); do \
		targets="$$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true)"; \
		if [ -z "$$targets" ]; then echo "no fuzz targets in $$pkg"; continue; fi; \
		for t in $$targets; do \
			echo "$(GO) test -run '^$$' -fuzz '^'$$t'$$' -fuzztime $(FUZZTIME) $$pkg"; \
			$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

# Also removes the bootstraps internal/testkit/rie caches next to the Go build cache.
clean:
	rm -rf $(DIST) .aws-sam .lazyendpoints
	rm -rf "$$(dirname "$$($(GO) env GOCACHE)")/cognito-guard-lambdatest"
