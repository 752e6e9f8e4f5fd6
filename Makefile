# xdp-syncookie: BPF objects -> skeletons -> user-space tool, tests and benchmarks.
# `make V=1` shows the commands.

CLANG ?= clang-19
BPFTOOL ?= bpftool
CC ?= cc
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
BUILD := build

CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -Werror -std=gnu11 -Iinclude -I$(BUILD) -Iuser/core -Iuser/export
BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 -Wall -Werror -Iinclude -I$(BUILD) -D__TARGET_ARCH_x86
LDLIBS := -lxdp -lbpf -lelf -lz -ljson-c -lnftables

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Debian packages for building, testing and benchmarking (see docs/design.md).
DEB_PACKAGES := clang-19 llvm-19 bpftool libbpf-dev libxdp-dev xdp-tools libelf-dev zlib1g-dev \
	libjson-c-dev pkg-config make gcc iproute2 ethtool tcpdump hping3 python3 python3-scapy \
	python3-pytest iperf3 nginx curl socat nftables netsniff-ng gnuplot-nox procps wrk util-linux
# The service (run): its config, /metrics and readiness; its man page; its tests.
DEB_PACKAGES += libinih-dev libmicrohttpd-dev libsystemd-dev pandoc systemd
# promtool, which the CLI suite checks the stats --prometheus exposition with.
DEB_PACKAGES += prometheus
# perf: the macro benchmark times the defender from a sched_switch trace (tests/bench/probe.py).
DEB_PACKAGES += linux-perf
# libFuzzer for clang-19 (the packet and parser fuzzers); the sanitizer build of the
# tool (libasan8, libubsan1 come with gcc).
DEB_PACKAGES += libfuzzer-19-dev libclang-rt-19-dev
# The kernel test bench (make check-kernels): qemu, a static busybox for the guest's
# initramfs, cpio to pack it, kmod for depmod on the unpacked kernel and modprobe in the guest.
DEB_PACKAGES += qemu-system-x86 busybox-static cpio kmod
# Gateway mode (attach --gateway): its nftables table is written through libnftables.
DEB_PACKAGES += libnftables-dev

BPF_HEADERS := $(wildcard bpf/lib/*.h bpf/policy/*.h) $(wildcard include/xsc/*)
# user/core is the library the tool, the tests and the benchmarks link; user/export formats
# what it reads; user/cli is the tool.
CORE_SRCS := $(wildcard user/core/*.c user/export/*.c)
USER_SRCS := $(CORE_SRCS) $(wildcard user/cli/*.c)
# user/service is the run command's loop, config and HTTP server, in the same binary.
SERVICE_SRCS := $(wildcard user/service/*.c)
SERVICE_LIBS := inih libmicrohttpd libsystemd
USER_HEADERS := $(wildcard user/*/*.h) $(wildcard include/xsc/*)
UNIT_SRCS := $(wildcard tests/unit/*.c) tests/lib/pkt.c
TOOL_LIB_SRCS := $(CORE_SRCS)
BENCH_SRCS := tests/bench/micro.c tests/lib/pkt.c $(TOOL_LIB_SRCS)

.DELETE_ON_ERROR:
# Keep the BPF objects the skeletons are generated from (they are loaded by tools too).
.SECONDARY:
.PHONY: all deps check test-unit test-cli test-integration bench-micro bench-compare bench demo clean
.PHONY: man install fuzz
.PHONY: asan test-cli-asan fuzz-parsers fuzz-parsers-build check-kernels

LAB := $(BUILD)/xdp_pass.bpf.o $(BUILD)/synflood $(BUILD)/flood $(BUILD)/sink.bench.bpf.o \
	$(BUILD)/baselines.bench.bpf.o

all: xdp-syncookie $(BUILD)/test_unit $(BUILD)/bench_micro $(LAB) man

$(BUILD):
	$(Q)mkdir -p $@

# Generated from the running kernel's BTF, not committed: the programs use kfuncs and
# kernel structs that must match the kernel they load into (docs/design.md).
$(BUILD)/vmlinux.h: | $(BUILD)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HEADERS) $(BUILD)/vmlinux.h | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $(BUILD)/$*.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $(BUILD)/$*.tmp.o
	$(Q)rm -f $(BUILD)/$*.tmp.o

$(BUILD)/%.bench.bpf.o: tests/bench/%.bpf.c $(BPF_HEADERS) $(BUILD)/vmlinux.h | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Ibpf/lib -c $< -o $@

$(BUILD)/%.kernels.bpf.o: tests/kernels/%.bpf.c $(BUILD)/vmlinux.h | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/xdp_pass.bpf.o: tests/lab/xdp_pass.bpf.c $(BUILD)/vmlinux.h | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/synflood: tests/lab/synflood.c tests/lib/pkt.c tests/lib/pkt.h | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/lib tests/lab/synflood.c tests/lib/pkt.c -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst .bench,,$*) > $@

$(BUILD)/%.skel.h: $(BUILD)/%.bench.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@

xdp-syncookie: $(USER_SRCS) $(SERVICE_SRCS) $(USER_HEADERS) $(BUILD)/xdp_syncookie.skel.h \
		$(BUILD)/tc_handoff.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser/cli -Iuser/service $(shell pkg-config --cflags $(SERVICE_LIBS)) \
		$(USER_SRCS) $(SERVICE_SRCS) -o $@ $(LDLIBS) $(shell pkg-config --libs $(SERVICE_LIBS)) -lpthread

$(BUILD)/test_unit: $(UNIT_SRCS) $(wildcard tests/unit/*.h) tests/lib/pkt.h $(TOOL_LIB_SRCS) $(USER_HEADERS) \
		$(BUILD)/xdp_syncookie.skel.h $(BUILD)/tc_handoff.skel.h $(BUILD)/baselines.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit -Itests/lib $(UNIT_SRCS) $(TOOL_LIB_SRCS) -o $@ $(LDLIBS) -lm

$(BUILD)/bench_micro: $(BENCH_SRCS) tests/lib/pkt.h $(USER_HEADERS) $(BUILD)/xdp_syncookie.skel.h \
		$(BUILD)/tc_handoff.skel.h $(BUILD)/baselines.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/lib $(BENCH_SRCS) -o $@ $(LDLIBS) -lpthread

$(BUILD)/flood: tests/bench/flood.c tests/lib/pkt.c tests/lib/pkt.h $(BUILD)/flood.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/lib tests/bench/flood.c tests/lib/pkt.c -o $@ $(LDLIBS)

# The tool again under AddressSanitizer (LeakSanitizer with it) and UBSan, in a directory of
# its own so the build above is untouched; the CLI suite runs it (tests/cli/test_cli_asan.sh).
# Any report ends the process: -fno-sanitize-recover turns UBSan's warnings into failures.
ASAN_DIR := $(BUILD)/asan
SAN_CFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1

asan: $(ASAN_DIR)/xdp-syncookie

$(ASAN_DIR)/xdp-syncookie: $(USER_SRCS) $(SERVICE_SRCS) $(USER_HEADERS) $(BUILD)/xdp_syncookie.skel.h \
		$(BUILD)/tc_handoff.skel.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(SAN_CFLAGS) -Iuser/cli -Iuser/service \
		$(shell pkg-config --cflags $(SERVICE_LIBS)) $(USER_SRCS) $(SERVICE_SRCS) -o $@ \
		$(LDLIBS) $(shell pkg-config --libs $(SERVICE_LIBS)) -lpthread

test-cli-asan: $(ASAN_DIR)/xdp-syncookie
	$(Q)./tests/cli/test_cli_asan.sh

# libFuzzer harnesses for the parsers of what an operator writes: the config file, list
# files and key files (tests/fuzz/fuzz_{config,prefixes,keyfile}.c). Each links the real
# parser and none of the code that talks to maps. make fuzz-parsers runs each for
# FUZZ_SECONDS (default 60); make check runs each for 10 s (tests/fuzz/run_parsers.sh).
PARSER_FUZZ_DIR := $(BUILD)/fuzz-parsers
PARSER_FUZZ_CFLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -g -O1 -Wall -Wextra -Werror -std=gnu11 -Iinclude -Iuser/core \
	-Iuser/cli -Iuser/service
# log.c routes libbpf's and libxdp's messages, hence the libraries; nothing calls them.
PARSER_FUZZ_LIBS := -lxdp -lbpf -lelf -lz
PARSER_FUZZ_SRCS_prefixes := user/core/prefix.c user/core/log.c
PARSER_FUZZ_SRCS_config := user/service/config.c user/cli/options.c user/core/settings.c \
	user/core/policy.c $(PARSER_FUZZ_SRCS_prefixes)
PARSER_FUZZ_SRCS_keyfile := user/core/keyfile.c user/core/log.c
PARSER_FUZZERS := $(addprefix $(PARSER_FUZZ_DIR)/fuzz_,config prefixes keyfile)
FUZZ_SECONDS ?= 60

fuzz-parsers-build: $(PARSER_FUZZERS)

$(PARSER_FUZZ_DIR)/fuzz_config: $(PARSER_FUZZ_SRCS_config)
$(PARSER_FUZZ_DIR)/fuzz_prefixes: $(PARSER_FUZZ_SRCS_prefixes)
$(PARSER_FUZZ_DIR)/fuzz_keyfile: $(PARSER_FUZZ_SRCS_keyfile)
$(PARSER_FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(USER_HEADERS)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(PARSER_FUZZ_CFLAGS) $(shell pkg-config --cflags inih) $< \
		$(PARSER_FUZZ_SRCS_$*) -o $@ $(PARSER_FUZZ_LIBS) $(shell pkg-config --libs inih)

fuzz-parsers: $(PARSER_FUZZERS)
	$(Q)./tests/fuzz/run_parsers.sh $(FUZZ_SECONDS)

# The man page, from one Markdown source; build/man is a MANPATH entry (man -M build/man).
MAN := $(BUILD)/man/man8/xdp-syncookie.8
man: $(MAN)

$(MAN): docs/xdp-syncookie.8.md
	$(call msg,PANDOC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)pandoc --standalone --to man $< -o $@

# The tool, its unit, its man page and an example config (never over an existing one).
# The unit names $(PREFIX)/sbin; the config lives in /etc whatever PREFIX is.
PREFIX ?= /usr/local
install: xdp-syncookie $(MAN)
	$(Q)install -D -m 0755 xdp-syncookie $(DESTDIR)$(PREFIX)/sbin/xdp-syncookie
	$(Q)install -D -m 0644 $(MAN) $(DESTDIR)$(PREFIX)/share/man/man8/xdp-syncookie.8
	$(Q)install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	$(Q)sed 's|/usr/local/|$(PREFIX)/|' dist/xdp-syncookie.service \
		> $(DESTDIR)$(PREFIX)/lib/systemd/system/xdp-syncookie.service
	$(Q)install -D -m 0644 dist/xdp-syncookie.conf \
		$(DESTDIR)$(PREFIX)/share/doc/xdp-syncookie/xdp-syncookie.conf.example
	$(Q)test -e $(DESTDIR)/etc/xdp-syncookie/xdp-syncookie.conf || install -D -m 0600 \
		dist/xdp-syncookie.conf $(DESTDIR)/etc/xdp-syncookie/xdp-syncookie.conf
	@echo "installed in $(DESTDIR)$(PREFIX); edit /etc/xdp-syncookie/xdp-syncookie.conf, then" \
		"systemctl daemon-reload && systemctl enable --now xdp-syncookie"

deps:
	$(Q)./tests/deps.sh $(DEB_PACKAGES)

test-unit: $(BUILD)/test_unit
	$(Q)./$(BUILD)/test_unit

test-cli: xdp-syncookie $(BUILD)/xdp_pass.bpf.o
	$(Q)./tests/cli/test_cli.sh

test-integration: all
	$(Q)./tests/integration/run.sh

# The packet fuzzer: libFuzzer, the real programs through BPF_PROG_TEST_RUN (tests/fuzz/;
# FUZZ_SECONDS is set with the parser fuzzers' above).
FUZZ_SRCS := tests/fuzz/fuzz_packets.c tests/fuzz/frame.c tests/unit/harness.c tests/lib/pkt.c \
	$(TOOL_LIB_SRCS)
$(BUILD)/fuzz_packets: $(FUZZ_SRCS) $(wildcard tests/fuzz/*.h) tests/unit/harness.h tests/lib/pkt.h \
		$(USER_HEADERS) $(BUILD)/xdp_syncookie.skel.h $(BUILD)/tc_handoff.skel.h
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) -g -O1 -fsanitize=fuzzer,address $(filter-out -O2 -g,$(CFLAGS)) -Itests/unit \
		-Itests/lib -Itests/fuzz $(FUZZ_SRCS) -o $@ $(LDLIBS)

fuzz: $(BUILD)/fuzz_packets
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) ./tests/fuzz/run.sh

# Every suite runs even when an earlier one fails; the target fails if any did.
check: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/fuzz_packets $(KERNEL_BENCH)
	$(Q)$(MAKE) --no-print-directory asan fuzz-parsers-build
	$(Q)./tests/run_all.sh

# The kernel test bench (tests/kernels/run.sh): boots each of KERNELS under qemu with this
# machine's root read-only and runs KERNEL_SUITES inside. debian12 is Debian 12's stock
# 6.1 kernel, fetched with apt-get download into build/kernels/cache (never installed);
# see tests/kernels/run.sh --help for the others (a package name, host, a bzImage path).
# make check runs its guest, objects and unit suites; the rest takes 12 minutes more
# under emulation: see README, "Other kernels".
KERNELS ?= debian12
# integration: on a kernel without bpf_sk_assign_tcp_reqsk() the suite runs the kernel
# handoff's subset by itself (KERNEL_SUBSET in tests/integration/run.sh).
KERNEL_SUITES ?= guest objects unit cli parsers integration
KERNEL_BENCH := $(BUILD)/load_object $(BUILD)/weak_kfunc.kernels.bpf.o
check-kernels: deps
	$(Q)$(MAKE) --no-print-directory all fuzz-parsers-build $(KERNEL_BENCH)
	$(Q)./tests/kernels/run.sh $(addprefix -k ,$(KERNELS)) $(KERNEL_SUITES)

# Loads BPF objects with the tool's libbpf and prints what the kernel said (tests/kernels/objects.sh).
$(BUILD)/load_object: tests/kernels/load_object.c | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@ -lbpf -lelf -lz

bench-micro: $(BUILD)/bench_micro
	$(Q)./$(BUILD)/bench_micro

# This build against another one's xdp_syncookie.bpf.o (COMPARE=...), in the same process
# and rounds, six runs paired round by round: this machine's noise hides a few per cent
# between separate runs.
bench-compare: $(BUILD)/bench_micro
	$(Q)test -n "$(COMPARE)" || { echo "bench-compare: COMPARE=path/to/xdp_syncookie.bpf.o"; exit 2; }
	$(Q)rm -f $(BUILD)/compare.tsv
	$(Q)for i in 1 2 3 4 5 6; do ./$(BUILD)/bench_micro 500000 --compare $(COMPARE) \
		--raw $(BUILD)/compare.tsv >/dev/null || exit 1; done
	$(Q)/usr/bin/python3 tests/bench/paired.py $(BUILD)/compare.tsv

# Side-by-side benchmark and report in $(BENCH_OUT); QUICK=1 for a short run.
BENCH_OUT := $(BUILD)/bench
bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)mkdir -p $(BENCH_OUT)
	$(Q)./$(BUILD)/bench_micro $(if $(filter 1,$(QUICK)),100000,) > $(BENCH_OUT)/micro.txt
	$(Q)QUICK=$(QUICK) ./tests/bench/macro.sh $(BENCH_OUT)/macro.jsonl
	$(Q)QUICK=$(QUICK) ./tests/bench/overhead.sh $(BENCH_OUT)/overhead.jsonl
	$(Q)/usr/bin/python3 tests/bench/report.py --macro $(BENCH_OUT)/macro.jsonl \
		--overhead $(BENCH_OUT)/overhead.jsonl --micro $(BENCH_OUT)/micro.txt \
		--outdir $(BENCH_OUT) $(if $(filter 1,$(QUICK)),--quick,)
	@echo "report: $(BENCH_OUT)/report.md"

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./tests/demo.sh

clean:
	$(Q)rm -rf $(BUILD) xdp-syncookie
