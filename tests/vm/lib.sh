# SPDX-License-Identifier: GPL-2.0
# tests/vm/lib.sh - helpers shared by the box scripts (sourced, not run).
#
# Environment:
#   FRAGLAB_KERNELS      kernels to test: space/comma separated list of kernel
#                        releases or shell globs matched against /boot/vmlinuz-*
#                        (a glob selects the newest match).  Default: the
#                        newest 6.1 cloud, 6.12 cloud and PREEMPT_RT kernels.
#   FRAGLAB_MODULE_SRC   directory holding Kbuild, module/ and include/
#                        (default: the repository; for box development only).
#   FRAGLAB_BUILD        output directory (default: <repo>/build).
#   FRAGLAB_BOOT_DIR     where vmlinuz-<kver> images are (default: /boot).
#   FRAGLAB_MODULES_DIR  where <kver>/build header trees are (default:
#                        /lib/modules); check-debug points both at its cache.

FL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FL_BUILD=${FRAGLAB_BUILD:-$FL_ROOT/build}
FL_MODULE_SRC=${FRAGLAB_MODULE_SRC:-$FL_ROOT}
FL_DEFAULT_KERNELS='6.1.*-cloud-amd64 6.12.*-cloud-amd64 *-rt-amd64'
FL_BOOT=${FRAGLAB_BOOT_DIR:-/boot}
FL_MODDIR=${FRAGLAB_MODULES_DIR:-/lib/modules}

fl_log()  { printf '==> %s\n' "$*" >&2; }
fl_warn() { printf 'WARN: %s\n' "$*" >&2; }
fl_die()  { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# fl_newest_kernel GLOB: newest kernel release with /boot/vmlinuz-GLOB and
# headers in /lib/modules/<kver>/build; prints nothing if there is none.
fl_newest_kernel() {
	local glob=$1 f kver best=
	for f in "$FL_BOOT"/vmlinuz-$glob; do
		[[ -e $f ]] || continue
		kver=${f#"$FL_BOOT"/vmlinuz-}
		[[ -d $FL_MODDIR/$kver/build ]] || { fl_warn "$kver: no headers in $FL_MODDIR/$kver/build, skipped"; continue; }
		best+="$kver"$'\n'
	done
	[[ -n $best ]] && printf '%s' "$best" | sort -V | tail -n1
	return 0
}

# fl_kernels: the kernel matrix, one release per line, in a stable order.
fl_kernels() {
	local explicit=0 list=$FL_DEFAULT_KERNELS pat kver seen=' '
	if [[ -n ${FRAGLAB_KERNELS:-} ]]; then
		explicit=1
		list=${FRAGLAB_KERNELS//,/ }
	fi
	for pat in $list; do
		kver=$(fl_newest_kernel "$pat")
		if [[ -z $kver ]]; then
			if ((explicit)); then
				fl_die "FRAGLAB_KERNELS: no kernel matches '$pat' (need /boot/vmlinuz-$pat and its headers)"
			fi
			fl_warn "no installed kernel matches '$pat', skipped"
			continue
		fi
		[[ $seen == *" $kver "* ]] && continue
		seen+="$kver "
		printf '%s\n' "$kver"
	done
}

# fl_kmod_build KVER [MAKE-ARGS...]: build fraglab.ko for KVER in its own copy
# of the sources (build/kmod/KVER) so kernels never clobber each other's
# objects.  The full log is build/kmod/KVER/build.log.
fl_kmod_build() {
	local kver=$1; shift
	local dir=$FL_BUILD/kmod/$kver
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -a "$FL_MODULE_SRC/Kbuild" "$FL_MODULE_SRC/module" "$dir/"
	[[ -d $FL_MODULE_SRC/include ]] && cp -a "$FL_MODULE_SRC/include" "$dir/"
	if make -C "$FL_MODDIR/$kver/build" M="$dir" -j"$(nproc)" "$@" modules \
		>"$dir/build.log" 2>&1 && [[ -f $dir/fraglab.ko ]]; then
		return 0
	fi
	return 1
}

# fl_kdiff_build KVER: build the differential test's kernel module
# (tests/box/kdiff/fl_kdiff.ko, for 01-kdiff) with W=1 into
# build/kdiff/KVER; log: build.log there.  Warnings fail it: it is
# test code, but it runs in the same kernels as fraglab.ko.
fl_kdiff_build() {
	local kver=$1 dir=$FL_BUILD/kdiff/$1
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -a "$FL_ROOT"/tests/box/kdiff/{Kbuild,fl_kdiff.c,fl_kdiff.h} "$dir/"
	make -C "$FL_MODDIR/$kver/build" M="$dir" -j"$(nproc)" W=1 modules \
		>"$dir/build.log" 2>&1 && [[ -f $dir/fl_kdiff.ko ]] &&
		! grep -qi 'warning' "$dir/build.log"
}

# fl_kmod_warnings KVER: print the warning lines of the last build (compiler
# "warning:" and modpost "WARNING:").
fl_kmod_warnings() {
	grep -i 'warning' "$FL_BUILD/kmod/$1/build.log" || true
}

# fl_lock [LOCKFILE]: serialize with other box runs sharing this build/
# directory (several people use one working tree).  Holds an exclusive flock
# on fd 9 until the process exits; nested scripts inherit it through
# FRAGLAB_LOCKED and do not lock again.
fl_lock() {
	local file=${1:-$FL_BUILD/.lock}
	[[ ${FRAGLAB_LOCKED:-} == "$file" ]] && return 0
	mkdir -p "$(dirname "$file")"
	exec 9>>"$file"
	if ! flock -n 9; then
		fl_log "waiting for another run holding $file (up to 30 min)"
		flock -w 1800 9 || fl_die "gave up waiting for $file"
	fi
	export FRAGLAB_LOCKED=$file
}
