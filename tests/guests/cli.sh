#!/bin/bash
# `paravane run` end to end: the demo's UART line and exit status, a guest's
# power-port exit code, a guest reset, the console log file, and config
# errors that stop the run (naming file, line and key) before any guest code.
set -u
B=$(cd "${PVN_BUILDDIR:-.}" && pwd)
S=$(cd "${PVN_SRCDIR:-.}" && pwd)
PV=$B/paravane
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAILED: $1"; fail=1; fi; }
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then echo "SKIP: no usable /dev/kvm"; exit 77; fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

out=$("$PV" run "$S/examples/hello.cfg" 2>"$T/err"); rc=$?
# examples/hello.cfg names the image relative to the source tree; a VPATH
# build keeps it elsewhere, so run a copy that points at the build's image.
if [ $rc -ne 0 ] && grep -q "cannot read" "$T/err"; then
	sed "s|\.\./tests/guests/hello.elf|$B/tests/guests/hello.elf|" "$S/examples/hello.cfg" >"$T/hello.cfg"
	out=$("$PV" run "$T/hello.cfg" 2>"$T/err"); rc=$?
fi
check "hello prints its line" '[ "$out" = "Hello from a Paravane guest!" ]'
check "hello exits 0" '[ $rc -eq 0 ]'

cfg() { # name image extra
	printf 'memory = { size_mib = 16; };\nboot = { image = "%s"; };\n%s\n' "$2" "$3" >"$T/$1.cfg"
}
cfg exit "$B/tests/guests/exitcode.elf" ""
"$PV" run "$T/exit.cfg" >/dev/null 2>&1; rc=$?
check "power-port code becomes the exit status (42)" '[ $rc -eq 42 ]'

cfg reset "$B/tests/guests/reset.elf" ""
"$PV" run "$T/reset.cfg" >/dev/null 2>"$T/err"; rc=$?
check "guest reset exits 124" '[ $rc -eq 124 ] && grep -q "reset" "$T/err"'

cfg fatal "$B/tests/guests/fatal.elf" "vps = 2; boot = { image = \"$B/tests/guests/fatal.elf\"; all_vps = true; };"
sed -i '2d' "$T/fatal.cfg" # the vps/boot line above replaces the default boot line
"$PV" run "$T/fatal.cfg" >/dev/null 2>"$T/err"; rc=$?
check "fatal VP error stops all VPs with 125 and names the RIP" \
	'[ $rc -eq 125 ] && grep -q "cannot emulate the instruction at rip 0xd0000000" "$T/err"'
[ $rc -eq 125 ] || sed 's/^/    /' "$T/err"

cfg logfile "$B/tests/guests/hello.elf" "console = { output = \"file\"; path = \"serial.log\"; };"
out=$("$PV" run "$T/logfile.cfg" 2>/dev/null); rc=$?
check "console to a log file" '[ $rc -eq 0 ] && [ -z "$out" ] && grep -qx "Hello from a Paravane guest!" "$T/serial.log"'

"$PV" --stats run "$T/logfile.cfg" >/dev/null 2>"$T/err"
check "--stats prints exit counters" 'grep -q "exits.pio" "$T/err"'

# Config errors: non-zero, file:line: key named, and the guest never ran
# (the hello guest would have printed its line).
bad() { # name expected-regex config-text
	printf '%s\n' "$3" >"$T/$1.cfg"
	want=$2
	out=$("$PV" run "$T/$1.cfg" 2>"$T/err"); rc=$?
	check "config error: $1" '[ $rc -ne 0 ] && [ -z "$out" ] && grep -Eq "$want" "$T/err"'
	"$PV" check "$T/$1.cfg" >/dev/null 2>&1
	check "paravane check refuses: $1" '[ $? -ne 0 ]'
}
img="$B/tests/guests/hello.elf"
bad unknown-key "$T/unknown-key.cfg:3: memry: unknown key" \
	"$(printf 'memory = { size_mib = 16; };\nboot = { image = "%s"; };\nmemry = 5;' "$img")"
bad unknown-nested "$T/unknown-nested.cfg:2: boot.imgae: unknown key" \
	"$(printf 'memory = { size_mib = 16; };\nboot = { image = "%s"; imgae = "x"; };' "$img")"
bad bad-value "$T/bad-value.cfg:1: memory.size_mib: .*out of range" \
	"$(printf 'memory = { size_mib = 0; };\nboot = { image = "%s"; };' "$img")"
bad bad-type "$T/bad-type.cfg:3: vps: must be an integer" \
	"$(printf 'memory = { size_mib = 16; };\nboot = { image = "%s"; };\nvps = "two";' "$img")"
bad bad-enum "$T/bad-enum.cfg:3: console.output: 'tty' is not one of" \
	"$(printf 'memory = { size_mib = 16; };\nboot = { image = "%s"; };\nconsole = { output = "tty"; };' "$img")"
bad missing-image "$T/missing-image.cfg:2: boot.image: cannot read" \
	"$(printf 'memory = { size_mib = 16; };\nboot = { image = "/nonexistent.elf"; };')"
bad syntax "$T/syntax.cfg:2: syntax error" \
	"$(printf 'memory = { size_mib = 16; };\nboot = { image = ; };')"
bad too-many-vps "$T/too-many-vps.cfg:3: vps: .*out of range" \
	"$(printf 'memory = { size_mib = 16; };\nboot = { image = "%s"; };\nvps = 1000;' "$img")"

"$PV" check "$T/logfile.cfg" >/dev/null
check "paravane check accepts a good config" '[ $? -eq 0 ]'
"$PV" --help | grep -q "run VM.cfg"
check "--help lists run" '[ $? -eq 0 ]'
"$PV" --version | grep -Eq "^paravane [0-9]"
check "--version" '[ $? -eq 0 ]'
exit $fail
