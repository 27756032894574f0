#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# tests/vm/demo.sh - the guided tour that `make demo` runs inside the box.
#
# Runs under busybox sh as /demo.sh, output on the host terminal.  Grow it as
# features land: every step checks that what it shows exists, so the tour
# never breaks on a file or command that is not written yet.

DBG=/sys/kernel/debug/fraglab
KO=${FRAGLAB_KO:-/fraglab.ko}

STEP=0

# title TEXT: an unnumbered heading; heading TEXT: the next numbered step.
title() {
	echo
	echo "=================================================================="
	echo "== $*"
	echo "=================================================================="
}
heading() {
	STEP=$((STEP + 1))
	title "$STEP. $*"
}

say() {
	echo "$*" | fold -s -w 78
}

# show CMD...: print the command like a shell prompt would, then run it.
show() {
	echo
	echo "# $*"
	"$@" 2>&1
}

# show_file PATH: cat PATH if it exists.
show_file() {
	if [ -r "$1" ]; then
		show cat "$1"
	fi
}

# side_by_side LEFT RIGHT: two files next to each other (runs of blanks
# squeezed so both fit on a terminal).
side_by_side() {
	[ -r "$1" ] && [ -r "$2" ] || return 0
	echo
	echo "# $1  |  $2"
	tr -s ' ' <"$1" >/tmp/left
	tr -s ' ' <"$2" >/tmp/right
	awk 'NR == FNR { l[FNR] = $0; if (length($0) > w) w = length($0); n = FNR; next }
	     { r[FNR] = $0; if (FNR > n) n = FNR }
	     END { f = "%-" w "s | %s\n"; for (i = 1; i <= n; i++) printf f, l[i], r[i] }' \
		/tmp/left /tmp/right
}

# the box's single-shot insmod (see tests/box/tap.sh)
insmod() {
	/sbin/fl-insmod "$@"
}

have() {
	command -v "$1" >/dev/null 2>&1
}

title "fraglab: a physical-memory arena you can fragment on purpose"
say "This is a tiny VM running $(uname -r) with $(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024)) MiB of RAM. \
fraglab.ko takes a piece of that RAM from the kernel's own buddy allocator \
(alloc_pages) and runs its own buddy, slab and fit allocators inside it, so you \
can watch fragmentation happen without hurting the machine."

heading "The kernel's view before loading: /proc/buddyinfo"
say "Each column is an order: how many free blocks of 2^order pages the kernel has. \
Order 10 = 1024 pages = 4 MiB on x86-64."
show_file /proc/buddyinfo

heading "Loading fraglab.ko (arena_mb=64)"
show insmod "$KO" arena_mb=64 || {
	say "insmod failed; the kernel log says:"
	dmesg | tail -n 5
	exit 1
}
show ls -l /dev/fraglab
say "fraglab took its arena as order-10 blocks; the kernel has that many fewer:"
show_file /proc/buddyinfo

heading "The arena: how contiguous is the memory we got?"
say "Each chunk is one alloc_pages() block. Physically adjacent chunks merge into \
contiguous ranges; fewer ranges means a less fragmented arena."
show_file $DBG/arena

if [ -r $DBG/buddyinfo ]; then
	heading "fraglab's buddy allocator next to the kernel's"
	say "Left: the kernel (/proc/buddyinfo). Right: fraglab's arena, same format."
	side_by_side /proc/buddyinfo $DBG/buddyinfo
	show_file $DBG/pagetypeinfo
fi

KX=/sys/kernel/debug/extfrag
if [ -r $DBG/unusable_index ]; then
	heading "Fragmentation indices, kernel vs fraglab"
	say "unusable_index: per order, the fraction of free memory that cannot \
serve a request of that order (0 = none, 1 = all of it). extfrag_index: near 0 \
a failure there would be lack of memory, near 1 fragmentation; -1 = would succeed."
	side_by_side $KX/unusable_index $DBG/unusable_index
	side_by_side $KX/extfrag_index $DBG/extfrag_index
	[ -r $KX/unusable_index ] || show_file $DBG/unusable_index
fi

if [ -r $DBG/stats ]; then
	heading "fraglab's allocator statistics"
	show_file $DBG/stats
fi

if [ -r $DBG/slabinfo ]; then
	heading "fraglab's slab caches (same format as /proc/slabinfo)"
	show head -n 12 $DBG/slabinfo
fi

if [ -r $DBG/hugepages ]; then
	heading "Could the arena back HugePages?"
	show_file $DBG/hugepages
fi

if have fragctl; then
	heading "fragctl: the command-line front end (libfraglab)"
	show fragctl status
fi

if have fragctl && fragctl probe hugepages --system >/dev/null 2>&1; then
	heading "HugePages on the real machine: can the kernel give 2 MiB blocks?"
	say "The same question for this VM's own buddy allocator: free blocks per \
zone (the numbers of /proc/buddyinfo, read under the zone lock), the kernel's \
order-9 indices, pageblock types, and a trial: 4 order-9 allocations without \
compaction, then 4 with it, each freed at once."
	show fragctl probe hugepages --system --try 4 --compact
	say "fragctl compare: the arena next to /proc/buddyinfo, and the module's \
counts checked against /proc/buddyinfo read at the same moment."
	show fragctl compare
fi

if have fragctl && [ -r $DBG/compaction ]; then
	heading "Compaction: a checkerboard, cured"
	say "One fragctl session allocates 1024 single pages (4 MiB), frees every \
other one (a checkerboard: half of two pageblocks free, not one order-1 block), \
asks how many 2 MiB blocks compaction would give, and compacts: the live pages \
are copied into one pageblock and the other becomes a free 2 MiB block."
	cmds=""
	i=1
	while [ $i -le 1024 ]; do
		cmds="$cmds alloc 4K;"
		i=$((i + 1))
	done
	i=1
	while [ $i -le 1024 ]; do
		cmds="$cmds free @$i;"
		i=$((i + 2))
	done
	echo
	echo "# fragctl -c 'alloc 4K (x1024); free @1; free @3; ... free @1023; compact-predict; compact --full'"
	fragctl -c "$cmds compact-predict; compact --full" 2>&1 | grep -v '^@\|^freed'
	show_file $DBG/compaction
fi

if have fragctl; then
	heading "Fit pools: first, best and worst fit on the same holes"
	say "A 64 KiB pool of 1 KiB granules gets holes of 5K, 2K, 9K and 3K \
(1K allocations in between, the rest filled). Then the same 2K request once \
per strategy: first fit takes the first hole (B+1K), best fit the 2K hole \
(B+7K), worst fit the largest hole (B+10K). See docs/POOLS.md."
	L='pool create 64K --granularity 1K; pool alloc . 1K; pool alloc . 5K; pool alloc . 1K; pool alloc . 2K; pool alloc . 1K; pool alloc . 9K; pool alloc . 1K; pool alloc . 3K; pool alloc . 1K; pool alloc . 40K; pool free . @2 @4 @6 @8'
	for s in first-fit best-fit worst-fit; do
		echo
		echo "# fragctl -c '<holes 5K,2K,9K,3K>; pool strategy . $s; pool alloc . 2K; pool holes .'"
		fragctl -c "$L; pool strategy . $s; pool alloc . 2K; pool holes ." 2>&1 |
			grep -v '^@[0-9] \|^@10 \|^freed'
	done
fi

if have fragctl; then
	heading "Replay: one heap trace, six allocators"
	say "fragctl replay runs a heap trace (recorded from a real program with \
libfragtrace.so, docs/WORKLOADS.md) through fraglab's buddy, slab and four fit \
pools. This one is generated here: 2000 mixed-size blocks, a third freed at \
random, about 7 MiB live at its peak. --sim uses the core built into fragctl, \
here in a 16 MiB arena; without it the same requests go through /dev/fraglab \
(its 64 MiB arena) and give the same numbers as --sim with that arena."
	awk 'BEGIN { s = 7; n = 0; live = 0
		for (i = 0; i < 3000; i++) {
			s = (s * 1103515245 + 12345) % 2147483648
			if (live > 0 && s % 3 == 0) { k = ids[s % live]; ids[s % live] = ids[--live]
				printf "%d f 1 0 %x 0 0 0\n", n++, k }
			else { id = i + 1; ids[live++] = id
				sz = (s % 10 < 8) ? 16 + s % 500 : 4096 + s % 60000
				printf "%d m 1 0 %x %d 0 0\n", n++, id, sz }
		} }' > /tmp/demo.trace
	show fragctl replay /tmp/demo.trace --sim --arena 16M
	show fragctl replay /tmp/demo.trace --strategy buddy
	heading "The seed's audit, on this (virtual) machine"
	show fragctl audit
fi

heading "Unloading: every page goes back to the kernel"
show rmmod fraglab
show_file /proc/buddyinfo

title "End of the tour"
say "Try it yourself: make vm-shell (boots this box with fraglab loaded)."
