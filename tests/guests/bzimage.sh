#!/bin/bash
# boot.format = "bzimage" with Debian's own kernel (linux-image-amd64): the
# packaged vmlinuz is picked by "auto" and starts (its banner reaches the
# serial port); malformed images and configs it cannot honour are refused
# with a clear message, exit 1, before any guest code runs: a truncated
# image, a bad setup-header magic, a kernel too large for the VM's memory,
# an initrd that does not fit, an initrd given to a non-Linux image.
set -u
B=$(cd "${PVN_BUILDDIR:-.}" && pwd)
PV=$B/paravane
fail=0
check() { # what condition
	if eval "$2"; then echo "ok: $1"; else
		echo "FAILED: $1 (exit $rc)"; fail=1; sed 's/^/    | /' "$T/err" | tail -n 5
	fi
}
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then echo "SKIP: no usable /dev/kvm"; exit 77; fi
K=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
[ -n "$K" ] || { echo "SKIP: no /boot/vmlinuz-* (tools/install-deps installs linux-image-amd64)"; exit 77; }
[ -x "$PV" ] || { echo "not built: $PV"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
: >"$T/err"
echo "kernel: $K ($(stat -c %s "$K") bytes)"

cfg() { # name mib boot-group-body
	printf 'memory = { size_mib = %s; };\npit = true;\nboot = { %s };\nconsole = { output = "file"; path = "%s"; };\n' \
		"$2" "$3" "$T/$1.serial" >"$T/$1.cfg"
}
runpv() { # name [timeout]: rc in $rc, stderr in $T/err
	timeout "${2:-60}" "$PV" run "$T/$1.cfg" >/dev/null 2>"$T/err"
	rc=$?
}
msg() { grep -v ": info: " "$T/err" | head -n 1; }
refused() { # name pattern: exit 1, the pattern in the message, no guest output
	[ $rc -eq 1 ] && grep -q -- "$2" "$T/err" && ! [ -s "$T/$1.serial" ]
}

# The packaged kernel, format "auto": it must start. It would take many
# seconds to boot; its banner on the serial port is the proof that the
# loader placed and entered it correctly.
printf 'x' >"$T/tiny-initrd"
cfg good 256 "image = \"$K\"; initrd = \"$T/tiny-initrd\"; cmdline = \"console=ttyS0 panic=-1 pvn-bzimage-test\";"
timeout 60 "$PV" run "$T/good.cfg" >/dev/null 2>"$T/err" &
pv=$!
for _ in $(seq 600); do
	grep -q "Command line: .*pvn-bzimage-test" "$T/good.serial" 2>/dev/null && break
	kill -0 $pv 2>/dev/null || break
	sleep 0.1
done
kill $pv 2>/dev/null
wait $pv 2>/dev/null
rc=0
check "auto picks bzimage and the packaged kernel starts: '$(grep -m1 -o 'Linux version [^ ]*' "$T/good.serial" 2>/dev/null)'" \
	'grep -q "Command line: .*pvn-bzimage-test" "$T/good.serial"'

# Truncated: a third of the file (the header says more), and a stub.
head -c $(($(stat -c %s "$K") / 3)) "$K" >"$T/truncated"
cfg trunc 256 "image = \"$T/truncated\"; format = \"bzimage\";"
runpv trunc
check "truncated bzImage refused: '$(msg)'" 'refused trunc "truncated bzImage"'
head -c 300 "$K" >"$T/stub"
cfg stub 256 "image = \"$T/stub\"; format = \"bzimage\";"
runpv stub
check "300-byte bzImage refused: '$(msg)'" 'refused stub "too short for a bzImage"'

# Bad setup-header magic ("HdrS" at 0x202 overwritten).
cp "$K" "$T/badmagic"
printf 'XXXX' | dd of="$T/badmagic" bs=1 seek=$((0x202)) conv=notrunc status=none
cfg badmagic 256 "image = \"$T/badmagic\"; format = \"bzimage\";"
runpv badmagic
check "bad setup-header magic refused: '$(msg)'" 'refused badmagic "not a bzImage: .*magic"'
# ... and "auto" does not take it for a bzImage: a flat binary takes no initrd.
cfg badauto 256 "image = \"$T/badmagic\"; initrd = \"$T/tiny-initrd\";"
runpv badauto
check "auto: a non-bzImage with an initrd refused: '$(msg)'" 'refused badauto "not a Linux kernel"'

# Too large for the memory: it decompresses into init_size from 16 MiB.
cfg small 48 "image = \"$K\";"
runpv small
check "kernel too large for 48 MiB refused: '$(msg)'" 'refused small "raise memory.size_mib"'

# An initrd that does not fit between the kernel's end and the top of RAM.
truncate -s 100M "$T/big-initrd"
cfg biginitrd 128 "image = \"$K\"; initrd = \"$T/big-initrd\";"
runpv biginitrd
check "100 MiB initrd in a 128 MiB VM refused: '$(msg)'" 'refused biginitrd "does not fit"'

# A command line longer than the kernel takes.
long=$(head -c 5000 /dev/zero | tr '\0' a)
cfg longcmd 256 "image = \"$K\"; cmdline = \"$long\";"
runpv longcmd
check "5000-byte command line refused: '$(msg | cut -c1-100)'" 'refused longcmd "cmdline"'

exit $fail
