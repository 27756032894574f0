#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tests/bench/run.sh - what `make bench` runs (issue 9, docs/BENCHMARKS.md).
#
#   1. native: tests/bench/native_bench (the portable core, -O2): 15 runs
#      of every pair against its baseline in the same process (malloc of
#      glibc/jemalloc/tcmalloc, a textbook buddy, memcpy, the linear fit
#      reference), the median of per-run ratios and its 95% bootstrap
#      interval, met only when the interval is below the target; then 1
#      vs 2 threads (scale).  core_bench insns: the core under valgrind
#      --tool=callgrind, instructions per op (what guard.sh checks).
#   2. box: the in-kernel pairs (fragctl bench --icount) inside the qemu
#      box on one kernel (FRAGLAB_BENCH_KERNEL, default the newest 6.12
#      cloud kernel), under -accel tcg,thread=single -icount
#      shift=0,sleep=off: guest time counts guest instructions, so the
#      tables are instructions per op and repeat.  Booted twice, with
#      init_on_alloc=0 and =1 (FRAGLAB_BENCH_INIT); in each boot the table
#      is made twice and every value must agree within 1% between the
#      two (FRAGLAB_BENCH_AGREE).  The driver is tests/box/b_bench.c,
#      built here as t_bench and appended to the box's initramfs in
#      build/bench/ (a separate build dir: `make box` never sees it).
#
# Options: --core-only, --box-only.  Environment: FRAGLAB_BENCH_KERNEL,
# FRAGLAB_BENCH_ARGS (fragctl bench options, default "--iterations 2000
# --runs 3", with init_on_alloc=1 200 iterations), FRAGLAB_BENCH_INIT ("0 1"), FRAGLAB_BENCH_AGREE (1),
# FRAGLAB_BENCH_APPEND (more kernel command line, default
# "no_timer_check": the IO-APIC timer check panics a loaded TCG host).
# Everything is also logged under build/bench/.  Exit status: non-zero
# when something failed to build or run, or two runs disagree (targets
# not met are data).
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
	echo "==== native timings of the portable core (-O2, $(nproc) CPUs, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg))"
	make -s -C "$ROOT/tests/bench" core native >"$BB/core-build.log" 2>&1 ||
		{ cat "$BB/core-build.log"; return 1; }
	"$ROOT/tests/bench/build/native_bench" pairs | tee "$BB/native-pairs.txt"
	echo
	"$ROOT/tests/bench/build/native_bench" scale | tee "$BB/native-scale.txt"
	if command -v valgrind >/dev/null; then
		echo
		echo "==== core instruction counts (valgrind --tool=callgrind, deterministic)"
		"$ROOT/tests/bench/build/core_bench" insns | tee "$BB/core-insns.txt"
	else
		echo "valgrind not installed: no instruction counts (apt-get install valgrind)"
	fi
}

# box_boot KVER INIT: boot the bench box with init_on_alloc=INIT under
# -icount; the tables of the runs go to $BB/box-init$INIT-run$N.txt.
box_boot() {
	local kver=$1 init=$2 log n
	# with init_on_alloc=1 a zeroed order-9 pair is 2*10^6 instructions
	# (rep stosb counts per byte): fewer iterations keep that boot short
	local def="--iterations 2000 --runs 3"
	((init)) && def="--iterations 200 --runs 3"
	local args="${FRAGLAB_BENCH_ARGS:-$def} --icount"
	args=${args// /,}
	FRAGLAB_BUILD=$BB FRAGLAB_KERNELS=$kver FRAGLAB_BOX_TESTS=t_bench \
		FRAGLAB_VM_ACCEL=tcg,thread=single \
		FRAGLAB_VM_QEMU_ARGS="-icount shift=0,sleep=off" \
		FRAGLAB_VM_TIMEOUT=${FRAGLAB_VM_TIMEOUT:-2400} \
		FRAGLAB_TEST_TIMEOUT=${FRAGLAB_TEST_TIMEOUT:-2300} \
		FRAGLAB_VM_SLUB_DEBUG=${FRAGLAB_BENCH_SLUB_DEBUG-} \
		FRAGLAB_VM_APPEND="init_on_alloc=$init ${FRAGLAB_BENCH_APPEND:-no_timer_check} flbench.args=$args" \
		bash "$ROOT/tests/vm/run-box.sh" --no-build >"$BB/box-init$init.log" 2>&1 || true
	log=$BB/vm/$kver/tap.log
	for n in 1 2; do
		if [[ ! -s $log ]] || ! grep -q "^### bench: end $n rc=0" <(tr -d '\r' <"$log"); then
			echo "bench box (init_on_alloc=$init) failed in run $n; tail of $BB/box-init$init.log:"
			tail -n 30 "$BB/box-init$init.log"
			return 1
		fi
		tr -d '\r' <"$log" | sed -n "/^### bench: begin $n /,/^### bench: end $n /p" |
			grep -v '^### bench:' >"$BB/box-init$init-run$n.txt"
	done
	grep -E '^\[.*(not ok|KERNEL LOG)' "$BB/box-init$init.log" || true
}

# box_agree A B: every row's fraglab and kernel values of two runs agree
# within FRAGLAB_BENCH_AGREE percent (default 1): the in-box numbers are
# instruction counts, so they must repeat.
box_agree() {
	awk -v lim="${FRAGLAB_BENCH_AGREE:-1}" '
		function num(x) { return x ~ /^[0-9.]+$/ }
		function cmp(what, a, b,   d) {
			if (!num(a) || !num(b)) return
			d = (a > b ? a - b : b - a) * 100 / (a > b ? a : b)
			if (d > worst) worst = d
			if (d > lim) { printf "  differ: %s %s: %s vs %s (%.2f%%)\n", row, what, a, b, d; bad++ }
		}
		/^#|^pair|^ / { next }
		{ row = substr($0, 1, 43); sub(/ +$/, "", row); $0 = substr($0, 45) }
		NR == FNR { fl[row] = $1; k[row] = $2; next }
		{ n++; cmp("fraglab", fl[row], $1); cmp("kernel", k[row], $2) }
		END {
			printf "agreement of two runs: %d rows, largest difference %.3f%% (limit %s%%): %s\n", n, worst, lim, bad ? "FAILED" : "ok"
			exit bad > 0 || n == 0
		}' "$1" "$2"
}

run_box() {
	local kver init rc=0
	kver=$(fl_newest_kernel "${FRAGLAB_BENCH_KERNEL:-6.12.*-cloud-amd64}")
	[[ -n $kver ]] || fl_die "no kernel for the bench box"
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
	for init in ${FRAGLAB_BENCH_INIT:-0 1}; do
		echo "==== in-kernel pairs, $kver, qemu -icount shift=0 (guest instructions per op), init_on_alloc=$init"
		box_boot "$kver" "$init" || { rc=1; continue; }
		cat "$BB/box-init$init-run1.txt"
		box_agree "$BB/box-init$init-run1.txt" "$BB/box-init$init-run2.txt" || rc=1
		echo
	done
	return $rc
}

if ((CORE)); then
	run_core || rc=1
	echo
fi
if ((BOX)); then
	run_box || rc=1
fi
exit $rc
