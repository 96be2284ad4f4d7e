#!/bin/sh
# Run the CRB fuzzer for a bounded time (PVN_FUZZ_SECONDS, default 20).
bin=${PVN_BUILDDIR:-.}/tests/fuzz/fuzz_vtpm_crb
if [ ! -x "$bin" ]; then
	echo "SKIP: $bin not built (needs clang)"
	exit 77
fi
corpus=${PVN_BUILDDIR:-.}/tests/fuzz/corpus_vtpm_crb
mkdir -p "$corpus"
exec "$bin" -max_total_time="${PVN_FUZZ_SECONDS:-20}" -max_len=4096 -timeout=10 \
	-rss_limit_mb=1024 -print_final_stats=1 "$corpus"
