#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check fragctl --json audit on a recorded /proc + /sys snapshot against the
kernel's own formulas, recomputed here from the snapshot's buddyinfo.

  audit-snapshot.py FRAGCTL SNAPSHOT_DIR VERDICT [extra audit args...]

VERDICT is the level the HugePage verdict finding must have (ok, info,
warn, crit).  Exit 0 when every number and the verdict match."""
import json
import subprocess
import sys

ORDER = 9


def contig(nr, order):
    """mm/vmstat.c fill_contig_page_info() (6.12)."""
    free_pages = sum(n << o for o, n in enumerate(nr))
    total = sum(nr)
    suitable = sum(n << (o - order) for o, n in enumerate(nr) if o >= order)
    return free_pages, total, suitable


def fragindex(nr, order):
    """mm/vmstat.c __fragmentation_index() (6.12), div_u64 integer steps."""
    free_pages, total, suitable = contig(nr, order)
    if not total:
        return 0
    if suitable:
        return -1000
    return 1000 - (1000 + (free_pages * 1000) // (1 << order)) // total


def unusable(nr, order):
    """mm/vmstat.c unusable_free_index() (6.12)."""
    free_pages, _, suitable = contig(nr, order)
    if not free_pages:
        return 1000
    return ((free_pages - (suitable << order)) * 1000) // free_pages


def main():
    fragctl, snap, want = sys.argv[1:4]
    zones = []
    for line in open(f"{snap}/proc/buddyinfo"):
        w = line.split()
        zones.append((int(w[1].rstrip(",")), w[3], [int(x) for x in w[4:]]))
    out = subprocess.run([fragctl, "--json", "audit", "--proc-root",
                          f"{snap}/proc", "--sys-root", f"{snap}/sys"] +
                         sys.argv[4:], capture_output=True, text=True)
    d = json.loads(out.stdout)
    bad = []
    zf = {(f["node"], f["zone"]): f for f in d["findings"]
          if f["area"] == "buddy" and "free_2m_blocks" in f}
    avail = 0
    for node, zone, nr in zones:
        f = zf.get((node, zone))
        if not f:
            bad.append(f"no finding for node {node} zone {zone}")
            continue
        free_pages, _, suitable = contig(nr, ORDER)
        avail += suitable
        want_f = {"free_pages": free_pages, "free_2m_blocks": suitable,
                  "unusable_index": unusable(nr, ORDER) / 1000,
                  "extfrag_index": fragindex(nr, ORDER) / 1000}
        for k, v in want_f.items():
            if abs(f[k] - v) > 1e-9:
                bad.append(f"{zone}: {k} {f[k]} != kernel formula {v}")
    verdict = [f for f in d["findings"] if "asked_2m_blocks" in f]
    if len(verdict) != 1:
        bad.append(f"{len(verdict)} HugePage verdicts")
    else:
        v = verdict[0]
        if v["level"] != want:
            bad.append(f"verdict {v['level']} != {want}: {v['text']}")
        if v["free_2m_blocks"] != avail:
            bad.append(f"verdict free_2m_blocks {v['free_2m_blocks']} != {avail}")
        if v["short_2m_blocks"] != max(0, v["asked_2m_blocks"] - avail):
            bad.append("short_2m_blocks does not add up")
    # the false alarm: no finding may claim HugePages will fail
    # unless the verdict says so
    if want in ("ok", "info"):
        for f in d["findings"]:
            if f["level"] in ("warn", "crit") and f["area"] in ("buddy", "hugepages"):
                bad.append(f"unexpected {f['level']}: {f['text']}")
    for b in bad:
        print("#", b)
    sys.exit(1 if bad else 0)


main()
