#!/bin/bash
# Several plugins: claims that clash, services between plugins, fini order,
# unwinding when an init fails, and settings errors that name the key.
. "$PVN_SRCDIR/tests/plugins/lib.sh"
need_kvm
keygen pub trusted
for p in ok other needs11 requires failinit; do
	signed "$TP/tp-$p.so" pub "$T/$p.so"
done
e() { echo "{ path = \"$T/$1.so\"; settings = { port = $2; }; }"; }

# Two plugins claiming the same port: refused, both named; the first unwound.
cfg clash "$(e ok 0x710), $(e other 0x711)"
ctor_ok=1 expect_refused "overlapping PIO claims" clash \
	"pio 0x711-0x712 claimed by 'testplug2' is already claimed (0x710-0x711) by 'testplug'"
grep -qx "fini testplug" "$PVN_TEST_FINI_LOG" 2>/dev/null || fail "clash: testplug was not unwound"

# Four plugins, one providing a service another requires: all load, the
# guest runs, fini runs in reverse load order.
cfg four "$(e ok 0x710), $(e other 0x720), $(e needs11 0x730), $(e requires 0x740)"
expect_runs "four plugins with a service" four "svcuser: service testsvc 1.1 answers 42"
printf 'fini svcuser\nfini svcprov\nfini testplug2\nfini testplug\n' >"$T/want"
cmp -s "$T/want" "$PVN_TEST_FINI_LOG" || fail "fini order: $(tr '\n' ' ' <"$PVN_TEST_FINI_LOG")"

# A required service nobody listed earlier provides.
cfg noprov "$(e ok 0x710), $(e requires 0x740), $(e needs11 0x730)"
rm -f "$PVN_TEST_FINI_LOG"
"$PARAVANE" run "$T/noprov.cfg" >"$T/out" 2>&1
[ $? -eq 1 ] || fail "missing service: not refused"
grep -qF "plugin 'svcuser' requires service 'testsvc' 1.0, which no plugin listed before it provides" \
	"$T/out" || fail "missing service: no message"
grep -qx "fini testplug" "$PVN_TEST_FINI_LOG" || fail "missing service: testplug not unwound"

# An init that fails after claiming: everything before it is unwound (fini
# in reverse order), the failed plugin gets no fini, the VM does not start.
cfg failing "$(e ok 0x710), $(e other 0x720), $(e failinit 0x750)"
rm -f "$PVN_TEST_FINI_LOG"
"$PARAVANE" --stats run "$T/failing.cfg" >"$T/out" 2>&1
[ $? -eq 1 ] || fail "failing init: exit is not 1"
grep -qF "plugin 'failer' failed to initialise: Input/output error" "$T/out" ||
	fail "failing init: no message"
printf 'fini testplug2\nfini testplug\n' >"$T/want"
cmp -s "$T/want" "$PVN_TEST_FINI_LOG" || fail "failing init unwind: $(tr '\n' ' ' <"$PVN_TEST_FINI_LOG" 2>/dev/null)"
# --stats prints the VPs' exit counters once the VM has run: none here.
grep -q "paravane stats:" "$T/out" && fail "failing init: the VM ran"
echo "ok: failing init unwound: $(tr '\n' ' ' <"$PVN_TEST_FINI_LOG")"

# Settings errors name the file, line and key.
cfg badport "{ path = \"$T/ok.so\";
  settings = {
    port = \"0x710\"; }; }"
"$PARAVANE" run "$T/badport.cfg" >"$T/out" 2>&1
grep -qF "$T/badport.cfg:7: plugins.[0].settings.port: must be an integer" "$T/out" ||
	{ fail "settings type error"; cat "$T/out"; }
cfg bigport "$(e ok 70000)"
"$PARAVANE" run "$T/bigport.cfg" >"$T/out" 2>&1
grep -qF "plugins.[0].settings.port: must be 0-0xfffe" "$T/out" || fail "settings range error"
cfg badtags "{ path = \"$T/ok.so\"; settings = { tags = [ 1, 2 ]; }; }"
"$PARAVANE" run "$T/badtags.cfg" >"$T/out" 2>&1
grep -qF "plugins.[0].settings.tags: must be a list of strings" "$T/out" || fail "settings list error"
echo "ok: settings errors: $(grep -m1 'settings' "$T/out")"
finish
