# Thin wrapper over CMake. The two commands the README starts with:
#   make demo   - install what is missing, build, run the main job
#   make test   - install what is missing, build, run every test
#                 (release build, ASan+UBSan build, Cortex-M4 build under QEMU)
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan

.PHONY: all build demo test test-release test-asan deps deps-run bench clean

all: build

deps-run:
	@scripts/install-deps.sh run

deps:
	@scripts/install-deps.sh test

build: deps-run
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	scripts/demo.sh $(BUILD)/kws

test: deps
	$(MAKE) test-release
	$(MAKE) test-asan
	@echo "make test: all suites passed"

test-release:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DKWS_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	scripts/bench.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
