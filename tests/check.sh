#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tests/check.sh - everything `make check` runs, in order:
#
#   deps        tests/vm/deps.sh (missing Debian packages)
#   unit        make -C tests/unit run     (its own "N passed, N failed")
#   userspace   tests/userspace/run.sh     (libfragtrace.so, fragctl replay/
#               audit/export on this machine; its own "N passed, N failed")
#   guard       tests/bench/guard.sh: the core's callgrind instruction
#               counts per alloc+free pair vs tests/bench/insns-baseline.txt
#               (more than 10% over fails; its own "N passed, N failed")
#   benchsmoke  make -C tests/bench smoke: the native benchmark builds and
#               runs one tiny round (seconds; no timing is judged)
#   fuzz        make -C tests/unit fuzz    (bounded: FRAGLAB_FUZZ_SECONDS, 45)
#   logcheck    tests/vm/logcheck-test.sh: the box's kernel-log verdicts
#               (bad lines, t_kfault's brackets, boot noise) on made-up logs
#   build       fraglab.ko with W=1 for every kernel (a warning is a failure),
#               static userspace and box tests, the initramfs per kernel
#   box         tests/vm/run-box.sh --no-build (its own "N passed, N failed")
#   debug       tests/vm/check-debug.sh: the whole box suite on the debug
#               kernel (KASAN, lockdep, kmemleak, fault injection), built
#               from linux-source-6.12 the first time (~17 min on 2 cores)
#               and cached in /var/cache/fraglab (its own "N passed, N failed")
#   dkms        tests/dkms-test.sh
#   checkpatch  tests/checkpatch.sh
#   kerneldoc   tests/kerneldoc.sh: scripts/kernel-doc -Wall, no warning
#   layering    tests/layering.py: the core includes nothing of the glue, the
#               glue's headers and calls form no circle (but through
#               fl_dev.c and fl_subsys.c: docs/DESIGN.md)
#
# The last line is "N passed, N failed" summing every stage: unit and box
# count what their runners report, the others 1 pass or 1 fail (build: one
# per kernel plus one for userspace).  Exit status 0 only if nothing failed.
# FRAGLAB_CHECK_SKIP="dkms checkpatch ..." skips stages (local use only).
set -uo pipefail
. "$(dirname "$0")/vm/lib.sh"

PASS=0
FAIL=0
SUMMARY=()
FAILED_STAGES=()
LOGDIR=$FL_BUILD/check
SKIP=" ${FRAGLAB_CHECK_SKIP:-} "

banner() {
	printf '\n######## %s\n' "$*"
}

# record STAGE PASSED FAILED SECONDS [NOTE]
record() {
	PASS=$((PASS + $2))
	FAIL=$((FAIL + $3))
	(($3 == 0)) || FAILED_STAGES+=("$1")
	SUMMARY+=("$(printf '%-11s %4d passed %4d failed %5ss  %s' "$1" "$2" "$3" "$4" "${5:-}")")
}

skipped() {
	[[ $SKIP == *" $1 "* ]] || return 1
	SUMMARY+=("$(printf '%-11s skipped (FRAGLAB_CHECK_SKIP)' "$1")")
	return 0
}

# counts FILE: "P F" from the last "N passed, N failed" line of FILE, or nothing.
counts() {
	sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*$/\1 \2/p' "$1" | tail -n1
}

# run_counted STAGE CMD...: a stage whose runner prints "N passed, N failed".
run_counted() {
	local stage=$1 rc=0 t0 p f
	shift
	t0=$SECONDS
	"$@" 2>&1 | tee "$LOGDIR/$stage.log" || rc=$?
	read -r p f < <(counts "$LOGDIR/$stage.log"; echo)
	if [[ -z ${p:-} ]]; then
		p=0 f=1
		echo "check: $stage printed no 'N passed, N failed' line (exit $rc)"
	elif ((rc != 0 && f == 0)); then
		f=1
		echo "check: $stage exited with $rc although it reported no failure"
	fi
	record "$stage" "$p" "$f" $((SECONDS - t0))
}

# run_single STAGE CMD...: a stage that is one pass or one fail.
run_single() {
	local stage=$1 rc=0 t0
	shift
	t0=$SECONDS
	"$@" 2>&1 | tee "$LOGDIR/$stage.log" || rc=$?
	if ((rc == 0)); then
		record "$stage" 1 0 $((SECONDS - t0))
	else
		record "$stage" 0 1 $((SECONDS - t0)) "exit $rc"
	fi
}

stage_unit() {
	banner "unit tests (tests/unit)"
	skipped unit && return
	if [[ ! -f $FL_ROOT/tests/unit/Makefile ]]; then
		echo "check: tests/unit/Makefile does not exist yet; unit tests skipped"
		SUMMARY+=("unit        skipped (no tests/unit/Makefile)")
		return
	fi
	run_counted unit make -C "$FL_ROOT/tests/unit" run
}

stage_userspace() {
	banner "userspace tests (tests/userspace)"
	skipped userspace && return
	run_counted userspace bash "$FL_ROOT/tests/userspace/run.sh"
}

stage_guard() {
	banner "instruction-count guard (tests/bench/guard.sh, callgrind)"
	skipped guard && return
	run_counted guard bash "$FL_ROOT/tests/bench/guard.sh"
}

stage_benchsmoke() {
	banner "native benchmark smoke (tests/bench native_bench --smoke)"
	skipped benchsmoke && return
	run_single benchsmoke make -s -C "$FL_ROOT/tests/bench" smoke
}

stage_fuzz() {
	banner "fuzzing (tests/unit fuzz, ${FRAGLAB_FUZZ_SECONDS:-45}s)"
	skipped fuzz && return
	if [[ ! -f $FL_ROOT/tests/unit/Makefile ]] ||
	   ! make -C "$FL_ROOT/tests/unit" -n fuzz >/dev/null 2>&1; then
		echo "check: no 'fuzz' target in tests/unit; fuzzing skipped"
		SUMMARY+=("fuzz        skipped (no fuzz target)")
		return
	fi
	run_single fuzz timeout -k 10 600 \
		make -C "$FL_ROOT/tests/unit" fuzz FUZZ_SECONDS="${FRAGLAB_FUZZ_SECONDS:-45}"
}

stage_logcheck() {
	banner "box kernel-log checks (tests/vm/logcheck-test.sh)"
	skipped logcheck && return
	run_counted logcheck bash "$FL_ROOT/tests/vm/logcheck-test.sh"
}

stage_build() {
	local kvers kver t0 rc=0 w p=0 f=0
	banner "build: fraglab.ko (W=1, zero warnings), userspace, box"
	mapfile -t kvers < <(fl_kernels)
	t0=$SECONDS
	bash "$FL_ROOT/tests/vm/build.sh" "${kvers[@]}" 2>&1 | tee "$LOGDIR/build.log" || rc=$?
	for kver in "${kvers[@]}"; do
		if [[ ! -f $FL_BUILD/kmod/$kver/fraglab.ko ]]; then
			echo "not ok - fraglab.ko for $kver did not build"
			f=$((f + 1))
			continue
		fi
		w=$(fl_kmod_warnings "$kver")
		if [[ -n $w ]]; then
			echo "not ok - fraglab.ko for $kver: W=1 warnings:"
			printf '%s\n' "$w" | sed 's/^/#   /'
			f=$((f + 1))
		else
			echo "ok - fraglab.ko for $kver: W=1, no warnings"
			p=$((p + 1))
		fi
	done
	# userspace + box tests: whatever build.sh failed on besides the modules
	if grep -qE '^WARN: (userspace static build|box test build) failed' "$LOGDIR/build.log"; then
		echo "not ok - userspace / box tests build"
		f=$((f + 1))
	else
		echo "ok - userspace / box tests build"
		p=$((p + 1))
	fi
	record build "$p" "$f" $((SECONDS - t0))
}

stage_box() {
	banner "box: in-VM tests on every kernel"
	skipped box && return
	run_counted box bash "$FL_ROOT/tests/vm/run-box.sh" --no-build
}

stage_debug() {
	banner "debug kernel: the box suite under KASAN/lockdep/kmemleak/fault injection"
	skipped debug && return
	run_counted debug bash "$FL_ROOT/tests/vm/check-debug.sh"
}

stage_dkms() {
	banner "dkms add/build/install/remove"
	skipped dkms && return
	run_single dkms bash "$FL_ROOT/tests/dkms-test.sh"
}

stage_checkpatch() {
	banner "checkpatch"
	skipped checkpatch && return
	run_single checkpatch bash "$FL_ROOT/tests/checkpatch.sh"
}

stage_kerneldoc() {
	banner "kernel-doc -Wall"
	skipped kerneldoc && return
	run_single kerneldoc bash "$FL_ROOT/tests/kerneldoc.sh"
}

stage_layering() {
	banner "layering"
	skipped layering && return
	run_single layering python3 "$FL_ROOT/tests/layering.py"
}

# failures: what failed, repeated from each failed stage's log just above the
# summary, so that the tail of the output (all a CI report may keep) says
# why and not only how many.
failures() {
	local stage log
	((${#FAILED_STAGES[@]})) || return 0
	banner "failures (the lines that failed, from ${LOGDIR#$FL_ROOT/}/<stage>.log)"
	for stage in "${FAILED_STAGES[@]}"; do
		log=$LOGDIR/$stage.log
		echo "== $stage"
		if [[ ! -s $log ]]; then
			echo "   (no log)"
			continue
		fi
		grep -E -A 8 '^not ok|FAIL|KERNEL LOG|^check: |error:|Error [0-9]' "$log" |
			grep -v '^--$' | head -n 60 | sed 's/^/   /'
	done
}

main() {
	local t0=$SECONDS
	fl_lock
	mkdir -p "$LOGDIR"
	banner "deps"
	if ! bash "$FL_ROOT/tests/vm/deps.sh"; then
		echo "check: installing the dependencies failed"
		echo "0 passed, 1 failed"
		exit 1
	fi
	fl_log "kernel matrix: $(fl_kernels | tr '\n' ' ')"
	stage_unit
	stage_userspace
	stage_guard
	stage_benchsmoke
	stage_fuzz
	stage_logcheck
	stage_build
	stage_box
	stage_debug
	stage_dkms
	stage_checkpatch
	stage_kerneldoc
	stage_layering

	failures
	banner "summary ($((SECONDS - t0))s, logs in ${LOGDIR#$FL_ROOT/}/)"
	printf '%s\n' "${SUMMARY[@]}"
	echo "$PASS passed, $FAIL failed"
	((FAIL == 0))
}

main "$@"
