#!/bin/bash
# tools/testvm, the nested test VM: COMMAND's exit status, output, working
# directory and environment pass through; a boot failure and a timeout are
# reported with their own status and message; nothing is left running; two
# runs at once do not collide; --auto with PVN_TESTVM=never stays on the host.
set -u
S=$(cd "${PVN_SRCDIR:-.}" && pwd)
TV=$S/tools/testvm
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
for p in qemu-system-x86_64 perl; do
	command -v $p >/dev/null || { echo "SKIP: $p is not installed (tools/install-deps installs it)"; exit 77; }
done
# Every run below keeps its files under $T (TMPDIR), so leftovers are ours.
T=$(mktemp -d /tmp/pvn-testvm-test.XXXXXX)
export TMPDIR=$T
# Its own lock file: what this test sees does not depend on other test VMs
# running on the machine.
export PVN_TESTVM_LOCK=$T/lock
trap 'rm -rf "$T"' EXIT
leftovers() { # any process of ours still running? (QEMU, tail, ...)
	local i
	for i in $(seq 20); do
		pgrep -f -- "$T/" >/dev/null || { echo no; return; }
		sleep 0.5
	done
	echo yes
	pgrep -af -- "$T/" >&2
}

# 1. Exit status, stdout and stderr, cwd and environment pass through.
cd "$S"
PVN_TESTVM_PROBE_VAR='a b$c' "$TV" -q -- bash -c \
	'echo "out $PWD [$PVN_TESTVM_PROBE_VAR] $(hostname)"; echo err >&2; test -c /dev/kvm || echo "no kvm"; exit 3' \
	>"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 3 ] && ok "COMMAND's exit 3 is testvm's exit 3" || fail "exit $rc, expected 3"
grep -qxF "out $S [a b\$c] testvm" "$T/out" && ok "stdout, cwd and environment pass through" ||
	fail "stdout: $(cat "$T/out")"
grep -q "no kvm" "$T/out" && fail "the test VM has no /dev/kvm"
grep -qx err "$T/err" && ok "stderr passes through" || fail "stderr: $(cat "$T/err")"
"$TV" -q -- true; rc=$?
[ $rc -eq 0 ] && ok "exit 0 passes through" || fail "true: exit $rc"

# 2. Boot failures: a missing kernel, and a file that is not a kernel.
"$TV" -q --kernel "$T/no-such-vmlinuz" -- true >"$T/out" 2>&1; rc=$?
[ $rc -eq 125 ] && grep -q "kernel $T/no-such-vmlinuz not found" "$T/out" &&
	ok "missing kernel: exit 125, '$(head -n1 "$T/out")'" || { fail "missing kernel: exit $rc"; cat "$T/out"; }
head -c 4096 /dev/urandom >"$T/vmlinuz-garbage"
kver=$(ls -1 /boot/vmlinuz-* | sort -V | tail -n 1)
PVN_TESTVM_KVER=${kver#/boot/vmlinuz-} "$TV" -q --kernel "$T/vmlinuz-garbage" -- true >"$T/out" 2>&1; rc=$?
if [ $rc -eq 125 ] && grep -q "failed to boot" "$T/out"; then
	ok "a kernel that is not one: exit 125, '$(grep -m1 'failed to boot' "$T/out")'"
else
	fail "garbage kernel: exit $rc"; cat "$T/out"
fi
[ "$(leftovers)" = no ] || fail "a process was left behind after the boot failures"

# 3. A timeout kills the VM: exit 124 and a message.
start=$SECONDS
"$TV" -q --timeout 20 -- sleep 600 >"$T/out" 2>&1; rc=$?
[ $rc -eq 124 ] && grep -q "did not finish within 20 s" "$T/out" &&
	ok "timeout: exit 124 after $((SECONDS - start)) s" || { fail "timeout: exit $rc"; cat "$T/out"; }
[ "$(leftovers)" = no ] && ok "no process left behind" || fail "a process was left behind after the timeout"

# 4. Two runs at once: the second waits for the first, and each keeps its
# own output and exit status.
"$TV" -q -- bash -c 'sleep 2; echo first; exit 5' >"$T/a" 2>&1 &
a=$!
for _ in $(seq 100); do pgrep -f -- "$T/pvn-testvm\." >/dev/null && break; sleep 0.1; done
"$TV" -q -- bash -c 'echo second; exit 6' >"$T/b" 2>&1 &
b=$!
wait $a; ra=$?
wait $b; rb=$?
[ $ra -eq 5 ] && [ $rb -eq 6 ] && grep -qx first "$T/a" && grep -qx second "$T/b" &&
	ok "two runs at once: exits 5 and 6, each its own output" ||
	{ fail "two at once: exits $ra $rb"; cat "$T/a" "$T/b"; }
grep -q "waiting for another test VM" "$T/b" && ok "the second run waited for the first ($(grep -m1 waiting "$T/b"))" ||
	{ fail "the second run did not wait for the first"; cat "$T/b"; }

# 5. Killing testvm kills its VM.
"$TV" -q -- sleep 600 >/dev/null 2>&1 &
k=$!
for _ in $(seq 100); do pgrep -f -- "$T/pvn-testvm\." >/dev/null && break; sleep 0.2; done
sleep 1
kill -KILL $k
wait $k 2>/dev/null
sleep 1
[ "$(leftovers)" = no ] && ok "SIGKILL of testvm takes its QEMU with it" || fail "QEMU survived a SIGKILL of testvm"

# 6. --auto: PVN_TESTVM=never runs on the host, always in the VM.
h=$(PVN_TESTVM=never "$TV" --auto -- hostname)
[ "$h" = "$(hostname)" ] && ok "--auto with PVN_TESTVM=never runs on the host" || fail "never: ran on '$h'"
h=$(PVN_TESTVM=always "$TV" -q --auto -- hostname)
[ "$h" = testvm ] && ok "--auto with PVN_TESTVM=always runs in the VM" || fail "always: ran on '$h'"

echo "$fails failure(s)"
[ $fails -eq 0 ]
