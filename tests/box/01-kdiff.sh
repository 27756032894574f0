#!/bin/sh
# 01-kdiff: the kernel's buddy against fraglab's, step by step, on the
# CPU-less NUMA node 1 (tests/box/kdiff/kdiff.c, docs/TESTING.md).  It runs
# first: later tests that fill the RAM spill into node 1 and change it.
exec "${FRAGLAB_TESTS:-/tests}/kdiff"
