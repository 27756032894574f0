#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 40-probe-fragctl: fragctl probe hugepages (arena and --system, trials,
# --json) and fragctl compare (--exact against /proc/buddyinfo) in the box.
. "${FRAGLAB_TESTS:-/tests}/tap.sh"

fl_cleanup
if ! command -v fragctl >/dev/null 2>&1; then
	skip "fragctl probe/compare" "no fragctl in the box"
	tap_done
	exit
fi

check "insmod arena_mb=8" fl_load arena_mb=8
if fl_loaded; then
	out=$(fragctl probe hugepages 2>&1)
	is "$?" 0 "fragctl probe hugepages (arena)"
	echo "$out" | sed 's/^/#   /'
	echo "$out" | grep -q "HugePages obtainable now: 4 " 
	is "$?" 0 "the empty 8 MiB arena has 4 free 2 MiB blocks"

	out=$(fragctl probe hugepages --system 2>&1)
	is "$?" 0 "fragctl probe hugepages --system"
	echo "$out" | sed 's/^/#   /'
	echo "$out" | grep -q "^Node 0, DMA32"
	is "$?" 0 "--system lists zone DMA32"

	out=$(fragctl --json probe hugepages --system --try 2 --compact 2>&1)
	is "$?" 0 "fragctl --json probe hugepages --system --try 2 --compact"
	echo "$out" | grep -q '"trial":{"asked":2,"tried":2,"ok_nocompact":2'
	is "$?" 0 "JSON trial: 2 of 2 without compaction on an idle box"

	out=$(fragctl probe hugepages --system --try 100000 2>&1)
	is "$?" 1 "--try above probe_max fails"
	echo "$out" | grep -q "probe_max"
	is "$?" 0 "... with a sentence naming probe_max"

	out=$(fragctl compare --exact 2>&1)
	is "$?" 0 "fragctl compare --exact agrees with /proc/buddyinfo"
	echo "$out" | sed 's/^/#   /'
	echo "$out" | grep -q "^fraglab arena"
	is "$?" 0 "compare shows the arena row"

	out=$(fragctl --json compare 2>&1)
	is "$?" 0 "fragctl --json compare"
	echo "$out" | grep -q '"agree":true'
	is "$?" 0 "JSON compare: agree"

	check "rmmod" fl_unload
fi
out=$(fragctl probe hugepages --system 2>&1)
is "$?" 1 "without the module: fragctl fails"
echo "$out" | grep -q "not loaded"
is "$?" 0 "... saying the module is not loaded"
fl_cleanup
tap_done
