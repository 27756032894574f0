# SPDX-License-Identifier: GPL-2.0
# tap.sh - TAP helpers and fraglab helpers for the box shell tests.
# Sourced by tests/box/NN-*.sh (busybox sh, inside the VM):
#
#	. "${FRAGLAB_TESTS:-/tests}/tap.sh"
#	check "insmod default" fl_load
#	is "$(cat /some/file)" "42" "file says 42"
#	tap_done
#
# Environment set by the box /init: FRAGLAB_KO (path of fraglab.ko),
# FRAGLAB_KVER (uname -r), FRAGLAB_TESTS (directory of the tests).
# Rule: a test starts with fraglab unloaded and must leave it unloaded.

TAP_N=0
TAP_FAILED=0
FRAGLAB_KO=${FRAGLAB_KO:-/fraglab.ko}
FRAGLAB_DEBUGFS=/sys/kernel/debug/fraglab

# ok NAME: a passing check.
ok() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1"
}

# not_ok NAME [REASON]: a failing check.
not_ok() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	if [ -n "$2" ]; then
		echo "not ok $TAP_N - $1 # $2"
	else
		echo "not ok $TAP_N - $1"
	fi
}

# skip NAME REASON: a check that cannot run here (counts as passed).
skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}

# diag TEXT...: a comment line.
diag() {
	echo "# $*"
}

# check NAME CMD [ARGS...]: pass if CMD succeeds.  CMD's output is shown as
# diagnostics when it fails.
check() {
	_name=$1
	shift
	if _out=$("$@" 2>&1); then
		ok "$_name"
	else
		not_ok "$_name" "failed: $*"
		[ -n "$_out" ] && echo "$_out" | sed 's/^/#   /'
	fi
	return 0
}

# check_fails NAME CMD [ARGS...]: pass if CMD fails.
check_fails() {
	_name=$1
	shift
	if _out=$("$@" 2>&1); then
		not_ok "$_name" "unexpectedly succeeded: $*"
	else
		ok "$_name"
	fi
	return 0
}

# is GOT WANT NAME: pass if the two strings are equal.
is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3" "got '$1', want '$2'"
	fi
}

# tap_done: summary comment; exit status 0 only if nothing failed.
tap_done() {
	echo "# $TAP_N checks, $TAP_FAILED failed"
	[ "$TAP_FAILED" -eq 0 ]
}

# ---- fraglab helpers -------------------------------------------------------

# insmod FILE [PARAM=VALUE...]: the box's single-shot insmod (busybox's
# applet retries a failed finit_module() with init_module(), running the
# module's init twice).  On failure stderr has strerror(errno) and the errno.
insmod() {
	if [ -x /sbin/fl-insmod ]; then
		/sbin/fl-insmod "$@"
	else
		busybox insmod "$@"
	fi
}

# fl_load [PARAM=VALUE...]: insmod fraglab.ko.
fl_load() {
	insmod "$FRAGLAB_KO" "$@"
}

# fl_unload: rmmod fraglab.
fl_unload() {
	rmmod fraglab
}

# fl_loaded: true if fraglab is loaded.
fl_loaded() {
	grep -q '^fraglab ' /proc/modules
}

# fl_cleanup: unload fraglab if a failed check left it loaded.
fl_cleanup() {
	fl_loaded && rmmod fraglab
	return 0
}

# meminfo_kb FIELD: a /proc/meminfo value in kB (e.g. meminfo_kb MemFree).
meminfo_kb() {
	awk -v f="$1:" '$1 == f { print $2 }' /proc/meminfo
}

# drop_caches: make MemFree as stable as it gets.
drop_caches() {
	sync
	echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
	return 0
}

# free_kb: MemFree plus the pages parked on the per-CPU page lists
# (/proc/zoneinfo "count:" of every pageset).  Those pages are free but
# not in MemFree, and their number swings by megabytes with unrelated
# activity; a leak check that ignores them measures the pcp lists.
free_kb() {
	_pcp=$(awk '$1 == "count:" { s += $2 } END { print s + 0 }' /proc/zoneinfo)
	echo $(( $(meminfo_kb MemFree) + _pcp * 4 ))
}

# memfree_baseline: the lowest of three free_kb readings (caches dropped,
# 1 s apart).  MemFree breathes by about 1 MiB on PREEMPT_RT even when
# nothing is loaded; one reading taken at a high point would later look
# like a leak.
memfree_baseline() {
	_lo=
	for _i in 1 2 3; do
		drop_caches
		_v=$(free_kb)
		if [ -z "$_lo" ] || [ "$_v" -lt "$_lo" ]; then
			_lo=$_v
		fi
		[ $_i -lt 3 ] && sleep 1
	done
	echo "$_lo"
}

# memfree_back BASE_KB [TOLERANCE_KB]: true once MemFree is at most
# TOLERANCE_KB (default 1024) below BASE_KB.  MemFree is noisy by a few
# hundred kB (per-CPU page lists, deferred slab and RCU frees, more so on
# PREEMPT_RT), so it drops caches and re-reads up to 5 times, 1 s apart; a
# real leak does not come back.  Sets MEMFREE_DELTA (kB below BASE_KB).
memfree_back() {
	_tries=0
	while :; do
		drop_caches
		MEMFREE_DELTA=$(($1 - $(free_kb)))
		[ "$MEMFREE_DELTA" -le "${2:-1024}" ] && return 0
		_tries=$((_tries + 1))
		[ $_tries -ge 5 ] && return 1
		sleep 1
	done
}

# dmesg_mark: remember the current end of the kernel log ...
# dmesg_since: ... and print only what came after it.
dmesg_mark() {
	_dmesg_lines=$(dmesg | wc -l)
}
dmesg_since() {
	dmesg | tail -n +$((${_dmesg_lines:-0} + 1))
}
