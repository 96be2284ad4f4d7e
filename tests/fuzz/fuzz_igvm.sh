#!/bin/bash
# The IGVM parser's fuzz target, seeded with files made by igvmtool
# (PVN_FUZZ_SECONDS, default 20).
set -u
B=${PVN_BUILDDIR:-.}
T=$B/igvmtool
[ -x "$B/tests/fuzz/fuzz_igvm" ] || { echo "fuzz_igvm not built (needs clang)"; exit 77; }
[ -x "$T" ] || { echo "igvmtool not built"; exit 1; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/seeds"
awk 'BEGIN { for (i = 0; i < 300; i++) printf "%c", (i * 37 + 11) % 256 }' >"$W/flat.bin"
"$T" build --mem-size 16M --cmdline "x" -o "$W/seeds/native.igvm" "$W/flat.bin" || exit 1
"$T" build --mem-size 16M --platform vsm -o "$W/seeds/vsm.igvm" "$W/flat.bin" || exit 1
"$T" build --mem-size 16M --platform native,vsm --v2 -o "$W/seeds/both.igvm" "$W/flat.bin" || exit 1
PVN_FUZZ_SECONDS=${PVN_FUZZ_SECONDS:-20} "$(dirname "$0")/run-fuzzer" --max-len 65536 \
	--seeds "$W/seeds" fuzz_igvm
