#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 42-stats-fresh: a freshly loaded arena is not fragmented, so every place
# that prints external fragmentation says 0: debugfs stats, fragctl stats
# (text and --json) and the Prometheus export; the kernel's unusable free
# space index at order 9 (mm/vmstat.c unusable_free_index()) beside it is
# 0.000 too, because every free page lies in a max-order block.  The old
# 1 - largest / free printed 75.0% for 16 MiB and 93.7% for 64 MiB.
. "${FRAGLAB_TESTS:-/tests}/tap.sh"

fl_cleanup
for mb in 16 64; do
	check "insmod arena_mb=$mb" fl_load arena_mb=$mb
	fl_loaded || continue
	s=$(cat "$FRAGLAB_DEBUGFS/stats")
	is "$(echo "$s" | sed -n 's/^external_frag //p')" "0.0%" \
		"$mb MiB: debugfs stats external_frag 0.0%"
	is "$(echo "$s" | sed -n 's/^unusable_index_9 //p')" "0.000" \
		"$mb MiB: debugfs stats unusable_index_9 0.000"
	if command -v fragctl >/dev/null 2>&1; then
		out=$(fragctl stats 2>&1)
		is "$(echo "$out" | sed -n 's/^external_frag //p')" "0.0%" \
			"$mb MiB: fragctl stats external_frag 0.0%"
		out=$(fragctl --json stats 2>&1)
		echo "$out" | grep -q '"external_frag_permille":0,'
		is "$?" 0 "$mb MiB: fragctl --json stats external_frag_permille 0"
		echo "$out" | grep -q '"unusable_index_9_permille":0,'
		is "$?" 0 "$mb MiB: fragctl --json stats unusable_index_9_permille 0"
		out=$(fragctl export --prometheus 2>&1)
		echo "$out" | grep -qx 'fraglab_arena_external_fragmentation_ratio 0.000'
		is "$?" 0 "$mb MiB: Prometheus external fragmentation ratio 0.000"
		echo "$out" | grep -qx 'fraglab_arena_unusable_free_ratio{order="9"} 0.000'
		is "$?" 0 "$mb MiB: Prometheus arena unusable index 0.000"
	else
		skip "fragctl stats/export" "no fragctl in the box"
	fi
	fl_unload
done
tap_done
