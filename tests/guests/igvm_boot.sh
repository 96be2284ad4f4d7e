#!/bin/bash
# boot = { igvm = "..."; } through the CLI: the igvm_boot test guest, made
# into an IGVM image by igvmtool, boots and passes its own checks (exit 0);
# images the VM cannot honour, corrupted files and bad boot.igvm configs are
# refused before any guest code runs, with a message naming the header.
set -u
B=$(cd "${PVN_BUILDDIR:-.}" && pwd)
PV=$B/paravane
IT=$B/igvmtool
G=$B/tests/guests/igvm_boot.elf
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAILED: $1"; fail=1; sed 's/^/    /' "$T/err"; fi; }
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then echo "SKIP: no usable /dev/kvm"; exit 77; fi
for f in "$PV" "$IT" "$G"; do [ -e "$f" ] || { echo "not built: $f"; exit 1; }; done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
: >"$T/err"

"$IT" build --guest-abi paravane --mem-size 32M -o "$T/g.igvm" "$G" 2>"$T/err"
check "igvmtool builds the test guest" '[ $? -eq 0 ]'
"$IT" check "$T/g.igvm" >/dev/null 2>"$T/err"
check "igvmtool check accepts it" '[ $? -eq 0 ]'

cfg() { # name mib body-of-boot-group [extra]
	printf 'vps = 2;\nmemory = { size_mib = %s; };\nboot = { %s };\nconsole = { output = "stderr"; };\n%s\n' \
		"$2" "$3" "${4:-}" >"$T/$1.cfg"
}
runpv() { # name -> rc in $rc, stderr in $T/err
	"$PV" run "$T/$1.cfg" >/dev/null 2>"$T/err"
	rc=$?
}

# The guest checks VP count, memory map and command line itself (and powers
# off with 1 on a failed assertion).
cfg good 64 "igvm = \"$T/g.igvm\"; cmdline = \"pvn-test cmdline 42\";"
runpv good
check "the IGVM image boots and the guest's checks pass" '[ $rc -eq 0 ]'

# REQUIRED_MEMORY [0, 32 MiB) on a 16 MiB VM.
cfg small 16 "igvm = \"$T/g.igvm\"; cmdline = \"pvn-test cmdline 42\";"
runpv small
check "too little memory: refused naming REQUIRED_MEMORY" \
	'[ $rc -ne 0 ] && grep -Eq "small.cfg: boot.igvm: cannot load .*REQUIRED_MEMORY.*required but" "$T/err"'

# A flipped byte in the headers: the checksum no longer matches.
cp "$T/g.igvm" "$T/bad.igvm"
printf '\x55' | dd of="$T/bad.igvm" bs=1 seek=100 conv=notrunc 2>/dev/null
cfg corrupt 64 "igvm = \"$T/bad.igvm\";"
runpv corrupt
check "corrupted file: refused as not valid IGVM" \
	'[ $rc -ne 0 ] && grep -Eq "boot.igvm: cannot load .*not a valid IGVM file: .*checksum" "$T/err"'

head -c 4000 "$T/g.igvm" >"$T/short.igvm"
cfg short 64 "igvm = \"$T/short.igvm\";"
runpv short
check "truncated file: refused" \
	'[ $rc -ne 0 ] && grep -Eq "boot.igvm: cannot load .*not a valid IGVM file" "$T/err"'

printf 'definitely not IGVM' >"$T/junk.igvm"
cfg junk 64 "igvm = \"$T/junk.igvm\";"
runpv junk
check "not an IGVM file at all: refused" \
	'[ $rc -ne 0 ] && grep -Eq "not a valid IGVM file" "$T/err"'

# VSM only: no NATIVE view for a VTL0 guest.
"$IT" build --platform vsm --mem-size 32M -o "$T/vsm.igvm" "$G" 2>"$T/err"
cfg vsm 64 "igvm = \"$T/vsm.igvm\";"
runpv vsm
check "VSM-only image: refused, no NATIVE platform" \
	'[ $rc -ne 0 ] && grep -Eq "no NATIVE platform .*VSM_ISOLATION" "$T/err"'

# Page data over the runtime's ACPI tables (0xe0000): refused, both named.
head -c 8192 /dev/zero | tr '\0' '\1' >"$T/flat.bin"
"$IT" build --load-addr 0xe0000 --mem-size 32M -o "$T/acpi.igvm" "$T/flat.bin" 2>"$T/err"
cfg overlap 64 "igvm = \"$T/acpi.igvm\";"
runpv overlap
check "page data over the ACPI tables: refused naming PAGE_DATA and acpi" \
	'[ $rc -ne 0 ] && grep -Eq "PAGE_DATA at 0x[0-9a-f]+\): .*owned by .acpi." "$T/err"'

# Config rules.
bad() { # name regex
	want=$2
	runpv "$1"
	check "config: $1" '[ $rc -ne 0 ] && grep -Eq "$want" "$T/err"'
}
cfg both 64 "image = \"$G\"; igvm = \"$T/g.igvm\";"
bad both "both.cfg:3: boot.image: give either boot.image or boot.igvm"
cfg format 64 "igvm = \"$T/g.igvm\"; format = \"elf\";"
bad format "format.cfg:3: boot.format: does not apply to boot.igvm"
cfg unreadable 64 "igvm = \"$T/nonexistent.igvm\";"
bad unreadable "unreadable.cfg:3: boot.igvm: cannot read"
cfg neither 64 "cmdline = \"x\";"
bad neither "neither.cfg:3: boot.image: missing"
cfg cmdline-elf 64 "image = \"$G\"; format = \"elf\"; cmdline = \"x\";"
bad cmdline-elf "cmdline-elf.cfg:3: boot.cmdline: only applies to a Linux kernel"
cfg cmdline-auto 64 "image = \"$G\"; cmdline = \"x\";"
bad cmdline-auto "boot.cmdline: .* is an ELF image, not a Linux kernel"

exit $fail
