#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 00-load: insmod with the default and a custom arena_mb, /dev/fraglab,
# debugfs arena, rmmod.
. "${FRAGLAB_TESTS:-/tests}/tap.sh"

ARENA=$FRAGLAB_DEBUGFS/arena

# arena_field NAME: the first number after "NAME:" in the debugfs arena file.
arena_field() {
	sed -n "s/^$1: *\([0-9][0-9]*\).*/\1/p" "$ARENA" | head -n1
}

# check_arena MB: the debugfs arena file describes an arena of MB MiB.
check_arena() {
	_mb=$1
	if [ ! -r "$ARENA" ]; then
		not_ok "arena_mb=$_mb: $ARENA is readable" "missing"
		return
	fi
	ok "arena_mb=$_mb: $ARENA is readable"
	sed 's/^/#   /' "$ARENA" | head -n 20
	grep -q '^blocks: ' "$ARENA" && grep -qi pfn "$ARENA"
	is $? 0 "arena_mb=$_mb: arena mentions alloc_pages blocks and PFNs"

	is "$(arena_field arena_mb)" "$_mb" "arena_mb=$_mb: 'arena_mb:' line"
	is "$(arena_field pages)" "$((_mb * 256))" "arena_mb=$_mb: 'pages:' is $((_mb * 256))"

	# the ranges are the blocks with physically adjacent ones merged
	_blocks=$(arena_field blocks)
	_ranges=$(arena_field 'contiguous ranges')
	if [ -n "$_blocks" ] && [ -n "$_ranges" ] &&
	   [ "$_ranges" -ge 1 ] && [ "$_ranges" -le "$_blocks" ]; then
		ok "arena_mb=$_mb: 1 <= contiguous ranges ($_ranges) <= blocks ($_blocks)"
	else
		not_ok "arena_mb=$_mb: 1 <= contiguous ranges <= blocks" \
			"ranges='$_ranges' blocks='$_blocks'"
	fi

	# range N: pfn 0xA-0xB (P pages, M MiB) ...
	_lines=$(grep -c '^range [0-9]*: pfn 0x[0-9a-f]*-0x[0-9a-f]* ([0-9]* pages' "$ARENA")
	is "$_lines" "$_ranges" "arena_mb=$_mb: one 'range N: pfn' line per contiguous range"
	_sum=$(sed -n 's/^range [0-9]*: pfn 0x[0-9a-f]*-0x[0-9a-f]* (\([0-9]*\) pages.*/\1/p' "$ARENA" |
		awk '{ s += $1 } END { print s + 0 }')
	is "$_sum" "$((_mb * 256))" "arena_mb=$_mb: the ranges add up to the arena"
}

# check_dev: /dev/fraglab is a character device, mode 0600, root-owned.
check_dev() {
	if [ -c /dev/fraglab ]; then
		ok "/dev/fraglab is a character device"
	else
		not_ok "/dev/fraglab is a character device" "$(ls -l /dev/fraglab 2>&1)"
	fi
	is "$(stat -c '%A %u' /dev/fraglab 2>&1)" "crw------- 0" "/dev/fraglab mode 0600, owner root"
}

# check_gone: after rmmod nothing of fraglab is left.
check_gone() {
	check_fails "$1: module gone from /proc/modules" fl_loaded
	check_fails "$1: /dev/fraglab removed" test -e /dev/fraglab
	check_fails "$1: debugfs directory removed" test -e "$FRAGLAB_DEBUGFS"
}

fl_cleanup

# -- default parameters
check "insmod (default arena_mb)" fl_load
if fl_loaded; then
	check_dev
	if [ -r /sys/module/fraglab/parameters/arena_mb ]; then
		is "$(cat /sys/module/fraglab/parameters/arena_mb)" 64 "default arena_mb is 64"
	else
		skip "default arena_mb is 64" "parameter not visible in sysfs"
	fi
	check_arena 64
	check "rmmod (default arena_mb)" fl_unload
	check_gone "default"
fi
fl_cleanup

# -- custom arena size
check "insmod arena_mb=8" fl_load arena_mb=8
if fl_loaded; then
	check_dev
	check_arena 8
	check "rmmod (arena_mb=8)" fl_unload
	check_gone "arena_mb=8"
fi
fl_cleanup

tap_done
