# SPDX-License-Identifier: GPL-2.0
#
# perf tap: build Linux 6.12's perf with the tap command.
#
#   make          prepare build/linux-source-6.12 and build build/perf/perf
#                 and its perf-tap man page
#   make check    build, then run tests/run, the unit tier again with the
#                 sanitizer build of the compiler, 60 s of fuzzing (when
#                 clang is installed) and make series-check (SERIES_CHECK=0:
#                 not)
#   make demo     build, then run scripts/demo.tap
#   make vm       build the test VM's kernel (make check does too; VM=0: not)
#   make selftest build the tracepoint_multi link's selftest for the vm tier
#                 (make check does too; needs clang-14)
#   make core     the compiler alone, no perf: build/core/tap-core
#   make core-asan  the same with ASan+UBSan: build/core-asan/tap-core
#   make fuzz     fuzz the compiler with libFuzzer for FUZZ_SECONDS
#                 (default 3600); crashes are left in build/fuzz/artifacts
#   make series   the upstream patch series in build/series (git format-patch
#                 output and cover letter, from patches/upstream.map)
#   make series-check  git am the series onto a fresh 6.12 tree, build perf
#                 at every patch and run checkpatch --strict over it
#   make install  install perf and the perf-tap man page under prefix
#                 (default /usr/local)
#   make clean    remove the build output (keeps the unpacked tree)
#   make distclean  remove build/ altogether

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
TREE := $(ROOT)/build/linux-source-6.12
PERF_OUT := $(ROOT)/build/perf
# perf finds its man pages (perf help tap, perf tap --help) under
# $(PERF_PREFIX)/share/man, compiled in from prefix=.
PERF_PREFIX := $(ROOT)/build/install
MAN1DIR := $(PERF_PREFIX)/share/man/man1
PERF_JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# ccache (Documentation/series.md, "ccache"): perf's objects are compiled
# once per machine, in a cache that every worktree's build and make
# series-check share.  base_dir makes the paths ccache hashes relative to
# the build, so a hit needs the same sources and flags, not the same
# directory; -Wp,-MT only names the object in the .d file, which
# tools/build's fixdep ignores.  Without ccache or a writable cache: gcc.
export CCACHE_DIR ?= /var/cache/perf-tap/ccache
export CCACHE_IGNOREOPTIONS := -Wp,-MT,*
export CCACHE_NOHASHDIR := 1
PERF_CC = $(shell mkdir -p $(CCACHE_DIR) 2>/dev/null && [ -w $(CCACHE_DIR) ] && \
	command -v ccache > /dev/null && echo ccache) gcc

PERF_FLAGS := NO_LIBPYTHON=1 NO_LIBPERL=1 NO_JEVENTS=1 NO_SLANG=1 NO_GTK2=1 \
	NO_LIBUNWIND=1 NO_LIBNUMA=1 NO_LIBBABELTRACE=1 NO_LIBAUDIT=1 \
	NO_JVMTI=1 NO_LIBPFM4=1 NO_CAPSTONE=1 NO_LIBDEBUGINFOD=1 \
	NO_LIBZSTD=1 NO_LIBCAP=1 NO_SDT=1 NO_LIBCRYPTO=1 NO_LIBLLVM=1 \
	JOBS=$(PERF_JOBS) prefix=$(PERF_PREFIX)

.PHONY: all build prepare perf man check demo bench clean distclean \
	core core-asan fuzz fuzz-short series series-check install

all: build

build: perf man

prepare:
	@$(ROOT)/scripts/prepare-tree.sh

perf: prepare
	@mkdir -p $(PERF_OUT)
	+CCACHE_BASEDIR=$(ROOT)/build flock $(PERF_OUT)/.lock $(MAKE) -C $(TREE)/tools/perf \
		O=$(PERF_OUT) CC='$(PERF_CC)' $(PERF_FLAGS)

# The page's date: when its source was last committed here.
MAN_TXT := tools-perf-overlay/tools/perf/Documentation/perf-tap.txt
PERF_VERSION = $(shell sed -n 's/.*PERF_VERSION "\(.*\)"/\1/p' \
	$(PERF_OUT)/PERF-VERSION-FILE 2>/dev/null)
MAN_DATE = $(shell git -C $(ROOT) log -1 --format=%cd --date=short \
	-- $(MAN_TXT) 2>/dev/null)

# Only the perf-tap page: building all of perf's pages takes minutes.
# /usr/bin first: asciidoc runs "python3 -m asciidoc", which another
# python3 earlier in $PATH (pyenv, a venv) lacks.
define build-man-page
	+@PATH=/usr/bin:/bin:$$PATH $(MAKE) --no-print-directory \
		-C $(TREE)/tools/perf/Documentation O=$(PERF_OUT) \
		PERF_DATE='$(MAN_DATE)' PERF_VERSION='$(PERF_VERSION)' \
		$(PERF_OUT)/perf-tap.1
endef

man: perf
	@mkdir -p $(MAN1DIR)
	$(build-man-page)
	@cmp -s $(PERF_OUT)/perf-tap.1 $(MAN1DIR)/perf-tap.1 || \
		install -m 644 $(PERF_OUT)/perf-tap.1 $(MAN1DIR)/perf-tap.1

# make install [prefix=DIR] [DESTDIR=DIR]: perf's own install-bin (perf,
# its libexec directory with the perf test shell tests, ...) built for
# prefix, and the perf-tap man page in prefix/share/man/man1, where man
# finds it (/usr/local/share/man is on man's default path).  perf has its
# paths compiled in, so a prefix other than the build's own (build/install)
# recompiles the few objects that hold them and relinks perf; the next
# make switches back.
prefix ?= /usr/local
INSTALL_FLAGS := $(filter-out prefix=%,$(PERF_FLAGS)) prefix=$(prefix)

install: prepare
	@mkdir -p $(PERF_OUT)
	+CCACHE_BASEDIR=$(ROOT)/build flock $(PERF_OUT)/.lock $(MAKE) -C $(TREE)/tools/perf \
		O=$(PERF_OUT) CC='$(PERF_CC)' $(INSTALL_FLAGS) install-bin
	$(build-man-page)
	install -d -m 755 $(DESTDIR)$(prefix)/share/man/man1
	install -m 644 $(PERF_OUT)/perf-tap.1 $(DESTDIR)$(prefix)/share/man/man1/perf-tap.1
	@echo "installed $(DESTDIR)$(prefix)/bin/perf and" \
		"$(DESTDIR)$(prefix)/share/man/man1/perf-tap.1 (man perf-tap)"

check: build core-asan selftest
	cd $(ROOT) && ./tests/run
	cd $(ROOT) && PERF=$(CORE_ASAN)/perf ./tests/run unit/
	+$(MAKE) --no-print-directory fuzz-short
	+@if [ "$(SERIES_CHECK)" = 0 ]; then echo "SKIP series-check (SERIES_CHECK=0)"; \
	else $(MAKE) --no-print-directory series-check; fi

# The compiler core (util/tap/ less the runtime) builds without perf
# (Documentation/tests.md, "The compiler alone").  tests/fuzz/core-main.c
# is a driver with perf tap's compile-only options; run as "perf" (the
# symlink) it takes "perf tap ARGS", so tests/run can use it as $PERF.
# It needs the unpacked tree: <linux/bpf.h> and the kernel's BPF
# disassembler (kernel/bpf/disasm.c) for --dump-bpf come from there.
TAP_SRC := $(ROOT)/tools-perf-overlay/tools/perf/util/tap
CORE_SRCS := $(addprefix $(TAP_SRC)/,compiler.c lex.c ast.c parse.c builtin.c \
	sema.c sema-call.c sema-stmt.c sema-btf.c ktypes.c \
	jumps.c compile.c bytes.c object.c dump-bpf.c) $(wildcard $(TAP_SRC)/gen-*.c) \
	$(TREE)/kernel/bpf/disasm.c
CORE_DEPS := $(CORE_SRCS) $(wildcard $(TAP_SRC)/*.h)
CORE_CFLAGS := -std=gnu11 -g -Wall -Wextra -Wno-unused-parameter -I$(TAP_SRC) \
	-I$(TREE) -I$(TREE)/tools/include -I$(TREE)/tools/include/uapi -I$(TREE)/tools/lib
# Kernel data is typed from BTF with libbpf's btf API: the core links a
# libbpf of its own, built from the tree (perf's is built by perf's make).
CORE_LIBBPF := $(ROOT)/build/core-libbpf/libbpf.a
CORE_LIBS := $(CORE_LIBBPF) -lelf -lz
# -fno-sanitize-recover: undefined behaviour stops the program (exit
# status non-zero), so a test or the fuzzer cannot miss it.
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
CORE := $(ROOT)/build/core
CORE_ASAN := $(ROOT)/build/core-asan
FUZZ := $(ROOT)/build/fuzz
CLANG ?= clang-14

core: prepare
	+@$(MAKE) --no-print-directory $(CORE)/tap-core
core-asan: prepare
	+@$(MAKE) --no-print-directory $(CORE_ASAN)/tap-core

$(CORE_LIBBPF):
	@mkdir -p $(@D)
	+$(MAKE) --no-print-directory -C $(TREE)/tools/lib/bpf OUTPUT=$(@D)/ $@ > $(@D).log 2>&1 || \
		{ tail -n 30 $(@D).log; exit 1; }

$(CORE)/tap-core: $(ROOT)/tests/fuzz/core-main.c $(CORE_DEPS) $(CORE_LIBBPF)
	@mkdir -p $(@D)
	$(CC) -O2 $(CORE_CFLAGS) -o $@ $< $(CORE_SRCS) $(CORE_LIBS)
	ln -sf tap-core $(@D)/perf

$(CORE_ASAN)/tap-core: $(ROOT)/tests/fuzz/core-main.c $(CORE_DEPS) $(CORE_LIBBPF)
	@mkdir -p $(@D)
	$(CC) -O1 $(SAN_FLAGS) $(CORE_CFLAGS) -o $@ $< $(CORE_SRCS) $(CORE_LIBS)
	ln -sf tap-core $(@D)/perf

# libFuzzer needs clang (and libclang-rt-14-dev, see prepare-tree.sh).
$(FUZZ)/fuzz-core: $(ROOT)/tests/fuzz/fuzz-core.c $(CORE_DEPS) $(CORE_LIBBPF)
	@mkdir -p $(@D)
	$(CLANG) -O1 -fsanitize=fuzzer $(SAN_FLAGS) $(CORE_CFLAGS) -o $@ $< $(CORE_SRCS) \
		$(CORE_LIBS)

# tests/fuzz/run.sh seeds build/fuzz/seed from tests/corpus and the .tap
# cases, keeps what the fuzzer finds in build/fuzz/corpus and fails if the
# fuzzer does, leaving the input in build/fuzz/artifacts.
FUZZ_SECONDS ?= 3600
fuzz: prepare
	+@$(MAKE) --no-print-directory $(FUZZ)/fuzz-core
	$(ROOT)/tests/fuzz/run.sh $(FUZZ)/fuzz-core $(FUZZ_SECONDS)

# make check's share: one minute, skipped without clang.
fuzz-short:
	@if command -v $(CLANG) > /dev/null; then \
		$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=60; \
	else \
		echo "SKIP fuzz: $(CLANG) not found (make prepare installs it)"; \
	fi

# The test VM's kernel (Documentation/vm.md): 6.12 with kprobes, built out
# of tree into /var/cache/perf-tap/vm-kernel: 8 to 16 minutes the first
# time on 2 CPUs, nothing to do while the kernel sources are unchanged.
# make check builds it so that the vm tier runs; make check VM=0 does not.
.PHONY: vm
vm:
	@$(ROOT)/scripts/vm-build.sh

ifneq ($(VM),0)
check: vm
endif

# The tracepoint_multi link's selftest (Documentation/kernel-link.md): the
# kernel tree's prog_tests/tp_multi.c and progs/tp_multi.c (from
# kernel-overlay/), built against perf's libbpf with the stand-in
# tests/kernel/test_progs.h, because the BPF selftests as a whole need a
# newer clang than clang-14. bpftool is built from the tree too: it makes
# the skeleton and shows the new link type. The vm case
# vm/tp-multi-selftest runs build/selftest/tp_multi in the guest. Skipped
# without clang.
SELFTEST := $(ROOT)/build/selftest
BPFTOOL := $(ROOT)/build/bpftool/bpftool
BPF_SELFTESTS := $(TREE)/tools/testing/selftests/bpf
LIBBPF_OUT := $(PERF_OUT)/libbpf
SELFTEST_INC := -I$(LIBBPF_OUT)/include -I$(TREE)/tools/include/uapi

.PHONY: selftest
selftest: perf
	@if command -v $(CLANG) > /dev/null; then \
		mkdir -p $(dir $(BPFTOOL)) && \
		$(MAKE) --no-print-directory -C $(TREE)/tools/bpf/bpftool \
			OUTPUT=$(dir $(BPFTOOL)) > $(ROOT)/build/bpftool.log 2>&1 || \
			{ tail -n 30 $(ROOT)/build/bpftool.log; exit 1; }; \
		$(MAKE) --no-print-directory $(SELFTEST)/tp_multi $(SELFTEST)/tp-multi-run; \
	else \
		echo "SKIP selftest: $(CLANG) not found (make prepare installs it)"; \
	fi

$(SELFTEST)/tp_multi.bpf.o: $(BPF_SELFTESTS)/progs/tp_multi.c $(LIBBPF_OUT)/libbpf.a
	@mkdir -p $(@D)
	$(CLANG) -g -O2 -Wall -target bpf $(SELFTEST_INC) \
		-I/usr/include/$(shell $(CC) -dumpmachine) -c $< -o $@

$(SELFTEST)/tp_multi.skel.h: $(SELFTEST)/tp_multi.bpf.o $(BPFTOOL)
	$(BPFTOOL) gen skeleton $< name tp_multi > $@.tmp
	mv $@.tmp $@

$(SELFTEST)/tp_multi: $(BPF_SELFTESTS)/prog_tests/tp_multi.c $(ROOT)/tests/kernel/test_progs.c \
		$(ROOT)/tests/kernel/test_progs.h $(SELFTEST)/tp_multi.skel.h
	$(CC) -g -O2 -Wall -DTEST=tp_multi -I$(ROOT)/tests/kernel -I$(SELFTEST) \
		-I$(TREE)/tools/include $(SELFTEST_INC) -o $@ $(filter %.c,$^) \
		$(LIBBPF_OUT)/libbpf.a -lelf -lz

# The vm cases' and the benchmark's driver of the link, with the same program.
$(SELFTEST)/tp-multi-run: $(ROOT)/tests/kernel/tp-multi-run.c $(SELFTEST)/tp_multi.skel.h
	$(CC) -g -O2 -Wall -I$(SELFTEST) $(SELFTEST_INC) -o $@ $< \
		$(LIBBPF_OUT)/libbpf.a -lelf -lz

# Some load of its own, so a quiet machine still shows real counts.
demo: build
	cd $(ROOT) && { (sleep 1; find /usr/share/doc -type f | head -n 3000 | \
		xargs cat > /dev/null 2>&1) & $(PERF_OUT)/perf tap scripts/demo.tap; wait; }

# perf tap side by side with bpftrace and perf (Documentation/bench.md).
# make bench QUICK=1: fewer runs and calls, slow rows for perf tap only.
bench: build
	/usr/bin/python3 $(ROOT)/scripts/bench/bench.py \
		$(if $(filter-out 0,$(QUICK)),--quick)
	@if $(ROOT)/scripts/vm-run.sh --check 2> /dev/null; then \
		$(MAKE) --no-print-directory bench-vm; \
	else \
		echo "SKIP bench-vm: no VM kernel for these sources (make vm)"; \
	fi

# The vm part: attach and detach times of the tracepoint_multi link against
# perf events, in the test VM (Documentation/kernel-link.md).
.PHONY: bench-vm
bench-vm: selftest vm
	$(ROOT)/scripts/bench/vm-link.sh $(if $(filter-out 0,$(QUICK)),1,3)

# The upstream series (Documentation/series.md).  series-check builds
# perf with the same flags as make, less the jobs and the prefix.
series: prepare
	$(ROOT)/scripts/series.py

series-check: series
	PERF_FLAGS='$(filter-out JOBS=% prefix=%,$(PERF_FLAGS))' JOBS=$(PERF_JOBS) \
		$(ROOT)/scripts/series-check.sh

# Keeps build/fuzz/corpus and build/fuzz/artifacts: what fuzzing found.
clean:
	rm -rf $(PERF_OUT) $(PERF_PREFIX) $(CORE) $(CORE_ASAN) $(FUZZ)/fuzz-core \
		$(SELFTEST) $(dir $(BPFTOOL))

distclean:
	rm -rf $(ROOT)/build
