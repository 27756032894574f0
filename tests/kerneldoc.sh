#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tests/kerneldoc.sh - the kernel's scripts/kernel-doc -Wall over the module
# sources and the UAPI header (module/**/*.[ch], include/uapi/linux/fraglab.h).
# Any warning fails: an undocumented parameter or struct member, a missing
# Return: section, a comment that starts with /** and is not kernel-doc.
#
# kernel-doc comes from linux-source-6.12: /usr/src/linux-source-6.12 if it
# is unpacked, else it is extracted once from /usr/src/linux-source-6.12.tar.xz
# into /var/cache/fraglab/ (as tests/checkpatch.sh does for checkpatch.pl).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC_DIR=/usr/src/linux-source-6.12
TARBALL=/usr/src/linux-source-6.12.tar.xz
CACHE=${FRAGLAB_CACHE:-/var/cache/fraglab}

find_kerneldoc() {
	local f
	for f in "$SRC_DIR/scripts/kernel-doc" "$CACHE/linux-source-6.12/scripts/kernel-doc"; do
		[[ -f $f ]] && { printf '%s\n' "$f"; return 0; }
	done
	[[ -f $TARBALL ]] || { echo "kernel-doc: $TARBALL missing (make deps)" >&2; return 1; }
	echo "==> kernel-doc: extracting scripts/kernel-doc from $TARBALL into $CACHE" >&2
	mkdir -p "$CACHE"
	tar -xJf "$TARBALL" -C "$CACHE" linux-source-6.12/scripts/kernel-doc
	printf '%s\n' "$CACHE/linux-source-6.12/scripts/kernel-doc"
}

main() {
	local kd files out n
	kd=$(find_kerneldoc)
	mapfile -t files < <(cd "$ROOT" && find module -name '*.[ch]' | LC_ALL=C sort;
		echo include/uapi/linux/fraglab.h)
	out=$(cd "$ROOT" && perl "$kd" -Wall -none "${files[@]}" 2>&1 || true)
	[[ -n $out ]] && printf '%s\n' "$out"
	n=$(grep -c 'warning:' <<<"$out" || true)
	echo "kernel-doc: ${#files[@]} files, $n warnings"
	if ((n > 0)); then
		echo "kernel-doc: FAIL"
		return 1
	fi
	echo "kernel-doc: ok"
}

main "$@"
