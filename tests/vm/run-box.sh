#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tests/vm/run-box.sh - boot the fraglab test box under qemu (TCG, never KVM).
#
#   run-box.sh            build, then run the box tests on every kernel of the
#                         matrix (in parallel); print each TAP result and end
#                         with "N passed, N failed"
#   run-box.sh --demo     the guided tour (tests/vm/demo.sh), 6.12 by default
#   run-box.sh --shell    interactive busybox shell with fraglab loaded
#
# Options: --no-build (reuse build/), --kernel KVER (demo/shell, or restrict
# the test matrix to one kernel).  Environment: see docs/TESTING.md
# (FRAGLAB_KERNELS, FRAGLAB_VM_TIMEOUT, FRAGLAB_VM_MEM, FRAGLAB_VM_NODE1, FRAGLAB_VM_SMP, FRAGLAB_VM_CPU,
# FRAGLAB_VM_JOBS, FRAGLAB_BOX_TESTS, FRAGLAB_TEST_TIMEOUT, FRAGLAB_VM_APPEND,
# FRAGLAB_VM_SLUB_DEBUG, FRAGLAB_VM_ACCEL, FRAGLAB_VM_QEMU_ARGS,
# FRAGLAB_INSMOD_ARGS).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

MODE=test
BUILD=1
KERNEL=
VM_MEM=${FRAGLAB_VM_MEM:-1G}
# A second NUMA node with memory and no CPU: its one zone is quiet, so
# 01-kdiff can run the kernel's buddy there step by step (fl_kdiff.ko).
# Empty or 0: one node.
VM_NODE1=${FRAGLAB_VM_NODE1-64M}
VM_SMP=${FRAGLAB_VM_SMP:-2}
VM_CPU=${FRAGLAB_VM_CPU:-max}
# make bench: "tcg,thread=single" and "-icount shift=0,sleep=off" (guest
# nanoseconds count guest instructions; tests/bench/run.sh)
VM_ACCEL=${FRAGLAB_VM_ACCEL:-tcg}
read -r -a VM_QEMU_ARGS <<<"${FRAGLAB_VM_QEMU_ARGS:-}"
VM_JOBS=${FRAGLAB_VM_JOBS:-$(nproc)}
BOX_TESTS=${FRAGLAB_BOX_TESTS:-}
APPEND_EXTRA=${FRAGLAB_VM_APPEND:-}
# SLUB debugging for every box boot (redzones, poisoning, sanity checks,
# alloc/free owner tracking); the benchmarks boot without it (empty).
SLUB_DEBUG=${FRAGLAB_VM_SLUB_DEBUG-FZPU}
# Lines in the kernel log that fail a run.
KERNEL_BAD='WARNING:|BUG:|Oops|Call Trace|KFENCE|list_add corruption|list_del corruption|general protection fault|KASAN|UBSAN|kernel BUG|Kernel panic'

# init.sh logs this once booted, before the first test (and the first
# insmod): a report above it is the kernel's own, at boot.
BOOT_MARK='fraglab-box: boot done, tests begin'

# The lines of a kernel log (stdin) that fail a run.  Inside the brackets
# t_kfault prints around its fault-injection rounds ("fraglab-box: expected
# allocation-failure reports begin/end"), the call traces of the kernel's
# "page allocation failure" reports are expected and dropped; their header
# lines carry no bad word, and every other report (WARNING:, BUG:, KASAN,
# lockdep, ...) still has one and still fails the run.
kernel_bad_lines() {
	awk '/fraglab-box: expected allocation-failure reports begin/ { r = 1 }
	     /fraglab-box: expected allocation-failure reports end/ { r = 0 }
	     r && /Call Trace/ { next }
	     { print }' | grep -E "$KERNEL_BAD" || true
}

usage() {
	sed -n '3,16s/^# \{0,1\}//p' "$0"
	exit "${1:-0}"
}

parse_args() {
	while (($#)); do
		case $1 in
		--demo) MODE=demo ;;
		--shell) MODE=shell ;;
		--no-build) BUILD=0 ;;
		--kernel) KERNEL=${2:?--kernel needs a kernel release}; shift ;;
		-h|--help) usage 0 ;;
		*) printf 'unknown argument: %s\n' "$1" >&2; usage 2 ;;
		esac
		shift
	done
	case $MODE in
	test) VM_TIMEOUT=${FRAGLAB_VM_TIMEOUT:-600} ;;
	demo) VM_TIMEOUT=${FRAGLAB_VM_TIMEOUT:-600} ;;
	shell) VM_TIMEOUT=0 ;;
	esac
}

# The kernel for demo and shell: --kernel, else the first of FRAGLAB_KERNELS,
# else the newest 6.12 cloud kernel, else the first of the matrix.
single_kernel() {
	local k
	if [[ -n $KERNEL ]]; then
		k=$(fl_newest_kernel "$KERNEL")
		[[ -n $k ]] || fl_die "--kernel $KERNEL: no /boot/vmlinuz-$KERNEL with headers"
	elif [[ -n ${FRAGLAB_KERNELS:-} ]]; then
		k=$(fl_kernels | head -n1)
	else
		k=$(fl_newest_kernel '6.12.*-cloud-amd64')
		[[ -n $k ]] || k=$(fl_kernels | head -n1)
	fi
	[[ -n $k ]] || fl_die "no kernel found (see FRAGLAB_KERNELS in docs/TESTING.md)"
	printf '%s\n' "$k"
}

# mib SIZE: a qemu -m size (N, NM or NG) in MiB.
mib() {
	case $1 in
	*[gG]) echo $((${1%[gG]} * 1024)) ;;
	*[mM]) echo "${1%[mM]}" ;;
	*) echo "$1" ;;
	esac
}

# Memory: VM_MEM on node 0 (with the CPUs), VM_NODE1 on a CPU-less node 1.
NUMA=(-m "$VM_MEM")
if [[ -n $VM_NODE1 && $VM_NODE1 != 0 ]]; then
	NUMA=(-m "$(($(mib "$VM_MEM") + $(mib "$VM_NODE1")))M"
	      -object "memory-backend-ram,id=m0,size=$(mib "$VM_MEM")M"
	      -object "memory-backend-ram,id=m1,size=$(mib "$VM_NODE1")M"
	      -numa "node,nodeid=0,cpus=0-$((VM_SMP - 1)),memdev=m0"
	      -numa "node,nodeid=1,memdev=m1")
fi

# qemu_cmd KVER APPEND: the common qemu command line (serial ports added by
# the caller).
qemu_cmd() {
	local kver=$1 append=$2
	QEMU=(qemu-system-x86_64 -accel "$VM_ACCEL" "${VM_QEMU_ARGS[@]}"
		-cpu "$VM_CPU" -smp "$VM_SMP" "${NUMA[@]}"
		-kernel "$FL_BOOT/vmlinuz-$kver"
		-initrd "$FL_BUILD/vm/$kver/initramfs.cpio.gz"
		-append "console=ttyS0 panic=-1 oops=panic${SLUB_DEBUG:+ slub_debug=$SLUB_DEBUG} $append $APPEND_EXTRA"
		-nodefaults -no-user-config -display none -no-reboot)
}

# ---- test mode ---------------------------------------------------------------

# boot_noise DIR: the bad lines the kernel logged while booting, before
# init.sh's BOOT_MARK (and so before fraglab.ko was ever loaded).
boot_noise() {
	local con=$1/console.log
	grep -q "$BOOT_MARK" "$con" 2>/dev/null || return 0
	tr -d '\r' <"$con" | awk -v m="$BOOT_MARK" 'index($0, m) { exit } { print }' |
		kernel_bad_lines
}

# boot_noise_first DIR: the first bad boot lines of the first boot.
boot_noise_first() {
	tr -d '\r' <"$1/console.log.boot1" |
		awk -v m="$BOOT_MARK" 'index($0, m) { exit } { print }' |
		kernel_bad_lines | head -n 3
}

# boot_test KVER: boot_once, and again (at most BOOT_TRIES boots) while the
# kernel reports a problem while booting, before any test ran.  Seen on the
# debug kernel under TCG with 5-level paging (-cpu max has LA57): "BUG:
# KASAN: wild-memory-access in do_raw_spin_lock" from an interrupt in
# start_kernel(), before init, in 4 of 12 bare boots (0 of 26 with
# la57=off, which check-debug.sh therefore uses).  Such a boot tests
# nothing (the report also turns lockdep off for the rest of the run).  The
# first bad boot's logs are kept as *.boot1 and report_kernel() names the
# report; the last boot's bad lines fail the run as usual.
BOOT_TRIES=3
boot_test() {
	local kver=$1 dir=$FL_BUILD/vm/$1 f try=1
	rm -f "$dir"/*.boot1 "$dir/boots"
	boot_once "$kver"
	while ((try < BOOT_TRIES)) && [[ -n $(boot_noise "$dir") ]]; do
		if [[ ! -f $dir/console.log.boot1 ]]; then
			for f in console.log tap.log qemu.rc time; do
				[[ -f $dir/$f ]] && mv "$dir/$f" "$dir/$f.boot1"
			done
		fi
		try=$((try + 1))
		boot_once "$kver"
	done
	echo "$try" >"$dir/boots"
}

# boot_once KVER: one VM, logs in build/vm/KVER/, exit status in qemu.rc.
boot_once() {
	# loglevel=5: warnings and worse on the console as they happen (a hang
	# still shows them); the full dmesg is dumped at the end anyway.
	local kver=$1 dir=$FL_BUILD/vm/$1 append="loglevel=5 flbox.mode=test" t0 t1
	[[ -n $BOX_TESTS ]] && append+=" flbox.tests=$BOX_TESTS"
	[[ -n ${FRAGLAB_TEST_TIMEOUT:-} ]] && append+=" flbox.test_timeout=$FRAGLAB_TEST_TIMEOUT"
	rm -f "$dir"/{console.log,tap.log,qemu.out,qemu.rc,time}
	qemu_cmd "$kver" "$append"
	t0=$(date +%s%N)
	local rc=0
	timeout -k 5 "$VM_TIMEOUT" "${QEMU[@]}" \
		-serial "file:$dir/console.log" -serial "file:$dir/tap.log" \
		</dev/null >"$dir/qemu.out" 2>&1 || rc=$?
	t1=$(date +%s%N)
	echo "$rc" >"$dir/qemu.rc"
	echo "$(( (t1 - t0) / 1000000 ))" >"$dir/time"
}

# tap_lines KVER: the TAP section of the results log, \r stripped.
tap_section() {
	tr -d '\r' <"$1" | sed '/^### flbox: done/,$d'
}
dmesg_section() {
	tr -d '\r' <"$1" | sed -n '/^### flbox: dmesg-begin/,/^### flbox: dmesg-end/p'
}

# report_kernel KVER: print the kernel's results; sets K_PASS and K_FAIL.
report_kernel() {
	local kver=$1 dir=$FL_BUILD/vm/$1 rc ms bad
	rc=$(cat "$dir/qemu.rc" 2>/dev/null || echo 255)
	ms=$(cat "$dir/time" 2>/dev/null || echo 0)
	echo "---- $kver (VM ran $((ms / 1000)).$(( (ms % 1000) / 100 ))s)"
	touch "$dir/tap.log" "$dir/console.log"
	if [[ -f $dir/console.log.boot1 ]]; then
		echo "[$kver] note: booted $(cat "$dir/boots" 2>/dev/null || echo 2) times: the kernel reported a problem while booting, before any test ran (not fraglab's; first such log: ${dir#$FL_ROOT/}/console.log.boot1):"
		boot_noise_first "$dir" | sed "s/^/[$kver]   /"
	fi

	# Each ok / not ok line, prefixed; comments after a "not ok" follow it.
	tap_section "$dir/tap.log" | awk -v k="$kver" '
		/^### flbox: begin / { t = $4; shown = 0; next }
		/^### flbox: end / { printf "[%s] %s: (%s, %s)\n", k, t, substr($6, 6), $5; next }
		/^### flbox:/ { next }
		/^(not )?ok([ \t]|$)/ {
			printf "[%s] %s: %s\n", k, t, $0
			shown = ($0 ~ /^not ok/)
			next
		}
		/^#/ && shown { printf "[%s] %s:     %s\n", k, t, $0 }'
	read -r K_PASS K_FAIL < <(tap_section "$dir/tap.log" | awk '
		/^(not )?ok([ \t]|$)/ { if ($0 ~ /^not ok/ && $0 !~ /# *TODO/) nf++; else np++ }
		END { printf "%d %d\n", np, nf }')

	local health=
	if ((rc == 124 || rc == 137)); then
		health="TIMEOUT: the VM did not power off within ${VM_TIMEOUT}s (hang)"
	elif ! grep -q '^### flbox: done' <(tr -d '\r' <"$dir/tap.log"); then
		health="the VM stopped before the tests finished (qemu exit $rc: panic or crash?)"
	fi
	bad=$({ cat "$dir/console.log"; dmesg_section "$dir/tap.log"; } | tr -d '\r' |
		kernel_bad_lines | awk '!seen[$0]++' | head -n 40 || true)
	if [[ -n $bad ]]; then
		echo "[$kver] KERNEL LOG: bad lines (full log: ${dir#$FL_ROOT/}/console.log):"
		printf '%s\n' "$bad" | sed "s/^/[$kver]   /"
		health=${health:-"kernel log has WARNING/BUG/Oops/... lines"}
	fi
	if [[ -n $health ]]; then
		echo "[$kver] FAIL: $health"
		if [[ -z $bad ]] || ((rc == 124 || rc == 137)); then
			echo "[$kver] last lines of the console log:"
			tr -d '\r' <"$dir/console.log" | tail -n 30 | sed "s/^/[$kver]   /"
			echo "[$kver] last lines of the results log:"
			tr -d '\r' <"$dir/tap.log" | tail -n 10 | sed "s/^/[$kver]   /"
		fi
		K_FAIL=$((K_FAIL + 1))
	fi
	if ((K_PASS + K_FAIL == 0)); then
		echo "[$kver] FAIL: no test ran"
		K_FAIL=1
	fi
	echo "[$kver] $K_PASS passed, $K_FAIL failed"
}

run_tests() {
	local kvers kver pass=0 fail=0 running=0 t0 t1 ready=()
	if [[ -n $KERNEL ]]; then
		kvers=("$(single_kernel)")
	else
		mapfile -t kvers < <(fl_kernels)
	fi
	((${#kvers[@]})) || fl_die "no kernel to test (see FRAGLAB_KERNELS in docs/TESTING.md)"
	if ((BUILD)) && ! bash "$FL_ROOT/tests/vm/build.sh" "${kvers[@]}"; then
		echo "box: FAIL: the build failed (see above); testing what was built"
		fail=1
	fi
	for kver in "${kvers[@]}"; do
		if [[ -f $FL_BUILD/vm/$kver/initramfs.cpio.gz ]]; then
			ready+=("$kver")
		else
			echo "[$kver] FAIL: no initramfs (fraglab.ko or the box did not build)"
			fail=$((fail + 1))
		fi
	done
	if ((${#ready[@]} == 0)); then
		echo "$pass passed, $fail failed"
		return 1
	fi
	kvers=("${ready[@]}")
	fl_log "booting ${#kvers[@]} kernel(s), $VM_JOBS at a time, ${VM_TIMEOUT}s limit each: ${kvers[*]}"
	t0=$(date +%s)
	for kver in "${kvers[@]}"; do
		if ((running >= VM_JOBS)); then
			wait -n
			running=$((running - 1))
		fi
		boot_test "$kver" &
		running=$((running + 1))
	done
	wait
	t1=$(date +%s)
	for kver in "${kvers[@]}"; do
		report_kernel "$kver"
		pass=$((pass + K_PASS))
		fail=$((fail + K_FAIL))
	done
	echo "box: ${#kvers[@]} kernel(s) in $((t1 - t0))s"
	echo "$pass passed, $fail failed"
	((fail == 0))
}

# ---- demo and shell ------------------------------------------------------------

run_demo() {
	local kver dir rc=0 bad
	kver=$(single_kernel)
	dir=$FL_BUILD/vm/$kver
	if ((BUILD)); then
		bash "$FL_ROOT/tests/vm/build.sh" "$kver" || fl_die "build failed"
	fi
	fl_log "demo on $kver (kernel console: ${dir#$FL_ROOT/}/console.log)"
	qemu_cmd "$kver" "flbox.mode=demo"
	set +e
	timeout -k 5 "$VM_TIMEOUT" "${QEMU[@]}" \
		-serial "file:$dir/console.log" -serial stdio </dev/null |
		tr -d '\r' | tee "$dir/demo.log" | grep --line-buffered -v '^### flbox:'
	rc=${PIPESTATUS[0]}
	set -e
	if ((rc == 124 || rc == 137)); then
		echo "demo: TIMEOUT after ${VM_TIMEOUT}s; last kernel console lines:"
		tr -d '\r' <"$dir/console.log" | tail -n 30
		return 1
	fi
	bad=$(tr -d '\r' <"$dir/console.log" | kernel_bad_lines)
	if [[ -n $bad ]]; then
		echo "demo: the kernel log has bad lines:"
		printf '%s\n' "$bad"
		return 1
	fi
	if ! grep -q '^### flbox: demo rc=0' "$dir/demo.log"; then
		echo "demo: did not finish cleanly (qemu exit $rc)"
		return 1
	fi
}

run_shell() {
	local kver
	[[ -t 0 ]] || fl_die "vm-shell needs a terminal on stdin"
	kver=$(single_kernel)
	if ((BUILD)); then
		bash "$FL_ROOT/tests/vm/build.sh" "$kver" || fl_die "build failed"
	fi
	qemu_cmd "$kver" "quiet flbox.mode=shell flbox.insmod=\"${FRAGLAB_INSMOD_ARGS:-}\""
	fl_log "booting $kver; leave with 'poweroff -f' or Ctrl-A X"
	# qemu reads the initramfs at start: no need to keep other runs waiting
	exec 9>&-
	exec "${QEMU[@]}" -serial mon:stdio
}

main() {
	parse_args "$@"
	command -v qemu-system-x86_64 >/dev/null || fl_die "qemu-system-x86_64 missing: make deps"
	fl_lock
	case $MODE in
	test) run_tests ;;
	demo) run_demo ;;
	shell) run_shell ;;
	esac
}

# Sourced (tests/vm/logcheck-test.sh): the functions only.
[[ ${BASH_SOURCE[0]} != "$0" ]] || main "$@"
