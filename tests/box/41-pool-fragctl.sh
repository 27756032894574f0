#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 41-pool-fragctl: the fragctl sessions of docs/POOLS.md, run for real:
# first/best/worst/next fit on the holes 5K, 2K, 9K, 3K, pool alloc --try
# and the failure counters, pool compaction (also as compact --pool), --json.
. "${FRAGLAB_TESTS:-/tests}/tap.sh"

fl_cleanup
if ! command -v fragctl >/dev/null 2>&1; then
	skip "fragctl pool" "no fragctl in the box"
	tap_done
	exit
fi

L='pool create 64K --strategy first-fit --granularity 1K;
   pool alloc . 1K; pool alloc . 5K; pool alloc . 1K; pool alloc . 2K;
   pool alloc . 1K; pool alloc . 9K; pool alloc . 1K; pool alloc . 3K;
   pool alloc . 1K; pool alloc . 40K;
   pool free . @2 @4 @6 @8; pool holes .'

# base OUTPUT: the pool's arena offset from the "created pool" line
base() { echo "$1" | sed -n 's/^created pool .*arena offset \(0x[0-9a-f]*\).*/\1/p'; }
# at OUTPUT N: the arena offset of @N
at() { echo "$1" | sed -n "s/^@$2 handle .* at arena offset \(0x[0-9a-f]*\) .*/\1/p"; }
# rel OUTPUT N: @N's offset from the pool's base, in KiB
rel() { echo $(( ($(at "$1" "$2") - $(base "$1")) / 1024 )); }

check "insmod arena_mb=16" fl_load arena_mb=16
if fl_loaded; then
	for s in "first-fit 1" "best-fit 7" "worst-fit 10"; do
		set -- $s
		out=$(fragctl -c "$L; pool strategy . $1; pool alloc . 2K" 2>&1)
		is "$?" 0 "$1: session runs"
		is "$(rel "$out" 11)" "$2" "$1: 2K lands at base+$2K"
	done

	out=$(fragctl -c "$L; pool strategy . worst-fit; pool alloc . 2K; pool free . @11;
		pool strategy . next-fit; pool info .; pool alloc . 2K; pool alloc . 2K" 2>&1)
	is "$?" 0 "next-fit session runs"
	is "$(rel "$out" 12)" 10 "next-fit: 2K at the hole holding the rover (base+10K)"
	is "$(rel "$out" 13)" 12 "next-fit: the next 2K right after it (base+12K)"

	out=$(fragctl -c "$L; pool alloc . 10K --try; pool alloc . 20K --try; pool info ." 2>&1)
	is "$?" 0 "pool alloc --try: failed placements do not end the session"
	echo "$out" | grep -q "failed 1 although the total free space was enough, 1 for lack of memory"
	is "$?" 0 "pool info: 1 fragmentation failure, 1 lack of memory"
	echo "$out" | grep -q "external fragmentation 52.6%"
	is "$?" 0 "pool info: external fragmentation 52.6% (1 - 9/19)"

	out=$(fragctl --json -c "$L; pool alloc . 10K --try; pool info ." 2>/dev/null | tail -n 1)
	echo "$out" | grep -q '"fail_fragmented":1,"fail_nomem":0'
	is "$?" 0 "pool info --json: fail_fragmented 1"

	C='pool create 64K;
	   pool alloc . 4K --movable; pool alloc . 4K --movable; pool alloc . 4K;
	   pool alloc . 4K --movable 5;
	   pool free . @1 @4 @6 @8'
	out=$(fragctl -c "$C; pool compact .; query @2; query @3; query @5" 2>&1)
	is "$?" 0 "compaction session runs"
	echo "$out" | sed 's/^/#   /'
	echo "$out" | grep -q "moved 3 allocations (12288 B)"
	is "$?" 0 "pool compact: 3 allocations moved"
	echo "$out" | grep -q "holes 4 -> 2, largest hole 36 KiB -> 44 KiB"
	is "$?" 0 "pool compact: holes 4 -> 2, largest 36K -> 44K"
	is "$(echo "$out" | grep -c 'moves 1$')" 2 "query: the two movable ones moved once"
	is "$(echo "$out" | grep -c 'moves 0$')" 1 "query: the pinned one did not move"

	out=$(fragctl -c "$C; compact --pool ." 2>&1)
	echo "$out" | grep -q "moved 3 allocations"
	is "$?" 0 "compact --pool . does the same"

	out=$(fragctl -c "$C; pool destroy ." 2>&1)
	is "$?" 1 "pool destroy with live allocations fails"
	echo "$out" | grep -q "still has live allocations"
	is "$?" 0 "... with a plain sentence"

	out=$(fragctl -c "pool create 64K --strategy fastest-fit" 2>&1)
	echo "$out" | grep -q "unknown strategy 'fastest-fit'"
	is "$?" 0 "unknown strategy: a plain sentence"
	check "rmmod" fl_unload
fi
tap_done
