#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tests/bench/guard.sh - the instruction-count regression guard of issue 9.
#
# Runs `core_bench insns` (the portable core under valgrind --tool=callgrind:
# deterministic instructions per alloc+free pair for buddy, slab and each fit
# strategy, at several arena sizes and hole counts) and compares every case
# with tests/bench/insns-baseline.txt.  A case more than 10% above its
# baseline fails: make the fast path cheaper again, or, if the cost is
# wanted, say why in the commit and refresh the baseline with
#   bash tests/bench/guard.sh --update
# (docs/BENCHMARKS.md shows the same counts).  A case more than 10% below
# its baseline passes with a note to refresh it.  Ends with
# "N passed, N failed" (one per case).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
base=$here/insns-baseline.txt
limit=${FRAGLAB_GUARD_PERCENT:-10}

command -v valgrind >/dev/null || { echo "guard: valgrind is not installed"; echo "0 passed, 1 failed"; exit 1; }
make -s -C "$here" core >/dev/null
now=$(mktemp)
trap 'rm -f "$now"' EXIT
"$here/build/core_bench" insns 2>/dev/null | grep -v '^case' >"$now"

if [[ ${1:-} == --update ]]; then
	cp "$now" "$base"
	echo "guard: baseline updated ($(wc -l <"$base") cases): commit it with the reason"
	exit 0
fi

awk -v limit="$limit" '
	NR == FNR { want[$1 " " $2] = $3; next }
	{
		key = $1 " " $2; n++
		if (!(key in want)) {
			printf "not ok %d - %s: %.0f insns/pair, no baseline (guard.sh --update)\n", n, key, $3; f++; next
		}
		pct = ($3 - want[key]) * 100 / want[key]
		if (pct > limit) {
			printf "not ok %d - %s: %.0f insns/pair, %+.1f%% over the baseline %.0f (limit +%d%%)\n", n, key, $3, pct, want[key], limit; f++
		} else {
			note = pct < -limit ? "  # cheaper: refresh the baseline (guard.sh --update)" : ""
			printf "ok %d - %s: %.0f insns/pair (baseline %.0f, %+.1f%%)%s\n", n, key, $3, want[key], pct, note; p++
		}
		seen[key] = 1
	}
	END {
		for (k in want) if (!(k in seen)) { printf "not ok - %s: in the baseline but not measured\n", k; f++ }
		printf "%d passed, %d failed\n", p, f
		exit f > 0
	}' "$base" "$now"
