#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 00-reload-leak: load/unload fraglab 20 times; MemFree comes back to within
# 1 MiB of the baseline taken after one warm-up cycle.
. "${FRAGLAB_TESTS:-/tests}/tap.sh"

CYCLES=20
fl_cleanup

# warm-up: first-load costs (module text, sysfs, debugfs inodes, slabs)
if ! err=$(fl_load 2>&1) || ! fl_unload; then
	not_ok "warm-up load/unload" "$err"
	fl_cleanup
	tap_done
	exit 1
fi
base=$(memfree_baseline)
diag "baseline MemFree ${base} kB (lowest of three readings)"

failed=0
i=1
while [ $i -le $CYCLES ]; do
	if ! err=$(fl_load 2>&1); then
		failed=1
		diag "cycle $i: insmod failed: $err"
		break
	fi
	if ! err=$(fl_unload 2>&1); then
		failed=1
		diag "cycle $i: rmmod failed: $err"
		break
	fi
	i=$((i + 1))
done
is "$failed" 0 "$CYCLES load/unload cycles"
fl_cleanup

if memfree_back "$base" 1024; then
	ok "MemFree within 1 MiB of the baseline (delta ${MEMFREE_DELTA} kB)"
else
	not_ok "MemFree within 1 MiB of the baseline" "${MEMFREE_DELTA} kB lost"
fi

tap_done
