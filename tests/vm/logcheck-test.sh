#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tests/vm/logcheck-test.sh - the box's kernel-log verdicts on made-up logs:
# kernel_bad_lines() (with t_kfault's expected-report brackets) and
# boot_noise() (a report before init.sh's boot mark boots the VM again).
# No VM needed.  Last line: "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=run-box.sh
. "$here/run-box.sh"
set +e
# shellcheck source=../tap-host.sh
. "$here/../tap-host.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# expect WHAT WANT GOT
expect() {
	if [[ $2 == "$3" ]]; then ok "$1"; else nok "$1"; printf '#   want: %s\n#   got:  %s\n' "$2" "$3"; fi
}
bad() { kernel_bad_lines | tr '\n' '|'; }

expect "a clean log has no bad line" "" \
	"$(printf '[1.0] fraglab: arena 64 MiB\n[2.0] ok\n' | bad)"
expect "WARNING: fails" "[3.0] WARNING: CPU: 0 PID: 1 at x|" \
	"$(printf '[1.0] a\n[3.0] WARNING: CPU: 0 PID: 1 at x\n' | bad)"
expect "a Call Trace outside the brackets fails" "[2.0] Call Trace:|" \
	"$(printf '[1.0] page allocation failure\n[2.0] Call Trace:\n' | bad)"
expect "a Call Trace inside the brackets is expected" "" \
	"$(printf '%s\n' '[1.0] fraglab-box: expected allocation-failure reports begin' \
		'[1.1] t_kfault: page allocation failure: order:0' '[1.2] Call Trace:' \
		'[1.3] fraglab-box: expected allocation-failure reports end' | bad)"
expect "inside the brackets, KASAN still fails" "[1.2] BUG: KASAN: use-after-free in x|" \
	"$(printf '%s\n' '[1.0] fraglab-box: expected allocation-failure reports begin' \
		'[1.2] BUG: KASAN: use-after-free in x' \
		'[1.3] fraglab-box: expected allocation-failure reports end' | bad)"
expect "after the end bracket, a Call Trace fails again" "[2.0] Call Trace:|" \
	"$(printf '%s\n' '[1.0] fraglab-box: expected allocation-failure reports begin' \
		'[1.3] fraglab-box: expected allocation-failure reports end' '[2.0] Call Trace:' | bad)"

# The report seen in a red CI run, before init: boot noise.
mkdir -p "$tmp/boot"
printf '%s\r\n' '[    0.002792] BUG: KASAN: wild-memory-access in do_raw_spin_lock+0x11d/0x270' \
	'[    0.002792] Call Trace:' '[    1.3] mtrr: your CPUs had inconsistent fixed MTRR settings' \
	"[    5.0] $BOOT_MARK" '[    6.0] fraglab: loading out-of-tree module taints kernel.' \
	>"$tmp/boot/console.log"
expect "a report before the boot mark is boot noise" \
	"[    0.002792] BUG: KASAN: wild-memory-access in do_raw_spin_lock+0x11d/0x270|[    0.002792] Call Trace:|" \
	"$(boot_noise "$tmp/boot" | tr '\n' '|')"

mkdir -p "$tmp/late"
printf '%s\n' '[    1.0] booting' "[    5.0] $BOOT_MARK" '[    9.0] WARNING: CPU: 1 PID: 80 at fl_dev.c:1' \
	>"$tmp/late/console.log"
expect "a report after the boot mark is not boot noise" "" "$(boot_noise "$tmp/late")"
expect "... and it still fails the run" "[    9.0] WARNING: CPU: 1 PID: 80 at fl_dev.c:1|" \
	"$(bad <"$tmp/late/console.log")"

mkdir -p "$tmp/nomark"
printf '%s\n' '[    0.1] BUG: KASAN: wild-memory-access in x' '[    0.2] Kernel panic - not syncing' \
	>"$tmp/nomark/console.log"
expect "no boot mark (init never ran): no second boot, the run fails as it is" "" \
	"$(boot_noise "$tmp/nomark")"

tap_summary
