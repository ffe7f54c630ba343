SHELL := /bin/bash
# bayskills — see README.md.
GO      ?= go
BIN     := bin/bayskills
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
FUZZTIME ?= 20s
FUZZJOBS ?= 2

.PHONY: run build test vet fuzz bench load clean

## run: build and start the server with the demo event in ./data
run: build
	BAYSKILLS_DEMO=true ./$(BIN) serve

## build: a static binary in bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

## test: vet, then every test with the race detector
test: vet
	$(GO) test -race -count=1 ./...

vet:
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...

## fuzz: run every fuzz target for FUZZTIME each, FUZZJOBS at a time
fuzz:
	FUZZTIME=$(FUZZTIME) JOBS=$(FUZZJOBS) GO=$(GO) tools/fuzz.sh

## bench: every Go benchmark, the load tools, the soak run and the page weights; rewrites the generated tables in BENCHMARKS.md (40+ min; BENCH_QUICK=1: ≈ 5–6 min, labelled "Quick run")
bench: build
	$(GO) run ./tools/benchreport --go $(GO) --bin $(BIN) --out bench.out $(if $(filter 1,$(BENCH_QUICK)),--quick)

## load: 200 concurrent judges marking over HTTP against the real binary
load: build
	$(GO) build -o bin/loadmarks ./tools/loadmarks
	./bin/loadmarks --bin $(BIN)
	./bin/loadmarks --bin $(BIN) --rate 4000

clean:
	rm -rf bin bench.out
