# SPDX-License-Identifier: GPL-2.0
#
# pautonuma — Persistent AutoNUMA for tiered memory.
#
#   make            build the BPF objects, their skeletons and ./build/pautonuma
#   make deps       install the Debian packages the build, tests and rig need
#   make check      deps + build + the whole test suite (unit, fuzz, host, VM)
#   make check-caps the service unit's capability matrix in the VM rig (~18 min)
#   make demo       deps + build + boot the VM rig and run the demo in it
#   make vmlinux    regenerate vmlinux/vmlinux.h from the running kernel's BTF
#   make fuzz       run every libFuzzer target for FUZZ_SECONDS each
#   make bench      run the benchmarks (ratios, one run)
#   make format     clang-format the C sources in place
#   make install    install (PREFIX=/usr/local, DESTDIR=): binary, unit,
#                   man pages, bash completion, example configuration
#   make uninstall  remove what install put there (not /etc, not the journal)
#
# Everything generated goes under $(BUILD) (default ./build).

BUILD ?= build
O := $(abspath $(BUILD))
SRC := $(abspath .)

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
VERSION := 0.1.0
GIT_REV := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

# ---------------------------------------------------------------- BPF side
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(O)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_SKELS := $(patsubst bpf/%.bpf.c,$(O)/bpf/%.skel.h,$(BPF_SRCS))
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
	-Ivmlinux -Iinclude -I/usr/include/x86_64-linux-gnu

# ---------------------------------------------------------- user space side
USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(patsubst user/%.c,$(O)/user/%.o,$(USER_SRCS))
# Everything but main: what the unit tests and fuzzers link against.
LIB_SRCS := $(filter-out user/main.c,$(USER_SRCS))

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter
CFLAGS ?= -O2 -g
USER_CFLAGS := -std=gnu11 $(WARN) -D_GNU_SOURCE -Iinclude -Iuser -I$(O)/bpf \
	$(shell pkg-config --cflags inih 2>/dev/null) -DPAUTONUMA_VERSION='"$(VERSION)"' -DPAUTONUMA_GIT_REV='"$(GIT_REV)"' \
	-MMD -MP
LDLIBS := -lbpf -lelf -lz -lnuma -lpmem2 -lm -lncurses $(shell pkg-config --libs inih 2>/dev/null || echo -linih)

# Unit tests: sanitizer build (ASan + UBSan) and a plain build for valgrind.
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_SAN := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(UNIT_SRCS))
UNIT_VG := $(patsubst tests/unit/%.c,$(O)/tests/unit-vg/%,$(UNIT_SRCS))
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
SAN_LIB_OBJS := $(patsubst user/%.c,$(O)/san/user/%.o,$(LIB_SRCS))
VG_LIB_OBJS := $(patsubst user/%.c,$(O)/user/%.o,$(LIB_SRCS))

# Test helper programs (workloads etc.), plain build: tests/progs/*.c
PROG_SRCS := $(wildcard tests/progs/*.c)
PROGS := $(patsubst tests/progs/%.c,$(O)/tests/progs/%,$(PROG_SRCS))

# libFuzzer targets: tests/fuzz/fuzz_*.c
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS := $(patsubst tests/fuzz/%.c,$(O)/tests/fuzz/%,$(FUZZ_SRCS))
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
FUZZ_LIB_OBJS := $(patsubst user/%.c,$(O)/fuzz/user/%.o,$(LIB_SRCS))
FUZZ_SECONDS ?= 60

.PHONY: all deps check check-caps demo vmlinux fuzz bench format clean tests help install uninstall
# Keep the BPF objects and skeletons: user objects depend on them through .d files.
# Keep intermediates (skeletons, sanitizer and fuzz objects): no rebuilds every time.
.SECONDARY:
.DEFAULT_GOAL := all

all: $(O)/pautonuma

help:
	@sed -n '3,17p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@tests/lib/install-deps

# ---------------------------------------------------------------- rules
$(O)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard include/*.h) vmlinux/vmlinux.h | $(O)/bpf
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(O)/bpf/%.skel.h: $(O)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(O)/user/%.o: user/%.c | $(BPF_SKELS) $(O)/user
	$(CC) $(CFLAGS) $(USER_CFLAGS) -c $< -o $@

$(O)/san/user/%.o: user/%.c | $(BPF_SKELS) $(O)/san/user
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(USER_CFLAGS) -c $< -o $@

$(O)/fuzz/user/%.o: user/%.c | $(BPF_SKELS) $(O)/fuzz/user
	$(CLANG) $(CFLAGS) $(FUZZ_FLAGS) $(USER_CFLAGS) -Wno-unknown-warning-option -c $< -o $@

$(O)/pautonuma: $(USER_OBJS)
	$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(O)/tests/unit/%: tests/unit/%.c $(SAN_LIB_OBJS) | $(O)/tests/unit
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(USER_CFLAGS) -Itests/unit $< $(SAN_LIB_OBJS) \
		$(LDLIBS) -lcmocka -o $@

$(O)/tests/unit-vg/%: tests/unit/%.c $(VG_LIB_OBJS) | $(O)/tests/unit-vg
	$(CC) $(CFLAGS) $(USER_CFLAGS) -Itests/unit $< $(VG_LIB_OBJS) \
		$(LDLIBS) -lcmocka -o $@

$(O)/tests/progs/%: tests/progs/%.c | $(O)/tests/progs
	$(CC) $(CFLAGS) $(USER_CFLAGS) $< $(LDLIBS) -lpthread -o $@

# The planner benchmark measures user/policy.c, user/fault_feed.c and the
# read half of user/write_sampler.c, so it links those modules (the other
# test programs stand alone).
PLANNER_OBJS := $(O)/user/policy.o $(O)/user/fault_feed.o $(O)/user/write_sampler.o \
	$(O)/user/proc_ident.o $(O)/user/pagemap.o
$(O)/tests/progs/planner_bench: tests/progs/planner_bench.c $(PLANNER_OBJS) | $(O)/tests/progs
	$(CC) $(CFLAGS) $(USER_CFLAGS) $< $(PLANNER_OBJS) $(LDLIBS) -o $@

# The mover benchmark drives the journal and mover modules themselves.
$(O)/tests/progs/bench_mover: tests/progs/bench_mover.c $(VG_LIB_OBJS) | $(O)/tests/progs
	$(CC) $(CFLAGS) $(USER_CFLAGS) $< $(VG_LIB_OBJS) $(LDLIBS) -o $@

$(O)/tests/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_OBJS) | $(O)/tests/fuzz
	$(CLANG) $(CFLAGS) -fsanitize=fuzzer,address,undefined $(USER_CFLAGS) \
		-Wno-unknown-warning-option $< $(FUZZ_LIB_OBJS) $(LDLIBS) -o $@

$(O)/bpf $(O)/user $(O)/san/user $(O)/fuzz/user $(O)/tests/unit \
$(O)/tests/unit-vg $(O)/tests/progs $(O)/tests/fuzz:
	@mkdir -p $@

-include $(wildcard $(O)/user/*.d $(O)/san/user/*.d $(O)/fuzz/user/*.d)

# ---------------------------------------------------------------- targets
tests: all $(UNIT_SAN) $(UNIT_VG) $(PROGS) $(FUZZERS)

check: deps
	@$(MAKE) --no-print-directory tests
	@BUILD=$(O) tests/run

# The service unit's capability matrix in the rig (~18 min): not in check.
check-caps: deps
	@$(MAKE) --no-print-directory tests
	@PAUTONUMA_CAPS_TEST=1 BUILD=$(O) tests/vm/caps.t

demo: deps
	@$(MAKE) --no-print-directory all $(PROGS)
	@BUILD=$(O) tests/vm/demo

fuzz: $(FUZZERS)
	@set -e; for f in $(FUZZERS); do \
		mkdir -p $(O)/fuzz-corpus/$$(basename $$f); \
		echo "== $$f ($(FUZZ_SECONDS) s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) $(O)/fuzz-corpus/$$(basename $$f) \
			tests/fuzz/corpus/$$(basename $$f) 2>&1 | tail -n 3; \
	done

# make bench [BENCH="mover planner"]: all benchmarks, or the ones named.
bench: all $(PROGS)
	@BUILD=$(O) tests/bench/run $(BENCH)

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h

format:
	clang-format -i $(wildcard bpf/*.c user/*.c user/*.h include/*.h \
		tests/unit/*.c tests/unit/*.h tests/progs/*.c tests/fuzz/*.c)

clean:
	rm -rf $(O)/bpf $(O)/user $(O)/san $(O)/fuzz $(O)/tests $(O)/pautonuma

# ---------------------------------------------------------------- install
# The BPF objects are inside the binary (skeletons): it needs nothing from
# $(BUILD). The unit names $(SBINDIR)/pautonuma; the configuration is always
# /etc/pautonuma/pautonuma.conf (the unit's --config), installed from the
# example only if absent.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/pautonuma
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ifeq ($(PREFIX),/usr)
UNITDIR ?= /lib/systemd/system
else
UNITDIR ?= $(PREFIX)/lib/systemd/system
endif
CONFDIR ?= /etc/pautonuma
MAN_PAGES := $(wildcard doc/*.[0-9])
EXAMPLE_CONF := $(wildcard etc/pautonuma.conf)
INSTALL ?= install

install: $(O)/pautonuma
	$(INSTALL) -D -m 0755 $(O)/pautonuma $(DESTDIR)$(SBINDIR)/pautonuma
	$(INSTALL) -d -m 0755 $(DESTDIR)$(UNITDIR)
	sed 's|/usr/sbin/pautonuma|$(SBINDIR)/pautonuma|g' etc/pautonuma.service \
		> $(DESTDIR)$(UNITDIR)/pautonuma.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/pautonuma.service
	@set -e; for m in $(MAN_PAGES); do \
		d=$(DESTDIR)$(MANDIR)/man$${m##*.}; \
		echo "$(INSTALL) -D -m 0644 $$m $$d/$${m##*/}"; \
		$(INSTALL) -D -m 0644 $$m $$d/$${m##*/}; \
	done
	$(INSTALL) -D -m 0644 etc/bash-completion/pautonuma $(DESTDIR)$(BASHCOMPDIR)/pautonuma
ifneq ($(EXAMPLE_CONF),)
	$(INSTALL) -D -m 0644 $(EXAMPLE_CONF) $(DESTDIR)$(DOCDIR)/pautonuma.conf
	@if [ -e $(DESTDIR)$(CONFDIR)/pautonuma.conf ]; then \
		echo "kept $(DESTDIR)$(CONFDIR)/pautonuma.conf (example: $(DOCDIR)/pautonuma.conf)"; \
	else \
		echo "$(INSTALL) -D -m 0644 $(EXAMPLE_CONF) $(DESTDIR)$(CONFDIR)/pautonuma.conf"; \
		$(INSTALL) -D -m 0644 $(EXAMPLE_CONF) $(DESTDIR)$(CONFDIR)/pautonuma.conf; \
	fi
endif
	@[ -n "$(DESTDIR)" ] || echo "installed; now: systemctl daemon-reload && systemctl enable --now pautonuma"

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/pautonuma $(DESTDIR)$(UNITDIR)/pautonuma.service \
		$(DESTDIR)$(BASHCOMPDIR)/pautonuma $(DESTDIR)$(DOCDIR)/pautonuma.conf
	@set -e; for m in $(MAN_PAGES); do \
		echo "rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}"; \
		rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}; \
	done
	@rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null || true
	@echo "left $(CONFDIR) (configuration) and /var/lib/pautonuma (the journal) in place"
