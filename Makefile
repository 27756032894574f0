# SPDX-License-Identifier: GPL-2.0
#
# fraglab top-level Makefile.
#
#   make              module (against KDIR) + userspace (fragctl, libfraglab)
#   make demo         the guided tour in the test box (installs what is missing)
#   make check        every test: unit, fuzz, box on every kernel, dkms
#   make check-debug  the box suite on a KASAN/lockdep/kmemleak debug kernel
#   make vm-shell     interactive shell in the box with fraglab loaded
#   make bench        benchmarks (userspace core + in-kernel pairs in the box)
#   make install      install fraglab.ko into /lib/modules/$(KVER)/extra
#   make dkms-install register, build and install through DKMS
#
KVER	?= $(shell uname -r)
KDIR	?= /lib/modules/$(KVER)/build
VERSION	:= $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)

.PHONY: all module userspace unit fuzz box check check-debug check-box demo vm-shell bench \
	deps install dkms-install dkms-uninstall checkpatch clean help

all: module userspace

module:
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

install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod -a $(KVER)

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
