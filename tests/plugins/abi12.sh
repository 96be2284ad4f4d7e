#!/bin/bash
# ABI 1.2 calls on a VM without the part they need: VMBus calls on a VM
# without VMBus (hyperv = false) and ACPI calls on a VM without ACPI tables
# (acpi = false) fail with -ENODEV and a logged reason; the VM does not start.
. "$PVN_SRCDIR/tests/plugins/lib.sh"
need_kvm
keygen pub trusted
P='path = "'$T'/p.so";'

# expect_enodev CASE CFG NAME WHY
expect_enodev() {
	local rc
	rm -f "$PVN_TEST_MARKER"
	"$PARAVANE" run "$T/$2.cfg" >"$T/out" 2>&1
	rc=$?
	[ $rc -eq 1 ] || fail "$1: exit $rc, expected 1"
	grep -qF "plugin '$3' failed to initialise: No such device" "$T/out" ||
		fail "$1: no -ENODEV refusal"
	grep -qF "$4" "$T/out" || fail "$1: the reason is not logged"
	echo "ok: $1 refused: $(grep -m1 'failed to initialise' "$T/out" | cut -c1-200)"
}

signed "$TP/tp-vmbus.so" pub "$T/p.so"
cfg nohv "{ $P }"
echo "hyperv = false;" >>"$T/nohv.cfg"
expect_enodev "VMBus offer without Hyper-V" nohv vmbusecho "this VM has no VMBus"
cfg novmbus "{ $P }"
echo "vmbus = { enabled = false; };" >>"$T/novmbus.cfg"
expect_enodev "VMBus offer with vmbus.enabled = false" novmbus vmbusecho "this VM has no VMBus"
cfg vmbus "{ $P }"
expect_runs "VMBus offer with VMBus on" vmbus

signed "$TP/tp-acpi.so" pub "$T/p.so"
cfg noacpi "{ $P }"
echo "acpi = false;" >>"$T/noacpi.cfg"
expect_enodev "ACPI table without ACPI" noacpi acpiplug "this VM has no ACPI tables"
cfg acpi "{ $P }"
expect_runs "ACPI table and device with ACPI on" acpi

# Both plugins in one VM.
cp "$T/p.so" "$T/a.so"
signed "$TP/tp-vmbus.so" pub "$T/p.so"
cfg both "{ path = \"$T/a.so\"; settings = { port = 0x700; }; }, { $P }"
expect_runs "ACPI and VMBus plugins together" both

# Unwinding: a plugin listed after the VMBus one fails its init; the VMBus
# plugin is finalised and its channel rescinded, and the VM does not start.
signed "$TP/tp-failinit.so" pub "$T/f.so"
cfg unwind "{ $P }, { path = \"$T/f.so\"; settings = { port = 0x700; }; }"
echo 'log_level = "debug";' >>"$T/unwind.cfg"
ctor_ok=1 expect_refused "unwinding after a VMBus offer" unwind "failing init on purpose" \
	"vmbusecho: VMBus channel 1 rescinded at unload"
grep -qx "fini vmbusecho" "$PVN_TEST_FINI_LOG" 2>/dev/null || fail "unwind: vmbusecho not finalised"
finish
