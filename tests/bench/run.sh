#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tests/bench/run.sh - what `make bench` runs (issue 9, docs/BENCHMARKS.md).
#
#   1. core: tests/bench/core_bench (native, -O2): ns/op of the portable
#      core's buddy, slab and fit pools as the arena grows 4 MiB -> 16 GiB
#      (metadata-only arenas) and as the hole count grows; then the same
#      program under valgrind --tool=callgrind on small op counts:
#      instructions per op, deterministic (the regression guard).
#   2. fit: tests/bench/fit_bench 100000 (indexed fit pools vs the linear
#      reference), if it builds; compact_bench 16 5 (fl_compact_run() per
#      page moved vs memcpy, native).
#   3. box: the in-kernel pairs (fragctl bench) inside the qemu TCG box on
#      one kernel (FRAGLAB_BENCH_KERNEL, default the newest 6.12 cloud
#      kernel), booted with init_on_alloc=0 so neither side zeroes; the
#      driver is tests/box/b_bench.c, built here as t_bench and appended
#      to the box's initramfs in build/bench/ (a separate build dir: `make
#      box` never sees it).
#
# Options: --core-only, --box-only.  Environment: FRAGLAB_BENCH_KERNEL,
# FRAGLAB_BENCH_ARGS (fragctl bench options, e.g. "--only buddy"),
# FRAGLAB_BENCH_APPEND (kernel command line, default "init_on_alloc=0
# no_timer_check": the IO-APIC timer check panics a loaded TCG host).
# Everything is also logged under build/bench/.  Exit status: non-zero
# only when something failed to build or run (targets not met are data).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/vm/lib.sh"
BB=${FRAGLAB_BENCH_BUILD:-$ROOT/build/bench}
CORE=1
BOX=1
case ${1:-} in
--core-only) BOX=0 ;;
--box-only) CORE=0 ;;
"") ;;
*) echo "usage: $0 [--core-only|--box-only]" >&2; exit 2 ;;
esac
mkdir -p "$BB"
rc=0

run_core() {
	echo "==== core benchmarks (native, $(nproc) CPUs, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
	make -s -C "$ROOT/tests/bench" core >"$BB/core-build.log" 2>&1 ||
		{ cat "$BB/core-build.log"; return 1; }
	"$ROOT/tests/bench/build/core_bench" time | tee "$BB/core-time.txt"
	if command -v valgrind >/dev/null; then
		echo
		echo "==== core instruction counts (valgrind --tool=callgrind, deterministic)"
		"$ROOT/tests/bench/build/core_bench" insns | tee "$BB/core-insns.txt"
	else
		echo "valgrind not installed: no instruction counts (apt-get install valgrind)"
	fi
	if make -s -C "$ROOT/tests/bench" fit >"$BB/fit-build.log" 2>&1; then
		echo
		echo "==== fit pools vs linear reference (tests/bench/fit_bench 100000)"
		"$ROOT/tests/bench/build/fit_bench" 100000 | tee "$BB/fit.txt"
	fi
	if make -s -C "$ROOT/tests/bench" compact >"$BB/compact-build.log" 2>&1; then
		echo
		echo "==== compaction vs memcpy (tests/bench/compact_bench 16 5, native)"
		"$ROOT/tests/bench/build/compact_bench" 16 5 | tee "$BB/compact.txt"
	fi
}

run_box() {
	local kver log
	kver=$(fl_newest_kernel "${FRAGLAB_BENCH_KERNEL:-6.12.*-cloud-amd64}")
	[[ -n $kver ]] || fl_die "no kernel for the bench box"
	echo "==== in-kernel pairs in the box ($kver, qemu TCG: compare ratios, not absolute times)"
	# the box's own build (module W=1, static fragctl, initramfs) ...
	if ! FRAGLAB_BUILD=$BB bash "$ROOT/tests/vm/build.sh" "$kver" >"$BB/box-build.log" 2>&1; then
		# build.sh fails for parts the bench does not need (other box
		# tests); without an initramfs there is nothing to boot
		[[ -f $BB/vm/$kver/initramfs.cpio.gz ]] ||
			{ tail -n 30 "$BB/box-build.log"; return 1; }
		fl_warn "tests/vm/build.sh reported a failure (log: $BB/box-build.log); booting what was built"
	fi
	# ... plus /tests/t_bench, appended as a second cpio archive (the
	# kernel unpacks concatenated archives; build.sh wipes build/*/box)
	rm -rf "$BB/benchbox"
	mkdir -p "$BB/benchbox/root/tests"
	make -s -C "$ROOT/tests/box" O="$BB/benchbox" "$BB/benchbox/libfraglab.a" >>"$BB/box-build.log" 2>&1 ||
		{ tail -n 30 "$BB/box-build.log"; return 1; }
	gcc -O2 -g -Wall -Wextra -std=gnu11 -static \
		-I"$ROOT/include/uapi" -I"$ROOT/userspace/lib" -I"$ROOT/tests/box" \
		-o "$BB/benchbox/root/tests/t_bench" "$ROOT/tests/box/b_bench.c" \
		"$BB/benchbox/libfraglab.a"
	(cd "$BB/benchbox/root" && find tests | LC_ALL=C sort |
		cpio -o -H newc --quiet -R 0:0 | gzip -1) >>"$BB/vm/$kver/initramfs.cpio.gz"
	local args=${FRAGLAB_BENCH_ARGS:-}
	args=${args// /,}
	FRAGLAB_BUILD=$BB FRAGLAB_KERNELS=$kver FRAGLAB_BOX_TESTS=t_bench \
		FRAGLAB_VM_TIMEOUT=${FRAGLAB_VM_TIMEOUT:-1200} \
		FRAGLAB_TEST_TIMEOUT=${FRAGLAB_TEST_TIMEOUT:-1100} \
		FRAGLAB_VM_SLUB_DEBUG=${FRAGLAB_BENCH_SLUB_DEBUG-} \
		FRAGLAB_VM_APPEND="${FRAGLAB_BENCH_APPEND:-init_on_alloc=0 no_timer_check}${args:+ flbench.args=$args}" \
		bash "$ROOT/tests/vm/run-box.sh" --no-build >"$BB/box-run.log" 2>&1 || true
	log=$BB/vm/$kver/tap.log
	if [[ ! -s $log ]] || ! grep -q '^### bench: end rc=0' <(tr -d '\r' <"$log"); then
		echo "bench box failed; tail of $BB/box-run.log:"
		tail -n 30 "$BB/box-run.log"
		return 1
	fi
	tr -d '\r' <"$log" | sed -n '/^### bench: begin/,/^### bench: end/p' |
		grep -v '^### bench:' | tee "$BB/box-table.txt"
	grep -E '^\[.*(not ok|KERNEL LOG)' "$BB/box-run.log" || true
	tail -n 1 "$BB/box-run.log"
}

if ((CORE)); then
	run_core || rc=1
	echo
fi
if ((BOX)); then
	run_box || rc=1
fi
exit $rc
