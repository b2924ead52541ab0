# vigia: one entry point for build, test, run, bench, fuzz.
#   make            build build/vigia
#   make run        install deps, build, replay the demo capture
#   make test       install deps, build, every test (unit, sanitizers, e2e)
#   make SAN=1      sanitizer build (ASan+UBSan) into build-san/
#   make SAN=thread ThreadSanitizer build into build-tsan/ (DPDK rings built
#                   with their C11 memory model, which TSan understands)
#   make fuzz       libFuzzer targets (clang) into build-fuzz/
#   make range      the attack range: real tools against real servers in
#                   network namespaces, scored (build/range/results.json)
#   make format     clang-format the tree

SHARED   ?= ../shared
PY       ?= /usr/bin/python3
# The build's own replays (demo, tests, bench) run as root in CI; a deployed
# vigia refuses to replay as root unless told (README, "Privileges").
export VIGIA_ALLOW_ROOT := 1
CC       ?= gcc
VERSION  := 0.1.0

ifeq ($(FUZZ),1)
B        := build-fuzz
CC       := clang
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
OPT      := -O1
else ifeq ($(SAN),thread)
B        := build-tsan
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer -DRTE_USE_C11_MEM_MODEL
OPT      := -O1
else ifeq ($(SAN),1)
B        := build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT      := -O1
else
B        := build
SANFLAGS :=
OPT      := -O2
endif

PKGS     := libpcap libndpi hiredis yaml-0.1 libmicrohttpd libsystemd libcap-ng
WARN     := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
            -Wstrict-prototypes -Wformat=2 -Wvla
DPDK_CFLAGS := $(shell pkg-config --cflags libdpdk 2>/dev/null)
CFLAGS   ?= $(OPT) -g
ALL_CFLAGS := -std=gnu11 $(CFLAGS) $(WARN) $(SANFLAGS) -MMD -MP \
            -D_GNU_SOURCE -DVIGIA_VERSION='"$(VERSION)"' \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(DPDK_CFLAGS)
# libhtp: its .pc names an include folder that does not exist; <htp/htp.h>
LDLIBS   := $(shell pkg-config --libs $(PKGS) libdpdk 2>/dev/null) -lhtp -lpthread -lm
LDFLAGS  += $(SANFLAGS)

# The protocol room: wire formats only, below the worker and the detectors.
LIB_SRC  := $(wildcard proto/*.c)
LIB_SRC  += dataplane/decode.c dataplane/flow_table.c dataplane/classify.c \
            dataplane/session.c dataplane/pcapng.c dataplane/pktclock.c dataplane/gtpu_peers.c \
            dataplane/worker.c dataplane/worker_events.c dataplane/worker_detect.c \
            dataplane/worker_sess.c $(wildcard dataplane/app_*.c) \
            dataplane/capture_pcap.c dataplane/replay.c \
            dataplane/capture_dpdk.c dataplane/reasm.c \
            telemetry/log.c telemetry/json.c telemetry/community_id.c \
            telemetry/eve.c telemetry/evq.c telemetry/telemetry.c \
            telemetry/sink_redis.c telemetry/spool.c telemetry/redis_consumer.c telemetry/status.c telemetry/http_status.c telemetry/state_store.c \
            policies/lpm.c policies/policy.c policies/policy_ref.c \
            detectors/sketch.c detectors/detector.c detectors/analytics.c \
            detectors/det_scan.c detectors/det_flood.c detectors/det_brute.c \
            detectors/det_dns.c detectors/det_beacon.c detectors/det_risk.c \
            detectors/det_http.c detectors/det_5g.c detectors/det_baseline.c detectors/det_ics.c detectors/det_policy.c detectors/det_intel.c detectors/det_l2.c detectors/devline.c
# The program's room: linked into vigia only; its config loader is in the
# library too, for its unit test and fuzzer.
LIB_SRC  += app/config.c app/optable.c
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
MAIN_OBJ := $(patsubst %.c,$(B)/%.o,$(filter-out app/config.c app/optable.c,$(wildcard app/*.c)))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all deps run test unit san-test e2e bench bench-smoke range fuzz fuzz-build fuzz-regress format clean demo
all: $(B)/vigia $(B)/vigia-gen $(B)/xadd-raw

deps:
	@./deploy/install-deps.sh

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/libvigia.a: $(LIB_OBJ)
	@ar rcs $@ $^

$(B)/vigia: $(MAIN_OBJ) $(B)/libvigia.a
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/vigia-gen: bench/gen_capture.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< -lpcap -lgcrypt -lm

$(B)/xadd-raw: bench/xadd_raw.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< -lhiredis

$(B)/tests/%: tests/unit/%.c $(B)/libvigia.a
	@mkdir -p $(dir $@)
	@echo "  TEST-CC $<"
	@$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libvigia.a $(LDFLAGS) $(LDLIBS) -lcmocka

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# Demo capture: deterministic, generated, never committed.
DEMO := tests/captures/demo.pcap
$(DEMO): tests/captures/gen_demo.py
	$(PY) tests/captures/gen_demo.py $@ --scale 10 2>/dev/null
demo: $(DEMO)

run: deps
	@$(MAKE) --no-print-directory all demo
	@mkdir -p out
	./build/vigia replay --progress -o out/eve.json --sensor demo $(DEMO)
	@echo "events: out/eve.json ($$(wc -l < out/eve.json) lines); e.g. jq -c 'select(.event_type==\"flow\")' out/eve.json | head"

# Benchmarks: never part of a timed test; bench-smoke keeps them working.
bench: deps
	@$(MAKE) --no-print-directory all
	$(PY) bench/run_bench.py

range: deps
	@$(MAKE) --no-print-directory all
	$(PY) tests/range/range.py

bench-smoke: all
	$(PY) bench/run_bench.py --packets 20000 --reps 1 --preload 2 \
	  --stress-flows 20000 --dpdk-packets 5000 --dpdk-secs 0.5 --redis-events 5000 \
	  --data build/bench-smoke --out build/bench-smoke

san-test:
	@$(MAKE) --no-print-directory SAN=1 all unit
	@$(MAKE) --no-print-directory SAN=thread all

e2e: all demo
	SHARED=$(abspath $(SHARED)) $(PY) -m pytest -q tests/e2e

test: deps
	@$(MAKE) --no-print-directory all unit
	@$(MAKE) --no-print-directory san-test
	@$(MAKE) --no-print-directory bench-smoke
	@$(MAKE) --no-print-directory e2e
	@$(MAKE) --no-print-directory fuzz FUZZ_TIME=7

# libFuzzer targets (clang). `make fuzz` builds them and runs each for
# FUZZ_TIME seconds (FUZZ_JOBS at a time) from a seed corpus made from the
# demo capture, the unit tests' messages and the corpus. An input that
# crashes is moved to tests/fuzz/regressions/TARGET/: commit it with the fix.
FUZZ_TIME ?= 20
FUZZERS  := $(patsubst tests/fuzz/%.c,build-fuzz/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
build-fuzz/fuzz/%: tests/fuzz/%.c build-fuzz/libvigia.a
	@mkdir -p $(dir $@)
	@echo "  FUZZ-LD $@"
	@clang $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -o $@ $< build-fuzz/libvigia.a $(LDLIBS)

fuzz-build:
	@$(MAKE) --no-print-directory FUZZ=1 build-fuzz/libvigia.a
	@$(MAKE) --no-print-directory FUZZ=1 $(FUZZERS)

# Inputs that once crashed or misbehaved (tests/fuzz/regressions/TARGET/*)
# run through their target on every `make fuzz` (and so `make test`).
fuzz-regress: fuzz-build
	@set -e; for f in $(FUZZERS); do n=$${f##*/fuzz_}; d=tests/fuzz/regressions/$$n; \
	  if [ -d $$d ] && ls $$d/* >/dev/null 2>&1; then \
	    echo "== $$f regressions: $$(ls $$d | wc -l)"; \
	    $$f $$d/* > build-fuzz/$$n.regress.log 2>&1 || { tail -40 build-fuzz/$$n.regress.log; exit 1; }; \
	  fi; done

FUZZ_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
fuzz: fuzz-build fuzz-regress demo
	@SHARED=$(abspath $(SHARED)) $(PY) tests/fuzz/seeds.py $(DEMO) build-fuzz/seeds
	@echo "== $(words $(FUZZERS)) fuzzers, $(FUZZ_TIME) s each, $(FUZZ_JOBS) at a time"
	@printf '%s\n' $(FUZZERS) | xargs -P $(FUZZ_JOBS) -I{} sh -c '\
	  f={}; n=$${f##*/fuzz_}; mkdir -p build-fuzz/corpus/$$n; \
	  if $$f -max_total_time=$(FUZZ_TIME) -dict=tests/fuzz/decode.dict \
	    -artifact_prefix=build-fuzz/$$n- build-fuzz/corpus/$$n build-fuzz/seeds/$$n \
	    > build-fuzz/$$n.log 2>&1; then \
	    echo "$$n: $$(grep -E "^Done" build-fuzz/$$n.log)"; \
	  else echo "== $$f FAILED"; tail -40 build-fuzz/$$n.log; \
	    mkdir -p tests/fuzz/regressions/$$n; \
	    for c in build-fuzz/$$n-crash-* build-fuzz/$$n-leak-* build-fuzz/$$n-timeout-*; do \
	      [ -e "$$c" ] && mv "$$c" tests/fuzz/regressions/$$n/ && \
	      echo "kept as a regression: tests/fuzz/regressions/$$n/$${c##*/}"; done; \
	    exit 255; fi'

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-san build-tsan build-fuzz out

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d)
