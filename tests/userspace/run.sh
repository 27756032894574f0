#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/userspace/run.sh - libfragtrace.so and fragctl replay/audit/export
# on this machine (no module needed).  Last line: "N passed, N failed".
#
#   bash tests/userspace/run.sh     (builds userspace/ first if needed)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${FRAGLAB_US_BUILD:-$top/build/userspace}
lib=$B/libfragtrace.so
fragctl=$B/fragctl
# shellcheck source=../tap-host.sh
. "$top/tests/tap-host.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }

make -s -C "$top/userspace" >/dev/null || { echo "0 passed, 1 failed"; exit 1; }

# Frees must match allocations: every freed id was allocated and is freed
# once between allocations (the tracer's ordering guarantee).
balanced() {
	awk '
	/^#/ { next }
	$2 ~ /^[mcpM]$/ && $5 != "0" { if (live[$5]) bad++; live[$5] = 1; a++ }
	$2 == "r" {
		if ($8 != "0" && $5 != "0") { if (!live[$8]) unk++; delete live[$8] }
		else if ($8 != "0" && $6 == 0) { delete live[$8] }
		if ($5 != "0") { live[$5] = 1; a++ }
	}
	$2 == "f" { if (live[$5]) { delete live[$5]; f++ } else unk++ }
	$2 == "U" { delete live[$5] }
	END {
		printf "allocs=%d frees=%d double=%d unknown=%d\n", a, f, bad, unk
		exit (bad > 0 || a == 0 || f == 0)
	}' "$1"
}

# 1. /bin/ls under the tracer: same output, a well-formed balanced trace.
ls_plain=$(ls -la /usr/include | md5sum)
ls_traced=$(FRAGTRACE_OUT="$tmp/ls.trace" LD_PRELOAD="$lib" ls -la /usr/include | md5sum)
check "ls output unchanged under libfragtrace.so" test "$ls_plain" = "$ls_traced"
check "ls trace exists with a header" grep -q '^#fragtrace 1 pid=' "$tmp/ls.trace"
check "ls trace: frees match allocations" balanced "$tmp/ls.trace"
check "ls trace parses (fragctl replay --sim)" "$fragctl" replay "$tmp/ls.trace" --sim --strategy buddy >/dev/null

# 2. python3 -c, with threads: exit status and output unchanged.
py=/usr/bin/python3
if [[ -x $py ]]; then
	code='import threading
def w(n):
    l=[bytearray(i % 5000 + 1) for i in range(3000)]
    del l[::2]
ts=[threading.Thread(target=w,args=(i,)) for i in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
print("done")'
	out=$(FRAGTRACE_OUT="$tmp/py.trace" LD_PRELOAD="$lib" $py -c "$code"; echo "rc=$?")
	check "python3 threads: output and exit status unchanged" test "$out" = $'done\nrc=0'
	check "python3 trace: frees match allocations" balanced "$tmp/py.trace"
	check "python3 trace records several threads" test "$(awk '!/^#/ {print $3}' "$tmp/py.trace" | sort -u | wc -l)" -ge 2
	check "python3 trace replays on every strategy" "$fragctl" replay "$tmp/py.trace" --sim >/dev/null
else
	echo "# /usr/bin/python3 missing: python checks skipped"
fi

# 3. A crash leaves a readable trace (flushed every N events).
cat > "$tmp/crash.c" <<'C'
#include <stdlib.h>
#include <signal.h>
int main(void)
{
	for (int i = 0; i < 10000; i++)
		free(malloc(i % 300 + 1));
	raise(SIGKILL);
	return 0;
}
C
if cc -O0 -o "$tmp/crash" "$tmp/crash.c" 2>/dev/null; then
	FRAGTRACE_OUT="$tmp/crash.trace" FRAGTRACE_FLUSH_EVENTS=1000 LD_PRELOAD="$lib" "$tmp/crash" &
	wait $! 2>/dev/null
	n=$(grep -vc '^#' "$tmp/crash.trace" 2>/dev/null || echo 0)
	check "SIGKILLed program leaves >= 18000 events ($n)" test "$n" -ge 18000
	check "crash trace parses" "$fragctl" replay "$tmp/crash.trace" --sim --strategy first-fit >/dev/null
	# alignment functions and calloc overflow behave as without the tracer
	cat > "$tmp/align.c" <<'C'
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
int main(void)
{
	void *p = NULL, *q = aligned_alloc(64, 128), *r = memalign(256, 10);
	int e = posix_memalign(&p, 4096, 100);
	void *big = calloc(SIZE_MAX / 2, 4);
	printf("%d %d %d %d %d\n", e, (int)((uintptr_t)p % 4096), (int)((uintptr_t)q % 64),
	       (int)((uintptr_t)r % 256), big == NULL);
	free(p); free(q); free(r);
	return 0;
}
C
	cc -O0 -o "$tmp/align" "$tmp/align.c" 2>/dev/null
	a1=$("$tmp/align")
	a2=$(FRAGTRACE_OUT="$tmp/align.trace" LD_PRELOAD="$lib" "$tmp/align")
	check "aligned allocations unchanged ($a2)" test "$a1" = "$a2" -a "$a2" = "0 0 0 0 1"
	check "alignment recorded" grep -q ' p 1* *[0-9]* [0-9]* [0-9a-f]* 100 4096 0$' "$tmp/align.trace"
else
	echo "# no C compiler: crash/alignment checks skipped"
fi

# 3b. fragctl record, the allocator's statistics, forks and exec, and the
# trace through the real allocators (replay --allocator).
if cc -O2 -o "$tmp/churn" "$top/tests/workloads/cache-churn.c" 2>/dev/null; then
	(cd "$tmp" && env -u LD_PRELOAD "$fragctl" record -o rec.trace -- ./churn 30000 256 1 >/dev/null 2>"$tmp/rec.err"); rc=$?
	check "record -- PROG: status 0, says where the trace went" test $rc = 0 -a -n "$(grep "pid [0-9]*: $tmp/rec.trace ([0-9]* events, allocator statistics)" "$tmp/rec.err")"
	check "record: glibc malloc_info() at exit in the trace" grep -q '^#stats glibc <malloc version=' "$tmp/rec.trace"
	check "record trace: frees match allocations" balanced "$tmp/rec.trace"
	"$fragctl" record -o "$tmp/st.trace" -- sh -c 'exit 3' 2>/dev/null; rc=$?
	check "record: the program's exit status (3)" test $rc = 3
	"$fragctl" record -- 2>/dev/null; rc=$?
	check "record without a program: usage error" test $rc = 2
	cat > "$tmp/fe.c" <<'C'
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
int main(void)
{
	pid_t p = fork();

	if (!p) {
		for (int i = 0; i < 777; i++)
			free(malloc(100 + i));
		execl("/bin/true", "true", (char *)0);
		_exit(1);
	}
	waitpid(p, NULL, 0);
	free(malloc(5000));
	raise(SIGUSR2);
	free(malloc(6000));
	return 0;
}
C
	cc -O0 -o "$tmp/fe" "$tmp/fe.c"
	"$fragctl" record -o "$tmp/nf.trace" -- "$tmp/fe" 2>/dev/null
	check "record without --follow-forks: one trace" test "$(ls "$tmp"/nf.trace* | wc -l)" = 1
	check "SIGUSR2: statistics in the trace at the next call" grep -q '^#stats begin why=sigusr2 allocator=glibc' "$tmp/nf.trace"
	"$fragctl" record -o "$tmp/ff.trace" --follow-forks -- "$tmp/fe" 2>"$tmp/ff.err"
	n=$(cat "$tmp"/ff.trace.* 2>/dev/null | grep -c ' m ')
	check "--follow-forks: the forked child that execs keeps its 777 allocations ($n)" test "$n" -ge 777
	check "--follow-forks: both traces named on stderr" test "$(grep -c 'fragctl record: pid' "$tmp/ff.err")" = 2
	if [[ -e /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ]]; then
		LD_PRELOAD=libjemalloc.so.2 "$fragctl" record -o "$tmp/je.trace" -- "$tmp/fe" 2>/dev/null
		check "record on jemalloc: malloc_stats_print() in the trace" grep -q '^#stats jemalloc .*Allocated: ' "$tmp/je.trace"
	fi
	if [[ -e /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 ]]; then
		LD_PRELOAD=libtcmalloc_minimal.so.4 "$fragctl" record -o "$tmp/tc.trace" -- "$tmp/fe" 2>/dev/null
		check "record on tcmalloc: MallocExtension numbers in the trace" grep -q '^#stats tcmalloc generic.current_allocated_bytes=[0-9]' "$tmp/tc.trace"
	fi
	# audit --pid of a running record reads the live bytes from its trace
	"$fragctl" record -o "$tmp/live.trace" -- "$tmp/churn" 30000 256 1 4 >/dev/null 2>&1 &
	rpid=$!
	cpid=
	for _ in 1 2 3 4 5 6; do
		sleep 0.5
		cpid=$(pgrep -x -P "$rpid" churn) && [[ -s $tmp/live.trace ]] && break
	done
	"$fragctl" --json audit --pid "${cpid:-0}" >"$tmp/live.json" 2>/dev/null
	wait $rpid
	check "audit --pid of a process under record: RSS / live bytes from its trace" python3 -c "
import json, sys
d = json.load(open('$tmp/live.json'))
r = [f for f in d['findings'] if 'fragmentation_ratio' in f]
sys.exit(not (r and r[0]['live_from'].endswith('live.trace') and r[0]['live_bytes'] > 0))"
	# the real allocators, one process each: the same live bytes, different RSS
	"$fragctl" --json replay "$tmp/rec.trace" --allocator all >"$tmp/ra.json" 2>"$tmp/ra.err"
	check "replay --allocator all: a row per allocator, same live bytes, RSS differs" python3 -c "
import json, sys
d = json.load(open('$tmp/ra.json'))
a = {r['allocator']: r for r in d['allocators']}
# tests/vm/deps.sh installs all four: a missing one fails with its apt name
ok = sorted(a) == ['glibc', 'jemalloc', 'mimalloc', 'tcmalloc']
good = [r for r in a.values() if 'error' not in r]
ok = ok and len(good) == 4 and len(set(r['end_live'] for r in good)) == 1
ok = ok and good[0]['end_live'] > 0 and good[0]['ops'] > 50000
ok = ok and len(set(r['peak_rss'] for r in good)) > 1
# glibc hands the freed large values back only when asked (malloc_trim)
ok = ok and a['glibc']['released_rss'] < a['glibc']['end_rss'] / 2
for r in a.values():
    if 'error' in r: print('#', r['allocator'], r['error'])
sys.exit(not ok)"
	"$fragctl" replay "$tmp/rec.trace" --allocator all --sim --strategy all >"$tmp/ra.txt" 2>&1
	check "replay --strategy all --allocator all: one table, 4 allocators and 6 strategies" test "$(sed -n '/^allocator\/strategy/,/^$/p' "$tmp/ra.txt" | grep -cE '^(glibc|jemalloc|tcmalloc|mimalloc|buddy|slab|first-fit|next-fit|best-fit|worst-fit) ')" = 10
	"$fragctl" replay "$tmp/rec.trace" --allocator bogus 2>/dev/null; rc=$?
	check "replay --allocator bogus: usage error" test $rc = 2
fi

# 3c. Trace robustness.
printf '#fragtrace 1 pid=1 exe=x\n0 p 1 5 0 100 3 0\n1 m 1 6 10 100 0 0\n2 f 1 7 10 0 0 0\n' >"$tmp/fail.trace"
check "a failed call (id 0, alignment 3) is skipped on replay" sh -c "'$fragctl' --json replay '$tmp/fail.trace' --sim --strategy buddy | grep -q '\"failed_in_trace\": 1'"
printf '#fragtrace 1 pid=1 exe=x\n0 m 1 5 10 100 0 0\n1 m 1 6 20 -5 0 0\n' >"$tmp/neg.trace"
"$fragctl" replay "$tmp/neg.trace" --sim 2>"$tmp/err"; rc=$?
check "negative size: status 1, line number" test $rc = 1 -a -n "$(grep 'line 3: a negative number' "$tmp/err")"
printf '#fragtrace 1 pid=1 exe=x\n0 m 1 5 10 12x 0 0\n' >"$tmp/nn.trace"
"$fragctl" replay "$tmp/nn.trace" --sim 2>"$tmp/err"; rc=$?
check "non-numeric size: status 1, line number" test $rc = 1 -a -n "$(grep 'line 2 is not a fragtrace event' "$tmp/err")"
FRAGTRACE_OUT=/nonexistent-dir/x.trace LD_PRELOAD="$lib" sh -c 'ls / >/dev/null' 2>"$tmp/err"
check "tracer: cannot open its output: one line per process on stderr" test "$(grep -c 'libfragtrace: cannot open /nonexistent-dir/x.trace' "$tmp/err")" = 2
awk 'BEGIN { print "#fragtrace 1 pid=1 exe=x"; for (i = 1; i <= 200; i++) print i, "m", 1, i, sprintf("%x", i * 4096), 1048576, 0, 0 }' >"$tmp/big.trace"
"$fragctl" --json replay "$tmp/big.trace" --sim --strategy first-fit >"$tmp/big.json" 2>"$tmp/err"
check "replay --sim without --arena fits the trace (200 MiB live: 512 MiB arena, no failures)" python3 -c "
import json, sys
d = json.load(open('$tmp/big.json'))
sys.exit(not (d['arena_bytes'] == 512 << 20 and d['results'][0]['failures'] == 0))"
"$fragctl" replay "$tmp/big.trace" --sim --strategy first-fit --arena 64M >/dev/null 2>"$tmp/err"
check "replay --arena too small: warns with the peak live bytes" grep -q 'does not fit the 64.0 MiB arena' "$tmp/err"

# 4. The shipped traces replay deterministically (two runs, same JSON minus timing).
for t in "$top"/tests/data/*.trace; do
	n=$(basename "$t")
	a=$("$fragctl" --json replay "$t" --sim | sed 's/"seconds": [0-9.]*, "ops_per_sec": [0-9]*//g')
	b=$("$fragctl" --json replay "$t" --sim | sed 's/"seconds": [0-9.]*, "ops_per_sec": [0-9]*//g')
	check "$n replays deterministically" test -n "$a" -a "$a" = "$b"
done

# 5. Series and SVG outputs.
"$fragctl" replay "$top/tests/data/peaks.trace" --sim --arena 4M --series "$tmp/s.csv" --svg "$tmp/s.svg" >/dev/null
check "series CSV has a header and rows" test "$(head -1 "$tmp/s.csv" | cut -d, -f1)" = strategy -a "$(wc -l < "$tmp/s.csv")" -gt 100
check "replay --svg writes an SVG with 6 lines" test "$(grep -c '<polyline' "$tmp/s.svg")" -eq 12
"$fragctl" replay "$top/tests/data/ramp.trace" --sim --strategy slab --series "$tmp/s.json" >/dev/null
check "series JSON is valid" python3 -c "import json,sys; d=json.load(open('$tmp/s.json')); sys.exit(not d)"

# 6. Errors are plain sentences with exit status 1/2.
"$fragctl" replay "$tmp/nonexistent" --sim 2>"$tmp/err"; rc=$?
check "missing trace: status 1 and a sentence" test $rc -eq 1 -a -n "$(grep 'cannot open trace' "$tmp/err")"
"$fragctl" replay "$top/tests/data/ramp.trace" --sim --strategy bogus 2>"$tmp/err"; rc=$?
check "unknown strategy: usage error" test $rc -eq 2 -a -n "$(grep 'unknown strategy' "$tmp/err")"

# help: text and --json list the same commands.
"$fragctl" help | sed -n 's/^  \([a-z][a-z_-]*\).*/\1/p' | LC_ALL=C sort >"$tmp/help.txt"
"$fragctl" --json help >"$tmp/help.json"
check "--json help is valid JSON and names every command of the text help" python3 -c "
import json, sys
d = json.load(open('$tmp/help.json'))
names = sorted(c['name'] for c in d['commands'])
want = open('$tmp/help.txt').read().split()
sys.exit(not (names == want and len(names) > 20 and all(c['help'] for c in d['commands'])))"
check "--json CMD --help is one JSON object" sh -c "'$fragctl' --json replay --help | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(d[\"name\"] != \"replay\")'"

# 7. audit and export (read-only, on this machine), if present.
if "$fragctl" audit --help >/dev/null 2>&1; then
	check "audit runs" "$fragctl" audit >/dev/null
	check "audit --json is valid" sh -c "'$fragctl' --json audit | python3 -c 'import json,sys; json.load(sys.stdin)'"
	check "audit --pid self" "$fragctl" audit --pid $$ >/dev/null
	# verdicts from recorded snapshots, numbers from the kernel formulas
	snap=$top/tests/data/audit
	as() { python3 "$top/tests/userspace/audit-snapshot.py" "$fragctl" "$@"; }
	check "audit: issue 21 host (Normal 46+64 order-9/10 blocks) does not warn" as "$snap/host-issue21" ok
	check "audit: fragmented host warns (64 asked, 1 free, index 0.989)" as "$snap/fragmented" warn
	check "audit: --hugepages 1 on the fragmented host is ok" as "$snap/fragmented" ok --hugepages 1
	check "audit: lack of memory is not called fragmentation" as "$snap/lowmem" info
	cp -r "$snap/fragmented" "$tmp/crit"
	sed -i '/DMA /s/\( *[0-9]*\)\{11\} *$/ 0 0 0 0 0 0 0 0 0 0 0/' "$tmp/crit/proc/buddyinfo"
	check "audit: no free 2 MiB block at all while fragmented is critical" as "$tmp/crit" crit
	# debugfs extfrag_index wins over the computed index when readable
	cp -r "$snap/fragmented" "$tmp/dbg"
	mkdir -p "$tmp/dbg/sys/kernel/debug/extfrag"
	for z in DMA DMA32 Normal; do
		printf 'Node 0, zone %8s ' $z
		for o in 0 1 2 3 4 5 6 7 8 9 10; do printf '%2d.%03d ' 0 400; done
		echo
	done > "$tmp/dbg/sys/kernel/debug/extfrag/extfrag_index"
	"$fragctl" --json audit --proc-root "$tmp/dbg/proc" --sys-root "$tmp/dbg/sys" >"$tmp/dbg.json"
	check "audit: debugfs extfrag_index is read and used (0.400: lack of memory, no warning)" python3 -c "
import json, sys
d = json.load(open('$tmp/dbg.json'))
z = [f for f in d['findings'] if f.get('zone') == 'Normal' and 'extfrag_source' in f][0]
sys.exit(not (z['extfrag_source'] == 'debugfs' and z['extfrag_index'] == 0.4 and d['warnings'] == 0))"
	# --watch: rates from two vmstat samples (the snapshot's vmstat changes
	# during the window: 30 more stalls and 40 of 50 THP faults fell back)
	cp -r "$snap/host-issue21" "$tmp/rates"
	(sleep 0.4; awk '$1 == "compact_stall" { $2 += 30 } $1 == "thp_fault_alloc" { $2 += 10 }
		$1 == "thp_fault_fallback" { $2 += 40 } { print }' "$snap/host-issue21/proc/vmstat" \
		>"$tmp/rates/proc/vmstat.new" && mv "$tmp/rates/proc/vmstat.new" "$tmp/rates/proc/vmstat") &
	"$fragctl" --json audit --proc-root "$tmp/rates/proc" --sys-root "$tmp/rates/sys" --watch 2 >"$tmp/rates.json"
	wait
	check "audit --watch: 15 stalls/s and a fallback share of 0.8 warn" python3 -c "
import json, sys
d = json.load(open('$tmp/rates.json'))
r = [f for f in d['findings'] if 'compact_stall_per_s' in f][0]
sys.exit(not (r['level'] == 'warn' and r['compact_stall_per_s'] == 15 and r['thp_fallback_share'] == 0.8 and r['thp_fault_per_s'] == 25))"
	# --pid: the groups of anonymous mappings, from a recorded smaps
	"$fragctl" --json audit --proc-root "$snap/fragmented/proc" --sys-root "$snap/fragmented/sys" --pid 4242 --used 100M >"$tmp/pid.json"
	check "audit --pid: heap/arenas/mmapped/stacks/other from smaps, RSS not printed as mapped size, ratio RSS/used" python3 -c "
import json, sys
d = json.load(open('$tmp/pid.json'))
g = {f['group']: (f['mappings'], f['rss_kb'], f['size_kb']) for f in d['findings'] if 'group' in f}
want = {'brk heap': (1, 96256, 98304), 'glibc thread arenas': (4, 155000, 196608),
        'mmapped chunks': (1, 16384, 16384), 'stacks': (3, 76, 8328), 'other': (1, 8, 8)}
r = [f for f in d['findings'] if 'fragmentation_ratio' in f][0]
p = [f for f in d['findings'] if f.get('comm') == 'cache-server'][0]
ok = g == want and r['level'] == 'warn' and r['fragmentation_ratio'] == 3
ok = ok and '94.0 MiB resident of 96.0 MiB mapped' in p['text']
print('#', g) if not ok else None
sys.exit(not ok)"
	if [[ $(id -u) = 0 ]] && command -v setpriv >/dev/null; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$fragctl" audit --pid 1 >"$tmp/perm.txt" 2>&1
		check "audit --pid as another user says smaps could not be read" grep -q 'cannot read /proc/1/smaps (Permission denied)' "$tmp/perm.txt"
	fi
	# exit status for monitoring
	ar() { "$fragctl" audit --proc-root "$1/proc" --sys-root "$1/sys" "${@:2}" >/dev/null 2>&1; echo $?; }
	check "audit --fail-on warn: 0 on the issue 21 host" test "$(ar "$snap/host-issue21" --fail-on warn)" = 0
	check "audit --fail-on warn: 3 on the fragmented host" test "$(ar "$snap/fragmented" --fail-on warn)" = 3
	check "audit --fail-on crit: 0 on a warning, 4 on a critical" test "$(ar "$snap/fragmented" --fail-on crit)/$(ar "$tmp/crit" --fail-on crit)" = 0/4
	check "audit without --fail-on: 0 even with warnings" test "$(ar "$snap/fragmented")" = 0
	check "audit --fail-on bogus: usage error 2" test "$(ar "$snap/fragmented" --fail-on bogus)" = 2
	check "audit --watch 1: THP and compaction rates as JSON fields" sh -c "'$fragctl' --json audit --watch 1 | python3 -c '
import json, sys
d = json.load(sys.stdin)
r = [f for f in d[\"findings\"] if \"compact_stall_per_s\" in f]
sys.exit(not (len(r) == 1 and r[0][\"seconds\"] == 1 and r[0][\"compact_stall_per_s\"] >= 0))'"
fi
if "$fragctl" export --help >/dev/null 2>&1; then
	"$fragctl" export --prometheus > "$tmp/prom" 2>/dev/null
	check "export --prometheus has node_buddyinfo-style blocks" grep -q '^fraglab_system_buddyinfo_blocks{node="0",zone="[A-Za-z0-9]*",size="[0-9]*"} [0-9]' "$tmp/prom"
	check "export --prometheus lines are well-formed" awk '!/^#/ && !/^[a-z_]+(\{[^}]*\})? [0-9.eE+-]+$/ { bad = 1 } END { exit bad }' "$tmp/prom"
fi

if "$fragctl" map --help >/dev/null 2>&1; then
	"$fragctl" --json map --svg "$tmp/map.svg" --trace "$top/tests/data/peaks.trace" --strategy buddy --arena 8M --at 3000 >"$tmp/map.json"
	check "map --svg of a sim arena is well-formed XML with the pageblock grid" python3 -c "
import sys, xml.etree.ElementTree as ET
r = ET.parse('$tmp/map.svg').getroot()
t = [e for e in r.iter() if e.tag.endswith('title') and e.text.startswith('pageblock ')]
sys.exit(len(t) != 4)"
	check "map --json: 2048 pages of an 8 MiB sim arena, blocks add up, source sim" python3 -c "
import json, sys
d = json.load(open('$tmp/map.json'))
ok = d['source'] == 'sim' and d['index_pages'] == 2048 and sum(d['pages'].values()) == 2048
ok = ok and sum(b['pages'] for b in d['blocks']) == 2048 and len(d['pageblocks']) == 4
ok = ok and all(b['state'] in ('free', 'allocated', 'hole') for b in d['blocks'])
sys.exit(not ok)"
	"$fragctl" map --svg "$tmp/map2.svg" --device "$tmp/no-such-device" 2>"$tmp/err"; rc=$?
	[[ -e /dev/fraglab ]] || { "$fragctl" map --svg "$tmp/map2.svg" 2>>"$tmp/err"; rc=$?; }
	check "map of the live arena without the module: status 1, points at --trace" test $rc -eq 1 -a -n "$(grep -- 'does not exist.*--trace' "$tmp/err")"
	"$fragctl" map --sim --svg "$tmp/map2.svg" 2>"$tmp/err"; rc=$?
	check "map --sim without --trace: usage error" test $rc -eq 2
fi

# 8. Shell conventions: --version and -h without the module, usage errors
# (status 2, naming the argument) before the device is touched, device
# errors that say what happened, sizes in decimal with fractions.
nodev="$tmp/no-such-device"
out=$("$fragctl" --device "$nodev" --version 2>&1); rc=$?
check "--version without the module: status 0, tool and ABI version" \
	test $rc -eq 0 -a -n "$(echo "$out" | grep -E '^fragctl [0-9.]+ \(ABI [0-9]+\.[0-9]+\)')" -a \
	-n "$(echo "$out" | grep 'module: not loaded')"
check "--json --version is JSON with module null" sh -c "'$fragctl' --device '$nodev' --json --version | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(d[\"module\"] is not None or not d[\"abi\"])'"
a=$("$fragctl" -h); b=$("$fragctl" --help); c=$("$fragctl" help)
check "-h, --help and help print the same text" test -n "$a" -a "$a" = "$b" -a "$a" = "$c"
bad=
for cmd in $(python3 -c "import json; [print(c['name']) for c in json.load(open('$tmp/help.json'))['commands'] if c['name'] != 'help']"); do
	h1=$("$fragctl" --device "$nodev" $cmd -h 2>&1) || bad="$bad $cmd(-h)"
	h2=$("$fragctl" --device "$nodev" $cmd --help 2>&1) || bad="$bad $cmd(--help)"
	h3=$("$fragctl" help $cmd 2>&1) || bad="$bad $cmd(help)"
	[[ $h1 == "usage: fragctl $cmd"* && $h1 == "$h2" && $h1 == "$h3" ]] || bad="$bad $cmd"
done
check "every command: -h, --help and help CMD agree, status 0 ($bad)" test -z "$bad"

check "every usage string fits the grammar reader (words < 128 bytes, < 128 words)" python3 -c "
import json, re, sys
d = json.load(open('$tmp/help.json'))
bad = [c['name'] for c in d['commands']
       if max([len(w) for w in re.split(r'[ \[\]]+', c['usage'])] + [0]) >= 128
       or len(re.findall(r'[^ \[\]]+|[\[\]]', c['usage'])) >= 128]
sys.exit(bool(bad))"

# usage_error WHAT WANT ARGS...: status 2, WANT in the message, nothing
# about the device (the module is not loaded here, nor needed).
usage_error() {
	local what=$1 want=$2 rc
	shift 2
	"$fragctl" --device "$nodev" "$@" >/dev/null 2>"$tmp/err"; rc=$?
	if [[ $rc -eq 2 ]] && grep -qF -- "$want" "$tmp/err" &&
	   ! grep -q 'not loaded\|cannot open' "$tmp/err"; then
		ok "$what: usage error naming '$want'"
	else
		nok "$what: status $rc, $(head -c 200 "$tmp/err")"
	fi
}
usage_error "alloc 21Q" "'21Q'" alloc 21Q
usage_error "alloc -5K" "'-5K'" alloc -5K
usage_error "bare alloc" "SIZE" alloc
usage_error "alloc 4K --order x" "--order" alloc 4K --order x
usage_error "-c without a script" "-c" -c
usage_error "--device without a path" "--device" status --device
usage_error "audit --pid without a value" "--pid" audit --pid
usage_error "audit --pid x" "'x'" audit --pid x
usage_error "unknown option" "'--frobnicate'" status --frobnicate
usage_error "unknown global option" "'--frobnicate'" --frobnicate
usage_error "unknown command" "'frobnicate'" frobnicate
usage_error "extra argument" "'extra'" status extra
usage_error "pool without a subcommand" "create" pool
usage_error "pool bogus" "'bogus'" pool bogus
usage_error "pool alloc 1 21Q" "'21Q'" pool alloc 1 21Q
usage_error "pcp lots" "'lots'" pcp lots
usage_error "proactive 101" "'101'" proactive 101
usage_error "set grouping maybe" "'maybe'" set grouping maybe
usage_error "replay --arena 1.5Q" "'1.5Q'" replay "$top/tests/data/ramp.trace" --sim --arena 1.5Q
usage_error "export --output without a file" "--output" export --prometheus --output
usage_error "a flag given a value" "--sim" replay "$top/tests/data/ramp.trace" --sim=yes
check "a valid command still reaches the device (status 1, not 2)" \
	sh -c "'$fragctl' --device '$nodev' alloc 1.5M 2>/dev/null; test \$? -eq 1"

"$fragctl" --device /dev/null status >/dev/null 2>"$tmp/err"; rc=$?
check "--device /dev/null: status 1, 'not a fraglab device'" test $rc -eq 1 -a -n "$(grep 'not a fraglab device' "$tmp/err")"
"$fragctl" --device "$nodev" status >/dev/null 2>"$tmp/err"; rc=$?
check "--device missing: status 1, 'no such file'" test $rc -eq 1 -a -n "$(grep 'no such file' "$tmp/err")"
if [[ $EUID -eq 0 ]] && command -v setpriv >/dev/null; then
	# a copy nobody can run wherever the checkout is (/root is 0700)
	: >"$tmp/rootonly"; chmod 0600 "$tmp/rootonly"; chmod 0755 "$tmp"
	install -m 0755 "$fragctl" "$tmp/fragctl-copy"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/fragctl-copy" --device "$tmp/rootonly" status >/dev/null 2>"$tmp/err"; rc=$?
	check "--device not readable: status 1, 'permission denied: needs root or dev_mode'" \
		test $rc -eq 1 -a -n "$(grep 'permission denied: needs root or dev_mode' "$tmp/err")"
fi

# Sizes: the parser against values written out from its definition.
if cc -std=gnu11 -I"$top/userspace/fragctl" -I"$top/userspace/lib" -I"$top/include/uapi" \
      -o "$tmp/parse-test" "$top/tests/userspace/parse-test.c" "$top/userspace/fragctl/util.c" \
      "$B/libfraglab.a" 2>"$tmp/err"; then
	while read -r line; do
		case $line in ok*) ok "${line#ok - }" ;; not\ ok*) nok "${line#not ok - }" ;; *) echo "$line" ;; esac
	done < <("$tmp/parse-test")
else
	nok "parse-test.c builds: $(head -c 300 "$tmp/err")"
fi
n=$("$fragctl" --json map --trace "$top/tests/data/peaks.trace" --arena 064M --at 1 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["index_pages"])')
check "map --arena 064M is 64 MiB, not octal 52 MiB ($n pages)" test "$n" = 16384

# Progress: a TTY gets the \r line, a file or pipe gets none of it.
"$fragctl" replay "$top/tests/data/peaks.trace" --sim --arena 4M >/dev/null 2>"$tmp/err"
check "replay progress: nothing written to a file" test "$(tr -cd '\r' <"$tmp/err" | wc -c)" -eq 0
TERM=xterm script -qec "'$fragctl' replay '$top/tests/data/peaks.trace' --sim --arena 4M --strategy buddy >/dev/null" /dev/null >"$tmp/tty" 2>&1
check "replay progress: shown on a TTY" grep -q 'replaying buddy' "$tmp/tty"
TERM=dumb script -qec "'$fragctl' replay '$top/tests/data/peaks.trace' --sim --arena 4M --strategy buddy >/dev/null" /dev/null >"$tmp/tty" 2>&1
check "replay progress: not on a TERM=dumb terminal (the box's logged serial port)" sh -c "! grep -q 'replaying' '$tmp/tty'"

# 9. Man pages and completion: written from the tables --help prints.
check "fragctl.8 and fragctl --man are the same" cmp -s "$B/fragctl.8" <("$fragctl" --man)
# groff itself (what man runs), so the locale of the machine does not matter
render_man() { groff -man -Tascii -ww -rLL=4000n -rHY=0 "$1" 2>"$tmp/manerr" | col -b; }
render_man "$B/fragctl.8" >"$tmp/fragctl.8.txt"
check "fragctl.8 renders without warnings" test -s "$tmp/fragctl.8.txt" -a ! -s "$tmp/manerr"
check "fragctl.8 has every command's usage and help, the exit codes and examples" python3 -c "
import json, re, sys
page = re.sub(r'\s+', ' ', open('$tmp/fragctl.8.txt').read())
d = json.load(open('$tmp/help.json'))
miss = [c['name'] for c in d['commands']
        if (c['name'] + ' ' + c['usage']).strip() not in page and c['name'] not in page
        or c['usage'] not in page or c['help'] not in page]
for s in ('EXIT STATUS', 'EXAMPLES', 'usage error', 'fragctl -c', 'SEE ALSO'):
    if s not in page: miss.append(s)
print('# missing:', miss) if miss else None
sys.exit(bool(miss))"
render_man "$B/libfraglab.3" >"$tmp/libfraglab.3.txt"
check "libfraglab.3 renders and lists every function of fraglab.h" python3 -c "
import re, sys
h = open('$top/userspace/lib/fraglab.h').read()
fns = set(re.findall(r'\b(fraglab_[a-z_]+)\(', h))
page = open('$tmp/libfraglab.3.txt').read()
miss = [f for f in fns if f + '(' not in page]
sys.exit(len(fns) < 30 or bool(miss) or bool(open('$tmp/manerr').read()))"
# complete WORDS...: what the bash completion offers for the last word
complete_bash() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _fragctl; printf "%s\n" "${COMPREPLY[@]}"' _ "$B/fragctl.bash" "$@"
}
check "bash completion: commands" sh -c "$(declare -f complete_bash); B='$B'; complete_bash fragctl al | grep -qx alloc"
check "bash completion: global options" test "$(complete_bash fragctl --ver)" = --version
check "bash completion: a command's options" test "$(complete_bash fragctl replay T --str)" = --strategy
check "bash completion: an option's values" test "$(complete_bash fragctl replay T --strategy best | tr '\n' ' ')" = "best-fit "
check "bash completion: subcommands" test "$(complete_bash fragctl pool cr)" = create
check "bash completion: a command's second word" test "$(complete_bash fragctl set grouping o | tr '\n' ' ')" = "on off "
check "bash completion: a subcommand's options" test "$(complete_bash fragctl pool create 1M --gr)" = --granularity
check "bash completion: file names for TRACE" sh -c "cd '$top/tests/data' && $(declare -f complete_bash | sed "s|\$B|$B|") ; complete_bash fragctl replay peak | grep -qx peaks.trace"
if command -v zsh >/dev/null; then
	check "zsh completion parses" zsh -n "$B/_fragctl"
	check "zsh completion offers the same commands" zsh -c "
		compadd() { shift; print -l -- \"\$@\"; }; _files() { :; }
		words=(fragctl al); CURRENT=2
		source '$B/_fragctl' | grep -qx alloc"
else
	nok "zsh missing (tests/vm/deps.sh installs it)"
fi

# 10. make install into a DESTDIR after a default build: every file, the
# .pc with the prefix asked for, and a program built against the installed
# pkg-config that runs (and the installed tracer preloads).
root=$tmp/root
make -s -C "$top" install-userspace PREFIX=/usr DESTDIR="$root" >"$tmp/install.log" 2>&1
check "make install-userspace PREFIX=/usr DESTDIR=... succeeds" test $? -eq 0
miss=
for f in bin/fragctl lib/libfraglab.a lib/libfraglab.so lib/libfraglab.so.1 lib/libfragtrace.so \
	 include/fraglab.h include/linux/fraglab.h lib/pkgconfig/libfraglab.pc \
	 share/man/man8/fragctl.8 share/man/man3/libfraglab.3 \
	 share/bash-completion/completions/fragctl share/zsh/site-functions/_fragctl; do
	[[ -e $root/usr/$f ]] || miss="$miss $f"
done
check "installed: every file ($miss)" test -z "$miss"
check "installed .pc says prefix=/usr (not the default build's /usr/local)" grep -qx 'prefix=/usr' "$root/usr/lib/pkgconfig/libfraglab.pc"
lib_strings() { tr -c '[:print:]' '\n' <"$root/usr/bin/fragctl" | grep -x "$1"; }
check "installed fragctl looks for libfragtrace.so in /usr/lib, not /usr/local/lib" \
	sh -c "$(declare -f lib_strings); root='$root'; lib_strings /usr/lib >/dev/null && ! lib_strings /usr/local/lib >/dev/null"
check "installed libfraglab.so.1 has soname libfraglab.so.1" sh -c "objdump -p '$root/usr/lib/libfraglab.so.1' | grep -q 'SONAME *libfraglab.so.1'"
pc() { PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_LIBDIR=$root/usr/lib/pkgconfig pkg-config "$@" libfraglab; }
# libfraglab(3)'s example, built against the installed library
if cc -o "$tmp/prog" "$top/userspace/lib/example.c" $(pc --cflags) $(pc --libs) 2>"$tmp/err"; then
	out=$(LD_LIBRARY_PATH=$root/usr/lib "$tmp/prog" "$nodev" 2>&1); rc=$?
	check "libfraglab(3)'s example, built with the installed pkg-config, runs (no device: $out)" \
		test $rc -eq 1 -a "$out" = "open $nodev: No such file or directory"
	cc -shared -fPIC -I"$top/include/uapi" -o "$tmp/fakedev.so" "$top/tests/userspace/fakedev.c" -ldl 2>/dev/null
	out=$(LD_PRELOAD="$tmp/fakedev.so" LD_LIBRARY_PATH=$root/usr/lib "$tmp/prog" /fake/fraglab 2>&1); rc=$?
	check "... and calls into libfraglab.so.1 (a stand-in device: $out)" \
		test $rc -eq 1 -a "${out%%:*}" = alloc
	check "it links the shared library" sh -c "LD_LIBRARY_PATH='$root/usr/lib' ldd '$tmp/prog' | grep -q '$root/usr/lib/libfraglab.so.1'"
	check "the example is in libfraglab(3)" grep -q 'fraglab_alloc(&fl, 21 \* 1024' "$root/usr/share/man/man3/libfraglab.3"
else
	nok "build against the installed pkg-config: $(head -c 300 "$tmp/err")"
fi
FRAGTRACE_OUT="$tmp/inst.trace" LD_PRELOAD="$root/usr/lib/libfragtrace.so" ls -l / >/dev/null
check "the installed libfragtrace.so preloads and traces" grep -q '^#fragtrace 1' "$tmp/inst.trace"
check "the installed man page opens (man -l)" sh -c "MANWIDTH=100 man -l '$root/usr/share/man/man8/fragctl.8' 2>/dev/null | grep -q 'EXIT STATUS'"
check "the installed fragctl runs" sh -c "'$root/usr/bin/fragctl' --version >/dev/null"
make -s -C "$top/userspace" >/dev/null 2>&1
check "a later default build writes the .pc back to /usr/local" grep -qx 'prefix=/usr/local' "$B/libfraglab.pc"

# 11. Prometheus: promtool check metrics on the system part (this machine)
# and on the arena part (a stand-in device, fakedev.c: names, types and
# HELP only; the box runs export against the real module in t_json).
if command -v promtool >/dev/null; then
	"$fragctl" --device "$nodev" export --prometheus >"$tmp/prom" 2>"$tmp/err"
	check "promtool check metrics: export --prometheus (system)" sh -c "promtool check metrics <'$tmp/prom' >'$tmp/lint' 2>&1"
	[[ -s $tmp/lint ]] && sed 's/^/# /' "$tmp/lint"
	if cc -shared -fPIC -I"$top/include/uapi" -o "$tmp/fakedev.so" "$top/tests/userspace/fakedev.c" -ldl 2>"$tmp/err"; then
		LD_PRELOAD="$tmp/fakedev.so" "$fragctl" --device /fake/fraglab export --prometheus >"$tmp/prom2" 2>"$tmp/err"
		check "export --prometheus with an arena has the arena's metrics" grep -q '^fraglab_arena_alloc_failures_total{reason="fragmented"} 3$' "$tmp/prom2"
		check "promtool check metrics: export --prometheus (system + arena)" sh -c "promtool check metrics <'$tmp/prom2' >'$tmp/lint' 2>&1"
		[[ -s $tmp/lint ]] && sed 's/^/# /' "$tmp/lint"
	else
		nok "fakedev.c builds: $(head -c 300 "$tmp/err")"
	fi
	check "every metric has HELP and TYPE" awk '
		/^# HELP / { h[$3] = 1 } /^# TYPE / { t[$3] = 1 }
		!/^#/ { n = $1; sub(/\{.*/, "", n); m[n] = 1 }
		END { for (n in m) if (!h[n] || !t[n]) { print "# no HELP/TYPE: " n; bad = 1 } exit bad }' "$tmp/prom2"
	check "no total hidden in a label (cache=\"_total\")" sh -c "! grep -q '_total\"' '$tmp/prom2'"
	check "slab: the per-cache series add up to at most the total" awk '
		/^fraglab_system_slab_bytes / { t = $2 } /^fraglab_system_slab_cache_bytes\{/ { s += $2 }
		END { exit !(s <= t) }' "$tmp/prom"
else
	nok "promtool missing (tests/vm/deps.sh installs prometheus)"
fi

# 12. Pictures: rendered to PNG (rsvg-convert), the parts a reader needs
# checked in the SVG: ticks, units, a caption with the run's parameters,
# a distinct dash per strategy, failures marked, one operation count.
png_ok() {	# png_ok FILE MAXW MAXH MINBYTES: a PNG no bigger than asked, not blank
	python3 - "$@" <<'PY'
import struct, sys, os
f, maxw, maxh, minb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
d = open(f, 'rb').read(24)
w, h = struct.unpack('>II', d[16:24])
print('# %s: %dx%d, %d bytes' % (os.path.basename(f), w, h, os.path.getsize(f)))
sys.exit(not (d[:8] == b'\x89PNG\r\n\x1a\n' and 300 <= w <= maxw and 200 <= h <= maxh
              and os.path.getsize(f) >= minb))
PY
}
if command -v rsvg-convert >/dev/null; then
	"$fragctl" replay "$top/tests/data/peaks.trace" --sim --arena 4M --svg "$tmp/r.svg" >"$tmp/r.txt"
	nops=$(sed -n 's/^trace .*: \([0-9]*\) operations .*/\1/p' "$tmp/r.txt")
	jops=$("$fragctl" --json replay "$top/tests/data/peaks.trace" --sim --arena 4M --strategy buddy |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["ops"])')
	"$fragctl" map --trace "$top/tests/data/peaks.trace" --arena 8M --svg "$tmp/m.svg" >"$tmp/m.txt"
	mops=$(sed -n 's/.* of \([0-9]*\) ops.*/\1/p' "$tmp/m.txt")
	check "one operation count: header, --json, chart caption, map ($nops $jops $mops)" \
		sh -c "test -n '$nops' && test '$nops' = '$jops' && test '$nops' = '$mops' && grep -q '; $nops operations<' '$tmp/r.svg'"
	check "replay chart: PNG renders, 900 wide, not blank" sh -c "rsvg-convert '$tmp/r.svg' -o '$tmp/r.png' && $(declare -f png_ok); png_ok '$tmp/r.png' 900 1000 20000"
	check "replay chart: ticks, units, caption, dashes, markers, failures" python3 - "$tmp/r.svg" "$nops" <<'PY'
import re, sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
ns = '{http://www.w3.org/2000/svg}'
texts = [t.text or '' for t in r.iter(ns + 'text')]
xt = [t for t in texts if re.fullmatch(r'\d+(\.\d+)?k?', t)]
lines = r.findall(ns + 'polyline')
dashes = [l.get('stroke-dasharray') for l in lines[:6]]
fails = [l for l in r.iter(ns + 'line') if l.get('stroke-width') == '1.5']
ok = {
 'x ticks (>= 5 labels incl. 0)': len(set(xt)) >= 5 and '0' in xt,
 'y unit MiB': 'MiB' in texts, 'y unit %': '%' in texts,
 'x label': any('operations (' in t for t in texts),
 'caption: sim, arena, max order, grouping, ops': any(
     'arena 4.0 MiB' in t and 'max order 10' in t and 'grouping on' in t and
     t.endswith('; %s operations' % sys.argv[2]) for t in texts),
 'six distinct dash patterns': len(set(dashes)) == 6,
 'failure marks': len(fails) > 20,
 'failure totals per strategy': '2893' in texts,
}
for k, v in ok.items():
    if not v: print('# missing:', k)
sys.exit(not all(ok.values()))
PY
	"$fragctl" map --trace "$top/tests/data/peaks.trace" --arena 8M --strategy buddy --at 300 --svg "$tmp/m8.svg" >/dev/null
	"$fragctl" --json map --trace "$top/tests/data/peaks.trace" --arena 8M --strategy buddy --at 300 >"$tmp/m8.json"
	"$fragctl" map --trace "$top/tests/data/sqlite3.trace" --arena 512M --strategy buddy --svg "$tmp/m512.svg" >/dev/null
	check "map (8 MiB, page cells): PNG renders, not blank" sh -c "rsvg-convert '$tmp/m8.svg' -o '$tmp/m8.png' && $(declare -f png_ok); png_ok '$tmp/m8.png' 800 800 8000"
	check "map (512 MiB): a pageblock per cell, PNG at most 800x800" sh -c "rsvg-convert '$tmp/m512.svg' -o '$tmp/m512.png' && $(declare -f png_ok); png_ok '$tmp/m512.png' 800 800 4000 && grep -q 'one cell per 2 MiB pageblock' '$tmp/m512.svg'"
	check "map caption 'N of M pageblocks entirely free' agrees with --json" python3 - "$tmp/m8.svg" "$tmp/m8.json" <<'PY'
import json, re, sys
svg = open(sys.argv[1]).read()
d = json.load(open(sys.argv[2]))
n = sum(1 for p in d['pageblocks'] if p['free'] == p['pages'] == 512)
m = re.search(r'>(\d+) of (\d+) pageblocks entirely free', svg)
print('# caption', m and m.groups(), 'json', n, len(d['pageblocks']))
sys.exit(not (m and int(m.group(1)) == n and int(m.group(2)) == len(d['pageblocks'])))
PY
	check "map legend: no entry overlaps the next" python3 - "$tmp/m8.svg" <<'PY'
import re, sys
svg = open(sys.argv[1]).read()
# legend: a 12x12 swatch, then its label at x + 16 (7 px per character at 12 px is generous)
e = [(int(x), int(y), t) for x, y, t in re.findall(r"<rect x='(\d+)' y='(\d+)' width='12' height='12'[^>]*/><text[^>]*>([^<]*)<", svg)]
bad = [(a, b) for a, b in zip(e, e[1:]) if a[1] == b[1] and a[0] + 16 + 7 * len(a[2]) > b[0]]
print('# legend', [t for _, _, t in e], 'overlaps', bad)
sys.exit(len(e) < 8 or bool(bad))
PY
	check "replay table: one unit per column" python3 - "$tmp/r.txt" <<'PY'
import re, sys
rows = [l.split() for l in open(sys.argv[1]) if re.match(r'^(buddy|slab|first-fit|next-fit|best-fit|worst-fit) ', l)]
# columns: name, peak foot value+unit, ..., min largest value+unit
units = [set(r[2] for r in rows), set(r[7] for r in rows)]
print('# units', units)
sys.exit(len(rows) != 6 or any(len(u) != 1 for u in units))
PY
else
	nok "rsvg-convert missing (tests/vm/deps.sh installs librsvg2-bin)"
fi

tap_summary
