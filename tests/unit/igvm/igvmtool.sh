#!/bin/bash
# igvmtool end to end: build from small generated images, check, dump --json
# stability, parse/rewrite byte identity, rejection of a corrupted file.
set -eu
B=${PVN_BUILDDIR:-.}
T=$B/igvmtool
[ -x "$T" ] || { echo "igvmtool not built"; exit 1; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# A 600-byte flat "guest" and a small initrd, deterministic contents.
awk 'BEGIN { for (i = 0; i < 600; i++) printf "%c", (i * 37 + 11) % 256 }' >"$W/flat.bin"
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "%c", (i * 13 + 5) % 256 }' >"$W/initrd"

roundtrip() { # file
	"$T" check "$1"
	"$T" dump --json "$1" >"$1.j1"
	"$T" dump --json "$1" >"$1.j2"
	cmp "$1.j1" "$1.j2"
	"$T" rewrite "$1" "$1.rt"
	cmp "$1" "$1.rt"
	"$T" dump --json "$1.rt" >"$1.j3"
	cmp "$1.j1" "$1.j3"
	"$T" dump "$1" >/dev/null
	if command -v python3 >/dev/null; then
		python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1.j1"
	fi
}

"$T" build --cmdline "console=ttyS0 quiet" --initrd "$W/initrd" -o "$W/native.igvm" "$W/flat.bin"
roundtrip "$W/native.igvm"
for t in PAGE_DATA PARAMETER_AREA PARAMETER_INSERT MEMORY_MAP COMMAND_LINE \
	VP_COUNT_PARAMETER VP_CONTEXT REQUIRED_MEMORY; do
	grep -q "\"type\":\"$t\"" "$W/native.igvm.j1" || { echo "missing $t"; exit 1; }
done
grep -q '"rip":"0x100000"' "$W/native.igvm.j1"

# Deterministic output.
"$T" build --cmdline "console=ttyS0 quiet" --initrd "$W/initrd" -o "$W/again.igvm" "$W/flat.bin"
cmp "$W/native.igvm" "$W/again.igvm"

"$T" build --platform vsm --load-addr 0x200000 -o "$W/vsm.igvm" "$W/flat.bin"
roundtrip "$W/vsm.igvm"
grep -q '"vp_kind":"vbs","vtl":2' "$W/vsm.igvm.j1"

"$T" build --platform native,vsm --v2 --mem-size 64M -o "$W/both.igvm" "$W/flat.bin"
roundtrip "$W/both.igvm"
grep -q '"format_version":2' "$W/both.igvm.j1"

# An ELF test guest, if a compiler is around to make one.
if printf 'void _start(void){for(;;);}\n' >"$W/g.c" &&
	${CC:-cc} -nostdlib -static -fno-pie -no-pie -Wl,-Ttext=0x300000 -o "$W/g.elf" "$W/g.c" 2>/dev/null; then
	"$T" build -o "$W/elf.igvm" "$W/g.elf"
	roundtrip "$W/elf.igvm"
else
	echo "note: no compiler for the ELF case"
fi

# Corruptions are refused with a message.
cp "$W/native.igvm" "$W/bad.igvm"
printf '\x01' | dd of="$W/bad.igvm" bs=1 seek=40 conv=notrunc status=none
if "$T" check "$W/bad.igvm" 2>"$W/err"; then echo "corrupt file accepted"; exit 1; fi
grep -q "bad checksum" "$W/err"
head -c 100 "$W/native.igvm" >"$W/trunc.igvm"
if "$T" check "$W/trunc.igvm" 2>"$W/err"; then echo "truncated file accepted"; exit 1; fi
grep -q "truncated" "$W/err"
if "$T" build -o "$W/x.igvm" "$W/missing.bin" 2>/dev/null; then exit 1; fi
echo "igvmtool tests passed"
