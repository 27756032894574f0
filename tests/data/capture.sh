#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# capture.sh - record the real-program traces of tests/data with
# libfragtrace.so, then make them small and anonymous (README.md):
#   - the trace of the process that did the work is kept (gcc: cc1, the
#     largest file of the run);
#   - addresses become small ids (the same address always gets the same
#     id, so frees still match), thread ids become 1, 2, ...;
#   - only the first MAX_EVENTS events are kept (default 20000), so blocks
#     allocated before the cut and freed after it show up as never freed.
#
#   bash tests/data/capture.sh [OUTDIR]      (default: tests/data)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-$here}
lib=${FRAGTRACE_LIB:-$top/build/userspace/libfragtrace.so}
max=${MAX_EVENTS:-20000}
[[ -f $lib ]] || make -C "$top/userspace" >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# compact IN OUT NAME: keep the header, renumber ids and tids, cut.
compact() {
	awk -v max="$max" -v name="$3" '
	NR == 1 { print "#fragtrace 1 program=" name " (compacted by tests/data/capture.sh)"; next }
	/^#/ { print; next }
	function id(a) { if (a == "0") return "0"; if (!(a in ids)) ids[a] = sprintf("%x", ++nid); return ids[a] }
	n >= max { exit }
	{
		if (!($3 in tids)) tids[$3] = ++ntid
		print n + 0, $2, tids[$3], $4, id($5), $6, $7, id($8)
		n++
	}' "$1" > "$2"
}

# run NAME CMD...: trace CMD, keep the biggest trace file of the run.
run() {
	local name=$1
	shift
	rm -f "$tmp"/t.*
	(cd "$tmp" && FRAGTRACE_OUT="$tmp/t.%p" LD_PRELOAD="$lib" "$@" >/dev/null 2>&1) || true
	local big
	big=$(ls -S "$tmp"/t.* | head -n1)
	compact "$big" "$out/$name.trace" "$name"
	echo "$name.trace: $(grep -vc '^#' "$out/$name.trace") events from $(sed -n '1s/.*exe=//p' "$big")"
}

cat > "$tmp/small.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
struct node { struct node *next; char name[32]; int v; };
static struct node *push(struct node *h, const char *s, int v)
{
	struct node *n = malloc(sizeof(*n));
	if (!n) abort();
	snprintf(n->name, sizeof(n->name), "%s", s);
	n->v = v; n->next = h;
	return n;
}
int main(int argc, char **argv)
{
	struct node *h = NULL;
	for (int i = 1; i < argc; i++) h = push(h, argv[i], i);
	for (; h; h = h->next) printf("%s %d\n", h->name, h->v);
	return 0;
}
C
run gcc-c gcc -O2 -c small.c -o small.o

cat > "$tmp/work.sql" <<'SQL'
CREATE TABLE kv(k INTEGER PRIMARY KEY, v TEXT, n REAL);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000)
INSERT INTO kv SELECT x, printf('value-%d-%s', x, hex(randomblob(x % 97))), x * 0.5 FROM c;
CREATE INDEX kv_v ON kv(v);
DELETE FROM kv WHERE k % 3 = 0;
UPDATE kv SET v = v || v WHERE k % 5 = 0;
SELECT count(*), sum(length(v)) FROM kv;
SELECT k, v FROM kv ORDER BY v LIMIT 10;
VACUUM;
SQL
if command -v sqlite3 >/dev/null; then
	run sqlite3 sh -c 'sqlite3 db.sqlite < work.sql'
else
	echo "sqlite3 is not installed: skipping sqlite3.trace" >&2
fi

cat > "$tmp/work.py" <<'PY'
import json, collections
words = collections.Counter()
docs = []
for i in range(4000):
    d = {"id": i, "tags": ["t%d" % (i % 37), "u%d" % (i % 11)], "body": "x" * (i % 300)}
    docs.append(json.dumps(d))
    words.update(d["tags"])
    if i % 3 == 0:
        docs.pop(0)
print(len(docs), words.most_common(3))
PY
run python3 /usr/bin/python3 work.py

# the fragmenting cache of docs/AUDIT.md, small: 10000 sets of 256 keys
cc -O2 -o "$tmp/cache-churn" "$top/tests/workloads/cache-churn.c"
run cache-churn "$tmp/cache-churn" 10000 256 7
