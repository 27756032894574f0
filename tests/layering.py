#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""tests/layering.py - the layering rules of docs/DESIGN.md, checked.

  1. module/core/ includes nothing of module/*.h (the core is plain C
     behind fl_port.h).
  2. The glue headers (module/*.h) include each other without a circle.
  3. The glue files (module/*.c) call each other without a circle except
     through fl_dev.c (the dispatcher and the handle objects) and
     fl_subsys.c (the table of subsystems): with those two taken out,
     the graph of "uses a non-static symbol defined in" has no cycle.

--graph prints the include and call edges.  The symbol scan is lexical
(function and object definitions at the start of a line, kernel style),
which is what checkpatch enforces.  Prints "layering: ok" or each
violation, exit status 1 then.
"""
import glob
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
HUBS = {'fl_dev.c', 'fl_subsys.c'}


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def no_comments(s):
    return re.sub(r'/\*.*?\*/|//[^\n]*', '', s, flags=re.S)


def cycles(graph):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    show = '--graph' in sys.argv
    errors = []
    glue = {os.path.basename(p): read(p)
            for p in sorted(glob.glob(os.path.join(ROOT, 'module/*.[ch]')))}
    for p in sorted(glob.glob(os.path.join(ROOT, 'module/core/*.[ch]'))):
        for h in re.findall(r'#include "([^"]+)"', read(p)):
            if h in glue:
                errors.append(f'core/{os.path.basename(p)} includes {h} of the glue')

    inc = {f: {h for h in re.findall(r'#include "([^"]+)"', s) if h in glue}
           for f, s in glue.items()}
    for c in cycles({f: e for f, e in inc.items() if f.endswith('.h')}):
        errors.append('include circle: ' + ' -> '.join(c))

    defs = {}
    for f, s in glue.items():
        if not f.endswith('.c'):
            continue
        s = no_comments(s)
        for m in re.finditer(r'^(?!static\b)[a-z][\w \*]*?\b(\w+)\([^;{]*?\)\s*\n\{', s, re.M):
            defs[m.group(1)] = f
        for m in re.finditer(r'^(?!static\b|extern\b)(?:const )?(?:struct \w+|unsigned int|unsigned long|bool|int|u32|u64)\s+\**(\w+)(?:\[\])?\s*(?:=[^;]*)?;', s, re.M):
            defs[m.group(1)] = f
    calls = {}
    for f, s in glue.items():
        if not f.endswith('.c'):
            continue
        body = no_comments(s)
        for sym, d in defs.items():
            if d != f and re.search(r'\b%s\b' % re.escape(sym), body):
                calls.setdefault(f, {}).setdefault(d, []).append(sym)
    rest = {f: {d for d in ds if d not in HUBS}
            for f, ds in calls.items() if f not in HUBS}
    for c in cycles(rest):
        errors.append('call circle outside fl_dev.c and fl_subsys.c: ' +
                      ' <-> '.join(c))

    if show:
        print('# include edges among module/*.[ch]')
        for f in sorted(inc):
            if inc[f]:
                print(f'{f} -> {" ".join(sorted(inc[f]))}')
        print('# call edges: file -> file defining what it uses')
        for f in sorted(calls):
            for d in sorted(calls[f]):
                print(f'{f} -> {d}: {" ".join(sorted(calls[f][d]))}')
    for e in errors:
        print('layering: FAIL: ' + e)
    print('layering: ' + ('FAIL' if errors else 'ok'))
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
