#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tests/vm/build.sh - build everything the test box needs, for each kernel:
#
#   build/kmod/<kver>/fraglab.ko     module, built with W=1 in its own copy
#                                    of the sources (log: build.log there)
#   build/kdiff/<kver>/fl_kdiff.ko   01-kdiff's test module (W=1)
#   build/userspace-static/          fragctl + libfraglab.a (static), if
#                                    userspace/Makefile exists
#   build/box/t_*                    static C box tests (tests/box/Makefile)
#   build/vm/<kver>/initramfs.cpio.gz
#
# Usage: tests/vm/build.sh [KVER...]    (default: the FRAGLAB_KERNELS matrix)
# Exit status is non-zero if any part fails to build; module warnings are
# not errors here (tests/check.sh turns them into failures).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

BOX_OUT=$FL_BUILD/box
US_OUT=$FL_BUILD/userspace-static
COMMON=$FL_BUILD/vm/rootfs
# The real-program traces of tests/data, for t_replay (kernel == --sim):
# 108-601 kB each, about 410 kB after the initramfs' gzip -1.  The
# synthetic ones (ramp, peaks, plateau) stay out: t_replay generates its
# own synthetic trace, and the initramfs stays small.
BOX_TRACES="gcc-c sqlite3 python3"

build_userspace() {
	local log=$FL_BUILD/userspace-static.log
	rm -rf "$US_OUT"
	mkdir -p "$US_OUT"
	if [[ ! -f $FL_ROOT/userspace/Makefile ]]; then
		fl_warn "userspace/Makefile does not exist yet: no fragctl in the box"
		return 0
	fi
	fl_log "userspace (static) -> ${US_OUT#$FL_ROOT/}"
	if ! make -C "$FL_ROOT/userspace" STATIC=1 O="$US_OUT" -j"$(nproc)" >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		fl_warn "userspace static build failed (log: $log)"
		return 1
	fi
}

build_box_tests() {
	local log=$FL_BUILD/box.log
	fl_log "box tests (static) -> ${BOX_OUT#$FL_ROOT/}"
	mkdir -p "$FL_BUILD/vm"
	gcc -O2 -Wall -static -o "$FL_BUILD/vm/fl-insmod" "$FL_ROOT/tests/vm/insmod.c"
	rm -rf "$BOX_OUT"
	if ! make -C "$FL_ROOT/tests/box" O="$BOX_OUT" -j"$(nproc)" >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		fl_warn "box test build failed (log: $log)"
		return 1
	fi
}

# is_static FILE: an ELF executable without a program interpreter.
is_static() {
	! readelf -l "$1" 2>/dev/null | grep -q 'program interpreter'
}

# The part of the initramfs every kernel shares.
build_rootfs() {
	local f
	rm -rf "$COMMON"
	mkdir -p "$COMMON"/{bin,sbin,tests,data,dev,proc,sys,tmp,root}
	cp /bin/busybox "$COMMON/bin/busybox"
	is_static /bin/busybox ||
		fl_die "/bin/busybox is not static: install busybox-static"
	install -m 0755 "$FL_ROOT/tests/vm/init.sh" "$COMMON/init"
	install -m 0755 "$FL_BUILD/vm/fl-insmod" "$COMMON/sbin/fl-insmod"
	install -m 0644 "$FL_ROOT/tests/vm/demo.sh" "$COMMON/demo.sh"
	for f in "$FL_ROOT"/tests/box/*.sh; do
		[[ -e $f ]] && install -m 0755 "$f" "$COMMON/tests/"
	done
	for f in "$BOX_OUT"/t_*; do
		[[ -x $f ]] && install -m 0755 "$f" "$COMMON/tests/"
	done
	# the differential test's program, run by tests/box/01-kdiff.sh
	[[ -x $BOX_OUT/kdiff ]] && install -m 0755 "$BOX_OUT/kdiff" "$COMMON/tests/"
	for f in $BOX_TRACES; do
		install -m 0644 "$FL_ROOT/tests/data/$f.trace" "$COMMON/data/"
	done
	f=$(find "$US_OUT" -type f -name fragctl -perm -u+x 2>/dev/null | head -n1)
	if [[ -n $f ]]; then
		is_static "$f" || fl_warn "$f is not static; it will not run in the box"
		install -m 0755 "$f" "$COMMON/bin/fragctl"
	fi
	# a node for the console before devtmpfs is mounted
	mknod -m 0600 "$COMMON/dev/console" c 5 1 2>/dev/null || true
}

build_initramfs() {
	local kver=$1 dir=$FL_BUILD/vm/$1
	rm -rf "$dir/root"
	mkdir -p "$dir"
	cp -a "$COMMON" "$dir/root"
	install -m 0644 "$FL_BUILD/kmod/$kver/fraglab.ko" "$dir/root/fraglab.ko"
	if [[ -f $FL_BUILD/kdiff/$kver/fl_kdiff.ko ]]; then
		install -m 0644 "$FL_BUILD/kdiff/$kver/fl_kdiff.ko" "$dir/root/fl_kdiff.ko"
	fi
	(cd "$dir/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) \
		>"$dir/initramfs.cpio.gz"
	rm -rf "$dir/root"
}

main() {
	local kvers=("$@") kver pids=() kpids=() rc=0 i ok=()
	fl_lock
	if ((${#kvers[@]} == 0)); then
		mapfile -t kvers < <(fl_kernels)
	fi
	((${#kvers[@]})) || fl_die "no kernel to build for (see FRAGLAB_KERNELS in docs/TESTING.md)"
	for kver in "${kvers[@]}"; do
		rm -f "$FL_BUILD/vm/$kver/initramfs.cpio.gz"
	done

	# the kernels build in parallel with the userspace parts
	for kver in "${kvers[@]}"; do
		fl_log "fraglab.ko for $kver (W=1) -> build/kmod/$kver"
		fl_kmod_build "$kver" W=1 &
		pids+=($!)
		fl_kdiff_build "$kver" &
		kpids+=($!)
	done
	build_userspace || rc=1
	build_box_tests || rc=1
	for i in "${!kvers[@]}"; do
		if wait "${pids[$i]}"; then
			ok+=("${kvers[$i]}")
		else
			rc=1
			fl_warn "fraglab.ko build failed for ${kvers[$i]}:"
			grep -iE 'error' "$FL_BUILD/kmod/${kvers[$i]}/build.log" | head -n 30 >&2 || true
			fl_warn "full log: $FL_BUILD/kmod/${kvers[$i]}/build.log"
		fi
		if ! wait "${kpids[$i]}"; then
			rc=1
			fl_warn "fl_kdiff.ko (01-kdiff) build failed or warned for ${kvers[$i]}:"
			grep -iE 'error|warning' "$FL_BUILD/kdiff/${kvers[$i]}/build.log" | head -n 30 >&2 || true
		fi
	done

	# An initramfs for every kernel whose module built, even if something
	# else failed: the box still runs what it can, the failure is reported.
	if [[ -x $FL_BUILD/vm/fl-insmod ]] && ((${#ok[@]})); then
		build_rootfs
		for kver in "${ok[@]}"; do
			build_initramfs "$kver"
		done
		fl_log "initramfs ready for: ${ok[*]}"
	fi
	return "$rc"
}

main "$@"
