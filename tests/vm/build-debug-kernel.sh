#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tests/vm/build-debug-kernel.sh - build (once per machine) the debug kernel
# the box runs `make check-debug` on: Debian's linux-source-6.12 with
# x86_64_defconfig + kvm_guest.config + tests/vm/debug.config (KASAN,
# lockdep, DEBUG_ATOMIC_SLEEP, kmemleak, DEBUG_VM, DEBUG_LIST, KFENCE,
# FAILSLAB / FAIL_PAGE_ALLOC).
#
# The result is cached outside the repository, keyed by the hash of the
# inputs (source tarball version + config fragment + $recipe below, which is
# bumped whenever the way the kernel is built changes):
#   $FRAGLAB_CACHE/debug-kernel/<hash>/bzImage
#   $FRAGLAB_CACHE/debug-kernel/<hash>/build      (KDIR for fraglab.ko)
# and printed on stdout as "<bzImage> <KDIR>".  About 17 minutes on 2 cores
# the first time, instant afterwards.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${FRAGLAB_CACHE:-/var/cache/fraglab}
tarball=/usr/src/linux-source-6.12.tar.xz
jobs=${FRAGLAB_JOBS:-$(nproc)}
recipe=2

die() { printf 'build-debug-kernel: %s\n' "$*" >&2; exit 1; }

[[ -r $tarball ]] || die "$tarball missing (apt-get install linux-source-6.12)"
key=$( { dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || stat -c %s "$tarball";
	 cat "$here/debug.config"; echo "recipe $recipe"; } | sha256sum | cut -c1-16)
out=$cache/debug-kernel/$key
if [[ -f $out/done ]]; then
	echo "$out/bzImage $out/build"
	exit 0
fi

log=$out/build.log
# An interrupted build (CI timeout, killed job) resumes where make stopped:
# the tree is configured once ("configured" marker), make is incremental.
if [[ ! -f $out/configured ]]; then
	rm -rf "$out"
	mkdir -p "$out"
	echo "build-debug-kernel: building $key (log: $log), ~17 min on 2 cores" >&2
	tar -xf "$tarball" -C "$out"
	mv "$out"/linux-source-6.12 "$out/build"
	(
		cd "$out/build"
		make x86_64_defconfig
		scripts/kconfig/merge_config.sh -m .config kernel/configs/kvm_guest.config "$here/debug.config"
		make olddefconfig
		for opt in KASAN PROVE_LOCKING DEBUG_ATOMIC_SLEEP DEBUG_KMEMLEAK DEBUG_VM DEBUG_LIST KFENCE FAILSLAB FAIL_PAGE_ALLOC; do
			grep -q "^CONFIG_$opt=y" .config || { echo "CONFIG_$opt did not stick"; exit 1; }
		done
	) >"$log" 2>&1 || { tail -n 40 "$log" >&2; die "kernel configuration failed"; }
	touch "$out/configured"
else
	echo "build-debug-kernel: resuming $key (log: $log)" >&2
fi
cd "$out/build"
make -j"$jobs" bzImage modules >>"$log" 2>&1 || { tail -n 40 "$log" >&2; die "kernel build failed"; }
cp arch/x86/boot/bzImage "$out/bzImage"
touch "$out/done"
echo "$out/bzImage $out/build"
