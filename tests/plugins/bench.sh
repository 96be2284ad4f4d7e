#!/bin/bash
# bench/plugin_load runs and prints well-formed JSON lines with the split.
# The 2 ms goal is reported (goal_met), not enforced: machines differ.
. "$PVN_SRCDIR/tests/plugins/lib.sh"
"$B/bench/plugin_load" 10 >"$T/out" 2>"$T/err"
rc=$?
cat "$T/out" "$T/err"
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || fail "bench exit $rc"
[ "$(grep -c '"iter":' "$T/out")" -eq 10 ] || fail "not 10 iteration lines"
grep -q '"summary":true.*"verify_us_median":[0-9.]*,"dlopen_us_median":[0-9.]*,"init_us_median":[0-9.]*' \
	"$T/out" || fail "no summary line"
if command -v python3 >/dev/null; then
	python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/out" || fail "not JSON"
fi
finish
