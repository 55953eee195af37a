# imago: the two commands of the README, and a few more.
#   make demo   install what is missing, build, run the seed's story on the local cloud
#   make test   install what is missing, build, run every test (ctest's summary comes last)
#   make bench  run the benchmarks in bench/ (results: docs/benchmarks.md)
#   make fuzz   run the libFuzzer targets in fuzz/ for longer (FUZZ_SECONDS each)

SHELL := /bin/bash
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 600
JOBS ?= 2
# Unity builds: eight sources a compiler run (CMakeLists.txt says why and
# which files stay alone). UNITY=OFF for a tree that recompiles one file at a time.
UNITY ?= ON
# The main tree builds no unit tests: they are built and run in the sanitizer
# tree (make test-unit, and asan.unit_tests in make test). UNIT_TESTS=ON builds
# them here too (-O2), e.g. to profile one.
UNIT_TESTS ?= OFF

# Debian 12 packages: build tools, libraries, and what runs at test time.
APT_PACKAGES := g++ make cmake ninja-build pkg-config \
  libsqlite3-dev libssl-dev nlohmann-json3-dev libcli11-dev libyaml-cpp-dev libfmt-dev \
  libre2-dev libapt-pkg-dev libgtest-dev libcpp-httplib-dev libcurl4-openssl-dev libarchive-dev clang libclang-rt-14-dev \
  qemu-utils coreutils util-linux jq sqlite3 bc \
  qemu-system-x86 busybox-static e2fsprogs kmod socat curl python3 dpkg apt \
  debootstrap ansible-core git haproxy wrk vde2 rsync dropbear-bin openssh-client

.PHONY: schema all deps build build-asan fuzz-build fuzz conformance-deps gitlab-ci-deps kit kit-cache test test-unit demo bench bench-deps format clean

all: build

deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "== installing from Debian:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# Optimised, with line tables (-g1): backtraces and profiles name files and
# lines. Full debug info (-g) made this tree 30% slower to build; debug in
# build-asan (Debug, -g) or configure a tree of your own.
build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_UNITY_BUILD=$(UNITY) \
	  -DIMAGO_UNIT_TESTS=$(UNIT_TESTS) \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
	  -DIMAGO_ASAN_BUILD=$(abspath $(ASAN_BUILD)) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

# AddressSanitizer + UndefinedBehaviorSanitizer, for the unit tests and the
# fuzz targets' short runs in make test (only their binaries: the tree runs
# nothing else; a third compiler tree for the fuzz targets cost make test
# ~230 CPU-seconds). clang at -O0 with line tables (-g1) for the reports'
# stacks; assertions stay on. This tree was g++ at -O1:
# 1600 CPU-seconds to build, the longest step of make test before ctest;
# clang at -O0 builds it in 607, its tests take about as long (79 s alone), and
# clang's UBSan found an overflow that g++'s had not. A tree configured with
# another compiler is made anew (CMake keeps the compiler of a tree).
build-asan: deps
	@grep -qs '^CMAKE_CXX_COMPILER:.*clang++' $(ASAN_BUILD)/CMakeCache.txt || rm -rf $(ASAN_BUILD)
	@rm -f $(ASAN_BUILD).status
	@CC=clang CXX=clang++ cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" -DIMAGO_SANITIZE=ON \
	  -DCMAKE_UNITY_BUILD=$(UNITY) >/dev/null
	cmake --build $(ASAN_BUILD) -j$(JOBS) --target unit_tests fuzz_targets

# Google's Node.js clients for the conformance suite, from the committed lock
# file. Node and npm come from Debian when they are missing.
conformance-deps:
	@command -v npm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	  echo "== installing from Debian: nodejs npm"; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; }
	@if [ ! -f tests/conformance/node_modules/.package-lock.json ] || \
	    [ tests/conformance/package-lock.json -nt tests/conformance/node_modules/.package-lock.json ]; then \
	  echo "== npm ci (tests/conformance)"; \
	  cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error; \
	fi

# gitlab-ci-local, which runs examples/gitlab-ci/.gitlab-ci.yml in
# tests/vm/gitlab_ci_test.sh, from the committed lock file.
gitlab-ci-deps: conformance-deps
	@if [ ! -f tests/gitlab-ci/node_modules/.package-lock.json ] || \
	    [ tests/gitlab-ci/package-lock.json -nt tests/gitlab-ci/node_modules/.package-lock.json ]; then \
	  echo "== npm ci (tests/gitlab-ci)"; \
	  cd tests/gitlab-ci && npm ci --no-audit --no-fund --loglevel=error; \
	fi

# The libFuzzer targets, optimised, built by clang in their own tree, for
# make fuzz's long runs (make test runs the sanitizer tree's for 20 s each).
fuzz-build: deps
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_UNITY_BUILD=$(UNITY) -DIMAGO_FUZZ=ON -DIMAGO_BENCH=OFF >/dev/null
	cmake --build $(FUZZ_BUILD) -j$(JOBS)

FUZZ_TARGETS := json_codec filter metadata_http

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do bash fuzz/run.sh $(FUZZ_BUILD)/$${t}_fuzz $(FUZZ_SECONDS) || exit 1; done

# Every test, in one ctest run: the unit tests under ASan+UBSan (from
# $(ASAN_BUILD)) are its test asan.unit_tests, beside the VM tests. What
# waits on the network (debootstrap, the kernel, npm) runs beside the main
# tree's compiler; the kit's images are then made from the cache; the
# sanitizer tree is built beside the tests at the lowest CPU priority, in the
# time the VMs leave the CPUs idle (scripts/make_test.sh), and its tests wait
# for it.
test: deps
	@$(MAKE) --no-print-directory -j4 build kit-cache conformance-deps gitlab-ci-deps
	@$(MAKE) --no-print-directory kit
	@bash scripts/make_test.sh $(BUILD) $(ASAN_BUILD) $(JOBS)

test-unit: build-asan
	bash scripts/run_asan_unit_tests.sh $(ASAN_BUILD)

# The kit's Debian tree (debootstrap) and kernel, fetched into the cache:
# the part of make kit that needs no build.
kit-cache: deps
	@bash images/debian/build.sh --cache-only $(BUILD)/kit $(BUILD)/kit-cache

# The kit's bootable images: build/kit/busybox.qcow2 (images/busybox) and
# build/kit/debian.qcow2 (images/debian; debootstrap runs once, then cached
# in build/kit-cache).
kit: build
	IMAGO_GUEST_AGENT=$(BUILD)/imago-guest-agent bash images/busybox/build.sh $(BUILD)/kit $(BUILD)/kit-cache
	IMAGO_GUEST_AGENT=$(BUILD)/imago-guest-agent bash images/debian/build.sh $(BUILD)/kit $(BUILD)/kit-cache

demo: build kit
	IMAGO=$(CURDIR)/$(BUILD)/imago KIT=$(CURDIR)/$(BUILD)/kit/busybox.qcow2 \
	  KIT_DEBIAN=$(CURDIR)/$(BUILD)/kit/debian.qcow2 bash examples/demo.sh

# Debian's packer, the baseline of bench/bake_bench.sh.
bench-deps:
	@command -v packer >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	  echo "== installing from Debian: packer"; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends packer >/dev/null; }

bench: build kit bench-deps
	cmake --build $(BUILD) -j$(JOBS) --target benches
	IMAGO=$(CURDIR)/$(BUILD)/imago BUILD=$(CURDIR)/$(BUILD) bash bench/run.sh

# The compute/v1 schema table, generated from the pinned @google-cloud/compute
# package's compute.proto (ctest schema.up_to_date checks it).
schema: conformance-deps
	node tools/gen_schema.js > src/compute/schema_gen.cc
	@sed -n 4p src/compute/schema_gen.cc

format:
	clang-format -i src/*/*.cc src/*/*.h bench/*.cc bench/*.h fuzz/*.cc

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
