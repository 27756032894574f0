#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run.sh BIN... - run unit-test programs, print their output, sum the
# RESULT lines and end with exactly one "N passed, N failed" line.
# A program that crashes or exits non-zero without a RESULT line counts
# as one failed test; any fl_warn_once hit makes the run fail.
passed=0
failed=0
warnings=0
rc=0
for bin in "$@"; do
	name=$(basename "$bin")
	echo "=== $name"
	out=$("$bin" 2>&1)
	status=$?
	printf '%s\n' "$out" | grep -v '^RESULT '
	res=$(printf '%s\n' "$out" | grep '^RESULT ' | tail -n1)
	if [ -z "$res" ]; then
		echo "--- $name: crashed or exited $status before its summary"
		failed=$((failed + 1))
		rc=1
		continue
	fi
	p=$(sed -n 's/.* passed=\([0-9]*\).*/\1/p' <<<"$res")
	f=$(sed -n 's/.* failed=\([0-9]*\).*/\1/p' <<<"$res")
	w=$(sed -n 's/.* warnings=\([0-9]*\).*/\1/p' <<<"$res")
	echo "--- $name: $p passed, $f failed, $w warnings (exit $status)"
	passed=$((passed + p))
	failed=$((failed + f))
	warnings=$((warnings + w))
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ] && [ "$w" -eq 0 ]; then
		# e.g. LeakSanitizer reports after main() returned
		echo "--- $name: exit $status after a clean summary: counted as 1 failed"
		failed=$((failed + 1))
	fi
	[ "$status" -ne 0 ] && rc=1
done
[ "$warnings" -ne 0 ] && { echo "fl_warn_count total: $warnings"; rc=1; }
[ "$failed" -ne 0 ] && rc=1
echo "$passed passed, $failed failed"
exit $rc
