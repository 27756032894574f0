#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""gen-synthetic.py - the synthetic traces of tests/data.

Modelled on the three live-memory profiles of Wilson, Johnstone, Neely and
Boles, "Dynamic Storage Allocation: A Survey and Critical Review" (1995):

  ramp     memory grows steadily: long-lived objects accumulate, with a
           little short-lived churn on top (a compiler building its tree);
  peaks    repeated phases that build a large structure and then drop most
           of it at once (a solver per request) - the phase survivors pin
           the heap;
  plateau  memory rises quickly to a level and stays there while objects
           of mixed sizes are replaced one by one (a long-running server).

Sizes come from a mix of small (16..256 B), medium (256 B..8 KiB) and a few
large (8..256 KiB) requests.  Deterministic: a fixed seed per trace.
  python3 tests/data/gen-synthetic.py [OUTDIR]
"""
import os
import random
import sys


def size(rng):
    r = rng.random()
    if r < 0.80:
        return rng.choice([16, 24, 32, 40, 48, 64, 96, 128, 160, 256])
    if r < 0.98:
        return rng.randint(257, 8192)
    return rng.randint(8193, 256 * 1024)


class Trace:
    def __init__(self, name, seed):
        self.name, self.rng = name, random.Random(seed)
        self.lines, self.seq, self.next_id, self.live = [], 0, 1, []

    def ev(self, op, ident, sz=0, align=0):
        self.lines.append("%d %s 1 %d %x %d %d 0" %
                          (self.seq, op, self.seq * 1000, ident, sz, align))
        self.seq += 1

    def alloc(self, sz=None):
        ident = self.next_id
        self.next_id += 1
        self.ev("m", ident, sz if sz is not None else size(self.rng))
        self.live.append(ident)
        return ident

    def free(self, ident):
        self.live.remove(ident)
        self.ev("f", ident)

    def free_random(self):
        self.free(self.live[self.rng.randrange(len(self.live))])

    def write(self, outdir, what):
        with open(os.path.join(outdir, self.name + ".trace"), "w") as f:
            f.write("#fragtrace 1 program=synthetic-%s (tests/data/gen-synthetic.py)\n" % self.name)
            f.write("# %s\n# seq op tid ns id size align old\n" % what)
            f.write("\n".join(self.lines) + "\n")


def ramp(outdir):
    t = Trace("ramp", 1)
    short = []
    for _ in range(3000):
        t.alloc()
        for _ in range(2):
            short.append(t.alloc())
        while len(short) > 8:
            i = short.pop(t.rng.randrange(len(short)))
            t.free(i)
    t.write(outdir, "ramp: live memory grows steadily, little churn")


def peaks(outdir):
    t = Trace("peaks", 2)
    for _ in range(8):
        phase = [t.alloc() for _ in range(900)]
        t.rng.shuffle(phase)
        for i in phase[: int(len(phase) * 0.95)]:
            t.free(i)
    t.write(outdir, "peaks: build a big structure, drop 95% of it, repeat")


def plateau(outdir):
    t = Trace("plateau", 3)
    for _ in range(2000):
        t.alloc()
    for _ in range(5000):
        t.free_random()
        t.alloc()
    t.write(outdir, "plateau: rise to ~2000 objects, then replace one at a time")


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    ramp(outdir)
    peaks(outdir)
    plateau(outdir)


if __name__ == "__main__":
    main()
