#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tests/syzkaller/check.sh - is fraglab.txt consistent with the UAPI header?
#
# Checks that every FRAGLAB_IOC_* of include/uapi/linux/fraglab.h has at
# least one ioctl$ description (and no description names an unknown
# command), and that every syzlang struct used as an ioctl argument has the
# size of the C struct that command encodes (_IOC_SIZE).  Needs cc, python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmds=$(grep -oE '^#define (FRAGLAB_IOC_[A-Z_]+)[[:space:]]+_IO' "$top/include/uapi/linux/fraglab.h" |
	awk '{print $2}')
{
	echo '#include <stdio.h>'
	echo '#include <linux/fraglab.h>'
	echo 'int main(void) {'
	for c in $cmds; do
		echo "printf(\"$c %u %u\\n\", (unsigned)_IOC_NR($c), (unsigned)_IOC_SIZE($c));"
	done
	echo 'return 0; }'
} > "$tmp/sizes.c"
cc -I"$top/include/uapi" -o "$tmp/sizes" "$tmp/sizes.c"
"$tmp/sizes" > "$tmp/sizes.txt"

python3 - "$here/fraglab.txt" "$tmp/sizes.txt" <<'PY'
import re, sys
txt = open(sys.argv[1]).read()
sizes = {l.split()[0]: int(l.split()[2]) for l in open(sys.argv[2])}
prim = {'int8': 1, 'int16': 2, 'int32': 4, 'int64': 8, 'intptr': 8}
structs = {}
for m in re.finditer(r'^(\w+) \{\n(.*?)^\}', txt, re.M | re.S):
    structs[m.group(1)] = [l.split(None, 1) for l in m.group(2).splitlines() if l.strip()]
resources = {'fraglab_handle': 8, 'fraglab_cache_id': 4, 'fraglab_pool_id': 4}

def tsize(t):
    t = t.split('\t')[0].strip()
    t = re.sub(r'\s*\((out|in|inout)\)$', '', t)
    m = re.match(r'array\[(.*), (\d+)\]$', t)
    if m:
        return tsize(m.group(1)) * int(m.group(2))
    m = re.match(r'(?:const|flags)\[[^,]+, (\w+)\]$', t)
    if m:
        return prim[m.group(1)]
    m = re.match(r'(int\d+)(\[.*\])?$', t)
    if m:
        return prim[m.group(1)]
    if t.startswith('ptr64['):
        return 8
    m = re.match(r'len\[\w+, (\w+)\]$', t)
    if m:
        return prim[m.group(1)]
    if t in resources:
        return resources[t]
    if t in structs:
        return ssize(t)
    raise SystemExit('unknown type: ' + t)

def ssize(name):
    return sum(tsize(f[1]) for f in structs[name])

bad = 0
seen = set()
for m in re.finditer(r'^ioctl\$(\w+)\(.*cmd const\[(\w+)\], arg ptr\[\w+, (\w+)\]\)', txt, re.M):
    call, cmd, st = m.groups()
    if cmd not in sizes:
        print('unknown command', cmd, 'in', call); bad += 1; continue
    seen.add(cmd)
    got = ssize(st)
    if got != sizes[cmd]:
        print(f'{call}: syzlang {st} is {got} bytes, {cmd} encodes {sizes[cmd]}'); bad += 1
for c in sizes:
    if c not in seen:
        print('no description for', c); bad += 1
print(f'{len(seen)}/{len(sizes)} commands described, {bad} problem(s)')
sys.exit(1 if bad else 0)
PY
