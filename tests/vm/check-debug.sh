#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tests/vm/check-debug.sh - `make check-debug`: the whole box suite on the
# debug kernel (KASAN, lockdep, DEBUG_ATOMIC_SLEEP, kmemleak, DEBUG_VM,
# DEBUG_LIST, KFENCE; see tests/vm/debug.config), built once per machine by
# tests/vm/build-debug-kernel.sh and cached outside the repository.
#
# The run fails on every line the box always fails on (WARNING:, BUG:,
# KASAN, Call Trace, ...: lockdep splats and "sleeping function called from
# invalid context" are among them) and on a kmemleak report naming fraglab
# (tests/box/99-kmemleak.sh scans explicitly after exercising everything).
# Ends with "N passed, N failed".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

# What a kernel build needs beyond build-essential.
need=(flex bison bc libelf-dev libssl-dev)
missing=()
for p in "${need[@]}"; do
	dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
done
if ((${#missing[@]})); then
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
fi

read -r bzimage kdir < <(bash "$here/build-debug-kernel.sh" | tail -n1)
rel=$(make -s -C "$kdir" kernelrelease)
cache=$(dirname "$bzimage")
mkdir -p "$cache/boot" "$cache/modules/$rel"
ln -sf "$bzimage" "$cache/boot/vmlinuz-$rel"
ln -sfn "$kdir" "$cache/modules/$rel/build"

export FRAGLAB_BOOT_DIR=$cache/boot
export FRAGLAB_MODULES_DIR=$cache/modules
export FRAGLAB_KERNELS=$rel
export FRAGLAB_BUILD=${FRAGLAB_BUILD:-$root/build/debug}
# KASAN + lockdep under TCG: everything is several times slower.
export FRAGLAB_VM_TIMEOUT=${FRAGLAB_VM_TIMEOUT:-1800}
export FRAGLAB_TEST_TIMEOUT=${FRAGLAB_TEST_TIMEOUT:-600}
# Without 5-level paging: with it, this kernel under TCG reports "BUG:
# KASAN: wild-memory-access in do_raw_spin_lock" from an early-boot
# interrupt in about one boot in three (4 of 12 bare boots; 0 of 26 with
# la57=off; see boot_test() in run-box.sh, which boots again).
export FRAGLAB_VM_CPU=${FRAGLAB_VM_CPU:-max,la57=off}
# 01-kdiff reports instead of failing here: node 1 of this kernel is not
# quiet (a free block appeared that no step freed; tests/box/kdiff/kdiff.c).
export FRAGLAB_VM_APPEND="${FRAGLAB_VM_APPEND:-} flbox.kdiff=report"
echo "check-debug: kernel $rel ($bzimage)" >&2
exec bash "$here/run-box.sh" "$@"
