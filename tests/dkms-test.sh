#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tests/dkms-test.sh - dkms add / build / install / remove of the top-level
# dkms.conf for every kernel of the matrix (FRAGLAB_KERNELS): the first by
# dkms build + install, the others by "dkms autoinstall -k KVER", what a
# newly installed kernel's hook runs (AUTOINSTALL="yes").  Nothing is
# loaded: the installed fraglab.ko is only checked for the right vermagic.
# Everything is removed again (dkms remove --all, /usr/src/fraglab-<ver>).
set -euo pipefail
. "$(dirname "$0")/vm/lib.sh"

VERSION=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$FL_ROOT/dkms.conf")
SRC=/usr/src/fraglab-$VERSION
LOG=$FL_BUILD/dkms.log

cleanup() {
	dkms remove -m fraglab -v "$VERSION" --all >>"$LOG" 2>&1 || true
	rm -rf "$SRC"
}

# installed_ko KVER: the installed module file (maybe compressed).
installed_ko() {
	find "/lib/modules/$1/updates/dkms" -name 'fraglab.ko*' 2>/dev/null | head -n1
}

# step NAME CMD...: run a dkms step, log its output, show it on failure.
step() {
	local name=$1
	shift
	echo "+ $*" >>"$LOG"
	if "$@" >>"$LOG.step" 2>&1; then
		cat "$LOG.step" >>"$LOG"
		rm -f "$LOG.step"
		echo "ok - dkms: $name"
		return 0
	fi
	cat "$LOG.step" >>"$LOG"
	echo "not ok - dkms: $name"
	tail -n 25 "$LOG.step" | sed 's/^/#   /'
	find /var/lib/dkms/fraglab -name make.log -newer "$SRC/dkms.conf" -exec tail -n 25 {} \; 2>/dev/null |
		sed 's/^/#   make.log: /'
	rm -f "$LOG.step"
	return 1
}

main() {
	local kvers kver ko vermagic fail=0
	[[ -n $VERSION ]] || fl_die "no PACKAGE_VERSION in dkms.conf"
	((EUID == 0)) || fl_die "the dkms test needs root"
	command -v dkms >/dev/null || fl_die "dkms missing: make deps"
	mapfile -t kvers < <(fl_kernels)
	((${#kvers[@]})) || fl_die "no kernel to test"
	mkdir -p "$FL_BUILD"
	# /usr/src/fraglab-<ver> and the dkms tree are machine-wide
	fl_lock /run/lock/fraglab-dkms.lock
	: >"$LOG"

	if dkms status -m fraglab -v "$VERSION" 2>/dev/null | grep -q .; then
		fl_warn "fraglab/$VERSION was already registered with dkms; removing it for the test"
	fi
	cleanup
	trap cleanup EXIT
	mkdir -p "$SRC"
	cp -a "$FL_ROOT/Kbuild" "$FL_ROOT/Makefile" "$FL_ROOT/dkms.conf" \
		"$FL_ROOT/module" "$FL_ROOT/include" "$SRC/"

	step "add fraglab/$VERSION" dkms add -m fraglab -v "$VERSION" || return 1
	# dkms 3.0 autoinstalls for any non-empty AUTOINSTALL, "no" included
	# (tried: AUTOINSTALL="no" passed the autoinstall step below), so the
	# line says what is meant and is checked by itself.
	grep -qx 'AUTOINSTALL="yes"' "$SRC/dkms.conf" ||
		{ echo "not ok - dkms: dkms.conf has AUTOINSTALL=\"yes\""; fail=1; }
	for kver in "${kvers[@]}"; do
		# The first kernel by hand; every other one as a new kernel's
		# postinst does it: dkms autoinstall (needs AUTOINSTALL="yes").
		if [[ $kver == "${kvers[0]}" ]]; then
			if ! step "build for $kver" dkms build -m fraglab -v "$VERSION" -k "$kver" ||
			   ! step "install for $kver" dkms install -m fraglab -v "$VERSION" -k "$kver"; then
				fail=1
				continue
			fi
		elif ! step "autoinstall for $kver" dkms autoinstall -k "$kver"; then
			fail=1
			continue
		fi
		ko=$(installed_ko "$kver")
		vermagic=$( [[ -n $ko ]] && modinfo -F vermagic "$ko" 2>/dev/null || true)
		if [[ $vermagic == "$kver "* ]]; then
			echo "ok - dkms: ${ko#/lib/modules/} has vermagic $kver"
		else
			echo "not ok - dkms: installed module for $kver # file '${ko:-none}', vermagic '$vermagic'"
			fail=1
		fi
	done
	step "remove --all" dkms remove -m fraglab -v "$VERSION" --all || fail=1
	for kver in "${kvers[@]}"; do
		if [[ -n $(installed_ko "$kver") ]]; then
			echo "not ok - dkms: fraglab.ko still installed for $kver after remove"
			fail=1
		fi
	done
	echo "dkms: log in ${LOG#$FL_ROOT/}"
	return "$fail"
}

main "$@"
