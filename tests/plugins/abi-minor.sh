#!/bin/bash
# ABI minor compatibility in both directions. PARAVANE_TEST_HOST_OPS_MINOR=0
# makes the runtime hand out a 1.0-sized host-ops table (test-only switch).
. "$PVN_SRCDIR/tests/plugins/lib.sh"
need_kvm
keygen pub trusted
P='path = "'$T'/p.so"; settings = { port = 0x710; verbose = true; };'
cfg m "{ $P }"

signed "$TP/tp-minor0.so" pub "$T/p.so"
expect_runs "1.0 plugin on the 1.1 runtime" m "ABI 1.0 on runtime 1.1"
signed "$TP/tp-minor2.so" pub "$T/p.so"
expect_runs "1.2 plugin (larger descriptor) on the 1.1 runtime" m "newer than this runtime's 1.1"

export PARAVANE_TEST_HOST_OPS_MINOR=0
signed "$TP/tp-minor0.so" pub "$T/p.so"
expect_runs "1.0 plugin on a 1.0 runtime" m "ABI 1.0 on runtime 1.0"
signed "$TP/tp-ok.so" pub "$T/p.so"
expect_runs "1.1 plugin that copes without 1.1 functions on a 1.0 runtime" m "ABI 1.1 on runtime 1.0"
signed "$TP/tp-minor2.so" pub "$T/p.so"
expect_runs "1.2 plugin on a 1.0 runtime" m "ABI 1.2 on runtime 1.0"
# A plugin that cannot do without a 1.1 function fails cleanly: -ENOSYS.
signed "$TP/tp-needs11.so" pub "$T/p.so"
rm -f "$PVN_TEST_MARKER"
"$PARAVANE" run "$T/m.cfg" >"$T/out" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "needs 1.1 on 1.0: exit $rc, expected 1"
grep -qF "plugin 'svcprov' failed to initialise: Function not implemented" "$T/out" ||
	fail "needs 1.1 on 1.0: no -ENOSYS refusal"
grep -qF "cannot provide service testsvc" "$T/out" || fail "needs 1.1 on 1.0: plugin did not say why"
echo "ok: needs-1.1 plugin on a 1.0 runtime refused: $(grep -m1 'failed to initialise' "$T/out")"
unset PARAVANE_TEST_HOST_OPS_MINOR
expect_runs "needs-1.1 plugin on the 1.1 runtime" m
finish
