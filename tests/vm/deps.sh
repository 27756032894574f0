#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tests/vm/deps.sh - install the Debian 12 packages fraglab's build and tests
# need.  Idempotent: when everything is installed it only runs dpkg-query
# (well under a second) and never touches apt.
#
# FRAGLAB_APT_UPDATED=1 skips "apt-get update" (the caller just ran it).
# FRAGLAB_DEPS_OPTIONAL=0 makes a failure to install an optional package
# (the PREEMPT_RT kernel) an error too.
set -euo pipefail

# Required: builds, the box, dkms, fuzzing, the instruction-count guard
# (valgrind), the native benchmark's baselines (jemalloc, tcmalloc),
# checkpatch; the host-side tests of tests/userspace: the
# installed pkg-config, man pages (man, groff), completion (zsh), the TTY
# progress (script), promtool check metrics (prometheus), the pictures
# rendered to PNG (rsvg-convert) and the real allocators of fragctl replay
# --allocator (jemalloc, tcmalloc, mimalloc).
REQUIRED=(
	build-essential kmod cpio gzip xz-utils perl python3
	qemu-system-x86 busybox-static dkms
	clang libclang-rt-14-dev valgrind libjemalloc2 libtcmalloc-minimal4
	linux-source-6.12
	linux-image-cloud-amd64 linux-headers-cloud-amd64
	linux-image-6.12-cloud-amd64 linux-headers-6.12-cloud-amd64
	pkg-config man-db groff-base zsh bsdutils prometheus librsvg2-bin
	libjemalloc2 libtcmalloc-minimal4 libmimalloc2.0
)
# Optional: more kernels for the matrix; a failure here is only a warning.
OPTIONAL=(
	linux-image-rt-amd64 linux-headers-rt-amd64
)

log() { printf '==> deps: %s\n' "$*" >&2; }

# missing PKG...: print the packages that are not installed (one dpkg-query).
missing() {
	local installed p
	installed=" $(dpkg-query -W -f='${Package}:${db:Status-Abbrev}\n' "$@" 2>/dev/null |
		sed -n 's/^\([^:]*\):ii.*/\1/p' | tr '\n' ' ' || true) "
	for p in "$@"; do
		[[ $installed == *" $p "* ]] || printf '%s\n' "$p"
	done
}

APT_UPDATED=0
apt_install() {
	export DEBIAN_FRONTEND=noninteractive
	if ((APT_UPDATED == 0)) && [[ ${FRAGLAB_APT_UPDATED:-0} != 1 ]]; then
		log "apt-get update"
		apt-get update -qq
		APT_UPDATED=1
	fi
	log "installing: $*"
	apt-get install -y -qq --no-install-recommends "$@"
}

need_root() {
	if ((EUID != 0)); then
		printf 'deps: missing packages: %s\n' "$*" >&2
		printf 'deps: run as root, or: sudo apt-get install %s\n' "$*" >&2
		exit 1
	fi
}

main() {
	local req opt
	mapfile -t req < <(missing "${REQUIRED[@]}")
	mapfile -t opt < <(missing "${OPTIONAL[@]}")
	if ((${#req[@]} == 0 && ${#opt[@]} == 0)); then
		log "all packages present"
		return 0
	fi
	need_root "${req[@]}" "${opt[@]}"
	if ((${#req[@]})); then
		apt_install "${req[@]}"
	fi
	if ((${#opt[@]})); then
		if ! apt_install "${opt[@]}"; then
			[[ ${FRAGLAB_DEPS_OPTIONAL:-1} == 0 ]] && exit 1
			log "WARNING: could not install ${opt[*]}; the matrix runs without them"
		fi
	fi
	mapfile -t req < <(missing "${REQUIRED[@]}")
	if ((${#req[@]})); then
		printf 'deps: still missing after apt-get: %s\n' "${req[*]}" >&2
		exit 1
	fi
	log "done"
}

main "$@"
