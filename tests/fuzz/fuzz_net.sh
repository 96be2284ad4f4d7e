#!/bin/bash
# Run the vmbus-net libFuzzer targets (NVSP packets, RNDIS messages) for a
# bounded time each; a crash, leak, sanitizer report or a malformed frame
# for the backend fails the test.
set -u
B=${PVN_BUILDDIR:-.}
SECS=${PVN_FUZZ_SECONDS:-15}
for name in fuzz_net_nvsp fuzz_net_rndis; do
	F=$B/tests/fuzz/$name
	[ -x "$F" ] || { echo "$name not built (needs clang)"; exit 77; }
done
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
for name in fuzz_net_nvsp fuzz_net_rndis; do
	mkdir -p "$W/$name/corpus" "$W/$name/artifacts"
	"$B/tests/fuzz/$name" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=1024 \
		-max_len=16384 -artifact_prefix="$W/$name/artifacts/" -print_final_stats=1 \
		"$W/$name/corpus" 2>&1 | grep -E "^(stat::|#[0-9]+ +DONE|==|SUMMARY|malformed)" | head -n 20
	rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$W/$name/artifacts")" ]; then
		echo "$name found a problem (rc=$rc):"
		for a in "$W/$name"/artifacts/*; do [ -f "$a" ] && od -A x -t x1z "$a" | head -20; done
		exit 1
	fi
	echo "$name: ${SECS}s without findings"
done
