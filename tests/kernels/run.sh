#!/usr/bin/env bash
# Kernel test bench: boots another kernel under qemu, with this machine's root filesystem
# read-only over 9p under a tmpfs overlay, runs named suites inside, ends with "N passed, N failed".
#
# Usage: tests/kernels/run.sh [-k KERNEL]... [-l LOGDIR] [SUITE...]   (root; `make` first)
#   KERNEL  debian12   Debian 12's stock kernel, linux-image-6.1.0-N-amd64 for the newest N
#                      apt knows (the default)
#           linux-image-6.1.0-N-amd64, or any Debian kernel image package that holds its
#                      modules: fetched with apt-get download into build/kernels/cache,
#                      unpacked with dpkg-deb -x, never installed
#           host       the running kernel, if an image of it is on this machine
#           PATH       a bzImage; its modules from $XSC_KERNEL_MODULES (a lib/modules/VERSION
#                      directory) or none (9p, virtio-pci and overlay then built in), its
#                      config from $XSC_KERNEL_CONFIG
#   SUITE   guest      the bench's own checks (tests/kernels/selftest.sh): the kernel booted
#                      is the one asked for, the overlay, no host network, netns, veth, XDP
#           objects    tests/kernels/objects.sh: does the kernel take each BPF object, and why not
#           unit       build/test_unit
#           cli        tests/cli/test_cli.sh
#           parsers    tests/fuzz/run_parsers.sh, $XSC_PARSER_SECONDS (default 10) each
#           integration[:TEST,TEST...]   tests/integration/run.sh, every test or those named
#
# Each kernel boots once and runs every suite, each under $XSC_SUITE_TIMEOUT (default 900 s);
# the whole boot is cut at $XSC_KERNEL_TIMEOUT (default 3600 s). KVM is tried first
# (XSC_ACCEL=auto): if the guest has not reached its init within $XSC_KVM_BOOT_TIMEOUT
# (default 20 s), it is stopped and the kernel boots again under TCG. XSC_ACCEL=tcg or kvm
# forces one. The guest has no network device (-nic none): its traffic stays in its own
# namespaces. Logs: LOGDIR (default build/kernels/runs/TIMESTAMP), one directory per kernel
# with the console log and each suite's log.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
KDIR=$ROOT/build/kernels
CACHE=$KDIR/cache
ACCEL=${XSC_ACCEL:-auto}
KVM_BOOT_TIMEOUT=${XSC_KVM_BOOT_TIMEOUT:-20}
KERNEL_TIMEOUT=${XSC_KERNEL_TIMEOUT:-3600}
SUITE_TIMEOUT=${XSC_SUITE_TIMEOUT:-900}
GUEST_MEM=${XSC_GUEST_MEM:-2048}	# MiB; the overlay's tmpfs takes what the suites write
GUEST_CPUS=${XSC_GUEST_CPUS:-2}
QEMU=${QEMU:-qemu-system-x86_64}
BUSYBOX=${BUSYBOX:-/bin/busybox}	# busybox-static: the initramfs has no libraries
# What the guest's root needs before it can be mounted: the 9p transport, 9p itself and the
# overlay. Whichever a kernel builds in (modules.builtin) is skipped.
ROOT_MODULES=(virtio_pci 9pnet_virtio 9p overlay)

QEMU_PID=""
WATCH_PID=""

log()
{
	echo "kernels: $*" >&2
}

cleanup()
{
	local pid

	for pid in $QEMU_PID $WATCH_PID; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in $QEMU_PID $WATCH_PID; do
		wait "$pid" 2>/dev/null || true
	done
	QEMU_PID=""
	WATCH_PID=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- kernels: resolve a KERNEL argument to an image, its version and its modules ---------

# Sets K_NAME, K_IMAGE, K_KVER, K_MODDIR (empty when the kernel has no modules here) and
# K_KCONFIG (its config, which the guest gets as /boot/config-VERSION: libbpf reads
# __kconfig externs from there or /proc/config.gz), or sets WHY and returns 1. Not run in a
# subshell: what it sets is the caller's.
resolve_kernel()
{
	local spec=$1 pkg kver f

	K_NAME=$spec K_IMAGE="" K_KVER="" K_MODDIR="" K_KCONFIG=""
	case "$spec" in
	debian12)
		# linux-image-amd64 is the metapackage; it depends on the current ABI's image.
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-6\.1\.0-[0-9]*-amd64\)$/\1/p' | head -n 1)
		[ -n "$pkg" ] || pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' \
			2>/dev/null | awk '{print $1}' | sort -V | tail -n 1)
		[ -n "$pkg" ] || { WHY="apt knows no linux-image-6.1.0-*-amd64 (apt-get update?)"; return 1; }
		resolve_package "$pkg"
		;;
	linux-image-*)
		resolve_package "$spec"
		;;
	host)
		kver=$(uname -r)
		for f in "/boot/vmlinuz-$kver" "/lib/modules/$kver/vmlinuz" "/usr/lib/modules/$kver/vmlinuz"; do
			[ -f "$f" ] && { K_IMAGE=$f; break; }
		done
		[ -n "$K_IMAGE" ] || { WHY="no bootable image of the running kernel $kver on this machine"
			WHY+=" (looked for /boot/vmlinuz-$kver, /lib/modules/$kver/vmlinuz,"
			WHY+=" /usr/lib/modules/$kver/vmlinuz)"
			return 1; }
		K_NAME="host-$kver" K_KVER=$kver
		[ ! -d "/lib/modules/$kver/kernel" ] || K_MODDIR=/lib/modules/$kver
		[ ! -f "/boot/config-$kver" ] || K_KCONFIG=/boot/config-$kver
		;;
	*/*)
		[ -f "$spec" ] || { WHY="$spec: no such file"; return 1; }
		K_IMAGE=$(realpath "$spec") K_NAME=$(basename "$spec")
		K_MODDIR=${XSC_KERNEL_MODULES:-}
		[ -z "$K_MODDIR" ] || K_MODDIR=$(realpath "$K_MODDIR")
		K_KVER=${K_MODDIR:+$(basename "$K_MODDIR")}
		K_KCONFIG=${XSC_KERNEL_CONFIG:-}
		;;
	*)
		WHY="unknown kernel '$spec' (debian12, linux-image-..., host or a path to a bzImage)"
		return 1
		;;
	esac
}

# A Debian kernel image package: downloaded once into the cache, unpacked once, depmod run
# on the unpacked tree (the package's postinst would run it; the host's kmod does here).
resolve_package()
{
	local pkg=$1 deb tree kver out

	mkdir -p "$CACHE"
	deb=$(find "$CACHE" -maxdepth 1 -name "${pkg}_*.deb" | sort -V | tail -n 1)
	if [ -z "$deb" ]; then
		log "downloading $pkg into $CACHE"
		# apt warns that it cannot drop root for a directory _apt cannot write: harmless.
		out=$(cd "$CACHE" && timeout 900 apt-get download -q "$pkg" 2>&1) ||
			{ WHY="apt-get download $pkg failed: $(tail -n 2 <<<"$out")"; return 1; }
		deb=$(find "$CACHE" -maxdepth 1 -name "${pkg}_*.deb" | sort -V | tail -n 1)
		[ -n "$deb" ] || { WHY="apt-get download $pkg left no ${pkg}_*.deb in $CACHE"; return 1; }
	fi
	tree=$KDIR/$(basename "$deb" .deb)
	if [ ! -e "$tree/.unpacked" ]; then
		log "unpacking $(basename "$deb") into $tree"
		rm -rf "$tree"
		timeout 600 dpkg-deb -x "$deb" "$tree" || { WHY="dpkg-deb -x $deb failed"; return 1; }
		kver=$(find "$tree/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | head -n 1)
		[ -n "$kver" ] || { WHY="$deb holds no lib/modules/VERSION"; return 1; }
		timeout 300 depmod -b "$tree" "$kver" || { WHY="depmod on $tree failed"; return 1; }
		touch "$tree/.unpacked"
	fi
	kver=$(find "$tree/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | head -n 1)
	K_NAME=$pkg K_KVER=$kver K_MODDIR=$tree/lib/modules/$kver K_IMAGE=$tree/boot/vmlinuz-$kver
	K_KCONFIG=$tree/boot/config-$kver
	[ -f "$K_IMAGE" ] || { WHY="$deb holds no boot/vmlinuz-$kver"; return 1; }
}

# ---- the initramfs: busybox, the root's modules, /init ----------------------------------

# Prints the module files NAME needs, dependencies first, relative to MODDIR; nothing for a
# module the kernel has built in. Fails for a module it has neither way.
module_closure()
{
	local moddir=$1 name=$2 line path deps i

	line=$(grep -E "(^|/)${name}\.ko(\.xz|\.zst|\.gz)?:" "$moddir/modules.dep" | head -n 1) || true
	if [ -z "$line" ]; then
		grep -qE "(^|/)${name}\.ko$" "$moddir/modules.builtin" 2>/dev/null && return 0
		echo "module $name: neither in modules.dep nor in modules.builtin of $moddir" >&2
		return 1
	fi
	path=${line%%:*}
	read -r -a deps <<<"${line#*:}"
	# modules.dep lists a module's dependencies deepest last: load them from the end.
	for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
		echo "${deps[i]}"
	done
	echo "$path"
}

# Builds OUT (a gzipped newc cpio) for a kernel whose modules are in MODDIR (may be empty).
build_initramfs()
{
	local moddir=$1 out=$2 stage name f dst
	local -a files=()

	stage=$(mktemp -d "$KDIR/initramfs.XXXXXX")
	mkdir -p "$stage"/{bin,sbin,dev,proc,sys,lower,upper,newroot,modules}
	cp "$BUSYBOX" "$stage/bin/busybox"
	# The kernel opens /dev/console for init before anything is mounted.
	mknod "$stage/dev/console" c 5 1
	cp "$HERE/init.sh" "$stage/init"
	chmod 0755 "$stage/init"
	if [ -n "$moddir" ]; then
		for name in "${ROOT_MODULES[@]}"; do
			mapfile -t -O "${#files[@]}" files < <(module_closure "$moddir" "$name") ||
				{ rm -rf "$stage"; return 1; }
		done
	fi
	: >"$stage/modules/load"
	for f in "${files[@]}"; do
		dst=$(basename "$f")
		dst=${dst%.xz} dst=${dst%.zst} dst=${dst%.gz}
		[ ! -e "$stage/modules/$dst" ] || continue
		# Decompressed here so busybox insmod needs no xz or zstd support.
		case "$f" in
		*.xz) xz -dc "$moddir/$f" >"$stage/modules/$dst" ;;
		*.zst) zstd -qdc "$moddir/$f" >"$stage/modules/$dst" ;;
		*.gz) gzip -dc "$moddir/$f" >"$stage/modules/$dst" ;;
		*) cp "$moddir/$f" "$stage/modules/$dst" ;;
		esac
		echo "$dst" >>"$stage/modules/load"
	done
	(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$out"
	rm -rf "$stage"
}

# ---- booting ----------------------------------------------------------------------------

# Starts qemu in the background with ACCEL (kvm or tcg); sets QEMU_PID.
start_qemu()
{
	local accel=$1 dir=$2 initrd=$3
	local -a accel_args

	if [ "$accel" = kvm ]; then
		accel_args=(-accel kvm -cpu host)
	else
		accel_args=(-accel "tcg,thread=multi" -cpu max)
	fi
	: >"$dir/console.log"
	# -nodefaults: no NIC, no VGA, no default serial or monitor but those named. The host's
	# root is shared read-only; out/ (results) is the only directory the guest can write.
	timeout -k 10 "$KERNEL_TIMEOUT" "$QEMU" -nodefaults -no-user-config -no-reboot \
		"${accel_args[@]}" -m "$GUEST_MEM" -smp "$GUEST_CPUS" \
		-display none -monitor none -nic none \
		-chardev "file,id=con,path=$dir/console.log" -serial chardev:con \
		-kernel "$K_IMAGE" -initrd "$initrd" \
		-append "console=ttyS0 loglevel=4 panic=-1 rdinit=/init" \
		-virtfs local,path=/,mount_tag=xsc-root,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$dir/out,mount_tag=xsc-out,security_model=none,multidevs=remap" \
		>"$dir/qemu-$accel.log" 2>&1 &
	QEMU_PID=$!
	echo "$accel" >"$dir/accel"
}

# Waits until the guest's init says it runs, up to SECONDS; fails if it did not or qemu ended.
wait_init()
{
	local dir=$1 secs=$2 i

	for ((i = 0; i < secs * 2; i++)); do
		grep -q '^xsc-kernels: init ' "$dir/console.log" 2>/dev/null && return 0
		kill -0 "$QEMU_PID" 2>/dev/null || return 1
		sleep 0.5
	done
	return 1
}

stop_qemu()
{
	[ -n "$QEMU_PID" ] || return 0
	kill -TERM "$QEMU_PID" 2>/dev/null || true
	wait "$QEMU_PID" 2>/dev/null || true
	QEMU_PID=""
}

# Boots the resolved kernel once with every suite; leaves results in DIR/out and, when the
# boot itself went wrong, why in BOOT_WHY. Not run in a subshell: the EXIT trap must see QEMU_PID.
boot_kernel()
{
	local dir=$1 initrd=$2 rc=0 why
	shift 2

	BOOT_WHY=""
	mkdir -p "$dir/out"
	rm -f "$dir/out/"* "$dir"/console*.log "$dir"/qemu-*.log
	{
		printf 'XSC_ROOT=%q\n' "$ROOT"
		printf 'XSC_MODDIR=%q\n' "$K_MODDIR"
		printf 'XSC_KVER=%q\n' "$K_KVER"
		printf 'XSC_KCONFIG=%q\n' "$K_KCONFIG"
		printf 'XSC_KERNEL_NAME=%q\n' "$K_NAME"
		printf 'XSC_SUITE_TIMEOUT=%q\n' "$SUITE_TIMEOUT"
		printf 'XSC_PARSER_SECONDS=%q\n' "${XSC_PARSER_SECONDS:-10}"
		printf 'XSC_TEST_TIMEOUT=%q\n' "${XSC_TEST_TIMEOUT:-300}"
		printf 'XSC_SUITES=(%s)\n' "$(printf '%q ' "$@")"
	} >"$dir/out/plan"

	if [ "$ACCEL" != tcg ] && [ -w /dev/kvm ]; then
		start_qemu kvm "$dir" "$initrd"
		# stderr closed: bash would print its own notice when a crashed qemu is reaped.
		if wait_init "$dir" "$KVM_BOOT_TIMEOUT" 2>/dev/null; then
			log "$K_NAME: booted under KVM"
		else
			if kill -0 "$QEMU_PID" 2>/dev/null; then
				why="the KVM guest did not reach its init in ${KVM_BOOT_TIMEOUT}s"
			else
				why="qemu under KVM ended before the guest's init: $(head -n 1 "$dir/qemu-kvm.log")"
			fi
			stop_qemu 2>/dev/null
			mv "$dir/console.log" "$dir/console-kvm.log"
			if [ "$ACCEL" = kvm ]; then
				BOOT_WHY=$why
				return 1
			fi
			log "$K_NAME: $why; booting again under TCG (emulation)"
		fi
	elif [ "$ACCEL" = kvm ]; then
		BOOT_WHY="XSC_ACCEL=kvm but /dev/kvm is not writable"
		return 1
	fi
	if [ -z "$QEMU_PID" ]; then
		start_qemu tcg "$dir" "$initrd"
		log "$K_NAME: booting under TCG (emulation)"
	fi
	# The console as it comes, less the serial line's carriage returns.
	tail -n +1 -F --pid="$QEMU_PID" "$dir/console.log" 2>/dev/null | sed -u 's/\r$//; s/^/  | /' &
	WATCH_PID=$!
	wait "$QEMU_PID" || rc=$?
	QEMU_PID=""
	wait "$WATCH_PID" 2>/dev/null || true
	WATCH_PID=""
	case "$rc" in
	0) ;;
	124 | 137) BOOT_WHY="the guest was stopped after ${KERNEL_TIMEOUT}s (XSC_KERNEL_TIMEOUT)" ;;
	*) BOOT_WHY="qemu exited with status $rc: $(tail -n 3 "$dir/qemu-$(cat "$dir/accel").log")" ;;
	esac
}

# ---- results ----------------------------------------------------------------------------

# Adds SUITE's outcome on this kernel to the totals and prints it, with its first failure.
count_suite()
{
	local dir=$1 suite=$2 why=$3 line rc summary reason secs p f

	line=$(awk -F '\t' -v s="$suite" '$1 == s' "$dir/out/results" 2>/dev/null | tail -n 1)
	if [ -z "$line" ]; then
		FAILED=$((FAILED + 1))
		echo "FAIL $K_NAME $suite: no result${why:+: $why}"
		return
	fi
	# A tab is IFS white space, so empty fields would merge: split on \x1f instead.
	IFS=$'\x1f' read -r _ rc summary reason secs <<<"${line//$'\t'/$'\x1f'}"
	if [ -z "$summary" ]; then
		FAILED=$((FAILED + 1))
		echo "FAIL $K_NAME $suite: could not start or gave no summary (${secs}s): ${reason:-exit $rc}"
		return
	fi
	p=${summary%% passed*}
	f=${summary#*passed, } f=${f%% failed*}
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		FAILED=$((FAILED + 1))
		echo "FAIL $K_NAME $suite: $summary but exit status $rc (${secs}s)${reason:+: $reason}"
	elif [ "$f" -ne 0 ]; then
		echo "FAIL $K_NAME $suite: $summary (${secs}s)"
		[ -z "$reason" ] || echo "     first: $reason"
	else
		echo "ok   $K_NAME $suite: $summary (${secs}s)"
	fi
}

preflight()
{
	local tool

	[ "$(id -u)" -eq 0 ] || { echo "must run as root"; return 1; }
	for tool in "$QEMU" cpio dpkg-deb depmod apt-get "$BUSYBOX"; do
		command -v "$tool" >/dev/null || { echo "$tool not installed (make deps)"; return 1; }
	done
	case "$ROOT" in
	*[[:space:]]*) echo "the checkout's path has a space: $ROOT"; return 1 ;;
	esac
}

main()
{
	local logdir="" kernel dir why start suite
	local -a kernels=() suites=()

	while [ $# -gt 0 ]; do
		case "$1" in
		-k)
			kernels+=("$2")
			shift 2
			;;
		-l)
			logdir=$2
			shift 2
			;;
		-h | --help)
			sed -n '2,/^set -euo/{/^set/d;s/^# \{0,1\}//;p}' "$0"
			return 0
			;;
		*)
			suites+=("$1")
			shift
			;;
		esac
	done
	[ ${#kernels[@]} -gt 0 ] || kernels=(debian12)
	[ ${#suites[@]} -gt 0 ] || suites=(guest)
	for suite in "${suites[@]}"; do
		case "$suite" in
		guest | objects | unit | cli | parsers | integration | integration:?*) ;;
		*) echo "unknown suite $suite (guest, objects, unit, cli, parsers, integration[:TEST,...])" >&2
			return 2 ;;
		esac
	done
	PASSED=0 FAILED=0
	if ! why=$(preflight); then
		echo "FAIL preflight: $why"
		echo "0 passed, 1 failed"
		return 1
	fi
	[ -n "$logdir" ] || logdir=$KDIR/runs/$(date +%Y%m%d-%H%M%S)
	mkdir -p "$logdir"
	log "kernels: ${kernels[*]}; suites: ${suites[*]}; logs in $logdir"

	for kernel in "${kernels[@]}"; do
		start=$SECONDS
		WHY=""
		if ! resolve_kernel "$kernel"; then
			FAILED=$((FAILED + 1))
			echo "FAIL $kernel: $WHY"
			continue
		fi
		dir=$logdir/$K_NAME
		mkdir -p "$dir"
		log "$K_NAME: image $K_IMAGE, modules ${K_MODDIR:-none}"
		if ! why=$(build_initramfs "$K_MODDIR" "$dir/initramfs.gz" 2>&1); then
			FAILED=$((FAILED + 1))
			echo "FAIL $K_NAME: building its initramfs failed: $why"
			continue
		fi
		boot_kernel "$dir" "$dir/initramfs.gz" "${suites[@]}" || true
		why=$BOOT_WHY
		[ -z "$why" ] || log "$K_NAME: $why"
		[ -e "$dir/out/done" ] || why=${why:-the guest ended before its last suite (see $dir/console.log)}
		log "$K_NAME: $(uname -m) guest under $(cat "$dir/accel" 2>/dev/null || echo nothing)," \
			"$((SECONDS - start)) s, logs in $dir"
		for suite in "${suites[@]}"; do
			count_suite "$dir" "$suite" "$why"
		done
	done
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}

main "$@"
