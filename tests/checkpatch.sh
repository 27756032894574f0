#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tests/checkpatch.sh - the kernel's checkpatch.pl over the module sources
# (module/**/*.c, module/**/*.h, include/uapi/linux/fraglab.h).
#
# Policy: any ERROR fails; WARNINGs are printed and counted but only fail with
# FRAGLAB_CHECKPATCH_STRICT=1.  A few message types that do not apply to an
# out-of-tree module are ignored (IGNORE below, with the reason).
#
# checkpatch.pl comes from linux-source-6.12: /usr/src/linux-source-6.12 if
# it is unpacked, else the three files it needs are extracted once from
# /usr/src/linux-source-6.12.tar.xz into /var/cache/fraglab/.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC_DIR=/usr/src/linux-source-6.12
TARBALL=/usr/src/linux-source-6.12.tar.xz
CACHE=${FRAGLAB_CACHE:-/var/cache/fraglab}

IGNORE=(
	LINUX_VERSION_CODE	# fl_compat.h must test the kernel version
	FILE_PATH_CHANGES	# no MAINTAINERS file out of tree
	SPLIT_STRING		# long user-facing messages stay greppable
)

find_checkpatch() {
	local f
	for f in "$SRC_DIR/scripts/checkpatch.pl" "$CACHE/linux-source-6.12/scripts/checkpatch.pl"; do
		[[ -f $f ]] && { printf '%s\n' "$f"; return 0; }
	done
	[[ -f $TARBALL ]] || { echo "checkpatch: $TARBALL missing (make deps)" >&2; return 1; }
	echo "==> checkpatch: extracting checkpatch.pl from $TARBALL into $CACHE" >&2
	mkdir -p "$CACHE"
	tar -xJf "$TARBALL" -C "$CACHE" \
		linux-source-6.12/scripts/checkpatch.pl \
		linux-source-6.12/scripts/spelling.txt \
		linux-source-6.12/scripts/const_structs.checkpatch
	printf '%s\n' "$CACHE/linux-source-6.12/scripts/checkpatch.pl"
}

main() {
	local cp files out errors warnings ignore
	cp=$(find_checkpatch)
	mapfile -t files < <(cd "$ROOT" && find module -name '*.[ch]' | LC_ALL=C sort;
		echo include/uapi/linux/fraglab.h)
	ignore=$(IFS=,; echo "${IGNORE[*]}")
	out=$(cd "$ROOT" && perl "$cp" --no-tree -f --terse --show-types --no-summary \
		--ignore "$ignore" "${files[@]}" 2>&1 || true)
	[[ -n $out ]] && printf '%s\n' "$out"
	errors=$(grep -c ': ERROR:' <<<"$out" || true)
	warnings=$(grep -c ': WARNING:' <<<"$out" || true)
	echo "checkpatch: ${#files[@]} files, $errors errors, $warnings warnings"
	if ((errors > 0)); then
		echo "checkpatch: FAIL (errors)"
		return 1
	fi
	if ((warnings > 0)) && [[ ${FRAGLAB_CHECKPATCH_STRICT:-0} == 1 ]]; then
		echo "checkpatch: FAIL (warnings, FRAGLAB_CHECKPATCH_STRICT=1)"
		return 1
	fi
	echo "checkpatch: ok"
}

main "$@"
