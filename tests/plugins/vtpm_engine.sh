#!/bin/bash
# A third party's TPM engine as a plugin: tests/plugins/tp-engine.so provides
# the `tpm-engine` service 1.0 (paravane/tpm_engine.h) with its own libtpms;
# the vtpm plugin, listed after it with engine = "service", sends the
# guest's CRB commands through it. The guest (tests/guests/vtpm.elf: Startup,
# GetRandom, PCR_Extend/Read, NV define/write/read, and deliberate misuse)
# runs to exit 0 under plain `paravane run`, and the engine's command log
# shows every command went through it. Also: "service:NAME", a minimal
# (transmit-only) vtable, and a missing provider (init fails naming the
# setting).
. "$PVN_SRCDIR/tests/plugins/lib.sh"
need_kvm
GUEST=$B/tests/guests/vtpm.elf
ENGINE=$TP/tp-engine.so
VTPM=$B/plugins/vtpm/vtpm.so
for f in "$GUEST" "$ENGINE" "$VTPM"; do
	[ -e "$f" ] || { echo "SKIP: $f not built"; exit 77; }
done
keygen pub trusted
signed "$ENGINE" pub "$T/engine.so"
signed "$VTPM" pub "$T/vtpm.so"
E='path = "'$T'/engine.so";'
V='path = "'$T'/vtpm.so";'

# run CASE CFG: paravane run; exit status in $rc, output in $T/out
run() {
	rm -f "$T/cmds"
	timeout 120 "$PARAVANE" run "$T/$2.cfg" >"$T/out" 2>&1
	rc=$?
}

# 1. The engine plugin before vtpm, engine = "service".
cfg svc "{ $E settings = { cmdlog = \"$T/cmds\"; }; }, { $V settings = { engine = \"service\"; }; }"
run "engine = service" svc
[ $rc -eq 0 ] || { fail "engine = service: exit $rc, expected 0"; sed 's/^/    /' "$T/out" | tail -n 20; }
n=$(wc -l <"$T/cmds" 2>/dev/null || echo 0)
# Startup, GetRandom, PCR_Extend, PCR_Read, NV_DefineSpace, NV_Write, NV_Read
# (the oversized command is answered by the device, never reaches the engine).
[ "$n" -eq 7 ] || fail "engine = service: the engine saw $n commands, expected 7"
for code in 00000144 0000017b 00000182 0000017e 0000012a 00000137 0000014e; do
	grep -q "^cmd 0x$code " "$T/cmds" 2>/dev/null || fail "engine = service: command 0x$code not in the engine's log"
done
grep -qF "tpengine: 7 commands" "$T/out" || fail "engine = service: no command count at fini"
grep -qF "tpengine: powered on" "$T/out" || fail "engine = service: vtpm did not power the engine on"
grep -qF "tpengine: powered off" "$T/out" || fail "engine = service: the engine was not powered off"
echo "ok: engine = service: guest passed, $n commands through the plugin's engine:"
sed 's/^/    /' "$T/cmds" 2>/dev/null

# 2. service:NAME picks "tpm-engine.NAME".
cfg named "{ $E settings = { cmdlog = \"$T/cmds\"; name = \"acme\"; }; }, { $V settings = { engine = \"service:acme\"; }; }"
run "engine = service:acme" named
[ $rc -eq 0 ] || { fail "service:acme: exit $rc"; sed 's/^/    /' "$T/out" | tail -n 20; }
[ "$(wc -l <"$T/cmds" 2>/dev/null || echo 0)" -eq 7 ] || fail "service:acme: commands did not go through the engine"
echo "ok: engine = service:acme uses tpm-engine.acme"

# 3. A minimal vtable (transmit only): power ops are "nothing to do", the
#    engine powers itself on at the first command.
cfg minimal "{ $E settings = { cmdlog = \"$T/cmds\"; minimal = true; }; }, { $V settings = { engine = \"service\"; }; }"
run "minimal vtable" minimal
[ $rc -eq 0 ] || { fail "minimal vtable: exit $rc"; sed 's/^/    /' "$T/out" | tail -n 20; }
[ "$(wc -l <"$T/cmds" 2>/dev/null || echo 0)" -eq 7 ] || fail "minimal vtable: commands did not go through the engine"
echo "ok: a transmit-only tpm-engine vtable works"

# 4. The guest's verdict is the exit status: an engine that fails every
#    command makes the guest's first TPM2_Startup fail its assertion.
cfg broken "{ $E settings = { fail = true; }; }, { $V settings = { engine = \"service\"; }; }"
run "failing engine" broken
[ $rc -ne 0 ] || fail "failing engine: the guest passed (exit 0): the test would not see a broken engine"
echo "ok: a failing engine fails the guest (exit $rc)"

# 5. No provider: vtpm's init fails, naming the setting; the VM does not run.
cfg none "{ $V settings = { engine = \"service\"; }; }"
run "no provider" none
[ $rc -eq 1 ] || fail "no provider: exit $rc, expected 1"
grep -qF "settings.engine" "$T/out" || fail "no provider: the error does not name the engine setting"
grep -qF "no plugin provides the tpm-engine service" "$T/out" || fail "no provider: no reason given"
echo "ok: no provider refused: $(grep -m1 'engine' "$T/out" | cut -c1-220)"

# 6. Listed after vtpm: not found either (services are looked up in list order).
cfg order "{ $V settings = { engine = \"service\"; }; }, { $E }"
run "provider listed after vtpm" order
[ $rc -eq 1 ] || fail "provider after vtpm: exit $rc, expected 1"
grep -qF "list the engine's plugin before vtpm" "$T/out" || fail "provider after vtpm: no hint"
echo "ok: provider listed after vtpm refused"

# 7. A provider under another name than asked.
cfg wrongname "{ $E }, { $V settings = { engine = \"service:nope\"; }; }"
run "wrong name" wrongname
[ $rc -eq 1 ] || fail "service:nope: exit $rc, expected 1"
echo "ok: engine = service:nope refused"
finish
