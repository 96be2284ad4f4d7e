#!/bin/bash
# Run the nvme plugin's libFuzzer targets (VSTOR packets, SCSI CDBs) for a
# bounded time each; any crash, leak or sanitizer report fails the test.
set -u
B=${PVN_BUILDDIR:-.}
SECS=${PVN_FUZZ_SECONDS:-15}
for name in fuzz_nvme_vstor fuzz_nvme_cdb; do
	[ -x "$B/tests/fuzz/$name" ] || { echo "$name not built (needs clang)"; exit 77; }
done
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
for name in fuzz_nvme_vstor fuzz_nvme_cdb; do
	mkdir -p "$W/$name/corpus" "$W/$name/artifacts"
	"$B/tests/fuzz/$name" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=1024 \
		-max_len=4096 -artifact_prefix="$W/$name/artifacts/" -print_final_stats=1 \
		"$W/$name/corpus" 2>&1 | grep -E "^(stat::|#[0-9]+ +DONE|==|SUMMARY)" | head -n 20
	rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$W/$name/artifacts")" ]; then
		echo "$name found a problem (rc=$rc):"
		for a in "$W/$name"/artifacts/*; do [ -f "$a" ] && od -A x -t x1z "$a" | head -20; done
		exit 1
	fi
	echo "$name: ${SECS}s without findings"
done
