# SPDX-License-Identifier: GPL-2.0
# tests/tap-host.sh - ok/nok counters for the host-side test scripts
# (tests/userspace/run.sh, tests/vm/logcheck-test.sh); sourced, bash.
# The in-VM scripts have their own busybox helpers (tests/box/tap.sh).
#
#	. "$top/tests/tap-host.sh"
#	ok "what held"; nok "what did not"
#	tap_summary		# last line "N passed, N failed"; status 0 if none failed

pass=0
fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
nok() { echo "not ok - $*"; fail=$((fail + 1)); }
tap_summary() { echo "$pass passed, $fail failed"; ((fail == 0)); }
