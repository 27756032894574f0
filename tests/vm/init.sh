#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of the fraglab test box (busybox sh).  Generated into the initramfs
# by tests/vm/run-box.sh; see docs/TESTING.md.
#
# Kernel command line knobs (read from /proc/cmdline):
#   flbox.mode=test|demo|shell   what to do (default test)
#   flbox.tests=GLOB             only run tests whose name matches GLOB
#   flbox.insmod="ARGS"          shell mode: extra insmod parameters
#   flbox.test_timeout=SECONDS   per-test limit (default 120): SIGKILL after
#
# Channels: the kernel console is ttyS0.  In test and demo mode everything
# this script and the tests print goes to ttyS1, which the kernel never
# writes to, so TAP lines are never torn by printk.

export PATH=/sbin:/bin:/usr/sbin:/usr/bin:/tests
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
if ! mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null; then
	echo "flbox: debugfs is not available" >/dev/console
fi

cmdline_arg() {
	# cmdline_arg NAME: value of NAME=... on the kernel command line
	sed -n "s/.*[[:space:]]$1=\"\([^\"]*\)\".*/\1/p; t; s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" /proc/cmdline
}
MODE=$(cmdline_arg flbox.mode)
TESTS=$(cmdline_arg flbox.tests)
INSMOD_ARGS=$(cmdline_arg flbox.insmod)
TEST_TIMEOUT=$(cmdline_arg flbox.test_timeout)
: "${MODE:=test}" "${TESTS:=*}" "${TEST_TIMEOUT:=120}"

export FRAGLAB_KO=/fraglab.ko
export FRAGLAB_KVER=$(uname -r)
export FRAGLAB_TESTS=/tests
export HOME=/root
mkdir -p /root

# busybox sh runs its own applets before searching PATH, so the single-shot
# insmod (tests/vm/insmod.c, /sbin/fl-insmod) is reached through a function;
# tap.sh and demo.sh define the same one.
insmod() {
	/sbin/fl-insmod "$@"
}

uptime_ds() {
	# uptime in tenths of a second
	awk '{ printf "%d\n", $1 * 10 }' /proc/uptime
}

poweroff_now() {
	sync
	poweroff -f
	sleep 10
}

if [ "$MODE" = shell ]; then
	echo
	echo "=== fraglab box: $(uname -r), $(grep MemTotal /proc/meminfo)"
	if insmod "$FRAGLAB_KO" $INSMOD_ARGS; then
		echo "=== fraglab.ko loaded ($INSMOD_ARGS); 'rmmod fraglab' to unload"
	else
		echo "=== insmod $FRAGLAB_KO failed, see dmesg"
	fi
	echo "=== /tests has the box tests; 'poweroff -f' (or exit) to leave"
	cd /root
	setsid cttyhack sh -l
	poweroff_now
fi

# From here on: test or demo mode, output on the second serial port.
OUT=/dev/ttyS1
[ -c $OUT ] || OUT=/dev/console
exec >$OUT 2>&1
# a serial port logged to a file: no terminal redraws (progress lines)
export TERM=dumb

echo "### flbox: start kernel=$(uname -r) mode=$MODE"
dmesg >/tmp/dmesg.baseline
# Everything the kernel logged before this line happened while booting,
# before any test or fraglab.ko ran (run-box.sh: BOOT_MARK).
echo "<4>fraglab-box: boot done, tests begin" >/dev/kmsg 2>/dev/null || true

if [ "$MODE" = demo ]; then
	cd /tmp
	sh /demo.sh
	echo "### flbox: demo rc=$?"
	poweroff_now
else
	cd /tmp
	# Name order, except that 9N-*.sh scripts run after everything else:
	# they look back at what the whole run did (99-kmemleak scans for
	# leaks once every test has exercised fraglab).
	for t in $(ls /tests | sort | grep -v '^9[0-9]-') $(ls /tests | sort | grep '^9[0-9]-'); do
		case "$t" in
		[0-9][0-9]-*.sh|t_*) ;;
		*) continue ;;
		esac
		# flbox.tests: comma-separated globs (not expanded as file names)
		selected=
		set -f
		for pat in $(echo "$TESTS" | tr ',' ' '); do
			case "$t" in
			$pat) selected=1 ;;
			esac
		done
		set +f
		[ -n "$selected" ] || continue
		echo "### flbox: begin $t"
		t0=$(uptime_ds)
		echo 255 >/tmp/rc
		{
			case "$t" in
			*.sh) timeout -s KILL "$TEST_TIMEOUT" sh "/tests/$t" ;;
			*) timeout -s KILL "$TEST_TIMEOUT" "/tests/$t" ;;
			esac
			echo $? >/tmp/rc
		} </dev/null 2>&1 | tee /tmp/out
		rc=$(cat /tmp/rc)
		if [ "$rc" = 137 ]; then
			echo "not ok - $t: killed after ${TEST_TIMEOUT}s (per-test time limit)"
		elif [ "$rc" -ne 0 ] && ! grep -q '^not ok' /tmp/out; then
			echo "not ok - $t: exited with status $rc"
		fi
		if ! grep -qE '^(not )?ok' /tmp/out; then
			echo "not ok - $t: printed no TAP result"
		fi
		if grep -q '^fraglab ' /proc/modules; then
			echo "not ok - $t: left fraglab.ko loaded (harness unloads it)"
			rmmod fraglab || echo "# rmmod fraglab failed"
		fi
		t1=$(uptime_ds)
		echo "### flbox: end $t rc=$rc time=$(((t1 - t0) / 10)).$(((t1 - t0) % 10))s"
		cd /tmp
	done
fi

echo "### flbox: done"
echo "### flbox: dmesg-begin"
dmesg
echo "### flbox: dmesg-end"
poweroff_now
