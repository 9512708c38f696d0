# jitsi-on-demand. `make demo` runs the whole lifecycle locally; `make test` runs every check.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

DEV_BIN := target/debug
# The one build of the functions per run: every consumer runs or packs these binaries and none
# builds again (see `build`). The Terraform stream packs them into a folder of its own.
TERRAFORM_ZIPS := target/lambda-dev/terraform-moto

.PHONY: help setup build test test-rust test-local-stack test-terraform test-demo test-smoke test-browser fmt lint deploy smoke demo bench cost

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

setup: ## Install what the tests need (moto); checks Terraform and its offline provider
	@scripts/setup.sh

build: ## Build the functions and tests once (debug profile, reused by every test step)
	cargo build --workspace --bins --tests
	@scripts/check-build-stable.sh record

test: setup build lint ## Every check: unit, lifecycle against local AWS, Terraform, demo, start page in a browser
	@# Three streams side by side (each mostly waits on its local AWS); each target's output is shown when it ends.
	$(MAKE) --no-print-directory -j3 --output-sync=target test-rust test-terraform test-local-stack
	@scripts/check-build-stable.sh verify
	@echo "make test: all checks passed"

test-local-stack: ## The demo's run, make smoke against it, then the browser test (each applies the stack to its own local AWS)
	$(MAKE) --no-print-directory -j1 test-demo test-smoke test-browser

test-rust: ## Unit tests (Rust, and the local AWS's own); the handlers against the local AWS: lifecycle, race, fault and hostile-input suites (with figures); smoke's checks
	python3 -m unittest discover -s tests/local_aws
	@# Built already (make build): cargo needs no share of the streams' jobserver, whose descriptors make closes for it.
	env -u MAKEFLAGS cargo test --workspace -- --show-output --test-threads 4

test-terraform: ## fmt/validate/terraform test, apply+destroy against local AWS, checkov
	scripts/package-lambdas.sh $(DEV_BIN) $(TERRAFORM_ZIPS)
	scripts/terraform-check.sh
	scripts/terraform-moto.sh $(TERRAFORM_ZIPS)
	scripts/terraform-checkov.sh

deploy: ## Build release zips with cargo-lambda (ARCH=arm64|x86_64) and apply the stack to AWS (needs credentials)
	@scripts/deploy.sh

test-demo: ## The demo's smoke run (CI mode): idle → ready → idle through the built functions, nothing left
	DEMO_CI=1 scripts/demo.sh

test-smoke: ## make smoke end to end against the demo stack (local AWS, the functions, a Jitsi stand-in on loopback)
	DEMO_SMOKE=1 scripts/demo.sh

test-browser: ## The start page in headless Debian Chromium against the demo stack; screenshots in target/screenshots
	DEMO_BROWSER=1 scripts/demo.sh

smoke: build ## Prove the deployed stack works: start, a host and a guest join, stop, cost (ARGS="--keep", "--take-over", "--deadline 15m")
	@scripts/smoke.sh $(ARGS)

lint: ## Formatting of Rust and Terraform
	cargo fmt --all -- --check
	/usr/local/bin/terraform fmt -check -recursive terraform

fmt: ## Format Rust and Terraform
	cargo fmt --all
	/usr/local/bin/terraform fmt -recursive terraform

demo: build ## The whole lifecycle locally: Terraform on a local AWS, the functions, a live timeline (Ctrl-C ends)
	@scripts/demo.sh

bench: ## Measure the release functions locally: cold start, handler latency, size, memory, time to ready (not in make test)
	@scripts/bench.sh

cost: ## What the deployed configuration costs: idle month, meeting hour, typical month, vs the old design (ARGS="--json --meetings 30 …")
	@cargo run --quiet -p cost -- $(ARGS)
