#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 99-kmemleak: on a kernel with CONFIG_DEBUG_KMEMLEAK (the debug kernel of
# make check-debug), exercise every allocator through fragctl, close every
# fd, scan explicitly and fail on any unreferenced object allocated by
# fraglab.  Other kernels: one SKIP line.
. "${FRAGLAB_TESTS:-/tests}/tap.sh"

KML=/sys/kernel/debug/kmemleak
if [ ! -w "$KML" ]; then
	skip "kmemleak scan" "kernel without CONFIG_DEBUG_KMEMLEAK"
	tap_done
	exit $?
fi

echo clear >"$KML"	# what the boot leaked is not ours
check "insmod slab_selftest=1" fl_load slab_selftest=1
check "buddy, slab and pool sessions" fragctl -c 'alloc 21K; alloc 1M; alloc --order 9; free @1; slab create kml 200 --ctor; slab alloc kml 500; slab free kml --all; slab shrink kml; pool create 1M --strategy best-fit; pool alloc . 10K 20; compact --full; check'
check "an fd closed with everything still allocated" fragctl -c 'alloc 64K; slab create kml2 64; slab alloc kml2 100; pool create 256K; pool alloc . 4K 10'
echo scan >"$KML"
sleep 1
echo scan >"$KML"
leaks=$(cat "$KML")
ours=$(printf '%s\n' "$leaks" | grep -c '\[fraglab\]')
if [ "$ours" -eq 0 ]; then
	ok "kmemleak: no unreferenced object from fraglab"
else
	not_ok "kmemleak: no unreferenced object from fraglab" "$ours stack lines name fraglab"
	printf '%s\n' "$leaks" | head -n 60 | sed 's/^/#   /'
fi
check "rmmod" fl_unload
echo scan >"$KML"
diag "unreferenced objects after unload (any subsystem): $(grep -c '^unreferenced object' "$KML")"
tap_done
