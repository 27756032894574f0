# SPDX-License-Identifier: GPL-2.0
#
# fraglab top-level Makefile.
#
#   make              module (against KDIR) + userspace (fragctl, libfraglab)
#   make userspace    only fragctl, libfraglab, libfragtrace.so, man pages,
#                     completion: no kernel headers needed
#   make demo         the guided tour in the test box (installs what is missing)
#   make check        every test: unit, fuzz, box on every kernel, dkms
#   make check-debug  the box suite on a KASAN/lockdep/kmemleak debug kernel
#   make vm-shell     interactive shell in the box with fraglab loaded
#   make bench        benchmarks (userspace core + in-kernel pairs in the box)
#   make install      install-userspace, and install-module if KDIR exists
#   make install-userspace  fragctl, libfraglab (.a, .so, headers, .pc),
#                     libfragtrace.so, man pages, bash/zsh completion into
#                     $(DESTDIR)$(PREFIX) (PREFIX=/usr/local)
#   make install-module     fraglab.ko into /lib/modules/$(KVER)/extra
#   make dkms-install register, build and install through DKMS
#
KVER	?= $(shell uname -r)
KDIR	?= /lib/modules/$(KVER)/build
VERSION	:= $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
PREFIX	?= /usr/local

.PHONY: all module userspace unit fuzz box check check-debug check-box demo vm-shell bench \
	deps install install-userspace install-module dkms-install dkms-uninstall \
	checkpatch clean help kdir

all: module userspace

# Without the running kernel's headers: say so, and what works without them.
kdir:
	@test -d $(KDIR)/ || { \
	echo "fraglab: no kernel headers at $(KDIR) (KVER=$(KVER))."; \
	echo "  To build the module: apt-get install linux-headers-$(KVER), or KDIR=/path/to/build."; \
	echo "  Only the tools (fragctl, libfraglab, libfragtrace.so; audit, export, replay --sim,"; \
	echo "  map --trace need no module): make userspace && make install-userspace"; \
	exit 1; }

module: kdir
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace

unit:
	$(MAKE) -C tests/unit run

fuzz:
	$(MAKE) -C tests/unit fuzz

deps:
	bash tests/vm/deps.sh

box: deps
	bash tests/vm/run-box.sh

check: deps
	bash tests/check.sh

check-debug: deps
	bash tests/vm/check-debug.sh

demo: deps
	bash tests/vm/run-box.sh --demo

vm-shell: deps
	bash tests/vm/run-box.sh --shell

bench: deps
	bash tests/bench/run.sh

install: install-userspace
	@if test -d $(KDIR)/; then $(MAKE) install-module; else \
	echo "fraglab: no kernel headers at $(KDIR): module not installed (make install-module KVER=...)"; fi

install-userspace:
	$(MAKE) -C userspace install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	$(if $(DESTDIR),depmod -b $(DESTDIR) -a $(KVER),depmod -a $(KVER))

dkms-install:
	rm -rf /usr/src/fraglab-$(VERSION)
	mkdir -p /usr/src/fraglab-$(VERSION)
	cp -r Kbuild Makefile dkms.conf module include /usr/src/fraglab-$(VERSION)/
	dkms add -m fraglab -v $(VERSION)
	dkms build -m fraglab -v $(VERSION) -k $(KVER)
	dkms install -m fraglab -v $(VERSION) -k $(KVER)

dkms-uninstall:
	-dkms remove -m fraglab -v $(VERSION) --all
	rm -rf /usr/src/fraglab-$(VERSION)

checkpatch:
	bash tests/checkpatch.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	$(MAKE) -C userspace clean
	$(MAKE) -C tests/unit clean
	rm -rf build

help:
	@sed -n 's/^#   //p' Makefile
