#!/bin/sh
# The vTPM's CRB register interface fuzz target (PVN_FUZZ_SECONDS, default 20).
export PVN_FUZZ_SECONDS="${PVN_FUZZ_SECONDS:-20}"
exec "$(dirname "$0")/run-fuzzer" --max-len 4096 fuzz_vtpm_crb
