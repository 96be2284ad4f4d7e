#!/bin/bash
# Run the IGVM libFuzzer target for a bounded time on a seed corpus of files
# made by igvmtool; any crash, leak or sanitizer report fails the test.
set -u
B=${PVN_BUILDDIR:-.}
F=$B/tests/fuzz/fuzz_igvm
T=$B/igvmtool
SECS=${PVN_FUZZ_SECONDS:-20}
[ -x "$F" ] || { echo "fuzz_igvm not built (needs clang)"; exit 77; }
[ -x "$T" ] || { echo "igvmtool not built"; exit 1; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/corpus" "$W/artifacts"
awk 'BEGIN { for (i = 0; i < 300; i++) printf "%c", (i * 37 + 11) % 256 }' >"$W/flat.bin"
"$T" build --mem-size 16M --cmdline "x" -o "$W/corpus/native.igvm" "$W/flat.bin" || exit 1
"$T" build --mem-size 16M --platform vsm -o "$W/corpus/vsm.igvm" "$W/flat.bin" || exit 1
"$T" build --mem-size 16M --platform native,vsm --v2 -o "$W/corpus/both.igvm" "$W/flat.bin" || exit 1
"$F" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=1024 -max_len=65536 \
	-artifact_prefix="$W/artifacts/" -print_final_stats=1 "$W/corpus" 2>&1 | tail -n 25
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$W/artifacts")" ]; then
	echo "fuzzer found a problem (rc=$rc):"
	ls -l "$W/artifacts"
	for a in "$W"/artifacts/*; do [ -f "$a" ] && od -A x -t x1z "$a" | head -20; done
	exit 1
fi
echo "fuzz_igvm: ${SECS}s without findings"
