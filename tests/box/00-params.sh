#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 00-params: impossible and out-of-range arena_mb values fail cleanly.
. "${FRAGLAB_TESTS:-/tests}/tap.sh"

# expect_fail PARAM ERRTEXT: insmod fraglab.ko PARAM must fail with the errno
# whose strerror() is ERRTEXT, leave nothing loaded and say why in dmesg.
# Sets NEW_DMESG to the kernel lines the attempt produced.
expect_fail() {
	_p=$1
	_want=$2
	dmesg_mark
	if _err=$(fl_load "$_p" 2>&1); then
		not_ok "insmod $_p fails" "it loaded"
		fl_cleanup
		return
	fi
	ok "insmod $_p fails"
	case "$_err" in
	*"$_want"*) ok "insmod $_p: $_want" ;;
	*) not_ok "insmod $_p: $_want" "insmod said: $_err" ;;
	esac
	check_fails "insmod $_p: nothing left loaded" fl_loaded
	NEW_DMESG=$(dmesg_since)
	echo "$NEW_DMESG" | sed 's/^/#   dmesg: /'
}

fl_cleanup
drop_caches
free_before=$(free_kb)
total_mb=$(($(meminfo_kb MemTotal) / 1024))

# -- more than the machine has: -ENOMEM, one clear line, nothing leaked
expect_fail arena_mb=4096 "Cannot allocate memory"
n=$(echo "$NEW_DMESG" | grep -c 'fraglab')
is "$n" 1 "arena_mb=4096: exactly one fraglab line in dmesg"
echo "$NEW_DMESG" | grep 'fraglab' | grep -q '4096'
is $? 0 "arena_mb=4096: the dmesg line says what was asked (4096)"
echo "$NEW_DMESG" | grep -q 'page allocation failure'
is $? 1 "arena_mb=4096: no 'page allocation failure' splat (__GFP_NOWARN)"
if memfree_back "$free_before" 1024; then
	ok "arena_mb=4096: MemFree back (delta ${MEMFREE_DELTA} kB, ${total_mb} MiB RAM)"
else
	not_ok "arena_mb=4096: MemFree back" "MemFree ${MEMFREE_DELTA} kB lower than before"
fi

# -- out of range
expect_fail arena_mb=0 "Invalid argument"
echo "$NEW_DMESG" | grep -q 'fraglab.*arena_mb'
is $? 0 "arena_mb=0: dmesg names the bad parameter"
expect_fail arena_mb=-1 "Invalid argument"
expect_fail arena_mb=1000000 "Invalid argument"
expect_fail arena_mb=banana "Invalid argument"

tap_done
