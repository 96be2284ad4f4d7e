#!/bin/bash
# ABI minor compatibility in both directions. PARAVANE_TEST_HOST_OPS_MINOR=0,
# 1 or 2 makes the runtime hand out a 1.0-, 1.1- or 1.2-sized host-ops table
# (test-only switch).
. "$PVN_SRCDIR/tests/plugins/lib.sh"
need_kvm
keygen pub trusted
P='path = "'$T'/p.so"; settings = { port = 0x710; verbose = true; };'
cfg m "{ $P }"

# expect_enosys CASE NAME WHY: init fails cleanly with -ENOSYS, the loader
# names the plugin and the plugin says why.
expect_enosys() {
	local rc
	rm -f "$PVN_TEST_MARKER"
	"$PARAVANE" run "$T/m.cfg" >"$T/out" 2>&1
	rc=$?
	[ $rc -eq 1 ] || fail "$1: exit $rc, expected 1"
	grep -qF "plugin '$2' failed to initialise: Function not implemented" "$T/out" ||
		fail "$1: no -ENOSYS refusal"
	grep -qF "$3" "$T/out" || fail "$1: plugin did not say why"
	echo "ok: $1 refused: $(grep -m1 'failed to initialise' "$T/out")"
}

signed "$TP/tp-minor0.so" pub "$T/p.so"
expect_runs "1.0 plugin on the 1.3 runtime" m "ABI 1.0 on runtime 1.3"
signed "$TP/tp-needs11.so" pub "$T/p.so"
expect_runs "1.1 plugin (services) on the 1.3 runtime" m
signed "$TP/tp-minor2.so" pub "$T/p.so"
expect_runs "1.2 plugin on the 1.3 runtime" m "ABI 1.2 on runtime 1.3"
signed "$TP/tp-ok.so" pub "$T/p.so"
expect_runs "1.3 plugin (vm_info) on the 1.3 runtime" m "ABI 1.3 on runtime 1.3" \
	"VM 'm': 1 VP(s), 32 MiB"
signed "$TP/tp-minor4.so" pub "$T/p.so"
expect_runs "1.4 plugin (larger descriptor) on the 1.3 runtime" m "newer than this runtime's 1.3"
signed "$TP/tp-vmbus.so" pub "$T/p.so"
expect_runs "1.3 plugin using VMBus on the 1.3 runtime" m "ABI 1.3 on runtime 1.3"
signed "$TP/tp-acpi.so" pub "$T/p.so"
expect_runs "1.3 plugin using ACPI on the 1.3 runtime" m "ABI 1.3 on runtime 1.3"

export PARAVANE_TEST_HOST_OPS_MINOR=2
signed "$TP/tp-minor2.so" pub "$T/p.so"
expect_runs "1.2 plugin on a 1.2 runtime" m "ABI 1.2 on runtime 1.2"
signed "$TP/tp-ok.so" pub "$T/p.so"
expect_runs "1.3 plugin that copes without 1.3 functions on a 1.2 runtime" m \
	"ABI 1.3 on runtime 1.2" "newer than this runtime's 1.2" "no vm_info on runtime 1.2"
signed "$TP/tp-vmbus.so" pub "$T/p.so"
expect_runs "1.3 VMBus plugin on a 1.2 runtime" m "ABI 1.3 on runtime 1.2"
signed "$TP/tp-minor4.so" pub "$T/p.so"
expect_runs "1.4 plugin on a 1.2 runtime" m "ABI 1.4 on runtime 1.2"

export PARAVANE_TEST_HOST_OPS_MINOR=1
signed "$TP/tp-minor0.so" pub "$T/p.so"
expect_runs "1.0 plugin on a 1.1 runtime" m "ABI 1.0 on runtime 1.1"
signed "$TP/tp-ok.so" pub "$T/p.so"
expect_runs "1.3 plugin that copes without 1.2 functions on a 1.1 runtime" m \
	"ABI 1.3 on runtime 1.1" "newer than this runtime's 1.1"
signed "$TP/tp-needs11.so" pub "$T/p.so"
expect_runs "needs-1.1 plugin on a 1.1 runtime" m
# A plugin that cannot do without a 1.2 function fails cleanly: -ENOSYS.
signed "$TP/tp-vmbus.so" pub "$T/p.so"
expect_enosys "needs VMBus (1.2) on 1.1" vmbusecho \
	"cannot offer the VMBus echo channel: Function not implemented (runtime ABI 1.1)"
signed "$TP/tp-acpi.so" pub "$T/p.so"
expect_enosys "needs ACPI (1.2) on 1.1" acpiplug \
	"cannot add ACPI table/device: Function not implemented (runtime ABI 1.1)"

export PARAVANE_TEST_HOST_OPS_MINOR=0
signed "$TP/tp-minor0.so" pub "$T/p.so"
expect_runs "1.0 plugin on a 1.0 runtime" m "ABI 1.0 on runtime 1.0"
signed "$TP/tp-ok.so" pub "$T/p.so"
expect_runs "1.3 plugin that copes without 1.1 functions on a 1.0 runtime" m "ABI 1.3 on runtime 1.0"
signed "$TP/tp-minor4.so" pub "$T/p.so"
expect_runs "1.4 plugin on a 1.0 runtime" m "ABI 1.4 on runtime 1.0"
# A plugin that cannot do without a 1.1 function fails cleanly: -ENOSYS.
signed "$TP/tp-needs11.so" pub "$T/p.so"
expect_enosys "needs 1.1 on 1.0" svcprov "cannot provide service testsvc"
signed "$TP/tp-vmbus.so" pub "$T/p.so"
expect_enosys "needs VMBus (1.2) on 1.0" vmbusecho "Function not implemented (runtime ABI 1.0)"
unset PARAVANE_TEST_HOST_OPS_MINOR
signed "$TP/tp-needs11.so" pub "$T/p.so"
expect_runs "needs-1.1 plugin on the 1.3 runtime" m
finish
